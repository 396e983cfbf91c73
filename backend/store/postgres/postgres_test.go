package postgres_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/postgres"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
)

var at = time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC)

func openDSN(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func est(number string) *store.Establishment {
	return &store.Establishment{HostingNumber: number, Name: "Lycée", UAI: "0751234A", Email: "a@b.fr", Phone: "+33612345678",
		AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 1 << 30, PasswordHash: "$argon2id$x", Version: 2025, CreatedAt: at}
}

func TestOpenRefusesMalformedDSN(t *testing.T) {
	for _, dsn := range []string{
		"postgres://u:s3cret@127.0.0.1:notaport/db",
		"postgres://u:s3cret@%zz/db",
		"host=127.0.0.1 password=s3cret port=abc",
		"not a dsn",
	} {
		_, err := postgres.Open(context.Background(), dsn)
		if err == nil || !strings.Contains(err.Error(), "malformed") {
			t.Errorf("Open(%q) = %v, want a malformed DSN", dsn, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q) tells the password: %v", dsn, err)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	// Nothing listens on port 1 of the loopback: the connection is refused
	// at once.
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret@127.0.0.1:1/hebergement?sslmode=disable&connect_timeout=5")
	if err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
		t.Fatalf("err = %v, want cannot reach", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("the error tells the password: %v", err)
	}
}

func TestConflictsAndHostileText(t *testing.T) {
	db := openDSN(t, pgtest.DSN(t))
	ctx := context.Background()
	e := est("123456789012")
	if err := db.Write(ctx, func(tx store.Tx) error { return tx.CreateEstablishment(e) }); err != nil {
		t.Fatal(err)
	}
	// A conflict leaves the transaction usable, as SQLite leaves it: the
	// back end draws another number and goes on.
	other := est("210987654321")
	err := db.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(est("123456789012")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second establishment with the number: %v, want ErrConflict", err)
		}
		return tx.CreateEstablishment(other)
	})
	if err != nil {
		t.Fatalf("the transaction after a conflict: %v", err)
	}
	if err := db.Read(ctx, func(tx store.Tx) error { _, err := tx.EstablishmentByNumber(other.HostingNumber); return err }); err != nil {
		t.Errorf("the establishment created after a conflict: %v", err)
	}
	err = db.Read(ctx, func(tx store.Tx) error { _, err := tx.Establishment(e.ID + 1); return err })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing establishment: %v, want ErrNotFound", err)
	}
	// Text PostgreSQL cannot hold (SQLite keeps it) is kept readable.
	entry := &store.JournalEntry{EstablishmentID: e.ID, At: at, Actor: "SPR\x00", Action: "base.load", Detail: "HUG\xff.HNOT"}
	if err := db.Write(ctx, func(tx store.Tx) error { return tx.AppendJournal(entry) }); err != nil {
		t.Fatal(err)
	}
	var got []store.JournalEntry
	if err := db.Read(ctx, func(tx store.Tx) (err error) {
		got, err = tx.Journal(store.JournalQuery{EstablishmentID: e.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Actor != "SPR\uFFFD" || got[0].Detail != "HUG\uFFFD.HNOT" || got[0].OK {
		t.Errorf("journal = %+v", got)
	}
}

// Writes on two handles, as on two instances, each reading then writing
// the lockout counter: without the advisory lock, READ COMMITTED would
// lose increments.
func TestWritesSerializedAcrossInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	countLogins(t, openDSN(t, dsn), openDSN(t, dsn))
}

// An operator's server, database or role may default to a stricter
// isolation (default_transaction_isolation, here in the DSN): a write
// must still run at READ COMMITTED after its lock, each statement seeing
// the writes committed before it. Under REPEATABLE READ its snapshot would
// be taken by the lock statement, before the previous writer committed:
// stale reads, then "could not serialize access" on the update.
func TestWritesSerializedWhateverTheDefaultIsolation(t *testing.T) {
	for _, level := range []string{"repeatable read", "serializable"} {
		t.Run(level, func(t *testing.T) {
			dsn := pgtest.DSN(t)
			if strings.Contains(dsn, "://") {
				sep := "?"
				if strings.Contains(dsn, "?") {
					sep = "&"
				}
				dsn += sep + "default_transaction_isolation=" + url.PathEscape(level)
			} else {
				dsn += " default_transaction_isolation='" + level + "'"
			}
			countLogins(t, openDSN(t, dsn), openDSN(t, dsn))
		})
	}
}

// countLogins races 40 writes on each of a and b, each reading then
// writing the lockout counter, and checks that none was lost.
func countLogins(t *testing.T, a, b *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	e := est("123456789012")
	if err := a.Write(ctx, func(tx store.Tx) error { return tx.CreateEstablishment(e) }); err != nil {
		t.Fatal(err)
	}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for _, db := range []*postgres.DB{a, b} {
		for range n {
			wg.Go(func() {
				errs <- db.Write(ctx, func(tx store.Tx) error {
					cur, err := tx.Establishment(e.ID)
					if err != nil {
						return err
					}
					return tx.UpdateLogin(e.ID, cur.FailedLogins+1, time.Time{}, false)
				})
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var got store.Establishment
	if err := a.Read(ctx, func(tx store.Tx) (err error) { got, err = tx.Establishment(e.ID); return err }); err != nil {
		t.Fatal(err)
	}
	if got.FailedLogins != 2*n {
		t.Errorf("failed logins = %d, want %d", got.FailedLogins, 2*n)
	}
}

// A read transaction sees one snapshot: a write committed meanwhile, on
// another instance, is not seen before the next read.
func TestReadSeesOneSnapshot(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, b := openDSN(t, dsn), openDSN(t, dsn)
	ctx := context.Background()
	e := est("123456789012")
	if err := a.Write(ctx, func(tx store.Tx) error { return tx.CreateEstablishment(e) }); err != nil {
		t.Fatal(err)
	}
	var first, second int64
	err := a.Read(ctx, func(tx store.Tx) error {
		revs, err := tx.Revisions()
		if err != nil {
			return err
		}
		first = revs[e.ID]
		if err := b.Write(ctx, func(tx store.Tx) error { _, err := tx.BumpRevision(e.ID); return err }); err != nil {
			return err
		}
		revs, err = tx.Revisions()
		second = revs[e.ID]
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if first != second {
		t.Errorf("revision %d then %d in one read", first, second)
	}
	err = a.Read(ctx, func(tx store.Tx) error {
		revs, err := tx.Revisions()
		if revs[e.ID] != first+1 {
			t.Errorf("the next read sees revision %d, want %d", revs[e.ID], first+1)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
