package filelock_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/hebergement/console/backend/filelock"
)

func TestOneHolderAtATime(t *testing.T) {
	if runtime.GOOS != "windows" && runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("no file lock on this platform")
	}
	path := filepath.Join(t.TempDir(), "lock")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := open(), open()
	defer b.Close()
	if ok, err := filelock.TryLock(a); !ok || err != nil {
		t.Fatalf("first lock: %v, %v", ok, err)
	}
	if ok, err := filelock.TryLock(b); ok || err != nil {
		t.Fatalf("second open got the lock while the first holds it: %v, %v", ok, err)
	}
	a.Close()
	if ok, err := filelock.TryLock(b); !ok || err != nil {
		t.Fatalf("the lock did not go with its holder: %v, %v", ok, err)
	}
}
