// Package storetest is the conformance suite of store.Store: one set of
// tests, written against the interfaces of package store only, that every
// implementation (SQLite, PostgreSQL) must pass, so that the back end can
// rely on the same behaviour whichever database holds its state. An
// implementation's own tests call Run with a function opening a fresh,
// empty, migrated store; what only one database has (its schema, its
// pragmas, its migrations) is tested beside it, not here.
package storetest

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

// Run runs every conformance test, each in its subtest with a store of its
// own: open must return an empty, migrated store, and close it at the
// end of the test (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	t.Helper()
	for _, group := range [][]test{establishmentTests, accountTests, baseTests, connectionTests, journalTests,
		invitationTests, keyTests, backupTests, referenceTests, leaseTests, concurrencyTests} {
		for _, c := range group {
			t.Run(c.name, func(t *testing.T) { c.fn(t, open(t)) })
		}
	}
}

// test is one conformance test.
type test struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

// at is the instant the fixtures are dated from: whole seconds, as the
// stores keep milliseconds.
var at = time.Date(2026, 3, 10, 8, 30, 0, 0, time.UTC)

var ctx = context.Background()

// est is an establishment to create; number is its 12-digit hosting number.
func est(number string) *store.Establishment {
	return &store.Establishment{HostingNumber: number, Name: "Lycée", UAI: "0751234A", Email: "a@b.fr", Phone: "+33612345678",
		AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 1 << 30, PasswordHash: "$argon2id$x", Version: 2025, CreatedAt: at}
}

// base is a base of the establishment whose file is sha repeated.
func base(estID int64, sha byte) *store.Base {
	return &store.Base{EstablishmentID: estID, Name: "B", SchoolYear: 2025, Origin: "uploaded", SHA256: sha256(sha),
		Size: 100, BaseUID: strings.Repeat("0", 32), Grid: "08:00-18:00/60/1,2,3,4,5", LoadedBy: "SPR", LoadedAt: at}
}

// sha256 is a well-formed SHA-256 (hex) made of c.
func sha256(c byte) string { return strings.Repeat(string(c), 64) }

// write runs fn in a write transaction and fails the test on an error.
func write(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// read runs fn in a read transaction and fails the test on an error.
func read(t testing.TB, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Read(ctx, fn); err != nil {
		t.Fatal(err)
	}
}

// establishments creates establishments numbered 111111111111,
// 222222222222… and returns them.
func establishments(t testing.TB, s store.Store, n int) []*store.Establishment {
	t.Helper()
	out := make([]*store.Establishment, n)
	write(t, s, func(tx store.Tx) error {
		for i := range out {
			out[i] = est(strings.Repeat(string(rune('1'+i)), 12))
			if err := tx.CreateEstablishment(out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	return out
}

// withBase creates an establishment and one base of it (file 'a').
func withBase(t testing.TB, s store.Store) (*store.Establishment, *store.Base) {
	t.Helper()
	e := establishments(t, s, 1)[0]
	b := base(e.ID, 'a')
	write(t, s, func(tx store.Tx) error { return tx.InsertBase(b) })
	return e, b
}

// RunInstances runs the concurrency cases with their transactions spread
// over several handles on one database, as several processes (console
// instances) run them: within one handle an implementation may queue its
// writers in memory, and only the database's own lock keeps the handles'
// writes apart. open returns n handles on one fresh, migrated database and
// closes them at the end of the test.
func RunInstances(t *testing.T, open func(t *testing.T, n int) []store.Store) {
	t.Helper()
	for _, c := range concurrencyTests {
		t.Run(c.name, func(t *testing.T) { c.fn(t, &spread{stores: open(t, 3)}) })
	}
}

// spread is a store that runs each transaction on the next of its stores
// in turn.
type spread struct {
	stores []store.Store
	next   atomic.Uint64
}

func (s *spread) pick() store.Store {
	return s.stores[(s.next.Add(1)-1)%uint64(len(s.stores))]
}

func (s *spread) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.pick().Read(ctx, fn)
}

func (s *spread) Write(ctx context.Context, fn func(store.Tx) error) error {
	return s.pick().Write(ctx, fn)
}

// Close closes every handle.
func (s *spread) Close() error {
	var errs []error
	for _, st := range s.stores {
		errs = append(errs, st.Close())
	}
	return errors.Join(errs...)
}
