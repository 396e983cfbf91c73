package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/store"
)

var establishmentTests = []test{
	{"EstablishmentRoundTrip", testEstablishmentRoundTrip},
	{"WriteRollsBackOnError", testWriteRollsBackOnError},
	{"ErrorsMapToSentinels", testErrorsMapToSentinels},
	{"BrokenRulesAreNotConflicts", testBrokenRulesAreNotConflicts},
	{"TxContinuesAfterARefusal", testTxContinuesAfterARefusal},
	{"UpdatesOfAnUnknownEstablishment", testUpdatesOfAnUnknownEstablishment},
	{"EstablishmentUpdates", testEstablishmentUpdates},
	{"RevisionsAreCounted", testRevisionsAreCounted},
	{"CloseEndsTheStore", testCloseEndsTheStore},
}

// Every column comes back as written, the defaults of a new establishment
// included, by id, by number and in the list (ordered by id).
func testEstablishmentRoundTrip(t *testing.T, s store.Store) {
	paris := clock.Paris()
	e := est("123456789012")
	e.ContractFrom, e.ContractUntil = time.Date(2025, 9, 1, 0, 0, 0, 0, paris), time.Date(2026, 8, 31, 0, 0, 0, 0, paris)
	other := est("210987654321")
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(e); err != nil {
			return err
		}
		return tx.CreateEstablishment(other)
	})
	if e.ID == 0 || other.ID == 0 || e.ID == other.ID || e.ServerState != "stopped" {
		t.Fatalf("created %+v and %+v", e, other)
	}
	read(t, s, func(tx store.Tx) error {
		byID, err := tx.Establishment(e.ID)
		if err != nil {
			return err
		}
		byNumber, err := tx.EstablishmentByNumber("123456789012")
		if err != nil {
			return err
		}
		all, err := tx.Establishments()
		if err != nil {
			return err
		}
		if len(all) != 2 || all[0].ID != e.ID || all[1].ID != other.ID {
			t.Errorf("Establishments = %+v", all)
		}
		for _, got := range []store.Establishment{byID, byNumber, all[0]} {
			if got.ID != e.ID || got.HostingNumber != e.HostingNumber || got.Name != "Lycée" || got.UAI != e.UAI ||
				got.Email != e.Email || got.Phone != e.Phone || got.AdminSeats != 4 || got.ReservedSeats != 0 ||
				got.TeacherSeats != 50 || got.QuotaBytes != 1<<30 || got.PasswordHash != e.PasswordHash ||
				got.FirstLoginDone || got.FailedLogins != 0 || !got.LockedUntil.IsZero() || got.ServerState != "stopped" ||
				got.OpenedBaseID != 0 || got.Version != 2025 || got.Revision != 0 || !got.CreatedAt.Equal(at) ||
				got.RetentionDays != 30 || got.RetentionWeeks != 26 ||
				!got.ContractFrom.Equal(e.ContractFrom) || !got.ContractUntil.Equal(e.ContractUntil) {
				t.Errorf("read back %+v, created %+v", got, e)
			}
		}
		o, err := tx.Establishment(other.ID)
		if err != nil {
			return err
		}
		if !o.ContractFrom.IsZero() || !o.ContractUntil.IsZero() {
			t.Errorf("no contract read back as %v – %v", o.ContractFrom, o.ContractUntil)
		}
		return nil
	})
}

// A write transaction whose function fails leaves nothing behind.
func testWriteRollsBackOnError(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(est("123456789012")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the function's", err)
	}
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.EstablishmentByNumber("123456789012"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("rolled-back row found (err %v)", err)
		}
		return nil
	})
}

