package bases_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/hebergement/console/backend"
)

// n and esc close a confirmation and change nothing.
func TestConfirmationCancel(t *testing.T) {
	t.Parallel()
	for _, cancel := range []string{"n", "esc"} {
		t.Run(cancel, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			filled(t, f)
			s := run(t, f, 80, 24)
			s.WaitText(t, "En service")
			s.Key("a")
			s.WaitText(t, "Arrêter le serveur ?")
			s.Key(cancel)
			s.WaitFor(t, "dialog closed", func(v string) bool {
				return !strings.Contains(v, "Arrêter le serveur ?") && strings.Contains(v, "Action annulée.")
			})
			st, err := f.Session(t).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.State != backend.ServerRunning {
				t.Errorf("server state %s after cancelling, want running", st.State)
			}

			s.Key("tab")
			s.Key("d")
			s.WaitText(t, "Supprimer la base « Essai rentrée 2026 »")
			s.Key(cancel)
			s.WaitFor(t, "dialog closed", func(v string) bool { return !strings.Contains(v, "Supprimer la base") })
			lists, err := f.Session(t).Bases(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if len(lists.Uploaded) != 1 {
				t.Errorf("%d uploaded bases after cancelling the deletion, want 1", len(lists.Uploaded))
			}
		})
	}
}

// o confirms: the server stops.
func TestConfirmationStops(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24)
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ?")
	s.Key("o")
	s.WaitText(t, "Le serveur est arrêté ; aucun utilisateur n'était connecté.", "Arrêté")
}

// Every confirmation that stops the server says how many users it
// disconnects, read when it opens: "Arrêter le serveur", "Ouvrir cette
// base" and "Créer une base" while the server runs.
func TestStopConfirmationsCountUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	f.Connect(t, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	s := run(t, f, 80, 24)
	s.WaitText(t, "En service")
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ? 1 utilisateur connecté sera déconnecté.")
	s.Key("n")
	s.WaitText(t, "Action annulée.")
	for i := range 11 {
		f.Connect(t, "Parent "+strconv.Itoa(i), "Parents", "parent", "10.0.1.1")
	}
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ? 12 utilisateurs connectés", "déconnectés.")
	s.Key("n")
	s.WaitFor(t, "dialog closed", func(v string) bool { return !strings.Contains(v, "Arrêter le serveur ?") })
	s.Key("tab") // the uploaded base
	s.Key("o")
	s.WaitText(t, "il faut d'abord l'arrêter", "Arrêter le serveur ? 12 utilisateurs connectés")
	s.Key("n")
	s.WaitFor(t, "dialog closed", func(v string) bool { return !strings.Contains(v, "Arrêter le serveur ?") })
	s.Key("n")
	s.WaitText(t, "Créer la base")
	s.Key("enter")
	s.WaitText(t, "Arrêter et créer", "Arrêter le serveur ? 12 utilisateurs connectés")
	s.Key("o")
	s.WaitText(t, "a été créée et ouverte", "Arrêté")
	if n, err := f.Session(t).ConnectedUsers(context.Background()); err != nil || n != 0 {
		t.Fatalf("%d users still connected after the stop, %v", n, err)
	}
	s.Key("a")
	s.WaitText(t, backend.Message(backend.ErrServerStopped))
}

// Nobody connected: the confirmation says so; and when this process does
// not hold the live connections (a console beside a serve), it does not
// claim a count it cannot know.
func TestStopConfirmationWithoutCount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24)
	s.WaitText(t, "En service")
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ? Aucun utilisateur n'est connecté.")
	s.Key("n")
	s.WaitFor(t, "dialog closed", func(v string) bool { return !strings.Contains(v, "Arrêter le serveur ?") })
	f.B.HoldConnections(false)
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ? Toutes les connexions des utilisateurs", "seront fermées.")
}

