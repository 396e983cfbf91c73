package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

// TestChangeLog: changes are read back in order per base, count in the
// quota, and cannot be rewritten (append-only).
func TestChangeLog(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a := est("111111111111")
	b := base(0, 'a')
	var before int64
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		b.EstablishmentID = a.ID
		if err := tx.InsertBase(b); err != nil {
			return err
		}
		var err error
		before, err = tx.UsedBytes(a.ID)
		return err
	})
	cs := []*store.Change{
		{EstablishmentID: a.ID, BaseID: b.ID, At: at, ConnectionID: "c1", Author: "M. DUPONT", What: "note de maths 3e B"},
		{EstablishmentID: a.ID, BaseID: b.ID, At: at.Add(time.Second), ConnectionID: "c1", Author: "M. DUPONT", What: "appel 2nde 3"},
	}
	var got []store.Change
	var after int64
	write(t, db, func(tx store.Tx) error {
		if err := tx.AppendChanges(cs); err != nil {
			return err
		}
		var err error
		if got, err = tx.Changes(b.ID, cs[0].ID, 0); err != nil {
			return err
		}
		after, err = tx.UsedBytes(a.ID)
		return err
	})
	if len(got) != 1 || got[0].What != "appel 2nde 3" || !got[0].At.Equal(at.Add(time.Second)) {
		t.Fatalf("changes after the first: %+v", got)
	}
	if after-before != int64(len(cs[0].What)+len(cs[1].What)) {
		t.Fatalf("quota grew by %d", after-before)
	}
	if _, err := db.Raw().Exec(`UPDATE changes SET what = 'falsifié'`); err == nil {
		t.Fatal("a change was rewritten")
	}
}

// TestHistoryKeepsTheHighest: two writers of one bucket keep its highest
// figures; refusals keep the latest few.
func TestHistoryKeepsTheHighest(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a := est("111111111111")
	write(t, db, func(tx store.Tx) error { return tx.CreateEstablishment(a) })
	s1 := store.HistorySample{EstablishmentID: a.ID, At: at, Admin: 3, Teacher: 10, Refused: 1}
	s2 := store.HistorySample{EstablishmentID: a.ID, At: at, Admin: 2, Teacher: 12, Espaces: 5}
	var got []store.HistorySample
	var refusals []store.Refusal
	write(t, db, func(tx store.Tx) error {
		if err := tx.UpsertHistory([]store.HistorySample{s1}); err != nil {
			return err
		}
		if err := tx.UpsertHistory([]store.HistorySample{s2}); err != nil {
			return err
		}
		for i := range 5 {
			if err := tx.AppendRefusals([]store.Refusal{{EstablishmentID: a.ID, At: at.Add(time.Duration(i) * time.Minute), User: "U", Mode: "administratif"}}, 3); err != nil {
				return err
			}
		}
		var err error
		if got, err = tx.History(a.ID, at.Add(-time.Hour)); err != nil {
			return err
		}
		refusals, err = tx.Refusals(a.ID, 0)
		return err
	})
	if len(got) != 1 || got[0].Admin != 3 || got[0].Teacher != 12 || got[0].Espaces != 5 || got[0].Refused != 1 {
		t.Fatalf("history %+v", got)
	}
	if len(refusals) != 3 || !refusals[0].At.Equal(at.Add(4*time.Minute)) {
		t.Fatalf("refusals %+v", refusals)
	}
}

// TestAppendManyChanges: a group larger than one statement keeps its order
// and gets the ids the log reads back.
func TestAppendManyChanges(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a := est("111111111111")
	b := base(0, 'a')
	var cs []*store.Change
	var got []store.Change
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		b.EstablishmentID = a.ID
		if err := tx.InsertBase(b); err != nil {
			return err
		}
		for i := range 600 {
			cs = append(cs, &store.Change{EstablishmentID: a.ID, BaseID: b.ID, At: at, ConnectionID: "c", Author: "A", What: string(rune('a' + i%26))})
		}
		if err := tx.AppendChanges(cs[:1]); err != nil {
			return err
		}
		if err := tx.AppendChanges(cs[1:]); err != nil {
			return err
		}
		var err error
		got, err = tx.Changes(b.ID, 0, 0)
		return err
	})
	if len(got) != len(cs) {
		t.Fatalf("%d changes read back of %d", len(got), len(cs))
	}
	for i, c := range cs {
		if got[i].ID != c.ID || got[i].What != c.What {
			t.Fatalf("change %d: %+v, appended %+v", i, got[i], *c)
		}
	}
}