// A read transaction cannot change anything, even when its function
// ignores the error. Not in establishmentTests yet: SQLite's read
// transactions accept writes today (the modernc driver begins a ReadOnly
// transaction with a plain BEGIN and nothing makes it read-only); it joins
// the list with the fix.
func testReadRefusesWrites(t *testing.T, s store.Store) {
	e := establishments(t, s, 1)[0]
	var inside error
	err := s.Read(ctx, func(tx store.Tx) error {
		_, inside = tx.BumpRevision(e.ID)
		return nil
	})
	if inside == nil && err == nil {
		t.Error("a write inside Read succeeded")
	}
	read(t, s, func(tx store.Tx) error {
		if got, err := tx.Establishment(e.ID); err != nil || got.Revision != 0 {
			t.Errorf("after a write in Read: %+v, %v", got, err)
		}
		return nil
	})
}

// Uniqueness and absence are the store's sentinels, whatever the database
// says.
func testErrorsMapToSentinels(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error { return tx.CreateEstablishment(est("123456789012")) })
	err := s.Write(ctx, func(tx store.Tx) error { return tx.CreateEstablishment(est("123456789012")) })
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate hosting number: err = %v, want ErrConflict", err)
	}
	read(t, s, func(tx store.Tx) error {
		for _, c := range []struct {
			what string
			err  error
		}{
			{"Establishment", second(tx.Establishment(42))},
			{"EstablishmentByNumber", second(tx.EstablishmentByNumber("999999999999"))},
			{"Base", second(tx.Base(1, 42))},
			{"AnyBase", second(tx.AnyBase(1, 42))},
			{"BaseBySHA256", second(tx.BaseBySHA256(1, sha256('f')))},
			{"LatestInvoice", second(tx.LatestInvoice(1))},
			{"InvoiceByNumber", second(tx.InvoiceByNumber(1, "1000000001"))},
			{"KeyByFingerprint", second(tx.KeyByFingerprint("SHA256:none"))},
			{"Backup", second(tx.Backup(1, 42))},
			{"BackupNamed", second(tx.BackupNamed(1, "x.zip"))},
			{"InvitationByHash", second(tx.InvitationByHash(1, sha256('f')))},
			{"FileCheck", second(tx.FileCheck(sha256('f')))},
			{"Publication", second(tx.Publication(42))},
		} {
			if !errors.Is(c.err, store.ErrNotFound) {
				t.Errorf("%s of nothing: %v, want ErrNotFound", c.what, c.err)
			}
		}
		return nil
	})
}

func second[T any](_ T, err error) error { return err }

// Only a broken uniqueness rule is ErrConflict: an insert breaking a
// CHECK or a foreign key is an error of its own (a bug of the caller) and
// inserts nothing, through every insert that gives back a new id.
func testBrokenRulesAreNotConflicts(t *testing.T, s store.Store) {
	e := est("123456789012")
	write(t, s, func(tx store.Tx) error { return tx.CreateEstablishment(e) })
	short := est("12345")
	badBase := base(e.ID, 'a')
	badBase.Origin = "stolen"
	for _, c := range []struct {
		what string
		fn   func(tx store.Tx) error
	}{
		{"an establishment with a short number (CHECK)", func(tx store.Tx) error { return tx.CreateEstablishment(short) }},
		{"an invoice of no establishment (FOREIGN KEY)", func(tx store.Tx) error {
			return tx.AddInvoice(&store.Invoice{EstablishmentID: 42, Number: "1000000001", IssuedAt: at})
		}},
		{"an invoice with a short number (CHECK)", func(tx store.Tx) error {
			return tx.AddInvoice(&store.Invoice{EstablishmentID: e.ID, Number: "1", IssuedAt: at})
		}},
		{"a base of an unknown origin (CHECK)", func(tx store.Tx) error { return tx.InsertBase(badBase) }},
		{"a base of no establishment (FOREIGN KEY)", func(tx store.Tx) error { return tx.InsertBase(base(42, 'b')) }},
		{"a journal entry of no establishment (FOREIGN KEY)", func(tx store.Tx) error {
			return tx.AppendJournal(&store.JournalEntry{EstablishmentID: 42, At: at, Actor: "SPR", Action: "x"})
		}},
	} {
		err := s.Write(ctx, c.fn)
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: err = %v, want an error that is neither ErrConflict nor ErrNotFound", c.what, err)
		}
	}
	read(t, s, func(tx store.Tx) error {
		all, err := tx.Establishments()
		if err == nil && len(all) != 1 {
			t.Errorf("%d establishments, want 1", len(all))
		}
		invs, err := tx.Invoices(e.ID)
		if err == nil && len(invs) != 0 {
			t.Errorf("%d invoices, want none", len(invs))
		}
		bases, err := tx.AllBases(e.ID)
		if err == nil && len(bases) != 0 {
			t.Errorf("%d bases, want none", len(bases))
		}
		return err
	})
}

