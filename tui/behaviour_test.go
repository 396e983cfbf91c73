package tui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
	"github.com/hebergement/console/backend"
)

// Letters typed in a field of the login screen are text, not shortcuts:
// q does not quit, ? does not open the help, c/n/d/a open nothing.
func TestLoginFieldsTakeLetters(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.Prefill.HostingNumber = ""
	s := f.start(t, 80, 24, opts)
	s.waitText(t, "Numéro d'hébergement")
	s.tm.Type("q?cnda")
	s.waitText(t, "q?cnda")
	s.key("tab")
	s.tm.Type("qq")
	s.waitText(t, "••")
	v := s.view()
	for _, no := range []string{"Créer une base", "Charger une base", "Arrêter le serveur", "masquer l'aide"} {
		if strings.Contains(v, no) {
			t.Errorf("a letter typed in a field triggered %q:\n%s", no, v)
		}
	}
	// Still running, still on the login screen: ctrl+c is the way out.
	s.key("ctrl+c")
	s.tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLoginWrongPassword(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, 80, 24, f.options())
	s.waitText(t, "Mot de passe")
	s.tm.Type("pas-le-bon")
	s.key("enter")
	s.waitText(t, "Numéro d'hébergement ou mot de passe incorrect.")
	if strings.Contains(s.view(), "wrong hosting number") {
		t.Error("a Go error string reached the screen")
	}
	// The password field is emptied for another try.
	if strings.Contains(s.view(), "••") {
		t.Errorf("the wrong password is still in its field:\n%s", s.view())
	}
}

func TestLoginAsksInvoiceOnFirstLogin(t *testing.T) {
	f := newFixture(t)
	s := f.start(t, 80, 24, f.options())
	s.waitText(t, "Mot de passe")
	if strings.Contains(s.view(), "Numéro de facture") {
		t.Fatal("the invoice field shows before the back end asks for it")
	}
	s.tm.Type(f.pw)
	s.key("enter")
	s.waitText(t, "Numéro de facture", "Demandé lors de la première connexion")
	s.tm.Type("0000000000")
	s.key("enter")
	s.waitText(t, "Numéro de facture incorrect")
	for range 10 {
		s.key("backspace")
	}
	s.tm.Type(f.est.Invoice)
	s.key("enter")
	s.waitText(t, "Autres bases", "n° d'hébergement")
}

func TestLostCredentials(t *testing.T) {
	f := newFixture(t)
	opts := f.options()
	opts.Prefill.HostingNumber = "999999999999" // no such establishment
	s := f.start(t, 80, 24, opts)
	s.waitText(t, "Mot de passe")
	s.key("ctrl+r")
	s.waitText(t, "Si ce numéro d'hébergement existe")
	unknown := s.view()

	f2 := newFixture(t)
	s2 := f2.start(t, 80, 24, f2.options())
	s2.waitText(t, "Mot de passe")
	s2.key("ctrl+r")
	s2.waitText(t, "Si ce numéro d'hébergement existe")
	known := f2.normalize(s2.view())
	unknown = strings.ReplaceAll(unknown, "999999999999", "123456789012")
	if known != unknown {
		t.Errorf("the answer differs for a known number:\n%s\n---\n%s", known, unknown)
	}
}

