package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The frame rule of the root: whatever the status line, the help and the
// size, the tab gets exactly the rest of the window. The tab drawn is Autres
// bases, whose panes show when a border is lost.

// longStatus is a status sentence longer than one line even at 120 columns.
const longStatus = "La base « Collège Victor Hugo 2025 » a été créée et ouverte. " +
	"Appuyez sur s pour la mettre en service, puis sur p pour la compléter avec ses courriers, " +
	"ses documents joints et ses photos."

// unexpected is a refusal as the status line shows it (in the danger
// colour: a Notice that warns).
const unexpected = "Une erreur inattendue s'est produite ; l'opération n'a pas été faite. Le détail est inscrit au journal."

// A status sentence that takes two lines shrinks the panes; it does not
// push their bottom borders off the screen, nor the header off the top.
func TestLongStatusKeepsPanesWhole(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := run(t, f, w, h, options(f))
		s.Login(t)
		s.WaitText(t, "Essai")
		s.Send(Notice{Text: longStatus})
		s.WaitText(t, "La base « Collège Victor Hugo 2025 » a été créée")
		ct.CheckFrame(t, s.View(), w, h, ct.PanesAt(w), "La base « Collège Victor Hugo 2025 » a été créée")
	})
}

// An error that arrives from outside, the full help and the details
// scrolled keep the same rule.
func TestFrameRule(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		keys   []string
		msg    tea.Msg
		status string
	}{
		{"error", nil, Notice{Text: unexpected, Warning: true}, unexpected},
		{"help", []string{"?"}, nil, ""},
		{"help and long status", []string{"?"}, Notice{Text: longStatus}, "La base « Collège Victor Hugo 2025 »"},
		{"help and error", []string{"?"}, Notice{Text: unexpected, Warning: true}, unexpected},
		{"details scrolled", []string{"pgdown"}, Notice{Text: longStatus}, "La base « Collège Victor Hugo 2025 »"},
		{"details scrolled twice", []string{"pgdown", "pgdown", "pgdown"}, Notice{Text: unexpected, Warning: true}, unexpected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				f := newFixture(t)
				filled(t, f)
				s := run(t, f, w, h, options(f))
				s.Login(t)
				s.WaitText(t, "Essai", "Annexes")
				for _, k := range tc.keys {
					s.Key(k)
				}
				if tc.msg != nil {
					s.Send(tc.msg)
				}
				want := tc.status
				if want == "" {
					want = "masquer l'aide"
				}
				s.WaitText(t, ct.FirstWords(want, w-4))
				ct.CheckFrame(t, s.View(), w, h, ct.PanesAt(w), ct.FirstWords(tc.status, w-4))
			})
		})
	}
}

// At any size, with the longest status and the full help, the view is
// exactly the window's height and no pane loses a border.
func TestFrameRuleAtEverySize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24, options(f))
	s.Login(t)
	s.WaitText(t, "Essai")
	s.Send(Notice{Text: longStatus})
	s.WaitText(t, "La base « Collège")
	for _, help := range []bool{false, true} {
		if help {
			s.Key("?")
		}
		for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}, {100, 30}, {72, 20}, {60, 16}, {132, 50}, {40, 12}, {80, 12}, {200, 60}} {
			s.Send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			s.WaitFor(t, "resized", func(v string) bool {
				l := strings.Split(v, "\n")
				return len(l) == sz.h && ansi.StringWidth(l[0]) == sz.w
			})
			t.Run(fmt.Sprintf("help=%v/%dx%d", help, sz.w, sz.h), func(t *testing.T) {
				ct.CheckFrame(t, s.View(), sz.w, sz.h, ct.PanesAt(sz.w), "La base « Collège")
			})
		}
	}
}