// An update of an establishment that does not exist is ErrNotFound.
func testUpdatesOfAnUnknownEstablishment(t *testing.T, s store.Store) {
	const id = 42
	cases := []struct {
		what string
		fn   func(tx store.Tx) error
	}{
		{"SetServer", func(tx store.Tx) error { return tx.SetServer(id, "stopped", 0) }},
		{"SetVersion", func(tx store.Tx) error { return tx.SetVersion(id, 2026) }},
		{"BumpRevision", func(tx store.Tx) error { _, err := tx.BumpRevision(id); return err }},
		{"UpdateLogin", func(tx store.Tx) error { return tx.UpdateLogin(id, 1, at, true) }},
		{"SetPasswordHash", func(tx store.Tx) error { return tx.SetPasswordHash(id, "h") }},
		{"SetContractUntil", func(tx store.Tx) error { return tx.SetContractUntil(id, at) }},
		{"SetSeats", func(tx store.Tx) error { return tx.SetSeats(id, 1, 0, 1) }},
		{"SetRetention", func(tx store.Tx) error { return tx.SetRetention(id, 10, 2) }},
		{"SetPublication", func(tx store.Tx) error { return tx.SetPublication(id, store.Publication{AuthMode: "pronote"}) }},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			if err := s.Write(ctx, c.fn); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of an unknown establishment: %v, want ErrNotFound", c.what, err)
			}
		})
	}
}

