package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// Letters typed in a field of the login screen are text, not shortcuts:
// q does not quit, ? does not open the help, c/n/d/a open nothing.
func TestLoginFieldsTakeLetters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := options(f)
	opts.Prefill.HostingNumber = ""
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Numéro d'hébergement")
	s.Type("q?cnda12")
	s.WaitText(t, "q?cnda12")
	s.Key("tab")
	s.Type("qq")
	s.WaitText(t, "••")
	v := s.View()
	for _, no := range []string{"Créer une base", "Charger une base", "Arrêter le serveur", "masquer l'aide"} {
		if strings.Contains(v, no) {
			t.Errorf("a letter typed in a field triggered %q:\n%s", no, v)
		}
	}
	// Still running, still on the login screen: ctrl+c is the way out.
	s.Key("ctrl+c")
	s.TM.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}

func TestLoginWrongPassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := run(t, f, 80, 24, options(f))
	s.WaitText(t, "Mot de passe")
	s.Type("pas-le-bon")
	s.Key("enter")
	s.WaitText(t, "Numéro d'hébergement ou mot de passe incorrect.")
	if strings.Contains(s.View(), "wrong hosting number") {
		t.Error("a Go error string reached the screen")
	}
	// The password field is emptied for another try.
	if strings.Contains(s.View(), "••") {
		t.Errorf("the wrong password is still in its field:\n%s", s.View())
	}
}

func TestLoginAsksInvoiceOnFirstLogin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := run(t, f, 80, 24, options(f))
	s.WaitText(t, "Mot de passe")
	if strings.Contains(s.View(), "Numéro de facture") {
		t.Fatal("the invoice field shows before the back end asks for it")
	}
	s.Type(f.Pw)
	s.Key("enter")
	s.WaitText(t, "Numéro de facture", "Demandé lors de la première connexion")
	s.Type("0000000000")
	s.Key("enter")
	s.WaitText(t, "Numéro de facture incorrect")
	for range 10 {
		s.Key("backspace")
	}
	s.Type(f.Est.Invoice)
	s.Key("enter")
	s.WaitText(t, "Autres bases", "n° d'hébergement")
}

func TestLostCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := options(f)
	opts.Prefill.HostingNumber = "999999999999" // no such establishment
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Mot de passe")
	s.Key("ctrl+r")
	s.WaitText(t, "Si ce numéro d'hébergement existe")
	unknown := s.View()

	f2 := newFixture(t)
	s2 := run(t, f2, 80, 24, options(f2))
	s2.WaitText(t, "Mot de passe")
	s2.Key("ctrl+r")
	s2.WaitText(t, "Si ce numéro d'hébergement existe")
	known := f2.Normalize(t, s2.View())
	unknown = strings.ReplaceAll(unknown, "999999999999", "123456789012")
	if known != unknown {
		t.Errorf("the answer differs for a known number:\n%s\n---\n%s", known, unknown)
	}
}

func TestHelpToggles(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t)
	s := run(t, f, 80, 24, options(f))
	s.Login(t)
	s.Key("?")
	s.WaitText(t, "Compléter la base hébergée", "masquer l'aide")
	s.Key("?")
	s.WaitFor(t, "short help", func(v string) bool { return !strings.Contains(v, "masquer l'aide") })
}

// The screen never draws wider than the terminal, at any size.
func TestNoLineWiderThanTheScreen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24, options(f))
	s.Login(t)
	s.WaitText(t, "Essai")
	for _, sz := range []struct{ w, h int }{{80, 24}, {100, 30}, {72, 20}, {60, 16}, {132, 50}, {40, 12}} {
		s.Send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		s.WaitFor(t, "resized", func(v string) bool { return len(strings.Split(v, "\n")) == sz.h })
		for i, l := range strings.Split(s.View(), "\n") {
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
	opts := options(f)
	opts.Enroll = &Enroll{Fingerprint: "SHA256:notice", PublicKey: "ssh-ed25519 AAAA n"}
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Enregistrer votre clé SSH")
	s.Send(Notice{Text: "Délai d'enregistrement dépassé\x1b[31m : la session est fermée.", Warning: true})
	s.WaitText(t, "Délai d'enregistrement dépassé : la session est fermée.")
}
