package account

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// seedJournal writes entries of the fixture's establishment straight into
// the store, as months of use would have left them.
func seedJournal(t testing.TB, f *tabtest.Fixture, entries []store.JournalEntry) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.Data, "hebergement.db"))
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer db.Close()
	if err := db.Write(ctx, func(tx store.Tx) error {
		for i := range entries {
			entries[i].EstablishmentID = f.Est.ID
			if err := tx.AppendJournal(&entries[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// journalFixture is the filled establishment with, weeks before, backups
// (one said "Sauvegardé" in its detail), a delegated authentication and an
// invitation.
func journalFixture(t *testing.T) (*tabtest.Fixture, *backend.Session) {
	t.Helper()
	f, s := filled(t)
	day := func(d int, h int) time.Time { return tabtest.Start.AddDate(0, 0, -d).Add(time.Duration(h) * time.Hour) }
	seedJournal(t, f, []store.JournalEntry{
		{At: day(90, 0), Actor: "SPR", Addr: "192.0.2.7", Action: "backup.create", Detail: "Sauvegardé avant la rentrée", OK: true},
		{At: day(40, 1), Actor: "planificateur", Action: "backup.nightly", Detail: "VICTOR-HUGO-2025", OK: true},
		{At: day(20, 2), Actor: "Élodie Dupré", Addr: "198.51.100.20", Action: "auth.set", Detail: "ENT : Mon Bureau Numérique", OK: true},
		{At: day(3, 3), Actor: "SPR", Addr: "192.0.2.7", Action: "invitation.create", Detail: "code pour le secrétariat", OK: true},
	})
	return f, s
}

// journalTab is the tab on its journal view, loaded, at w×h.
func journalTab(t *testing.T, f *tabtest.Fixture, s *backend.Session, w, h int) (*Tab, *journalView) {
	t.Helper()
	tab, _ := newTab(t, f, s)
	tab.SetSize(w, h)
	deliverCmd(tab, tab.show(viewJournal))
	return tab, tab.views[viewJournal].(*journalView)
}

// deliverCmd runs cmd and gives its answer to tab, as the root would.
func deliverCmd(tab *Tab, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	if msg := cmd(); msg != nil {
		if b, ok := msg.(tea.BatchMsg); ok {
			for _, c := range b {
				deliverCmd(tab, c)
			}
			return
		}
		tab.Update(msg)
	}
}

func press(tab *Tab, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "pgdown":
			msg = tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			r := []rune(k)[0]
			msg = tea.KeyPressMsg{Code: r, Text: k}
		}
		deliverCmd(tab, tab.Update(msg))
	}
}

func typeText(tab *Tab, s string) {
	for _, r := range s {
		press(tab, string(r))
	}
}

// Goldens: the journal as loaded, filtered by a text typed without its
// accents, by kind, and filtered down to nothing.
func TestSnapshotJournalFilters(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		act  func(tab *Tab)
	}{
		{"tout", func(*Tab) {}},
		{"texte", func(tab *Tab) { press(tab, "/"); typeText(tab, "sauvegarde") }},
		{"type", func(tab *Tab) { press(tab, "k", "k", "k", "k") }}, // Tout → Connexions → Bases → Serveur → Sauvegardes
		{"vide", func(tab *Tab) { press(tab, "/"); typeText(tab, "introuvable"); press(tab, "enter") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				f, s := journalFixture(t)
				tab, _ := journalTab(t, f, s, w, h)
				c.act(tab)
				out := tabtest.View(t, tab, w, h)
				tabtest.Snapshot(t, f.Normalize(out))
			})
		})
	}
}