// Each update changes its columns of its establishment only.
func testEstablishmentUpdates(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a, b := es[0], es[1]
	locked := at.Add(15 * time.Minute)
	until := time.Date(2027, 8, 31, 0, 0, 0, 0, clock.Paris())
	pub := store.Publication{Published: false, EspacesOff: []string{"parent", "eleve"}, AuthMode: "cas",
		CASENT: "Mon ENT", CASURL: "https://cas.example.fr/cas"}
	write(t, s, func(tx store.Tx) error {
		for _, err := range []error{
			tx.UpdateLogin(a.ID, 3, locked, true),
			tx.SetPasswordHash(a.ID, "$argon2id$new"),
			tx.SetVersion(a.ID, 2026),
			tx.SetContractUntil(a.ID, until),
			tx.SetSeats(a.ID, 6, 2, 0),
			tx.SetRetention(a.ID, 7, 4),
			tx.SetPublication(a.ID, pub),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Establishment(a.ID)
		if err != nil {
			return err
		}
		if got.FailedLogins != 3 || !got.LockedUntil.Equal(locked) || !got.FirstLoginDone || got.PasswordHash != "$argon2id$new" ||
			got.Version != 2026 || !got.ContractUntil.Equal(until) || got.AdminSeats != 6 || got.ReservedSeats != 2 ||
			got.TeacherSeats != 0 || got.RetentionDays != 7 || got.RetentionWeeks != 4 {
			t.Errorf("after the updates: %+v", got)
		}
		p, err := tx.Publication(a.ID)
		if err != nil {
			return err
		}
		if p.Published || len(p.EspacesOff) != 2 || p.EspacesOff[0] != "parent" || p.EspacesOff[1] != "eleve" ||
			p.AuthMode != "cas" || p.CASENT != pub.CASENT || p.CASURL != pub.CASURL {
			t.Errorf("publication = %+v, set %+v", p, pub)
		}
		// The other establishment keeps the defaults: published, every
		// Espace, PRONOTE accounts.
		other, err := tx.Establishment(b.ID)
		if err != nil {
			return err
		}
		if other.FailedLogins != 0 || other.PasswordHash != b.PasswordHash || other.Version != 2025 || other.AdminSeats != 4 ||
			other.RetentionDays != 30 {
			t.Errorf("the other establishment changed: %+v", other)
		}
		if p, err := tx.Publication(b.ID); err != nil || !p.Published || len(p.EspacesOff) != 0 || p.AuthMode != "pronote" {
			t.Errorf("default publication = %+v, %v", p, err)
		}
		return nil
	})
	// A successful login clears the counter and the lockout.
	write(t, s, func(tx store.Tx) error { return tx.UpdateLogin(a.ID, 0, time.Time{}, true) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Establishment(a.ID)
		if err == nil && (got.FailedLogins != 0 || !got.LockedUntil.IsZero() || !got.FirstLoginDone) {
			t.Errorf("after a successful login: %+v", got)
		}
		return err
	})
}

// BumpRevision counts from 1 per establishment, and Revisions lists every
// establishment's.
func testRevisionsAreCounted(t *testing.T, s store.Store) {
	es := establishments(t, s, 3)
	write(t, s, func(tx store.Tx) error {
		for i := range 3 {
			rev, err := tx.BumpRevision(es[0].ID)
			if err != nil {
				return err
			}
			if rev != int64(i+1) {
				t.Errorf("bump %d gave revision %d", i+1, rev)
			}
		}
		rev, err := tx.BumpRevision(es[1].ID)
		if rev != 1 {
			t.Errorf("another establishment's first bump gave %d", rev)
		}
		return err
	})
	read(t, s, func(tx store.Tx) error {
		revs, err := tx.Revisions()
		if err != nil {
			return err
		}
		want := map[int64]int64{es[0].ID: 3, es[1].ID: 1, es[2].ID: 0}
		if len(revs) != len(want) {
			t.Errorf("Revisions = %v, want %v", revs, want)
		}
		for id, r := range want {
			if revs[id] != r {
				t.Errorf("Revisions = %v, want %v", revs, want)
				break
			}
		}
		if e, err := tx.Establishment(es[0].ID); err != nil || e.Revision != 3 {
			t.Errorf("establishment revision = %d, %v", e.Revision, err)
		}
		return nil
	})
}

// A closed store runs no more transactions.
func testCloseEndsTheStore(t *testing.T, s store.Store) {
	establishments(t, s, 1)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ran := false
	if err := s.Read(ctx, func(store.Tx) error { ran = true; return nil }); err == nil {
		t.Error("Read after Close succeeded")
	}
	if ran {
		t.Error("Read after Close ran its function")
	}
}

// A refusal inside a write transaction (a conflict, an absent row) leaves
// the transaction usable: the back end reads and writes on after one, as
// it does when it draws another invoice number after a conflict
// (backend/invoices.go addInvoice), and commits what it did.
func testTxContinuesAfterARefusal(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error { return tx.CreateEstablishment(est("123456789012")) })
	next := est("210987654321")
	write(t, s, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(est("123456789012")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("duplicate hosting number: %v, want ErrConflict", err)
		}
		if err := tx.SetServer(42, "stopped", 0); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetServer of nothing: %v, want ErrNotFound", err)
		}
		if _, err := tx.Establishment(42); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Establishment of nothing: %v, want ErrNotFound", err)
		}
		if _, err := tx.Establishments(); err != nil {
			return err
		}
		return tx.CreateEstablishment(next)
	})
	read(t, s, func(tx store.Tx) error {
		all, err := tx.Establishments()
		if err == nil && len(all) != 2 {
			t.Errorf("after the refusals: %d establishments, want 2", len(all))
		}
		return err
	})
}
