package sqlite_test

import (
	"context"
	"errors"
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

func TestWriteRollsBackOnError(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	boom := errors.New("boom")
	err := db.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.CreateEstablishment(est("123456789012")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	db.Read(context.Background(), func(tx store.Tx) error {
		if _, err := tx.EstablishmentByNumber("123456789012"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back row found (err %v)", err)
		}
		return nil
	})
}

func TestErrorsMapToSentinels(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	write(t, db, func(tx store.Tx) error { return tx.CreateEstablishment(est("123456789012")) })
	err := db.Write(context.Background(), func(tx store.Tx) error { return tx.CreateEstablishment(est("123456789012")) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hosting number: err = %v, want ErrConflict", err)
	}
	db.Read(context.Background(), func(tx store.Tx) error {
		if _, err := tx.Establishment(42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown establishment: %v", err)
		}
		if _, err := tx.Base(1, 42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown base: %v", err)
		}
		if _, err := tx.LatestInvoice(1); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("no invoice: %v", err)
		}
		return nil
	})
	err = db.Write(context.Background(), func(tx store.Tx) error { return tx.SetServer(42, "stopped", 0) })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetServer of an unknown establishment: %v", err)
	}
}

func TestBasesAnnexesPeriods(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a, b := est("111111111111"), est("222222222222")
	ba, bb := base(0, 'a'), base(0, 'b')
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		if err := tx.CreateEstablishment(b); err != nil {
			return err
		}
		ba.EstablishmentID, bb.EstablishmentID = a.ID, b.ID
		if err := tx.InsertBase(ba); err != nil {
			return err
		}
		if err := tx.InsertBase(bb); err != nil {
			return err
		}
		if _, err := tx.PutAnnex(&store.Annex{BaseID: ba.ID, Kind: "HPHOTOS", Name: "x.HPHOTOS", SHA256: strings.Repeat("c", 64), Size: 10, LoadedBy: "SPR", LoadedAt: at}); err != nil {
			return err
		}
		replaced, err := tx.PutAnnex(&store.Annex{BaseID: ba.ID, Kind: "HPHOTOS", Name: "y.HPHOTOS", SHA256: strings.Repeat("d", 64), Size: 20, LoadedBy: "SPR", LoadedAt: at})
		if err != nil {
			return err
		}
		if replaced != strings.Repeat("c", 64) {
			t.Errorf("PutAnnex replaced %q", replaced)
		}
		if err := tx.StartPeriod(ba.ID, at); err != nil {
			return err
		}
		if err := tx.StartPeriod(bb.ID, at); err != nil {
			return err
		}
		return tx.EndOpenPeriods(a.ID, at.Add(time.Hour))
	})
	db.Read(context.Background(), func(tx store.Tx) error {
		if n, _ := tx.UsedBytes(a.ID); n != 120 {
			t.Errorf("UsedBytes(a) = %d, want 120", n)
		}
		if n, _ := tx.UsedBytes(b.ID); n != 100 {
			t.Errorf("UsedBytes(b) = %d, want 100", n)
		}
		if _, err := tx.Base(a.ID, bb.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a reads b's base: %v", err)
		}
		pa, _ := tx.Periods(a.ID)
		pb, _ := tx.Periods(b.ID)
		if len(pa) != 1 || !pa[0].To.Equal(at.Add(time.Hour)) || len(pb) != 1 || !pb[0].To.IsZero() {
			t.Errorf("EndOpenPeriods(a) ended a: %+v, b: %+v", pa, pb)
		}
		if ref, _ := tx.ObjectReferenced(strings.Repeat("c", 64)); ref {
			t.Error("the replaced annex's file is still referenced")
		}
		if ref, _ := tx.ObjectReferenced(strings.Repeat("b", 64)); !ref {
			t.Error("b's base file is not referenced")
		}
		return nil
	})
	// Deleting a base (hidden, then collected once nothing needs it) takes
	// its annexes and periods with it; another establishment cannot delete
	// it.
	if err := db.Write(context.Background(), func(tx store.Tx) error { return tx.HideBase(b.ID, ba.ID, at) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b deletes a's base: %v", err)
	}
	write(t, db, func(tx store.Tx) error {
		if err := tx.HideBase(a.ID, ba.ID, at); err != nil {
			return err
		}
		n, files, err := tx.CollectBases(a.ID, at.Add(24*time.Hour))
		if n != 1 || len(files) != 2 {
			t.Errorf("collected %d bases, files %v; want 1 and the files of the base and its annex", n, files)
		}
		return err
	})
	db.Read(context.Background(), func(tx store.Tx) error {
		an, _ := tx.Annexes(a.ID)
		p, _ := tx.Periods(a.ID)
		if len(an) != 0 || len(p) != 0 {
			t.Errorf("after delete: annexes %+v, periods %+v", an, p)
		}
		if ref, _ := tx.ObjectReferenced(strings.Repeat("d", 64)); ref {
			t.Error("the deleted base's annex file is still referenced")
		}
		return nil
	})
}

func TestJournalLimits(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a := est("111111111111")
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		for i := 0; i < 5; i++ {
			if err := tx.AppendJournal(&store.JournalEntry{EstablishmentID: a.ID, At: at.Add(time.Duration(i) * time.Minute), Actor: "SPR", Action: "x", OK: true}); err != nil {
				return err
			}
		}
		return tx.AppendJournal(&store.JournalEntry{At: at, Actor: "connexion", Action: "login"})
	})
	db.Read(context.Background(), func(tx store.Tx) error {
		for _, c := range []struct {
			est   int64
			limit int
			want  int
		}{{a.ID, 0, 5}, {a.ID, 2, 2}, {a.ID, 100, 5}, {0, 0, 6}} {
			j, err := tx.Journal(store.JournalQuery{EstablishmentID: c.est, Limit: c.limit})
			if err != nil || len(j) != c.want {
				t.Errorf("Journal(%d, %d) = %d entries, %v; want %d", c.est, c.limit, len(j), err, c.want)
			}
		}
		j, _ := tx.Journal(store.JournalQuery{EstablishmentID: a.ID, Limit: 1})
		if len(j) == 1 && !j[0].At.Equal(at.Add(4*time.Minute)) {
			t.Errorf("Journal is not newest first: %+v", j)
		}
		return nil
	})
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
