package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
)

// longStatus is a status sentence longer than one line even at 120 columns.
const longStatus = "La base « Collège Victor Hugo 2025 » a été créée et ouverte. " +
	"Appuyez sur s pour la mettre en service, puis sur p pour la compléter avec ses courriers, " +
	"ses documents joints et ses photos."

// checkFrame checks the screen rule after login: exactly h lines, none
// wider than w, the header on the first line, the panes whole (panes top
// and panes bottom borders), and, right under the last bottom border, the
// status line starting with status.
func checkFrame(t *testing.T, v string, w, h, panes int, status string) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: the view has %d lines, want %d:\n%s", w, h, len(lines), h, v)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%dx%d: line %d is %d cells wide", w, h, i, lw)
		}
	}
	if !strings.Contains(lines[0], "n° d'hébergement") {
		t.Errorf("%dx%d: the header is not on the first line:\n%s", w, h, v)
	}
	if top, bottom := strings.Count(v, "╭"), strings.Count(v, "╰"); top != panes || bottom != panes {
		t.Errorf("%dx%d: %d top and %d bottom borders, want %d of each:\n%s", w, h, top, bottom, panes, v)
	}
	last := -1
	for i, l := range lines {
		if strings.Contains(l, "╰") {
			last = i
		}
	}
	if last < 0 || last+1 >= len(lines) {
		t.Fatalf("%dx%d: no bottom border above the status line:\n%s", w, h, v)
	}
	if l := strings.TrimRight(lines[last], " "); !strings.HasPrefix(l, "╰") || !strings.HasSuffix(l, "╯") {
		t.Errorf("%dx%d: line %d is not a whole bottom border: %q", w, h, last, l)
	}
	next := strings.TrimSpace(lines[last+1])
	if status == "" && next != "" || !strings.HasPrefix(next, status) {
		t.Errorf("%dx%d: the line under the panes is %q, want the status line %q", w, h, next, status)
	}
	for i := last + 1; i < len(lines); i++ {
		if strings.ContainsAny(lines[i], "│╭╮") {
			t.Errorf("%dx%d: pane line %d below the status line: %q", w, h, i, lines[i])
		}
	}
}

// panesAt is how many panes the Autres bases tab shows at width w: the two
// lists, and the details where there is room.
func panesAt(w int) int {
	if w >= 72 {
		return 3
	}
	return 2
}

// A status sentence that takes two lines shrinks the panes; it does not
// push their bottom borders off the screen, nor the header off the top.
func TestLongStatusKeepsPanesWhole(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "Essai")
		s.tm.Send(actionDoneMsg{ok: longStatus})
		s.waitText(t, "La base « Collège Victor Hugo 2025 » a été créée")
		checkFrame(t, s.view(), w, h, panesAt(w), "La base « Collège Victor Hugo 2025 » a été créée")
	})
}

// The case seen at 80×24: creating a base while the server runs ends on a
// two-line status sentence.
func TestCreateBaseStatusKeepsPanesWhole(t *testing.T) {
	f := newFixture(t)
	filled(t, f)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.waitText(t, "Essai")
	s.key("n")
	s.waitText(t, "Créer la base")
	s.key("enter")
	s.waitText(t, "il faut d'abord l'arrêter")
	s.key("o")
	s.waitText(t, "a été créée et ouverte. Appuyez sur s pour", "Nouvelle base 2026-2027")
	s.waitFor(t, "server stopped", func(v string) bool { return strings.Contains(v, "Arrêté") })
	checkFrame(t, s.view(), 80, 24, 3, "La base « Nouvelle base 2026-2027 » a été créée")
}

// An error that arrives from a command, the full help and the details
// scrolled keep the same rule.
func TestFrameRule(t *testing.T) {
	unexpected := backend.Message(errors.New("disk full"))
	cases := []struct {
		name   string
		keys   []string
		msg    tea.Msg
		status string
	}{
		{"error", nil, actionDoneMsg{err: errors.New("disk full")}, unexpected},
		{"help", []string{"?"}, nil, ""},
		{"help and long status", []string{"?"}, actionDoneMsg{ok: longStatus}, "La base « Collège Victor Hugo 2025 »"},
		{"help and error", []string{"?"}, actionDoneMsg{err: errors.New("disk full")}, unexpected},
		{"details scrolled", []string{"pgdown"}, actionDoneMsg{ok: longStatus}, "La base « Collège Victor Hugo 2025 »"},
		{"details scrolled twice", []string{"pgdown", "pgdown", "pgdown"}, actionDoneMsg{err: errors.New("disk full")}, unexpected},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) {
				f := newFixture(t)
				filled(t, f)
				s := f.start(t, w, h, f.options())
				s.login(t)
				s.waitText(t, "Essai", "Annexes")
				for _, k := range tc.keys {
					s.key(k)
				}
				if tc.msg != nil {
					s.tm.Send(tc.msg)
				}
				want := tc.status
				if want == "" {
					want = "masquer l'aide"
				}
				s.waitText(t, firstWords(want, w-4))
				checkFrame(t, s.view(), w, h, panesAt(w), firstWords(tc.status, w-4))
			})
		})
	}
}