// n and esc close a confirmation and change nothing.
func TestConfirmationCancel(t *testing.T) {
	for _, cancel := range []string{"n", "esc"} {
		t.Run(cancel, func(t *testing.T) {
			f := newFixture(t)
			filled(t, f)
			s := f.start(t, 80, 24, f.options())
			s.login(t)
			s.waitText(t, "En service")
			s.key("a")
			s.waitText(t, "Arrêter le serveur ?")
			s.key(cancel)
			s.waitFor(t, "dialog closed", func(v string) bool {
				return !strings.Contains(v, "Arrêter le serveur ?") && strings.Contains(v, "Action annulée.")
			})
			st, err := f.session(t).Status(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.State != backend.ServerRunning {
				t.Errorf("server state %s after cancelling, want running", st.State)
			}

			s.key("tab")
			s.key("d")
			s.waitText(t, "Supprimer la base « Essai rentrée 2026 »")
			s.key(cancel)
			s.waitFor(t, "dialog closed", func(v string) bool { return !strings.Contains(v, "Supprimer la base") })
			lists, err := f.session(t).Bases(context.Background())
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
	f := newFixture(t)
	filled(t, f)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.key("a")
	s.waitText(t, "Arrêter le serveur ?")
	s.key("o")
	s.waitText(t, "Le serveur est arrêté.", "Arrêté")
}

// A change made by another session shows without a key press.
func TestLiveUpdate(t *testing.T) {
	f := newFixture(t)
	other := f.session(t)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.waitText(t, "Aucune base chargée")
	paths := f.generate(t, "Chargée ailleurs", 2026, 400)
	f.load(t, other, paths[0])
	s.waitText(t, "Chargée ailleurs")
	b, _ := other.Bases(context.Background())
	if err := other.OpenBase(context.Background(), b.Uploaded[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := other.PutInService(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.waitText(t, "● En service", "Base en service Chargée ailleurs")
}

// The whole path of "Charger une base": picker, progress, the new base
// selected, then opened and put in service.
func TestLoadOpenPutInService(t *testing.T) {
	f := newFixture(t)
	f.session(t)
	f.generate(t, "Rentrée", 2026, 400)
	s := f.start(t, 120, 40, f.options())
	s.login(t)
	s.key("c")
	s.waitText(t, "Rentrée.HNOT")
	s.key("enter")
	// The lists reload after the message: wait for the new base in them
	// (its details) before acting on it.
	s.waitText(t, "Base « Rentrée » chargée", "jamais mise en service")
	s.key("o")
	s.waitText(t, "La base « Rentrée » est ouverte.")
	s.key("s")
	s.waitText(t, "La base « Rentrée » est en service.", "Base en service Rentrée")
	// The annexes complete the base in service.
	s.key("p")
	s.waitText(t, "Rentrée.HPHOTOS", "Rentrée.HCOURRIERS")
	if strings.Contains(s.view(), "Rentrée.HNOT") {
		t.Errorf("the annex picker lists the base:\n%s", s.view())
	}
	s.key("enter") // the first file: Rentrée.HCOURRIERS
	s.waitText(t, "(courriers) ajoutée à la base en service")
}

func TestCreateBase(t *testing.T) {
	f := newFixture(t)
	f.session(t)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.key("n")
	s.waitText(t, "Créer la base")
	// Wednesday off: move to the days and untick it.
	for range 4 {
		s.key("tab")
	}
	s.key("right")
	s.key("right")
	s.key("space")
	s.waitText(t, "[ ] mer")
	s.key("enter")
	s.waitText(t, "a été créée et ouverte")
	lists, err := f.session(t).Bases(context.Background())
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

func TestHelpToggles(t *testing.T) {
	f := newFixture(t)
	f.session(t)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.key("?")
	s.waitText(t, "Compléter la base hébergée", "masquer l'aide")
	s.key("?")
	s.waitFor(t, "short help", func(v string) bool { return !strings.Contains(v, "masquer l'aide") })
}

func TestMouseSelects(t *testing.T) {
	f := newFixture(t)
	filled(t, f)
	s := f.start(t, 120, 40, f.options())
	s.login(t)
	s.waitText(t, "Essai rentrée 2026")
	// Find the row of the uploaded base and click it.
	lines := strings.Split(s.view(), "\n")
	y := -1
	for i, l := range lines {
		if strings.Contains(l, "│  Essai rentrée 2026") {
			y = i
		}
	}
	if y < 0 {
		t.Fatalf("no row for the uploaded base:\n%s", s.view())
	}
	s.tm.Send(tea.MouseClickMsg{X: 5, Y: y, Button: tea.MouseLeft})
	s.waitText(t, "▸ Essai rentrée 2026", "jamais mise en service")
	// A click on the tab bar keeps the tab.
	s.tm.Send(tea.MouseClickMsg{X: 3, Y: 2, Button: tea.MouseLeft})
	s.key("up")
	s.waitText(t, "▸ Essai rentrée 2026")
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
	f := newFixture(t)
	sess := f.session(t)
	paths := f.generate(t, "source", 2026, 400)
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
	hostile := filepath.Join(f.files, evil+"2.HNOT")
	if err := os.WriteFile(hostile, []byte("pas une base"), 0o644); err != nil {
		t.Fatal(err)
	}

	s := f.start(t, 120, 40, f.options())
	s.login(t)
	s.waitText(t, "EVIL", "NAME")
	harmless(t, s.raw())
	// The renderer drew the frame: the program is alive and the bytes it
	// wrote to the terminal hold the name.
	teatest.WaitFor(t, s.tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("EVIL")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))

	s.key("c")
	s.waitText(t, "EVIL", "NAME2.HNOT")
	harmless(t, s.raw())
	s.key("enter")
	s.waitText(t, "refusé")
	harmless(t, s.raw())
	if v := s.view(); strings.Contains(v, "title") {
		t.Errorf("the OSC body leaked into the view:\n%s", v)
	}
	s.final(t)
}

// The screen never draws wider than the terminal, at any size.
func TestNoLineWiderThanTheScreen(t *testing.T) {
	f := newFixture(t)
	filled(t, f)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.waitText(t, "Essai")
	for _, sz := range []struct{ w, h int }{{80, 24}, {100, 30}, {72, 20}, {60, 16}, {132, 50}, {40, 12}} {
		s.tm.Send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		s.waitFor(t, "resized", func(v string) bool { return len(strings.Split(v, "\n")) == sz.h })
		for i, l := range strings.Split(s.view(), "\n") {
			if w := ansi.StringWidth(l); w > sz.w {
				t.Errorf("%dx%d: line %d is %d cells wide: %q", sz.w, sz.h, i, w, l)
			}
		}
	}
}

// A notice from the SSH server (an enrollment time limit, a shutdown) shows
// on the login screen too, which has no status line, and before login it
// may not hold anything a user types.
func TestNoticeShowsOnTheLoginScreen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := f.options()
	opts.Enroll = &Enroll{Fingerprint: "SHA256:notice", PublicKey: "ssh-ed25519 AAAA n"}
	s := f.start(t, 80, 24, opts)
	s.waitText(t, "Enregistrer votre clé SSH")
	s.tm.Send(Notice{Text: "Délai d'enregistrement dépassé\x1b[31m : la session est fermée.", Warning: true})
	s.waitText(t, "Délai d'enregistrement dépassé : la session est fermée.")
}
