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
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
