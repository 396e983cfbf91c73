package storetest

import (
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var connectionTests = []test{
	{"ChangeLog", testChangeLog},
	{"AppendManyChanges", testAppendManyChanges},
	{"HistoryKeepsTheHighest", testHistoryKeepsTheHighest},
	{"HistoryPrunedAndPerEstablishment", testHistoryPrunedAndPerEstablishment},
	{"RefusalsKeepTheLatest", testRefusalsKeepTheLatest},
}

// Changes are read back in order per base, after an id and up to a limit,
// are counted, and count in the quota.
func testChangeLog(t *testing.T, s store.Store) {
	a, b := withBase(t, s)
	other := base(a.ID, 'b')
	var before int64
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertBase(other); err != nil {
			return err
		}
		var err error
		before, err = tx.UsedBytes(a.ID)
		return err
	})
	cs := []*store.Change{
		{EstablishmentID: a.ID, BaseID: b.ID, At: at, ConnectionID: "c1", Author: "M. DUPONT", What: "note de maths 3e B"},
		{EstablishmentID: a.ID, BaseID: other.ID, At: at, ConnectionID: "c2", Author: "Mme MARTIN", What: "autre base"},
		{EstablishmentID: a.ID, BaseID: b.ID, At: at.Add(time.Second), ConnectionID: "c1", Author: "M. DUPONT", What: "appel 2nde 3"},
		{EstablishmentID: a.ID, BaseID: b.ID, At: at.Add(2 * time.Second), ConnectionID: "c3", Author: "É", What: "cahier de textes"},
	}
	write(t, s, func(tx store.Tx) error { return tx.AppendChanges(cs) })
	for i := 1; i < len(cs); i++ {
		if cs[i].ID <= cs[i-1].ID {
			t.Fatalf("ids not increasing: %d then %d", cs[i-1].ID, cs[i].ID)
		}
	}
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Changes(b.ID, cs[0].ID, 0)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0] != *cs[2] || got[1] != *cs[3] {
			t.Errorf("changes after the first: %+v", got)
		}
		if got, err := tx.Changes(b.ID, 0, 1); err != nil || len(got) != 1 || got[0] != *cs[0] {
			t.Errorf("the first change: %+v, %v", got, err)
		}
		if got, err := tx.Changes(b.ID, cs[3].ID, 0); err != nil || len(got) != 0 {
			t.Errorf("changes after the last: %+v, %v", got, err)
		}
		for base, want := range map[int64]int64{b.ID: 3, other.ID: 1, 4242: 0} {
			if n, err := tx.ChangeCount(base); err != nil || n != want {
				t.Errorf("ChangeCount(%d) = %d, %v; want %d", base, n, err, want)
			}
		}
		after, err := tx.UsedBytes(a.ID)
		if err != nil {
			return err
		}
		var text int64
		for _, c := range cs {
			text += int64(len(c.What))
		}
		if after-before != text {
			t.Errorf("quota grew by %d, want the %d bytes of the texts", after-before, text)
		}
		return nil
	})
}

