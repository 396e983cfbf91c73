//go:build windows

package scheduler

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
)

// tryLock takes an exclusive lock (LockFileEx) on one byte of f far past its
// content, without waiting, so that the holder's line stays readable by the
// others. The lock belongs to the handle: a second handle on the same file,
// even in this process, does not get it, and Windows releases it when the
// handle is closed or the process dies.
func tryLock(f *os.File) (bool, error) {
	ol := &windows.Overlapped{Offset: 0, OffsetHigh: 0x7fffffff}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, windows.ERROR_LOCK_VIOLATION):
		return false, nil
	default:
		return false, err
	}
}
