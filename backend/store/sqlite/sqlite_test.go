package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
)

var at = time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC)

func openDB(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func write(t *testing.T, db *sqlite.DB, fn func(store.Tx) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func est(number string) *store.Establishment {
	return &store.Establishment{HostingNumber: number, Name: "Lycée", UAI: "0751234A", Email: "a@b.fr", Phone: "+33612345678",
		AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 1 << 30, PasswordHash: "$argon2id$x", Version: 2025, CreatedAt: at}
}

func base(estID int64, sha byte) *store.Base {
	return &store.Base{EstablishmentID: estID, Name: "B", SchoolYear: 2025, Origin: "uploaded", SHA256: strings.Repeat(string(sha), 64),
		Size: 100, BaseUID: strings.Repeat("0", 32), Grid: "08:00-18:00/60/1,2,3,4,5", LoadedBy: "SPR", LoadedAt: at}
}

func TestMigrationsApplyOnceAndDataSurvives(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	db := openDB(t, path)
	e := est("123456789012")
	write(t, db, func(tx store.Tx) error { return tx.CreateEstablishment(e) })
	db.Close()

	db = openDB(t, path)
	err := db.Read(context.Background(), func(tx store.Tx) error {
		got, err := tx.EstablishmentByNumber("123456789012")
		if err != nil {
			return err
		}
		if got.ID != e.ID || got.Name != "Lycée" || !got.CreatedAt.Equal(at) || got.ServerState != "stopped" || got.OpenedBaseID != 0 {
			t.Errorf("establishment after reopen = %+v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Writers from two handles on the same file (two processes) wait for each
// other instead of failing with SQLITE_BUSY.
func TestConcurrentWritersDoNotFail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.db")
	dbs := []*sqlite.DB{openDB(t, path), openDB(t, path)}
	a := est("111111111111")
	write(t, dbs[0], func(tx store.Tx) error { return tx.CreateEstablishment(a) })
	var wg sync.WaitGroup
	const n = 40
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- dbs[i%2].Write(context.Background(), func(tx store.Tx) error {
				e, err := tx.Establishment(a.ID) // read, then write
				if err != nil {
					return err
				}
				_, err = tx.BumpRevision(e.ID)
				return err
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent write: %v", err)
		}
	}
	dbs[1].Read(context.Background(), func(tx store.Tx) error {
		revs, _ := tx.Revisions()
		if revs[a.ID] != n {
			t.Errorf("revision %d after %d bumps", revs[a.ID], n)
		}
		return nil
	})
}