// A group larger than one statement keeps its order and gets the ids the
// log reads back.
func testAppendManyChanges(t *testing.T, s store.Store) {
	a, b := withBase(t, s)
	var cs []*store.Change
	var got []store.Change
	write(t, s, func(tx store.Tx) error {
		for i := range 600 {
			cs = append(cs, &store.Change{EstablishmentID: a.ID, BaseID: b.ID, At: at, ConnectionID: "c", Author: "A", What: string(rune('a' + i%26))})
		}
		if err := tx.AppendChanges(cs[:1]); err != nil {
			return err
		}
		if err := tx.AppendChanges(cs[1:]); err != nil {
			return err
		}
		if err := tx.AppendChanges(nil); err != nil {
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
	read(t, s, func(tx store.Tx) error {
		if n, err := tx.ChangeCount(b.ID); err != nil || n != int64(len(cs)) {
			t.Errorf("ChangeCount = %d, %v", n, err)
		}
		return nil
	})
}

// Two writers of one bucket keep its highest figures.
func testHistoryKeepsTheHighest(t *testing.T, s store.Store) {
	a := establishments(t, s, 1)[0]
	s1 := store.HistorySample{EstablishmentID: a.ID, At: at, Admin: 3, Teacher: 10, Refused: 1}
	s2 := store.HistorySample{EstablishmentID: a.ID, At: at, Admin: 2, Teacher: 12, Espaces: 5}
	s3 := store.HistorySample{EstablishmentID: a.ID, At: at, VieScolaire: 4}
	write(t, s, func(tx store.Tx) error {
		if err := tx.UpsertHistory([]store.HistorySample{s1}); err != nil {
			return err
		}
		if err := tx.UpsertHistory(nil); err != nil {
			return err
		}
		return tx.UpsertHistory([]store.HistorySample{s2})
	})
	write(t, s, func(tx store.Tx) error { return tx.UpsertHistory([]store.HistorySample{s3}) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.History(a.ID, at.Add(-time.Hour))
		if err != nil {
			return err
		}
		want := store.HistorySample{EstablishmentID: a.ID, At: at, Admin: 3, Teacher: 12, VieScolaire: 4, Espaces: 5, Refused: 1}
		if len(got) != 1 || got[0] != want {
			t.Errorf("history %+v, want %+v", got, want)
		}
		return nil
	})
}

// History reads an establishment's buckets from since, oldest first;
// PruneHistory deletes every establishment's older ones.
func testHistoryPrunedAndPerEstablishment(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	var samples []store.HistorySample
	for i := range 4 {
		for _, e := range es {
			samples = append(samples, store.HistorySample{EstablishmentID: e.ID, At: at.Add(time.Duration(i) * 5 * time.Minute), Admin: i})
		}
	}
	write(t, s, func(tx store.Tx) error { return tx.UpsertHistory(samples) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.History(es[0].ID, at.Add(5*time.Minute))
		if err != nil {
			return err
		}
		if len(got) != 3 || !got[0].At.Equal(at.Add(5*time.Minute)) || got[0].Admin != 1 || got[2].Admin != 3 || got[2].EstablishmentID != es[0].ID {
			t.Errorf("History from the second bucket = %+v", got)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.PruneHistory(at.Add(10 * time.Minute)) })
	read(t, s, func(tx store.Tx) error {
		for _, e := range es {
			got, err := tx.History(e.ID, time.Time{})
			if err != nil {
				return err
			}
			if len(got) != 2 || !got[0].At.Equal(at.Add(10*time.Minute)) {
				t.Errorf("after pruning, establishment %d: %+v", e.ID, got)
			}
		}
		return nil
	})
}

// Refusals keep the latest few of each establishment, newest first, and
// read back as written.
func testRefusalsKeepTheLatest(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a, b := es[0], es[1]
	write(t, s, func(tx store.Tx) error {
		if err := tx.AppendRefusals([]store.Refusal{{EstablishmentID: b.ID, At: at, User: "B", Mode: "enseignant"}}, 3); err != nil {
			return err
		}
		for i := range 5 {
			if err := tx.AppendRefusals([]store.Refusal{{EstablishmentID: a.ID, At: at.Add(time.Duration(i) * time.Minute), User: "U",
				Group: "Administration", Mode: "administratif", Addr: "192.0.2.7", Reason: "seats"}}, 3); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Refusals(a.ID, 0)
		if err != nil {
			return err
		}
		if len(got) != 3 || !got[0].At.Equal(at.Add(4*time.Minute)) || !got[2].At.Equal(at.Add(2*time.Minute)) {
			t.Errorf("refusals %+v", got)
		}
		r := got[0]
		if r.ID == 0 || r.EstablishmentID != a.ID || r.User != "U" || r.Group != "Administration" || r.Mode != "administratif" ||
			r.Addr != "192.0.2.7" || r.Reason != "seats" {
			t.Errorf("refusal read back as %+v", r)
		}
		if got, err := tx.Refusals(a.ID, 2); err != nil || len(got) != 2 {
			t.Errorf("Refusals(limit 2) = %+v, %v", got, err)
		}
		if got, err := tx.Refusals(b.ID, 0); err != nil || len(got) != 1 || got[0].User != "B" {
			t.Errorf("the other establishment's refusals: %+v, %v", got, err)
		}
		return nil
	})
}
