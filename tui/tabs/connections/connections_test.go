package connections

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"charm.land/bubbles/v2/key"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

func eachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	for _, sz := range tabtest.Sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.W, sz.H), func(t *testing.T) {
			t.Parallel()
			fn(t, sz.W, sz.H)
		})
	}
}

// wants fails unless v holds every one of texts.
func wants(t *testing.T, v string, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(v, s) {
			t.Errorf("no %q in:\n%s", s, v)
		}
	}
}

// keyHelp is a binding's help, "t trier".
type keyHelp string

func helpOf(bs []key.Binding) []keyHelp {
	out := make([]keyHelp, 0, len(bs))
	for _, b := range bs {
		if b.Enabled() {
			out = append(out, keyHelp(b.Help().Key+" "+b.Help().Desc))
		}
	}
	return out
}

// press1 is the key press of a named key or of a character.
func press1(k string) tea.KeyPressMsg {
	switch k {
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "delete":
		return tea.KeyPressMsg{Code: tea.KeyDelete}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// press hands keys to the tab, running the commands they return as the
// root would (a filter's cursor command answers at once).
func press(tab *Tab, keys ...string) {
	for _, k := range keys {
		tab.Update(press1(k))
	}
}

// connect connects a client a second after the previous one, so that the
// order of the connections is the order of the calls.
func connect(t *testing.T, f *tabtest.Fixture, user, group, mode, addr string) {
	t.Helper()
	f.Connect(t, user, group, mode, addr)
	f.Clock.Advance(time.Second)
}

// typeText types text into the tab, a key press a character.
func typeText(tab *Tab, text string) {
	for _, r := range text {
		tab.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// The busy day of fixture_test.go, in each view of the lower pane.
func TestSnapshotConnectionsBusy(t *testing.T) {
	t.Parallel()
	for _, view := range []struct {
		name string
		v    int
		want []string
	}{
		{"Connexions", viewConns, []string{"Mme MARTIN", "Administration", "Mode administratif", "10.0.1.7", "08:00", "4 min", "< 1 min", "(1/22)"}},
		{"Historique", viewHistory, []string{"pic 4/4", "pic 30/30", "pic 76", "4 en 24 h", "12h", "0h", "1 colonne = "}},
		{"Refus", viewRefusals, []string{"Mme REFUSÉE", "M. EN TROP", "27/11 15:30", "08:30", "Toutes les licences du mode administratif sont utilisées (4 sur 4)"}},
	} {
		t.Run(view.name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				f, s := busy(t)
				tab := testTab(f.Context(t, s))
				tabtest.Run(tab)
				tab.SetSize(w, h)
				tab.setView(view.v)
				v := tabtest.View(t, tab, w, h)
				wants(t, v, "3/4", "12/30", "1 sur 4 ; 2 utilisées par le groupe Administration", "Parents 5",
					"Connexions refusées faute de licence : 1 aujourd'hui, 4 sur 7 jours")
				wants(t, v, view.want...)
				tabtest.Snapshot(t, f.Normalize(v))
			})
		})
	}
}

// In service, nobody connected, no history yet.
func TestSnapshotConnectionsRunning(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, s := running(t, 30)
		tab := testTab(f.Context(t, s))
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		wants(t, v, "0/4", "0/30", "Aucun utilisateur connecté.", "en service", "Aucune connexion refusée faute de licence sur 7 jours.")
		tab.setView(viewHistory)
		wants(t, tabtest.View(t, tab, w, h), "Aucune connexion ces dernières 24 heures")
		tab.setView(viewRefusals)
		wants(t, tabtest.View(t, tab, w, h), "Aucune connexion refusée faute de licence.")
		tab.setView(viewConns)
		tabtest.Snapshot(t, f.Normalize(tabtest.View(t, tab, w, h)))
	})
}

