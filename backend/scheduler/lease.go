package scheduler

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hebergement/console/backend/filelock"
)

// LockFile is the name of the lock file, in the data folder, that the one
// process running the scheduler holds.
const LockFile = "scheduler.lock"

// Lease is the scheduler lock of one data folder: an OS file lock on
// scheduler.lock, held by one process at a time, released when it closes the
// file or dies. The holder writes who it is into the file, for the others'
// health lines.
type Lease struct {
	f    *os.File
	path string
}

// TryLease takes the scheduler lock of dir without waiting. When another
// process holds it, it returns nil and that process's line ("pid 1234 on
// host since …"), or "" when it has not written it yet.
func TryLease(dir string, now time.Time) (*Lease, string, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, "", fmt.Errorf("scheduler lock: %w", err)
	}
	ok, err := filelock.TryLock(f)
	if err != nil || !ok {
		f.Close()
		if err != nil {
			return nil, "", fmt.Errorf("scheduler lock %s: %w", path, err)
		}
		return nil, holderOf(path), nil
	}
	host, _ := os.Hostname()
	line := fmt.Sprintf("pid %d on %s since %s\n", os.Getpid(), host, now.Format(time.RFC3339))
	// Best effort: the line only feeds the others' health lines.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(line), 0) //nolint:errcheck
	}
	return &Lease{f: f, path: path}, "", nil
}

// holderOf reads the line the holder of the lock wrote, bounded and made
// printable (it ends up in logs and on the console).
func holderOf(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	buf := make([]byte, 200)
	n, _ := f.Read(buf)
	line, _, _ := strings.Cut(string(buf[:n]), "\n")
	return strings.Map(func(r rune) rune {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, line)
}

// Path is the lock file's path.
func (l *Lease) Path() string { return l.path }

// Release gives the lock up; another process may take it at once.
func (l *Lease) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
