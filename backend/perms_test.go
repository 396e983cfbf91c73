//go:build unix

package backend_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hebergement/console/backend/clock"
)

// TestDataFolderIsPrivate checks that nothing the back end writes (database
// and its -wal and -shm, stored files, temporary files, outbox) can be read
// by anyone but its owner. The umask is cleared during the test so that no
// file owes its privacy to the environment.
func TestDataFolderIsPrivate(t *testing.T) {
	sqliteOnly(t)
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })

	dir := filepath.Join(t.TempDir(), "data") // created by the back end
	e := openEnv(t, dir, clock.NewFake(start))
	s, est := e.session(t, "Lycée Victor Hugo")
	paths := generate(t, est.HostingNumber, "LYCEE", 64<<10)
	b := load(t, s, paths[0])
	ok(t, s.OpenBase(context.Background(), b.ID))
	ok(t, s.PutInService(context.Background()))
	if _, err := attach(s, paths[1]); err != nil {
		t.Fatalf("AttachAnnex: %v", err)
	}

	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		seen[rel] = true
		mode := info.Mode()
		switch {
		case mode.IsDir():
			if mode.Perm()&^0o700 != 0 {
				t.Errorf("folder %s has mode %v, want 0700 at most", rel, mode.Perm())
			}
		case mode&0o077 != 0:
			t.Errorf("file %s has mode %v: readable or writable by others than its owner", rel, mode.Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The walk must have met what it is meant to check.
	for _, want := range []string{".", "hebergement.db", "hebergement.db-wal", "hebergement.db-shm", "files/objects", "files/tmp", "outbox"} {
		if !seen[want] {
			t.Errorf("%s not found in the data folder; saw %v", want, seen)
		}
	}
	if len(e.objects(t)) < 2 {
		t.Errorf("stored files: %v, want the base and its annex", e.objects(t))
	}
}