// A fresh establishment: server stopped, unlimited teacher seats.
func TestSnapshotConnectionsStopped(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := tabtest.New(t, 0)
		tab := testTab(f.Context(t, f.Session(t)))
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		wants(t, v, "Le serveur est arrêté : aucune connexion", "0 (illimité)", "aucun utilisateur ne peut se connecter")
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

// Another process holds the live connections: the tab says so, once and
// without claiming the history is live, instead of claiming that nobody is
// connected; it still shows the history, offers e but not d, and says why
// when d is pressed.
func TestSnapshotConnectionsNotHeld(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, s := busy(t)
		f.B.HoldConnections(false)
		tab := testTab(f.Context(t, s))
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		wants(t, v, "Licences du contrat", "4 licences", "30 licences", "1 sur 4", "datent de moins")
		if n := strings.Count(v, "hebergement serve"); n != 1 {
			t.Errorf("the notice is said %d times, want once:\n%s", n, v)
		}
		if strings.Contains(v, "0/4") || strings.Contains(v, "Aucun utilisateur connecté") || strings.Contains(v, "à jour") {
			t.Errorf("the tab claims figures it does not have:\n%s", v)
		}
		tab.setView(viewHistory)
		wants(t, tabtest.View(t, tab, w, h), "pic 30/30")
		tab.setView(viewConns)
		tabtest.Snapshot(t, f.Normalize(tabtest.View(t, tab, w, h)))
		var full []keyHelp
		for _, col := range tab.FullHelp() {
			full = append(full, helpOf(col)...)
		}
		short := fmt.Sprint(helpOf(tab.ShortHelp()))
		if strings.Contains(short, "déconnecter") || strings.Contains(fmt.Sprint(full), "déconnecter") ||
			!strings.Contains(short, "e licences réservées") {
			t.Errorf("help without the connections: %s; full %s", short, full)
		}
		for _, k := range []string{"d", "delete"} {
			tab.c.SetStatus("", common.StatusInfo)
			tab.Update(press1(k))
			if text, kind := tab.c.StatusLine(); !strings.Contains(text, "elle ne sert pas le serveur web") || kind != common.StatusErr ||
				tab.c.Dialog() != nil {
				t.Errorf("%s without the connections: status %q, dialog %v", k, text, tab.c.Dialog())
			}
		}
		// The reserved licences are in the store: e works here too.
		tab.Update(press1("e"))
		if tab.c.Dialog() == nil {
			t.Error("e opened nothing in a console beside a serve")
		}
	})
}

// The gauges follow the connections, the reserved part apart.
func TestGaugesFollowConnections(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	ctx := context.Background()
	tabtest.Must(t, s.SetReservedSeats(ctx, 2))
	c := f.Context(t, s)
	tab := testTab(c)
	connect(t, f, "Mme MARTIN", "Administration", "administratif", "10.0.0.1")
	connect(t, f, "M. BERNARD", "Secrétariat", "administratif", "10.0.0.2")
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.3")
	connect(t, f, "M. GARCIA", "Vie scolaire", "viescolaire", "10.0.0.4")
	connect(t, f, "M. ROUX", "Parents", "parent", "10.0.0.5")
	connect(t, f, "Léa B.", "Élèves", "eleve", "10.0.0.6")
	tabtest.Run(tab)
	v := tabtest.View(t, tab, 80, 24)
	// 2 free, of which 1 only for the groupe Administration (the others
	// may hold 2 and hold 1).
	wants(t, v, "2/4 (1 réservée)", "2 sur 4 ; 1 utilisée par le groupe Administration", "1/30", "Vie scolaire       1 (illimité)",
		"2 (illimité) : Parents 1 · Élèves 1")
	if !strings.Contains(v, "██████████▒▒▒▒▒░░░░░ 2/4") {
		t.Errorf("the gauge does not show the reserved seat apart:\n%s", v)
	}
	connect(t, f, "Mme PETIT", "Administration", "administratif", "10.0.0.7")
	tabtest.Run(tab)
	wants(t, tabtest.View(t, tab, 80, 24), "3/4", "2 utilisées par le groupe Administration", "Connexions (7)")
}

