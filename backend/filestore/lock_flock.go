//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package filestore

import (
	"os"

	"github.com/hebergement/console/backend/filelock"
)

// closeBeforeRename is false: a pending file keeps its lock until it has
// left tmp/.
const closeBeforeRename = false

// sameFile reports whether path still names the file f has open.
func sameFile(f *os.File, path string) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	pi, err := os.Lstat(path)
	return err == nil && os.SameFile(fi, pi)
}

// lockOwn locks a temporary file its writer just created. It reports false
// when a sweep got there first: the sweep holds the lock, or took it and
// removed the path, which then no longer names f.
func lockOwn(f *os.File) (bool, error) {
	ok, err := filelock.TryLock(f)
	if err != nil || !ok {
		return false, err
	}
	return sameFile(f, f.Name()), nil
}

// removeAbandoned removes the temporary file at path if no writer holds its
// lock: its writer died or finished. The lock is held while checking that
// path still names the locked file and removing it, so a writer that locks
// its new file afterwards sees the path gone and starts over (see lockOwn).
func removeAbandoned(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	if ok, err := filelock.TryLock(f); err != nil || !ok {
		return
	}
	if sameFile(f, path) {
		os.Remove(path)
	}
}
