package commands

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
)

// seed writes journal entries of est into the store, as a year of use
// would have left them.
func (f *fixture) seed(estID int64, entries ...store.JournalEntry) {
	f.t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.dir, "hebergement.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx store.Tx) error {
		for i := range entries {
			entries[i].EstablishmentID = estID
			if err := tx.AppendJournal(&entries[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

type journalOut struct {
	Entries []struct {
		At     time.Time `json:"at"`
		Actor  string    `json:"actor"`
		Action string    `json:"action"`
		Kind   string    `json:"kind"`
		Detail string    `json:"detail"`
	} `json:"entries"`
}

// The journal's filters from the command line: period (a day of --jusqua
// is taken whole, a minute stops before it), kind by its code, text without
// accents, limit after the filters; another establishment is never seen.
func TestJournalCommandFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // 05/10/2026
	paris := func(d, h, m int) time.Time { return time.Date(2026, 12, d, h, m, 0, 0, clock.Paris()) }
	f.seed(f.est.ID,
		store.JournalEntry{At: paris(1, 9, 0), Actor: "SPR", Addr: "192.0.2.1", Action: "backup.create", OK: true},
		store.JournalEntry{At: paris(2, 10, 15), Actor: "Élodie Dupré", Addr: "local", Action: "base.load", Detail: "Emploi du temps.HNOT", OK: true},
		store.JournalEntry{At: paris(3, 10, 15), Actor: "SPR", Addr: "203.0.113.9", Action: "login", Detail: "échec 1 sur 5"},
		store.JournalEntry{At: paris(3, 23, 59), Actor: "SPR", Addr: "192.0.2.1", Action: "invitation.create", OK: true},
		store.JournalEntry{At: paris(4, 8, 0), Actor: "SPR", Addr: "192.0.2.1", Action: "quelque.chose", Detail: "\x1b]0;titre\a nouveau", OK: true},
	)
	other, _ := f.establishment("Lycée Voisin", "0759999Z")
	f.seed(other.ID, store.JournalEntry{At: paris(2, 9, 0), Actor: "SPR", Action: "backup.create", Detail: "sauvegarde voisine", OK: true})

	actions := func(args ...string) string {
		t.Helper()
		o := f.must(f.spr, append([]string{"journal", "--json", "--depuis", "2026-12-01"}, args...))
		var a []string
		for _, e := range decodeJSON[journalOut](t, o).Entries {
			a = append(a, e.Action+"/"+e.Kind)
		}
		return strings.Join(a, " ")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "quelque.chose/autres invitation.create/compte login/connexions-console base.load/bases backup.create/sauvegardes"},
		{[]string{"--jusqua", "2026-12-03"}, "invitation.create/compte login/connexions-console base.load/bases backup.create/sauvegardes"},
		{[]string{"--jusqua", "2026-12-03T10:15"}, "base.load/bases backup.create/sauvegardes"},
		{[]string{"--depuis", "2026-12-02T10:15", "--jusqua", "2026-12-02"}, "base.load/bases"},
		{[]string{"--type", "sauvegardes"}, "backup.create/sauvegardes"},
		{[]string{"--type", "autres"}, "quelque.chose/autres"},
		{[]string{"--type", "publication"}, ""},
		{[]string{"--texte", "elodie"}, "base.load/bases"},
		{[]string{"--texte", "SAUVEGARDE"}, "backup.create/sauvegardes"},
		{[]string{"--texte", "titre"}, ""}, // an escape sequence's text is not searched
		{[]string{"--texte", "spr", "--limite", "2"}, "quelque.chose/autres invitation.create/compte"},
		{[]string{"--type", "bases", "--texte", "spr"}, ""},
	} {
		if got := actions(c.args...); got != c.want {
			t.Errorf("%q: %q, want %q", c.args, got, c.want)
		}
	}
	// The text table: the French names, the address, no control character.
	f.must(f.spr, []string{"journal", "--depuis", "2026-12-01", "--texte", "emploi"}, "Journal (1)",
		"02/12/2026 10:15", "Élodie Dupré", "local", "Chargement d'une base", "Emploi du temps.HNOT")
	f.must(f.spr, []string{"journal", "--depuis", "2026-12-01", "--texte", "nouveau"}, "Journal (1)", "quelque.chose", " nouveau")
	f.must(f.spr, []string{"journal", "--type", "publication"}, "Journal (0)\n")
	// Administration reads the journal too.
	admin := f.adminSession(f.est, "SHA256:"+strings.Repeat("a", 43))
	f.must(admin, []string{"journal", "--depuis", "2026-12-01", "--type", "compte"}, "Journal (1)", "Invitation créée")
}

// Absurd values are usage errors (status 2) that say what is wanted, and
// never reach the back end.
func TestJournalCommandAbsurdValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--limite", "-1"}, "whole number of entries from 1 to"},
		{[]string{"--limite", "1000000000000"}, "whole number of entries from 1 to"},
		{[]string{"--limite", "0"}, "whole number of entries"},
		{[]string{"--depuis", "2026-02-30"}, "want a date such as 2026-11-30"},
		{[]string{"--jusqua", "03/12/2026"}, "want a date such as 2026-11-30"},
		{[]string{"--jusqua", "2026-12-03T25:00"}, "want a date such as"},
		{[]string{"--depuis", "2026-12-03", "--jusqua", "2026-12-02"}, "--jusqua 2026-12-02T00:00:00+01:00 is not after --depuis 2026-12-03T00:00:00+01:00"},
		{[]string{"--depuis", "2026-12-03T10:15", "--jusqua", "2026-12-03T10:15"}, "is not after"},
		{[]string{"--type", "Bases"}, `"Bases" for "--type" flag: unknown kind: want one of connexions-console, bases, serveur, sauvegardes, utilisateurs, publication, compte, autres`},
		{[]string{"--type", "tout"}, "unknown kind"},
		{[]string{"--type", "\x1b[31m"}, `"\x1b[31m" for "--type" flag: unknown kind`},
		{[]string{"--texte", ""}, "want some text"},
		{[]string{"--texte", "   "}, "want some text"},
		{[]string{"--texte", "a\x1b]0;x\ab"}, `"a\x1b]0;x\ab" for "--texte" flag: the text has control characters`},
		{[]string{"--texte", strings.Repeat("é", 201)}, "at most 200 characters"},
	} {
		var opened bool
		o := f.run(f.spr, append([]string{"journal"}, c.args...)...)
		opened = o.opened
		first, _, _ := strings.Cut(o.stderr, "\n")
		if o.code != ExitUsage || opened || o.stdout != "" || !strings.Contains(first, c.want) {
			t.Errorf("%q: status %d, opened %v, stderr %q; want 2 and %q", c.args, o.code, opened, first, c.want)
		}
	}
	if o := run("journal", "-h"); !containsAll(o.stdout, "--jusqua DATE", "--type TYPE", "--texte TEXTE", "2026-12-03T10:15", "connexions-console") {
		t.Errorf("journal -h:\n%s", o.stdout)
	}
}