// / narrows the table as the user types, whatever the keys (1–5, q belong
// to the field), ignoring case and accents; esc gives every row back.
func TestFilter(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	tab := testTab(f.Context(t, s))
	for i, u := range []string{"M. DUPONT", "Mme DUPONTEL", "M. MARTIN", "Élise q5"} {
		connect(t, f, u, "Professeurs", "enseignant", fmt.Sprintf("10.0.0.%d", i+1))
	}
	connect(t, f, "Léa B.", "Élèves", "eleve", "192.0.2.9")
	tabtest.Run(tab)
	tab.SetSize(80, 24)
	press(tab, "/")
	if !tab.Typing() {
		t.Fatal("the filter field does not take the keys")
	}
	typeText(tab, "dupont")
	v := tabtest.View(t, tab, 80, 24)
	wants(t, v, "Filtre : dupont", "M. DUPONT", "Mme DUPONTEL", "Connexions (2 sur 5)")
	if strings.Contains(v, "M. MARTIN") {
		t.Errorf("the filter kept M. MARTIN:\n%s", v)
	}
	// Enter keeps the filter and gives the keys back.
	press(tab, "enter")
	if tab.Typing() || tab.conns.Len() != 2 {
		t.Fatalf("enter: typing %v, %d rows", tab.Typing(), tab.conns.Len())
	}
	press(tab, "esc")
	if tab.conns.Len() != 5 || strings.Contains(tabtest.View(t, tab, 80, 24), "Filtre") {
		t.Fatalf("esc: %d rows, want 5, and no field", tab.conns.Len())
	}
	// Digits and q are typed; accents and case are ignored; the group,
	// the mode and the address are searched too.
	for _, c := range []struct {
		typed string
		n     int
	}{{"q5", 1}, {"ELISE", 1}, {"eleve", 1}, {"espace", 1}, {"192.0.2", 1}, {"professeurs", 4}, {"personne", 0}} {
		press(tab, "/")
		typeText(tab, c.typed)
		if tab.conns.Len() != c.n || tab.filter.Value() != c.typed {
			t.Errorf("filter %q: %d rows (field %q), want %d", c.typed, tab.conns.Len(), tab.filter.Value(), c.n)
		}
		if c.n == 0 {
			wants(t, tabtest.View(t, tab, 80, 24), "Aucune connexion ne correspond au filtre « personne »")
		}
		press(tab, "esc")
	}
	if tab.Typing() || tab.filter.Value() != "" {
		t.Fatal("esc did not clear the filter")
	}
}

// The cursor stays on its connection when others arrive before it, when
// the table is sorted, and when the filter changes.
func TestSelectionFollowsReloads(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	tab := testTab(f.Context(t, s))
	connect(t, f, "M. MARTIN", "Professeurs", "enseignant", "10.0.0.1")
	connect(t, f, "M. DURAND", "Professeurs", "enseignant", "10.0.0.2")
	tabtest.Run(tab)
	tab.SetSize(80, 24)
	press(tab, "t", "g") // sort by user, go to the first
	if r, _ := tab.conns.Selected(); r.Cells[0] != "M. DURAND" {
		t.Fatalf("sorted: on %q", r.Cells[0])
	}
	connect(t, f, "M. ABEL", "Professeurs", "enseignant", "10.0.0.3")
	tabtest.Run(tab)
	if r, _ := tab.conns.Selected(); r.Cells[0] != "M. DURAND" {
		t.Fatalf("after a reload, on %q, want M. DURAND", r.Cells[0])
	}
	press(tab, "/")
	typeText(tab, "dur")
	press(tab, "esc")
	if r, _ := tab.conns.Selected(); r.Cells[0] != "M. DURAND" {
		t.Fatalf("after filtering, on %q, want M. DURAND", r.Cells[0])
	}
}

