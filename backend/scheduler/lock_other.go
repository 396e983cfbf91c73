//go:build !(darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris || windows)

package scheduler

import (
	"errors"
	"os"
)

// tryLock has no file lock to take on this platform: the scheduler refuses
// to run rather than risk two runners on one data folder.
func tryLock(*os.File) (bool, error) {
	return false, errors.New("scheduler: no file lock on this platform")
}
