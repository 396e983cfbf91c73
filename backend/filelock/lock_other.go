//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || windows)

package filelock

import (
	"errors"
	"os"
)

// TryLock has no file lock to take on this platform: callers refuse what
// needs one rather than risk two holders.
func TryLock(*os.File) (bool, error) {
	return false, errors.New("filelock: no file lock on this platform")
}