// Disconnecting asks first, naming the user and the mode; yes ends the
// connection, journaled, and the row goes at the next load.
func TestDisconnect(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	c := f.Context(t, s)
	tab := testTab(c)
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	connect(t, f, "Mme LEROY", "Professeurs", "enseignant", "10.0.0.2")
	tabtest.Run(tab)
	tab.SetSize(80, 24)
	press(tab, "d")
	d := c.Dialog()
	if d == nil {
		t.Fatal("no confirmation")
	}
	wants(t, d.View(76, 20), "Déconnecter M. DUPONT (Mode enseignant) ?")
	// n changes nothing.
	d.Update(press1("n"))
	if c.Dialog() != nil || tab.conns.Len() != 2 {
		t.Fatal("no did not close the confirmation")
	}
	tab.Update(press1("delete"))
	cmd := c.Dialog().Update(press1("o"))
	if c.Dialog() != nil || cmd == nil {
		t.Fatal("yes did not close the confirmation and act")
	}
	tab.Update(cmd())
	if text, kind := c.StatusLine(); text != "La connexion de M. DUPONT (Mode enseignant) est fermée." || kind != common.StatusOK {
		t.Errorf("status %q", text)
	}
	tabtest.Run(tab)
	v := tabtest.View(t, tab, 80, 24)
	if strings.Contains(v, "M. DUPONT") || !strings.Contains(v, "Mme LEROY") {
		t.Errorf("after the disconnection:\n%s", v)
	}
	j, err := s.Journal(context.Background(), backend.JournalQuery{Limit: 1})
	if err != nil || len(j) != 1 || j[0].Action != "connection.close" || !strings.Contains(j[0].Detail, "M. DUPONT") {
		t.Fatalf("journal %+v, %v", j, err)
	}
	// Gone meanwhile: the back end's sentence.
	press(tab, "d")
	tabtest.Must(t, f.B.Disconnect(context.Background(), f.Est.HostingNumber, tab.data.Conns[0].ID))
	tab.Update(c.Dialog().Update(press1("o"))())
	if text, kind := c.StatusLine(); !strings.Contains(text, "n'existe plus") || kind != common.StatusErr {
		t.Errorf("status %q", text)
	}
	// d needs the list: from another view it does nothing.
	tabtest.Run(tab)
	tab.setView(viewHistory)
	press(tab, "d")
	if c.Dialog() != nil {
		t.Fatal("d opened a dialog from the chart")
	}
}

func TestParseReserved(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"1", 1, ""}, {" 4 ", 4, ""}, {"0", 0, ""},
		{"9", 0, "Au plus 4 (les licences du mode administratif)."},
		{"-1", 0, "Le nombre ne peut pas être négatif"},
		{"deux", 0, "Saisissez un nombre entier"},
		{"1,5", 0, "Saisissez un nombre entier"},
		{"", 0, "Saisissez un nombre de 0 à 4."},
		{"99999999999999999999", 0, "Saisissez un nombre entier"},
	} {
		n, err := parseReserved(c.in, 4)
		switch {
		case c.want == "" && (err != nil || n != c.n):
			t.Errorf("%q: %d, %v; want %d", c.in, n, err, c.n)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: %v; want %q", c.in, err, c.want)
		}
	}
	for _, s := range []string{"", "x", "-1", "1001"} {
		if _, err := parseReserved(s, 1000); err == nil || len([]rune(err.Error())) > 56 {
			t.Errorf("%q: %v, want a sentence that fits the form's line", s, err)
		}
	}
}