// The text filters as it is typed, ignoring case and accents, on the
// author, the action's name, the detail and the address; entrée keeps it
// (the keys are the list's again), échap clears it; k and p read again
// for a kind and a period, and the count says what is shown.
func TestJournalFilterKeys(t *testing.T) {
	t.Parallel()
	f, s := journalFixture(t)
	tab, v := journalTab(t, f, s, 120, 40)
	all := v.table.Len()
	if all < 10 || !strings.Contains(tabtest.View(t, tab, 120, 40), fmt.Sprintf("· %d entrées", all)) {
		t.Fatalf("%d entries loaded:\n%s", all, tabtest.View(t, tab, 120, 40))
	}
	press(tab, "/")
	if !tab.Typing() {
		t.Fatal("/ does not open the field")
	}
	typeText(tab, "sauvegarde") // "Sauvegarde manuelle"? no: "Sauvegardé avant la rentrée", "Sauvegarde de la nuit"
	if n := v.table.Len(); n != 2 {
		t.Errorf("sauvegarde: %d rows, want 2", n)
	}
	view := tabtest.View(t, tab, 120, 40)
	if !strings.Contains(view, fmt.Sprintf("2 sur %d", all)) || !strings.Contains(view, "Sauvegardé avant la rentrée") {
		t.Errorf("filtered view:\n%s", view)
	}
	// k is typed into the field, not a kind.
	press(tab, "k")
	if v.kind != backend.JournalAll || v.filter.Value() != "sauvegardek" {
		t.Errorf("k while typing: kind %v, filter %q", v.kind, v.filter.Value())
	}
	press(tab, "backspace", "enter")
	if tab.Typing() || v.filter.Value() != "sauvegarde" || v.table.Len() != 2 {
		t.Errorf("entrée: typing %v, filter %q, %d rows", tab.Typing(), v.filter.Value(), v.table.Len())
	}
	press(tab, "esc")
	if v.filter.Value() != "" || v.table.Len() != all {
		t.Errorf("échap: filter %q, %d rows", v.filter.Value(), v.table.Len())
	}
	for _, c := range []struct {
		text string
		want int
	}{{"ELODIE", 1}, {"mon bureau numerique", 1}, {"198.51.100.20", 1}, {"authentification deleguee", 1}, {"secretariat", 2}} {
		press(tab, "/")
		typeText(tab, c.text)
		if v.table.Len() != c.want {
			t.Errorf("%q: %d rows, want %d", c.text, v.table.Len(), c.want)
		}
		press(tab, "esc")
	}
	// The kind: Compte et accès has the invitation, the revoked key.
	press(tab, "k", "k", "k", "k", "k", "k", "k")
	if v.kind != backend.JournalAccount {
		t.Fatalf("kind %v after 7 k", v.kind)
	}
	for _, r := range v.entries {
		if r.Kind() != backend.JournalAccount {
			t.Errorf("%s under Compte et accès", r.Action)
		}
	}
	if len(v.entries) < 2 || !strings.Contains(tabtest.View(t, tab, 120, 40), "k type : Compte et accès") {
		t.Errorf("Compte et accès: %d entries\n%s", len(v.entries), tabtest.View(t, tab, 120, 40))
	}
	press(tab, "k", "k")
	if v.kind != backend.JournalAll {
		t.Errorf("kind %v after a full cycle", v.kind)
	}
	// The period: 7 days leave the backups and the authentication out.
	press(tab, "p")
	if !strings.Contains(tabtest.View(t, tab, 120, 40), "p période : 7 derniers jours") {
		t.Error("the period is not shown")
	}
	for _, e := range v.entries {
		if e.At.Before(f.Clock.Now().AddDate(0, 0, -7)) {
			t.Errorf("an entry of %v in the last 7 days", e.At)
		}
	}
	press(tab, "/")
	typeText(tab, "sauvegarde")
	if !strings.Contains(tabtest.View(t, tab, 120, 40), "Aucune entrée ne correspond aux filtres.") {
		t.Errorf("empty:\n%s", tabtest.View(t, tab, 120, 40))
	}
	press(tab, "esc", "p", "p", "p")
	if v.period != 0 || len(v.entries) != all {
		t.Errorf("period %d, %d entries after a full cycle", v.period, len(v.entries))
	}
}

// entrée opens the entry whole in a dialog: a long detail wraps within the
// dialog, control characters are never drawn; échap closes it.
func TestJournalEntryDialog(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	long := strings.Repeat("une sauvegarde très détaillée ", 12) + "fin du détail"
	seedJournal(t, f, []store.JournalEntry{{At: f.Clock.Now().Add(time.Minute), Actor: tabtest.Hostile, Addr: "2001:db8::1",
		Action: "backup.create", Detail: long + tabtest.Hostile, OK: false}})
	tab, v := journalTab(t, f, s, 80, 24)
	tabtest.CheckClean(t, tabtest.View(t, tab, 80, 24))
	press(tab, "enter")
	d := v.c.Dialog()
	if d == nil {
		t.Fatal("entrée opens no dialog")
	}
	out := d.View(80, 24)
	tabtest.CheckClean(t, out)
	plain := ansi.Strip(out)
	joined := strings.Join(strings.Fields(strings.NewReplacer("│", " ").Replace(plain)), " ")
	for _, want := range []string{"Entrée du journal", "Sauvegarde manuelle", "Sauvegardes", "2001:db8::1", "échec", "fin du détail", "Lycée rouge"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, plain)
		}
	}
	for _, l := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(l); w > 72 {
			t.Errorf("a line of %d cells:\n%s", w, plain)
		}
	}
	d.Update(tea.KeyPressMsg{Code: tea.KeyEscape}) // the root gives the keys to the dialog on top
	if v.c.Dialog() != nil {
		t.Error("échap does not close the dialog")
	}
}

