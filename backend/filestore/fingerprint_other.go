//go:build !linux && !darwin

package filestore

import "os"

// sysFingerprint has no inode or status-change time to give here (Windows
// and the rarer systems): the size and modification time are the
// fingerprint.
func sysFingerprint(os.FileInfo) (inode, changed int64) { return 0, 0 }