// A name a client sent is drawn clean everywhere: in the table, the
// refusals, the licences and the confirmation. The stand-in refuses
// control characters in names; the tab cleans what comes anyway (bidi
// overrides and zero-width characters pass the stand-in).
func TestHostileNames(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	if _, err := f.B.Connect(context.Background(), f.Est.HostingNumber, backend.ConnectRequest{
		User: "\x1b]0;pwn\x07M. X\x1b[2J", Mode: "enseignant"}); err == nil {
		t.Error("the back end admitted a user name with escape sequences")
	}
	connect(t, f, "M. X\u202eesrevni\u200b", "Pro\u2066fs", "enseignant", "10.0.0.1")
	c := f.Context(t, s)
	tab := testTab(c)
	cmd := tab.Load()
	msg := cmd().(loadedMsg)
	// What a broken or hostile source could still hand the tab.
	msg.view.Conns[0].User = "\x1b]0;pwn\x07M. X\x1b[2J" + tabtest.Hostile
	msg.view.Conns[0].Addr = tabtest.Hostile
	msg.view.Refusals = []seats.Refusal{{User: tabtest.Hostile, Group: tabtest.Hostile, Addr: tabtest.Hostile, Reason: tabtest.Hostile,
		At: f.Clock.Now()}}
	tab.Update(msg)
	for _, v := range []int{viewConns, viewRefusals} {
		tab.setView(v)
		for _, sz := range tabtest.Sizes {
			tab.SetSize(sz.W, sz.H)
			out := tab.View()
			tabtest.CheckSize(t, out, sz.W, sz.H)
			tabtest.CheckClean(t, out)
			if strings.Contains(out, "pwn") || strings.Contains(out, "\x1b[2J") {
				t.Errorf("the window title or the clear screen reached the view")
			}
		}
	}
	tab.setView(viewConns)
	press(tab, "/")
	typeText(tab, "m. x")
	tabtest.CheckClean(t, tab.View())
	press(tab, "esc", "d")
	if c.Dialog() == nil {
		t.Fatal("no confirmation")
	}
	out := c.Dialog().View(64, 20)
	tabtest.CheckClean(t, out)
	if strings.Contains(out, "pwn") || strings.Contains(out, "\x1b[2J") {
		t.Errorf("the confirmation draws the name raw:\n%q", out)
	}
}

// t sorts the texts as a French reader expects: case and accents aside,
// "Élèves" among the E, before "Vie scolaire", "émile" between "Albert"
// and "Zoé", "Espace Élèves" before "Espace Parents".
func TestSortIgnoresCaseAndAccents(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	connect(t, f, "Zoé", "Vie scolaire", "viescolaire", "10.0.0.1")
	connect(t, f, "émile", "Élèves", "eleve", "10.0.0.2")
	connect(t, f, "Albert", "Parents", "parent", "10.0.0.3")
	connect(t, f, "Brigitte", "administration", "administratif", "10.0.0.4")
	tab := testTab(f.Context(t, s))
	tabtest.Run(tab)
	order := func(texts ...string) {
		t.Helper()
		v := tabtest.View(t, tab, 80, 24)
		_, v, _ = strings.Cut(v, "Utilisateur")
		last := -1
		for _, s := range texts {
			i := strings.Index(v, s)
			if i < last {
				t.Errorf("%q is not after the one before it:\n%s", s, v)
			}
			last = i
		}
	}
	press(tab, "t") // Utilisateur
	order("Albert", "Brigitte", "émile", "Zoé")
	press(tab, "t") // Groupe
	order("administration", "Élèves", "Parents", "Vie scolaire")
	press(tab, "t") // Mode ou Espace
	order("Espace Élèves", "Espace Parents", "Mode administratif", "Vie scolaire")
	press(tab, "T")
	order("Vie scolaire", "Mode administratif", "Espace Parents", "Espace Élèves")
}

func TestSortText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Élèves": "eleves", "M. DUPONT": "m. dupont", "Œuvre Ñandú": "oeuvre nandu",
		"Zoé\u200b": "zoe", "a\x1b[31mb": "ab",
	} {
		if got := sortText(in); got != want {
			t.Errorf("sortText(%q) = %q, want %q", in, got, want)
		}
	}
}
