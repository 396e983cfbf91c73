package postgres_test

import (
	"context"
	"testing"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/postgres"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
	"github.com/hebergement/console/backend/store/storetest"
)

// TestConformance runs the store tests every implementation passes, each
// on a new database of the server HEBERGEMENT_TEST_DB names (skipped
// without it).
func TestConformance(t *testing.T) {
	pgtest.DSN(t) // skips the whole suite at once without a server
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := postgres.Open(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestConformanceInstances runs the concurrency cases over several
// handles on one database, as several console instances would.
func TestConformanceInstances(t *testing.T) {
	pgtest.DSN(t)
	storetest.RunInstances(t, func(t *testing.T, n int) []store.Store {
		dsn := pgtest.DSN(t)
		out := make([]store.Store, n)
		for i := range out {
			s, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			out[i] = s
		}
		return out
	})
}
