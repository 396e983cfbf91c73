//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris)

package filestore

import "os"

// On Windows a file another process has open cannot be removed (Go opens
// files without FILE_SHARE_DELETE), so the open handle of a writer is its
// lock, from the moment the file is created.

// closeBeforeRename is true: Windows cannot rename an open file.
const closeBeforeRename = true

// lockOwn has nothing to do: the open handle protects the file.
func lockOwn(*os.File) (bool, error) { return true, nil }

// removeAbandoned tries to remove the file; it fails while a writer has it
// open.
func removeAbandoned(path string) { os.Remove(path) }
