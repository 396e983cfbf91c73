package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var journalTests = []test{
	{"JournalLimits", testJournalLimits},
	{"JournalActionMatchAndPeriod", testJournalActionMatchAndPeriod},
}

// fillJournal appends n entries to the establishment's journal, one a
// minute from at, the actions taken in turn from actions.
func fillJournal(t testing.TB, s store.Store, estID int64, n int, actions []string) {
	t.Helper()
	write(t, s, func(tx store.Tx) error {
		for i := range n {
			e := &store.JournalEntry{EstablishmentID: estID, At: at.Add(time.Duration(i) * time.Minute), Actor: "SPR",
				Addr: "192.0.2.7", Action: actions[i%len(actions)], Detail: fmt.Sprintf("n° %d", i), OK: i%7 != 0}
			if err := tx.AppendJournal(e); err != nil {
				return err
			}
		}
		return nil
	})
}

func readJournal(t testing.TB, s store.Store, q store.JournalQuery) []store.JournalEntry {
	t.Helper()
	var out []store.JournalEntry
	read(t, s, func(tx store.Tx) error {
		var err error
		out, err = tx.Journal(q)
		return err
	})
	return out
}

// Entries come back as written, newest first, per establishment or all,
// up to a limit; an entry of no establishment is only in the whole
// journal.
func testJournalLimits(t *testing.T, s store.Store) {
	a := establishments(t, s, 1)[0]
	fillJournal(t, s, a.ID, 5, []string{"x"})
	loose := &store.JournalEntry{At: at, Actor: "connexion", Addr: "[2001:db8::1]:22", Action: "login", Detail: "refusée"}
	write(t, s, func(tx store.Tx) error { return tx.AppendJournal(loose) })
	if loose.ID == 0 {
		t.Error("AppendJournal set no id")
	}
	for _, c := range []struct {
		est   int64
		limit int
		want  int
	}{{a.ID, 0, 5}, {a.ID, 2, 2}, {a.ID, 100, 5}, {0, 0, 6}, {0, 6, 6}, {a.ID + 100, 0, 0}} {
		if j := readJournal(t, s, store.JournalQuery{EstablishmentID: c.est, Limit: c.limit}); len(j) != c.want {
			t.Errorf("Journal(%d, %d) = %d entries; want %d", c.est, c.limit, len(j), c.want)
		}
	}
	j := readJournal(t, s, store.JournalQuery{EstablishmentID: a.ID, Limit: 1})
	if want := (store.JournalEntry{ID: j[0].ID, EstablishmentID: a.ID, At: at.Add(4 * time.Minute), Actor: "SPR", Addr: "192.0.2.7",
		Action: "x", Detail: "n° 4", OK: true}); len(j) != 1 || j[0] != want {
		t.Errorf("newest entry = %+v, want %+v", j, want)
	}
	all := readJournal(t, s, store.JournalQuery{})
	if i := slices.IndexFunc(all, func(e store.JournalEntry) bool { return e.ID == loose.ID }); i < 0 || all[i] != *loose {
		t.Errorf("the entry of no establishment: %+v", all)
	}
}

// The store selects by action as ActionMatch.Matches says, for names that
// LIKE would read otherwise (_ and % wildcards, case), a family's bare
// prefix, and exceptions within a family; the period is [Since, Until).
func testJournalActionMatchAndPeriod(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a, b := es[0].ID, es[1].ID
	actions := []string{"base.load", "base_load", "BASE.LOAD", "base.", "base", "bases.x", "key.enroll", "key.revoke",
		"login", "login.key", "%", "x.y", "invitation.create"}
	fillJournal(t, s, a, len(actions)*3, actions)
	fillJournal(t, s, b, 20, []string{"base.load"})
	matches := []*store.ActionMatch{
		{Prefixes: []string{"base."}},
		{Prefixes: []string{"key."}, NotExact: []string{"key.enroll"}},
		{Exact: []string{"login", "key.enroll"}, Prefixes: []string{"login."}},
		{Exact: []string{"login"}, Prefixes: []string{"base.", "key.", "invitation."}, Negate: true},
		{Prefixes: []string{"%"}},
		{Prefixes: []string{"base_"}},
		{Negate: true},
		{},
	}
	for i, m := range matches {
		got := readJournal(t, s, store.JournalQuery{EstablishmentID: a, Actions: m})
		var want []string
		for j := len(actions)*3 - 1; j >= 0; j-- {
			if m.Matches(actions[j%len(actions)]) {
				want = append(want, actions[j%len(actions)])
			}
		}
		var gotActions []string
		for _, e := range got {
			if e.EstablishmentID != a {
				t.Fatalf("match %d: an entry of another establishment: %+v", i, e)
			}
			gotActions = append(gotActions, e.Action)
		}
		if !slices.Equal(gotActions, want) {
			t.Errorf("match %d: %v, want %v", i, gotActions, want)
		}
	}
	// Period: from the 3rd minute included to the 5th excluded.
	got := readJournal(t, s, store.JournalQuery{EstablishmentID: a, Since: at.Add(3 * time.Minute), Until: at.Add(5 * time.Minute)})
	if len(got) != 2 || !got[0].At.Equal(at.Add(4*time.Minute)) || !got[1].At.Equal(at.Add(3*time.Minute)) {
		t.Errorf("period: %+v", got)
	}
	// Keep and Limit: the newest two kept.
	got = readJournal(t, s, store.JournalQuery{EstablishmentID: a, Limit: 2,
		Keep: func(e *store.JournalEntry) bool { return strings.HasPrefix(e.Action, "login") }})
	if len(got) != 2 || got[0].Action != "login.key" || got[1].Action != "login" || !got[0].At.After(got[1].At) {
		t.Errorf("keep and limit: %+v", got)
	}
}
