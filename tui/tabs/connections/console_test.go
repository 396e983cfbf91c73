package connections_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The tab inside the whole console (package tui), driven by keys as a
// user would: the dialogs, the focus of the filter field and the live
// updates go through the root.

func options(f *ct.Fixture) tui.Options {
	var o tui.Options
	o.Prefill.HostingNumber = f.Est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.Files
	o.Now = f.Clk.Now
	return o
}

// open starts a console at w×h on f, logs in and shows Suivi des
// connexions once it has loaded.
func open(t *testing.T, f *ct.Fixture, w, h int, wait ...string) *ct.Screen {
	t.Helper()
	s := f.Start(t, w, h, tui.New(f.B, options(f)), tui.Screen)
	s.Login(t)
	s.Key("3")
	s.WaitText(t, append([]string{"Mode administratif"}, wait...)...)
	return s
}

// connect connects a client a second after the previous one.
func connect(t *testing.T, f *ct.Fixture, user, group, mode, addr string) {
	t.Helper()
	f.Connect(t, user, group, mode, addr)
	f.Clk.Advance(time.Second)
}

// e opens the reserved licences' field: 9 is refused in the field with the
// French sentence (L is 4), 1 is recorded, disconnects nobody, and the
// gauge shows the reserved seat apart.
func TestReservedLicences(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	ct.Filled(t, f)
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	s := open(t, f, 80, 24, "M. DUPONT")
	s.Key("e")
	s.WaitText(t, "Licences réservées pour les administrateurs", "De 0 à 4")
	s.Key("backspace")
	s.Type("9")
	s.Key("enter")
	s.WaitText(t, "Au plus 4 (les licences du mode administratif).")
	ct.Snapshot(t, f.Normalize(t, s.View()))
	view, err := f.Session(t).Connections(context.Background())
	if err != nil || view.Limits.Reserved != 0 {
		t.Fatalf("9 was recorded: %+v, %v", view.Limits, err)
	}
	s.Key("backspace")
	s.Type("1")
	s.Key("enter")
	s.WaitText(t, "Licences réservées aux administrateurs : 1 sur 4. Personne n'est déconnecté.",
		"0/4 (1 réservée)", "1 sur 4", "M. DUPONT")
	view, err = f.Session(t).Connections(context.Background())
	if err != nil || view.Limits.Reserved != 1 || len(view.Conns) != 1 {
		t.Fatalf("after 1: %+v, %d connections, %v", view.Limits, len(view.Conns), err)
	}
	// échap leaves the field and changes nothing.
	s.Key("e")
	s.WaitText(t, "De 0 à 4")
	s.Key("backspace")
	s.Type("3")
	s.Key("esc")
	s.WaitText(t, "Action annulée.")
	if view, _ = f.Session(t).Connections(context.Background()); view.Limits.Reserved != 1 {
		t.Fatalf("échap recorded %d", view.Limits.Reserved)
	}
}

// d asks, naming the user; o disconnects: the row goes, the status line
// says so, the journal has it.
func TestDisconnectByKeys(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	ct.Filled(t, f)
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	connect(t, f, "Mme LEROY", "Professeurs", "enseignant", "10.0.0.2")
	s := open(t, f, 80, 24, "M. DUPONT", "Mme LEROY", "2/30")
	s.Key("d")
	s.WaitText(t, "Déconnecter M. DUPONT (Mode enseignant) ?")
	ct.Snapshot(t, f.Normalize(t, s.View()))
	s.Key("o")
	s.WaitText(t, "La connexion de M. DUPONT (Mode enseignant) est fermée.", "1/30")
	s.WaitFor(t, "the row gone", func(v string) bool { return !strings.Contains(v, "10.0.0.1") && strings.Contains(v, "10.0.0.2") })
	j, err := f.Session(t).Journal(context.Background(), backend.JournalQuery{Limit: 5})
	found := false
	for _, e := range j {
		found = found || e.Action == "connection.close" && e.Detail == "M. DUPONT (Mode enseignant)" && e.OK
	}
	if err != nil || !found {
		t.Fatalf("journal %+v, %v", j, err)
	}
}

// While the filter has the focus, 1–5 and q are typed into it: they
// neither switch tabs nor quit. entrée keeps the filter, échap clears it.
func TestFilterKeepsTheKeys(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	ct.Filled(t, f)
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	connect(t, f, "Salle 12", "Professeurs", "enseignant", "10.0.0.2")
	connect(t, f, "Mme LEROY", "Professeurs", "enseignant", "10.0.0.3")
	s := open(t, f, 80, 24, "Mme LEROY")
	s.Key("/")
	s.WaitText(t, "Filtre :")
	s.Type("1")
	s.Type("2")
	s.WaitText(t, "Filtre : 12", "Connexions (1 sur 3)", "Salle 12")
	s.Type("q")
	s.Key("backspace")
	s.Key("enter")
	s.WaitFor(t, "the filter kept", func(v string) bool {
		return strings.Contains(v, "Suivi des connexions") && strings.Contains(v, "Salle 12") && !strings.Contains(v, "M. DUPONT")
	})
	s.Key("esc")
	s.WaitText(t, "M. DUPONT", "Salle 12", "Mme LEROY", "Connexions (3)")
	s.Key("1") // the keys are the console's again
	s.WaitText(t, "Bases précédemment mises en service")
}

// A client that connects shows without a key press (TopicConnections).
func TestLiveUpdate(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	ct.Filled(t, f)
	s := open(t, f, 120, 40, "Aucun utilisateur connecté.")
	connect(t, f, "Mme NOUVELLE", "Administration", "administratif", "10.0.0.9")
	s.WaitText(t, "Mme NOUVELLE", "1/4", "1 utilisée par le groupe Administration")
	for _, want := range []string{"M. UN", "M. DEUX", "M. TROIS"} {
		connect(t, f, want, "Parents", "parent", "10.0.0.10")
	}
	s.WaitText(t, "M. TROIS", "3 (illimité) : Parents 3")
}
