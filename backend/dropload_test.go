package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

// Deleting a base while the very same file is being loaded again never
// leaves the new base without its stored file: the delete's "nothing refers
// to it any more" and its removal happen in one write transaction, and the
// load puts the file in place in the transaction that records it.
func TestDeleteRacingALoadOfTheSameFile(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, est := e.session(t, "Lycée Voltaire")
	path := generate(t, est.HostingNumber, "JUMELLE", 1<<20)[0]
	first := load(t, s, path)

	paused, resume := make(chan struct{}), make(chan struct{})
	var once sync.Once
	backend.SetDropHook(t, func(sum string) {
		if sum == first.SHA256 {
			once.Do(func() { close(paused); <-resume })
		}
	})
	deleted := make(chan error, 1)
	go func() { deleted <- s.DeleteBase(ctx, first.ID) }()
	<-paused // the delete found the file unreferenced and is about to remove it

	loaded := make(chan error, 1)
	go func() {
		_, err := loadErr(s, "JUMELLE.HNOT", path)
		loaded <- err
	}()
	// Give the load the time to finish if nothing holds it back: before the
	// fix it recorded its base here, on a file about to be removed.
	var loadErr error
	done := false
	select {
	case loadErr = <-loaded:
		done = true
	case <-time.After(500 * time.Millisecond):
	}
	close(resume)
	ok(t, <-deleted)
	if !done {
		loadErr = <-loaded
	}
	ok(t, loadErr)

	bases := allBases(mustBases(t, s))
	if len(bases) != 1 {
		t.Fatalf("%d bases, want the one loaded again", len(bases))
	}
	b := bases[0]
	obj := filepath.Join(e.dir, "files", "objects", b.SHA256[:2], b.SHA256)
	if _, err := os.Stat(obj); err != nil {
		t.Fatalf("the base loaded again has no stored file: %v", err)
	}
	if err := s.OpenBase(ctx, b.ID); err != nil {
		t.Fatalf("opening the base loaded again: %v", err)
	}
}

// A stored file no row refers to (a load stopped by a crash between putting
// its file in place and committing its row) is removed when a back end opens
// the data folder; the files of the bases are kept.
func TestOrphanFilesRemovedAtOpen(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Montesquieu")
	kept := load(t, s, generate(t, est.HostingNumber, "GARDEE", 1<<20)[0])
	orphan := strings.Repeat("ab", 32)
	dir := filepath.Join(e.dir, "files", "objects", orphan[:2])
	ok(t, os.MkdirAll(dir, 0o700))
	ok(t, os.WriteFile(filepath.Join(dir, orphan), []byte("crash"), 0o600))

	openEnv(t, e.dir, e.clock)
	if _, err := os.Stat(filepath.Join(dir, orphan)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the orphan file is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "files", "objects", kept.SHA256[:2], kept.SHA256)); err != nil {
		t.Errorf("the file of a base was removed: %v", err)
	}
}