// firstWords is the start of s that fits on one line of w cells.
func firstWords(s string, w int) string {
	return strings.TrimSpace(wrap(s, w)[0])
}

// At any size, with the longest status and the full help, the view is
// exactly the window's height and no pane loses a border.
func TestFrameRuleAtEverySize(t *testing.T) {
	f := newFixture(t)
	filled(t, f)
	s := f.start(t, 80, 24, f.options())
	s.login(t)
	s.waitText(t, "Essai")
	s.tm.Send(actionDoneMsg{ok: longStatus})
	s.waitText(t, "La base « Collège")
	for _, help := range []bool{false, true} {
		if help {
			s.key("?")
		}
		for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}, {100, 30}, {72, 20}, {60, 16}, {132, 50}, {40, 12}, {80, 12}, {200, 60}} {
			s.tm.Send(tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
			s.waitFor(t, "resized", func(v string) bool {
				l := strings.Split(v, "\n")
				return len(l) == sz.h && ansi.StringWidth(l[0]) == sz.w
			})
			t.Run(fmt.Sprintf("help=%v/%dx%d", help, sz.w, sz.h), func(t *testing.T) {
				checkFrame(t, s.view(), sz.w, sz.h, panesAt(sz.w), "La base « Collège")
			})
		}
	}
}

// named prepares bases with the names schools give them: one served and
// stopped, one in service (both in the first list), one uploaded.
func named(t *testing.T, f *fixture, served, inService, uploaded string) {
	t.Helper()
	ctx := context.Background()
	sess := f.session(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := f.load(t, sess, f.generate(t, served, 2025, 480)[0])
	must(sess.OpenBase(ctx, a.ID))
	must(sess.PutInService(ctx))
	must(sess.StopServer(ctx))
	b := f.load(t, sess, f.generate(t, inService, 2026, 512)[0])
	must(sess.OpenBase(ctx, b.ID))
	must(sess.PutInService(ctx))
	f.load(t, sess, f.generate(t, uploaded, 2027, 530)[0])
}

// listRows are the rows of bases in the two lists: the left pane's lines
// that start with a mark or the cursor and a name.
func listRows(v string) []string {
	var rows []string
	for _, l := range strings.Split(v, "\n") {
		left, _, _ := strings.Cut(l, "││")
		for _, mark := range []string{"│▸ ", "│● ", "│○ ", "│  "} {
			if strings.HasPrefix(left, mark) && !strings.HasPrefix(left, "│  Nom ") && strings.TrimSpace(strings.Trim(left, "│")) != "" {
				rows = append(rows, left)
			}
		}
	}
	return rows
}

// The name is the column that matters: at 80×24 a name of 21 cells such as
// "VICTOR-HUGO-2026-2027" shows whole in both lists, and at 120×40 so does a
// longer one.
func TestListNamesFit(t *testing.T) {
	cases := []struct {
		w, h  int
		names [3]string
	}{
		{80, 24, [3]string{"VICTOR-HUGO-2025-2026", "VICTOR-HUGO-2026-2027", "VICTOR-HUGO-2027-2028"}},
		{120, 40, [3]string{"VICTOR-HUGO-2025-2026", "VICTOR-HUGO-2026-2027", "VICTOR-HUGO-2027-2028"}},
		{120, 40, [3]string{"LYCEE-VICTOR-HUGO-BESANCON-2025", "LYCEE-VICTOR-HUGO-BESANCON-2026", "LYCEE-VICTOR-HUGO-BESANCON-2027"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d/%d", tc.w, tc.h, len(tc.names[0])), func(t *testing.T) {
			f := newFixture(t)
			named(t, f, tc.names[0], tc.names[1], tc.names[2])
			s := f.start(t, tc.w, tc.h, f.options())
			s.login(t)
			s.waitText(t, "Annexes")
			rows := listRows(s.view())
			if len(rows) != 3 {
				t.Fatalf("%d list rows, want 3:\n%s", len(rows), strings.Join(rows, "\n"))
			}
			for _, r := range rows {
				if strings.Contains(r, "…") {
					t.Errorf("row cut: %q", r)
				}
			}
			for _, n := range tc.names {
				if !strings.Contains(strings.Join(rows, "\n"), " "+n+" ") {
					t.Errorf("no list row shows %q whole:\n%s", n, strings.Join(rows, "\n"))
				}
			}
		})
	}
}
