package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
	"github.com/hebergement/console/backend/store/storetest"
)

// TestConformance runs the store tests every implementation passes, each
// on a new database file.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openHandles(t, filepath.Join(t.TempDir(), "h.db"), 1)[0]
	})
}

// TestConformanceInstances runs the concurrency cases over several
// handles on one file, as several processes would.
func TestConformanceInstances(t *testing.T) {
	storetest.RunInstances(t, func(t *testing.T, n int) []store.Store {
		return openHandles(t, filepath.Join(t.TempDir(), "h.db"), n)
	})
}

// openHandles opens the database file n times, closing the handles at the
// end of the test.
func openHandles(t *testing.T, path string, n int) []store.Store {
	t.Helper()
	out := make([]store.Store, n)
	for i := range out {
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		out[i] = s
	}
	return out
}
