package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/store"
)

// Every action the back end journals has a kind of its own, Autres being
// for actions added without a rule: a new action that falls there fails
// here. The actions announced by the other parts of the Mon compte work
// are named too.
func TestEveryJournalActionHasAKind(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`"([a-z]+\.[a-z]+|login)"`)
	markers := []string{"act(ctx", "Action:", "action =", "action :=", "const action", "journal(", "authenticate(ctx", "sendNewCredentials(", "setPublication(ctx"}
	files, _ := filepath.Glob("*.go")
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "messages.go" || f == "journal.go" {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(body), "\n") {
			if !containsAny(line, markers) {
				continue
			}
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				if strings.HasSuffix(m[1], ".go") || strings.HasSuffix(m[1], ".db") {
					continue
				}
				seen++
				if k := backend.ActionKind(m[1]); k == backend.JournalOther {
					t.Errorf("%s: action %q falls in Autres: give it a kind in journal.go", f, m[1])
				}
			}
		}
	}
	if seen < 25 {
		t.Errorf("only %d actions found in the sources: the markers no longer find them", seen)
	}
	for _, a := range []string{"invitation.create", "invitation.cancel", "invitation.use", "credentials.send",
		"contract.renew", "invoice.issue", "key.rename", "key.revoke", "credentials.reset"} {
		if k := backend.ActionKind(a); k != backend.JournalAccount {
			t.Errorf("%s: %s, want Compte et accès", a, k.French())
		}
	}
	for a, want := range map[string]backend.JournalKind{
		"login": backend.JournalLogins, "login.key": backend.JournalLogins, "key.enroll": backend.JournalLogins,
		"credentials.request": backend.JournalLogins, "base.load": backend.JournalBases, "annex.attach": backend.JournalBases,
		"server.stop": backend.JournalServer, "version.switch": backend.JournalServer, "version.preversion": backend.JournalServer,
		"backup.download": backend.JournalBackups, "year.replace": backend.JournalBackups,
		"connection.close": backend.JournalUsers, "seats.set": backend.JournalUsers,
		"publication.publish": backend.JournalPublication, "espace.unpublish": backend.JournalPublication, "auth.set": backend.JournalPublication,
		"frobnicate": backend.JournalOther, "new.thing": backend.JournalOther, "": backend.JournalOther, ".": backend.JournalOther,
	} {
		if got := backend.ActionKind(a); got != want {
			t.Errorf("ActionKind(%q) = %s, want %s", a, got.French(), want.French())
		}
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Each kind has an ASCII code that reads back, and a French name.
func TestJournalKindCodes(t *testing.T) {
	t.Parallel()
	codes := map[string]bool{}
	for _, k := range append([]backend.JournalKind{backend.JournalAll}, backend.JournalKinds()...) {
		got, ok := backend.ParseJournalKind(k.Code())
		if !ok || got != k || k.French() == "" || codes[k.Code()] {
			t.Errorf("kind %d: code %q reads as %d, %v", k, k.Code(), got, ok)
		}
		codes[k.Code()] = true
		for _, r := range k.Code() {
			if r > 0x7e || r == ' ' {
				t.Errorf("code %q is not ASCII without blanks", k.Code())
			}
		}
	}
	if _, ok := backend.ParseJournalKind("Bases"); ok {
		t.Error("a French name read as a code")
	}
}

// seedJournal appends entries to est's journal straight into the store, as
// many a year of use would have left, oldest first.
func seedJournal(t testing.TB, e *env, entries []store.JournalEntry) {
	t.Helper()
	db := e.openStore(t)
	defer db.Close()
	if err := db.Write(context.Background(), func(tx store.Tx) error {
		for i := range entries {
			if err := tx.AppendJournal(&entries[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// The filters: a period [since, until), a kind (the store's condition
// agrees with ActionKind, unknown actions under Autres), a text that
// ignores case and accents and reads the author, the action's French name,
// the detail and the address; the limit counts what the filters keep.
// Another establishment's entries are never seen, and absurd queries are
// refused without reading anything.
func TestJournalFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Stendhal")
	_, other := e.session(t, "Lycée Voisin")
	day := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	var seed []store.JournalEntry
	add := func(estID int64, days int, actor, addr, action, detail string, ok bool) {
		seed = append(seed, store.JournalEntry{EstablishmentID: estID, At: day.Add(time.Duration(days) * 24 * time.Hour),
			Actor: actor, Addr: addr, Action: action, Detail: detail, OK: ok})
	}
	add(est.ID, 0, "SPR", "192.0.2.1", "backup.create", "", true)                          // "Sauvegarde manuelle"
	add(est.ID, 1, "Mme ÉLODIE Dupré", "local", "base.load", "Emploi du temps.HNOT", true) // accents in the author
	add(est.ID, 2, "SPR", "203.0.113.9", "login", "échec 1 sur 5", false)
	add(est.ID, 3, "SPR", "192.0.2.1", "invitation.create", "code pour M. Martin", true)
	add(est.ID, 4, "SPR", "192.0.2.1", "frobnicate", "quelque chose de nouveau", true)
	add(est.ID, 5, "opérateur", "", "seats.set", "mode administratif : 6", true)
	add(other.ID, 1, "SPR", "192.0.2.1", "backup.create", "sauvegarde de l'autre", true)
	seedJournal(t, e, seed)

	ours := func(q backend.JournalQuery) []backend.JournalEntry {
		t.Helper()
		q.Since = day.Add(-time.Hour) // leaves out the sessions' logins, in March
		if q.Until.IsZero() {
			q.Until = day.Add(30 * 24 * time.Hour)
		}
		j, err := spr.Journal(ctx, q)
		if err != nil {
			t.Fatalf("Journal(%+v): %v", q, err)
		}
		for _, x := range j {
			if x.EstablishmentID != est.ID {
				t.Fatalf("another establishment's entry: %+v", x)
			}
		}
		return j
	}
	actions := func(j []backend.JournalEntry) string {
		var a []string
		for _, x := range j {
			a = append(a, x.Action)
		}
		return strings.Join(a, " ")
	}
	for _, c := range []struct {
		q    backend.JournalQuery
		want string
	}{
		{backend.JournalQuery{}, "seats.set frobnicate invitation.create login base.load backup.create"},
		{backend.JournalQuery{Text: "sauvegarde"}, "backup.create"}, // the action's French name
		{backend.JournalQuery{Text: "  SAUVEGARDÉ "}, "backup.create"},
		{backend.JournalQuery{Text: "elodie dupre"}, "base.load"},
		{backend.JournalQuery{Text: "emploi du temps"}, "base.load"},
		{backend.JournalQuery{Text: "203.0.113"}, "login"},
		{backend.JournalQuery{Text: "operateur"}, "seats.set"},
		{backend.JournalQuery{Text: "spr"}, "frobnicate invitation.create login backup.create"},
		{backend.JournalQuery{Text: "spr", Limit: 2}, "frobnicate invitation.create"},
		{backend.JournalQuery{Text: "rien de tel"}, ""},
		{backend.JournalQuery{Kind: backend.JournalBackups}, "backup.create"},
		{backend.JournalQuery{Kind: backend.JournalAccount}, "invitation.create"},
		{backend.JournalQuery{Kind: backend.JournalLogins}, "login"},
		{backend.JournalQuery{Kind: backend.JournalUsers}, "seats.set"},
		{backend.JournalQuery{Kind: backend.JournalOther}, "frobnicate"},
		{backend.JournalQuery{Kind: backend.JournalPublication}, ""},
		{backend.JournalQuery{Kind: backend.JournalBases, Text: "dupre"}, "base.load"},
		{backend.JournalQuery{Kind: backend.JournalBackups, Text: "dupre"}, ""},
		{backend.JournalQuery{Until: day.Add(2 * 24 * time.Hour)}, "base.load backup.create"}, // until is exclusive
		{backend.JournalQuery{Limit: 1}, "seats.set"},
	} {
		if got := actions(ours(c.q)); got != c.want {
			t.Errorf("%+v: %q, want %q", c.q, got, c.want)
		}
	}
	// A period on its own.
	j, err := spr.Journal(ctx, backend.JournalQuery{Since: day.Add(24 * time.Hour), Until: day.Add(3 * 24 * time.Hour)})
	if err != nil || actions(j) != "login base.load" {
		t.Errorf("period: %q, %v", actions(j), err)
	}

	for _, q := range []backend.JournalQuery{
		{Limit: -1},
		{Kind: backend.JournalKind(99)},
		{Kind: backend.JournalKind(-1)},
		{Since: day, Until: day},
		{Since: day, Until: day.Add(-time.Second)},
		{Text: strings.Repeat("é", backend.MaxJournalText+1)},
	} {
		if _, err := spr.Journal(ctx, q); !errors.Is(err, backend.ErrInvalidInput) {
			t.Errorf("%+v: %v, want ErrInvalidInput", q, err)
		}
	}
	// Administration reads the journal too (PermJournal).
	admin := backend.AdminKeySession(t, e.b, est.ID, "SHA256:admin")
	if j, err := admin.Journal(ctx, backend.JournalQuery{Kind: backend.JournalAccount, Until: day.Add(30 * 24 * time.Hour)}); err != nil || len(j) != 1 {
		t.Errorf("Administration: %d entries, %v", len(j), err)
	}
}

// A text is searched for as it would be drawn: its control characters and
// escape sequences are dropped (left with nothing, it keeps every entry),
// and the text of an escape sequence in a detail, never drawn, is not
// found.
func TestJournalTextHostile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	spr, est := e.session(t, "Lycée Stendhal")
	seedJournal(t, e, []store.JournalEntry{{EstablishmentID: est.ID, At: start.Add(-time.Hour), Actor: "SPR\x1b[31m",
		Action: "base.load", Detail: "rouge\x1b]0;titre\a", OK: true}})
	for text, want := range map[string]int{"\x1b[31m": 1, "spr": 1, "rouge": 1, "\x00": 1, "titre": 0, "31m": 0, "spr\x1b[31m": 1} {
		j, err := spr.Journal(context.Background(), backend.JournalQuery{Text: text, Since: start.Add(-2 * time.Hour), Until: start})
		if err != nil || len(j) != want {
			t.Errorf("text %q: %d entries, %v; want %d", text, len(j), err, want)
		}
	}
}

// BenchmarkSessionJournal: a session reads the newest 10,000 entries of a
// journal of 10,000, all of them, one kind, one text.
func BenchmarkSessionJournal(b *testing.B) {
	e := newEnv(b)
	spr, est := e.session(b, "Lycée Stendhal")
	actions := []string{"login", "base.load", "backup.nightly", "server.start", "connection.close", "key.rename", "publication.publish"}
	seed := make([]store.JournalEntry, 10_000)
	for i := range seed {
		seed[i] = store.JournalEntry{EstablishmentID: est.ID, At: start.Add(-time.Duration(10_000-i) * time.Hour), Actor: "SPR",
			Addr: "192.0.2.1", Action: actions[i%len(actions)], Detail: "détail de l'action", OK: true}
	}
	seedJournal(b, e, seed)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		q    backend.JournalQuery
	}{
		{"newest-10000", backend.JournalQuery{Limit: 10_000}},
		{"kind", backend.JournalQuery{Kind: backend.JournalBackups, Limit: 10_000}},
		{"text", backend.JournalQuery{Text: "sauvegarde", Limit: 10_000}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := spr.Journal(ctx, c.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