// tenThousand is the filled establishment with 10,000 entries more, one an
// hour, every tenth a backup.
func tenThousand(t testing.TB) (*tabtest.Fixture, *backend.Session) {
	f := tabtest.New(t, 30)
	s := f.Session(t)
	entries := make([]store.JournalEntry, 10_000)
	for i := range entries {
		e := store.JournalEntry{At: tabtest.Start.Add(-time.Duration(10_000-i) * time.Hour), Actor: "Poste du proviseur",
			Addr: "198.51.100.4", Action: "base.open", Detail: fmt.Sprintf("VICTOR-HUGO-%d", i), OK: true}
		if i%10 == 0 {
			e.Action, e.Detail = "backup.nightly", fmt.Sprintf("Sauvegardé n° %d", i)
		}
		entries[i] = e
	}
	seedJournal(t, f, entries)
	return f, s
}

// 10,000 entries: all read, filtered as typed, scrolled to the end and by
// pages, the view always its size.
func TestJournalTenThousandEntries(t *testing.T) {
	t.Parallel()
	f, s := tenThousand(t)
	tab, v := journalTab(t, f, s, 120, 40)
	total := len(v.entries)
	if total < 10_000 {
		t.Fatalf("%d entries read", total)
	}
	press(tab, "/")
	typeText(tab, "sauvegarde n° 99")
	// Every tenth entry is a backup: 990, and 9900, 9910, …, 9990.
	if n := v.table.Len(); n != 11 {
		t.Errorf("%d rows for « sauvegarde n° 99 », want 11", n)
	}
	press(tab, "backspace", "backspace", "backspace")
	if n := v.table.Len(); n != 1000 {
		t.Errorf("%d rows for « sauvegarde n° », want 1000", n)
	}
	press(tab, "enter", "end")
	if v.table.Cursor() != 999 {
		t.Errorf("end: cursor %d", v.table.Cursor())
	}
	out := tabtest.View(t, tab, 120, 40)
	if !strings.Contains(out, "Sauvegardé n° 0 ") || !strings.Contains(out, "("+fr.Count(1000)+"/"+fr.Count(1000)+") · "+fr.Count(1000)+" sur "+fr.Count(total)) {
		t.Errorf("end of the filtered list:\n%s", out)
	}
	press(tab, "esc", "g", "pgdown", "pgdown")
	if c := v.table.Cursor(); c < 40 || c > 80 {
		t.Errorf("two pages down: cursor %d", c)
	}
	tabtest.CheckSize(t, tabtest.View(t, tab, 120, 40), 120, 40)
}

// BenchmarkJournalKeystroke: over 10,000 entries, a character typed into
// the filter (the rows filtered again) and the view drawn; the baseline
// draws the view with no filter.
func BenchmarkJournalKeystroke(b *testing.B) {
	f, s := tenThousand(b)
	c := f.Context(b, s)
	tab := New(c).(*Tab)
	tabtest.Run(tab)
	tab.SetSize(120, 40)
	deliverCmd(tab, tab.show(viewJournal))
	v := tab.views[viewJournal].(*journalView)
	if len(v.entries) < 10_000 {
		b.Fatalf("%d entries", len(v.entries))
	}
	b.Run("baseline-render", func(b *testing.B) {
		for b.Loop() {
			_ = tab.View()
		}
	})
	b.Run("keystroke-and-render", func(b *testing.B) {
		press(tab, "/")
		typeText(tab, "sauvegard")
		for b.Loop() {
			press(tab, "e")
			_ = tab.View()
			press(tab, "backspace")
		}
	})
}

// At 60 columns the journal keeps what was done (Action) and lets the
// detail go (entrée shows it); while the text is typed the help does not
// offer ←/→, which move in the field then; a filter that keeps nothing
// counts "0 entrée", and the title does not repeat "Tout".
func TestJournalNarrowAndTyping(t *testing.T) {
	t.Parallel()
	f, s := journalFixture(t)
	tab, _ := journalTab(t, f, s, 60, 20)
	view := tabtest.View(t, tab, 60, 20)
	if !strings.Contains(view, "Action") || !strings.Contains(view, "Révocation d") {
		t.Errorf("no Action column at 60 columns:\n%s", view)
	}
	press(tab, "/")
	for _, b := range tab.ShortHelp() {
		if b.Help().Key == "←" || b.Help().Key == "→" {
			t.Errorf("the help offers %s while typing", b.Help().Key)
		}
	}
	typeText(tab, "introuvable")
	view = tabtest.View(t, tab, 120, 40)
	if !strings.Contains(view, "Journal · 0 sur") || strings.Contains(view, "Tout") {
		t.Errorf("title of an empty filter:\n%s", view)
	}
	press(tab, "enter")
	found := false
	for _, b := range tab.ShortHelp() {
		found = found || b.Help().Key == "←"
	}
	if !found {
		t.Error("← missing from the help once the text is kept")
	}
}
