package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
)

// journalDB is a database with two establishments; fill appends n entries
// to each, one a minute from at, the actions taken in turn from actions.
func journalDB(t testing.TB) (*sqlite.DB, int64, int64) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	a, b := est("111111111111"), est("222222222222")
	if err := db.Write(context.Background(), func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		return tx.CreateEstablishment(b)
	}); err != nil {
		t.Fatal(err)
	}
	return db, a.ID, b.ID
}

func fillJournal(t testing.TB, db *sqlite.DB, estID int64, n int, actions []string) {
	t.Helper()
	if err := db.Write(context.Background(), func(tx store.Tx) error {
		for i := range n {
			e := &store.JournalEntry{EstablishmentID: estID, At: at.Add(time.Duration(i) * time.Minute), Actor: "SPR",
				Addr: "192.0.2.7", Action: actions[i%len(actions)], Detail: fmt.Sprintf("n° %d", i), OK: i%7 != 0}
			if err := tx.AppendJournal(e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func readJournal(t testing.TB, db *sqlite.DB, q store.JournalQuery) []store.JournalEntry {
	t.Helper()
	var out []store.JournalEntry
	if err := db.Read(context.Background(), func(tx store.Tx) error {
		var err error
		out, err = tx.Journal(q)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// The journal of one establishment is read newest first through its index,
// without sorting the rows: a 10,000-entry journal among others costs the
// reading of its own rows.
func TestJournalQueryUsesTheIndex(t *testing.T) {
	db, a, _ := journalDB(t)
	fillJournal(t, db, a, 10, []string{"base.load"})
	q := `EXPLAIN QUERY PLAN SELECT id, COALESCE(establishment_id, 0), at, actor, addr, action, detail, ok FROM journal
		WHERE at >= ? AND at < ? AND establishment_id = ? AND (substr(action, 1, ?) = ?) ORDER BY at DESC, id DESC`
	rows, err := db.Raw().Query(q, 0, 1<<62, a, 5, "base.")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	p := strings.Join(plan, "; ")
	if !strings.Contains(p, "journal_establishment") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("query plan: %s", p)
	}
}

// BenchmarkJournal reads an establishment's 10,000 entries (another
// establishment has 10,000 more): the newest 10,000, one kind, and as the
// baseline 10,000 rows read in table order, with no condition and no order.
func BenchmarkJournal(b *testing.B) {
	db, a, other := journalDB(b)
	actions := []string{"login", "base.load", "backup.nightly", "server.start", "connection.close", "key.rename"}
	fillJournal(b, db, a, 10_000, actions)
	fillJournal(b, db, other, 10_000, actions)
	b.Run("newest-10000", func(b *testing.B) {
		for b.Loop() {
			if n := len(readJournal(b, db, store.JournalQuery{EstablishmentID: a, Limit: 10_000})); n != 10_000 {
				b.Fatal(n)
			}
		}
	})
	b.Run("kind", func(b *testing.B) {
		m := &store.ActionMatch{Prefixes: []string{"backup.", "year."}}
		for b.Loop() {
			readJournal(b, db, store.JournalQuery{EstablishmentID: a, Actions: m})
		}
	})
	b.Run("baseline-scan", func(b *testing.B) {
		for b.Loop() {
			rows, err := db.Raw().Query(`SELECT id, COALESCE(establishment_id, 0), at, actor, addr, action, detail, ok FROM journal LIMIT 10000`)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for rows.Next() {
				var e store.JournalEntry
				var at int64
				if err := rows.Scan(&e.ID, &e.EstablishmentID, &at, &e.Actor, &e.Addr, &e.Action, &e.Detail, &e.OK); err != nil {
					b.Fatal(err)
				}
				n++
			}
			rows.Close()
			if n != 10_000 {
				b.Fatal(n)
			}
		}
	})
}
