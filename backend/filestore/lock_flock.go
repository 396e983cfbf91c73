//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd || solaris

package filestore

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// closeBeforeRename is false: a pending file keeps its lock until it has
// left tmp/.
const closeBeforeRename = false

// flock takes an exclusive advisory lock on f without waiting. The lock
// belongs to the open file description: a second open of the same file, even
// in this process, does not get it while f holds it, and it goes away when
// the holder closes the file or dies.
func flock(f *os.File) (bool, error) {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, unix.EWOULDBLOCK):
		return false, nil
	default:
		return false, err
	}
}

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
	ok, err := flock(f)
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
	if ok, err := flock(f); err != nil || !ok {
		return
	}
	if sameFile(f, path) {
		os.Remove(path)
	}
}