// A change made by another session shows without a key press.
func TestLiveUpdate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.Session(t)
	s := run(t, f, 80, 24)
	s.WaitText(t, "Aucune base chargée")
	paths := f.Generate(t, "Chargée ailleurs", 2026, 400)
	f.Load(t, other, paths[0])
	s.WaitText(t, "Chargée ailleurs")
	b, _ := other.Bases(context.Background())
	if err := other.OpenBase(context.Background(), b.Uploaded[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := other.PutInService(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.WaitText(t, "● En service", "Base en service Chargée ailleurs")
}

// The whole path of "Charger une base": picker, progress, the new base
// selected, then opened and put in service.
func TestLoadOpenPutInService(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t)
	f.Generate(t, "Rentrée", 2026, 400)
	s := run(t, f, 120, 40)
	s.Key("c")
	s.WaitText(t, "Rentrée.HNOT")
	s.Key("enter")
	// The lists reload after the message: wait for the new base in them
	// (its details) before acting on it.
	s.WaitText(t, "Base « Rentrée » chargée", "jamais mise en service")
	s.Key("o")
	s.WaitText(t, "La base « Rentrée » est ouverte.")
	s.Key("s")
	s.WaitText(t, "La base « Rentrée » est en service.", "Base en service Rentrée")
	// The annexes complete the base in service.
	s.Key("p")
	s.WaitText(t, "Rentrée.HPHOTOS", "Rentrée.HCOURRIERS")
	if strings.Contains(s.View(), "Rentrée.HNOT") {
		t.Errorf("the annex picker lists the base:\n%s", s.View())
	}
	s.Key("enter") // the first file: Rentrée.HCOURRIERS
	s.WaitText(t, "(courriers) ajoutée à la base en service")
}

func TestCreateBase(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t)
	s := run(t, f, 80, 24)
	s.Key("n")
	s.WaitText(t, "Créer la base")
	// Wednesday off: move to the days and untick it.
	for range 4 {
		s.Key("tab")
	}
	s.Key("right")
	s.Key("right")
	s.Key("space")
	s.WaitText(t, "[ ] mer")
	s.Key("enter")
	s.WaitText(t, "a été créée et ouverte")
	lists, err := f.Session(t).Bases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(lists.Uploaded); n != 1 {
		t.Fatalf("%d bases, want 1", n)
	}
	b := lists.Uploaded[0]
	if !b.Opened || b.Year != 2026 || len(b.Grid.Days) != 4 {
		t.Errorf("created base %+v, want opened, 2026, four days", b)
	}
}

func TestMouseSelects(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 120, 40)
	s.WaitText(t, "Essai rentrée 2026")
	// Find the row of the uploaded base and click it.
	lines := strings.Split(s.View(), "\n")
	y := -1
	for i, l := range lines {
		if strings.Contains(l, "│  Essai rentrée 2026") {
			y = i
		}
	}
	if y < 0 {
		t.Fatalf("no row for the uploaded base:\n%s", s.View())
	}
	s.Send(tea.MouseClickMsg{X: 5, Y: y, Button: tea.MouseLeft})
	s.WaitText(t, "▸ Essai rentrée 2026", "jamais mise en service")
	// A click on the tab bar keeps the tab.
	s.Send(tea.MouseClickMsg{X: 3, Y: 2, Button: tea.MouseLeft})
	s.Key("up")
	s.WaitText(t, "▸ Essai rentrée 2026")
}

// evil names hold escape sequences: colours, a window title, and a CSI with
// 40 parameters, which makes the x/ansi renderer panic when drawn raw.
var evil = "\x1b[31mEVIL\x1b]0;title\x07" + "\x1b[" + strings.Repeat("1;", 39) + "1m" + "\u202eNAME"

// sgrRE matches the styling the console itself draws.
var sgrRE = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// harmless reports what, once the console's own styling is removed, is
// still a control character in a view.
func harmless(t *testing.T, view string) {
	t.Helper()
	rest := sgrRE.ReplaceAllString(view, "")
	for _, r := range rest {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e') {
			t.Fatalf("control character %U left in the view: %q", r, rest)
		}
	}
}

func TestHostileNamesAreDrawnHarmlessly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	sess := f.Session(t)
	paths := f.Generate(t, "source", 2026, 400)
	r, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := sess.LoadBase(context.Background(), evil+".HNOT", r, nil)
	r.Close()
	if err != nil {
		t.Fatalf("LoadBase: %v", err)
	}
	if b.Name == "" {
		t.Fatal("no name")
	}
	// A file on disk with the same kind of name, for the picker.
	for _, p := range paths {
		os.Remove(p)
	}
	hostile := filepath.Join(f.Files, evil+"2.HNOT")
	if err := os.WriteFile(hostile, []byte("pas une base"), 0o644); err != nil {
		t.Fatal(err)
	}

	s := run(t, f, 120, 40)
	s.WaitText(t, "EVIL", "NAME")
	harmless(t, s.Raw())
	// The renderer drew the frame: the program is alive and the bytes it
	// wrote to the terminal hold the name.
	teatest.WaitFor(t, s.TM.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("EVIL")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))

	s.Key("c")
	s.WaitText(t, "EVIL", "NAME2.HNOT")
	harmless(t, s.Raw())
	s.Key("enter")
	s.WaitText(t, "refusé")
	harmless(t, s.Raw())
	if v := s.View(); strings.Contains(v, "title") {
		t.Errorf("the OSC body leaked into the view:\n%s", v)
	}
	s.Final(t)
}

// The outcome of "Arrêter le serveur" says how many users it disconnected.
func TestStopSaysWhoWasDisconnected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	f.Connect(t, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	f.Connect(t, "Mme MARTIN", "Administration", "administratif", "10.0.0.2")
	s := run(t, f, 80, 24)
	s.WaitText(t, "En service")
	s.Key("a")
	s.WaitText(t, "Arrêter le serveur ? 2 utilisateurs connectés")
	s.Key("o")
	s.WaitText(t, "Le serveur est arrêté ; 2 utilisateurs déconnectés.", "Arrêté")
}
