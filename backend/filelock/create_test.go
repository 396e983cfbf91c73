package filelock

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Processes creating one file together: exactly one makes it, every one
// then reads the whole of what it wrote, and no temporary file is left.
func TestCreateOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "instances.key")
	var made atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			ok, err := CreateOnce(path, bytes.Repeat([]byte(fmt.Sprint(i%10)), 4096))
			if err != nil {
				t.Error(err)
			}
			if ok {
				made.Add(1)
			}
			data, err := os.ReadFile(path)
			if err != nil || len(data) != 4096 || !bytes.Equal(data, bytes.Repeat(data[:1], 4096)) {
				t.Errorf("read %d bytes (%v): not one whole write", len(data), err)
			}
		})
	}
	wg.Wait()
	if n := made.Load(); n != 1 {
		t.Errorf("made %d times", n)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left %d files", len(entries))
	}
	if fi, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("mode: %v %v", fi, err)
	}
}
