package account

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/internal/tabtest"
)

// guideAt is the Assistance view at w×h as the tab draws it: under the
// view bar, which names it last.
func guideAt(t *testing.T, w, h int) (*guideView, func() string) {
	t.Helper()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	c := f.Context(t, s)
	v := newGuideView(c)
	v.setSize(w, h-1)
	titles := []string{"Compte", "Accès", "Journal", "Assistance"}
	draw := func() string {
		out := viewBar(c.Styles, titles, 3, w) + "\n" + v.view()
		tabtest.CheckSize(t, out, w, h)
		tabtest.CheckClean(t, out)
		return ansi.Strip(out)
	}
	return v, draw
}

func guideKey(v *guideView, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "pgdown":
			msg = tea.KeyPressMsg{Code: tea.KeyPgDown}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "home":
			msg = tea.KeyPressMsg{Code: tea.KeyHome}
		default:
			for _, r := range k {
				v.handleKey(tea.KeyPressMsg{Code: r, Text: string(r)})
			}
			continue
		}
		v.handleKey(msg)
	}
}

// Goldens: the top of the guide, and a search with the line of its
// current match marked ▸.
func TestSnapshotGuide(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		act  func(v *guideView)
	}{
		{"haut", func(*guideView) {}},
		{"recherche", func(v *guideView) { guideKey(v, "/", "sauvegarde", "enter", "n") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				v, draw := guideAt(t, w, h)
				c.act(v)
				tabtest.Snapshot(t, draw())
			})
		})
	}
}

// The search ignores accents and case both ways, n and N go round the
// matches, échap clears; a word that is not there says so.
func TestGuideSearch(t *testing.T) {
	t.Parallel()
	v, draw := guideAt(t, 80, 24)
	guideKey(v, "/")
	if !v.typing() {
		t.Fatal("/ does not open the search")
	}
	guideKey(v, "sauvegarde")
	n := len(v.matches)
	if n < 5 {
		t.Fatalf("%d matches for sauvegarde", n)
	}
	// "Sauvegardes" (the tab's name) is among them, and the current match is
	// shown on screen, highlighted in the styled view.
	found := false
	for _, m := range v.matches {
		plain := ansi.Strip(v.lines[m.line])
		if strings.Contains(ansi.Cut(plain, m.from, m.to+1), "Sauvegardes") || ansi.Cut(plain, m.from, m.to) == "sauvegardé" {
			found = true
		}
		if got := strings.ToLower(ansi.Cut(plain, m.from, m.to)); got != "sauvegarde" && got != "sauvegardé" {
			t.Errorf("match at line %d covers %q", m.line, got)
		}
	}
	if !found {
		t.Error("Sauvegardes not found")
	}
	out := draw()
	if !strings.Contains(out, fmt.Sprintf("%d résultats (1/%d)", n, n)) || !strings.Contains(out, "▸") {
		t.Errorf("after the search:\n%s", out)
	}
	guideKey(v, "enter")
	if v.typing() {
		t.Error("entrée leaves the search open")
	}
	for range n {
		guideKey(v, "n")
	}
	if v.cur != 0 {
		t.Errorf("n %d times from the first: match %d", n, v.cur)
	}
	guideKey(v, "N")
	if v.cur != n-1 {
		t.Errorf("N from the first: match %d, want the last (%d)", v.cur, n-1)
	}
	if l := v.matches[v.cur].line; l < v.offset || l >= v.offset+v.bodyH() {
		t.Errorf("the current match (line %d) is not shown (offset %d)", l, v.offset)
	}
	// Accents typed, none in the text: "EDUCONNECT" and "éduconnect" find
	// "ÉduConnect".
	for _, q := range []string{"EDUCONNECT", "éduconnect", "Élèves", "eleves"} {
		guideKey(v, "esc", "/", q, "enter")
		if len(v.matches) == 0 {
			t.Errorf("%q: no match", q)
		}
	}
	guideKey(v, "esc", "/", "xyzzy")
	if out := draw(); !strings.Contains(out, "Aucun résultat pour « xyzzy »") {
		t.Errorf("no match:\n%s", out)
	}
	guideKey(v, "esc")
	if v.typing() || v.search.Value() != "" || len(v.matches) != 0 {
		t.Error("échap does not clear the search")
	}
}

// The guide renders within the width at 40, 80 and 200 columns, the view
// is exactly its size, and scrolling reaches the end and comes back.
func TestGuideWidthsAndScrolling(t *testing.T) {
	t.Parallel()
	for _, w := range []int{40, 80, 200} {
		lines := renderGuide(w, true)
		if len(lines) < 100 {
			t.Errorf("%d columns: %d lines", w, len(lines))
		}
		for i, l := range lines {
			if lw := ansi.StringWidth(l); lw > w {
				t.Errorf("%d columns: line %d is %d cells: %q", w, i, lw, ansi.Strip(l))
			}
			tabtest.CheckClean(t, l)
		}
		v, draw := guideAt(t, w, 30)
		draw()
		guideKey(v, "end")
		if !strings.Contains(draw(), "factures/") || v.offset == 0 {
			t.Errorf("%d columns: end does not show the end of the guide", w)
		}
		guideKey(v, "home", "pgdown", "down")
		if v.offset != v.bodyH() { // a page is the height less one line
			t.Errorf("%d columns: offset %d after pg↓ and ↓, want %d", w, v.offset, v.bodyH())
		}
		draw()
	}
	if light := renderGuide(80, false); len(light) == 0 || strings.Join(light, "") == strings.Join(renderGuide(80, true), "") {
		t.Error("the light style renders as the dark one")
	}
}

// The rendering is cached: the same width renders nothing again.
func TestGuideRenderCache(t *testing.T) {
	t.Parallel()
	v, _ := guideAt(t, 80, 24)
	first := &v.lines[0]
	v.setSize(80, 23)
	if &v.lines[0] != first {
		t.Error("the same width rendered again")
	}
	v.setSize(100, 23)
	if &v.lines[0] == first {
		t.Error("a new width kept the old rendering")
	}
}

// The guide's headings read as titles, in both styles: no Markdown "##"
// left in front of them.
func TestGuideHeadingsWithoutHashes(t *testing.T) {
	t.Parallel()
	for _, dark := range []bool{true, false} {
		for _, l := range renderGuide(80, dark) {
			if s := strings.TrimSpace(ansi.Strip(l)); strings.HasPrefix(s, "#") {
				t.Errorf("dark %v: %q", dark, s)
			}
		}
	}
}
