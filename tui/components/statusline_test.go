package components

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/tui/common"
)

func TestStatusLine(t *testing.T) {
	t.Parallel()
	st := styles()
	if got := StatusLine(st, "", common.StatusInfo, 20); len(got) != 1 || got[0] != strings.Repeat(" ", 20) {
		t.Errorf("empty: %q", got)
	}
	long := strings.Repeat("La base « VICTOR-HUGO » est en service. ", 6)
	got := StatusLine(st, long+hostile, common.StatusErr, 50)
	if len(got) != 2 {
		t.Fatalf("a long sentence takes %d lines", len(got))
	}
	checkClean(t, strings.Join(got, "\n"))
	checkSize(t, strings.Join(got, "\n"), 50, 2)
}

func TestWithin(t *testing.T) {
	t.Parallel()
	r := Rect{X: 10, Y: 5, W: 20, H: 4}
	m, ok := Within(tea.MouseClickMsg{X: 12, Y: 6, Button: tea.MouseLeft}, r)
	if c, isClick := m.(tea.MouseClickMsg); !ok || !isClick || c.X != 2 || c.Y != 1 {
		t.Errorf("inside: %v %v", m, ok)
	}
	if _, ok := Within(tea.MouseWheelMsg{X: 30, Y: 6}, r); ok {
		t.Error("a wheel event right of the rectangle is inside")
	}
	if _, ok := Within(tea.KeyPressMsg{Code: 'a'}, r); ok {
		t.Error("a key is inside")
	}
	if got := FrameInner(40, 10); got != (Rect{X: 1, Y: 1, W: 37, H: 8}) {
		t.Errorf("FrameInner: %+v", got)
	}
}

func TestFrameTabs(t *testing.T) {
	t.Parallel()
	st := styles()
	titles := []string{"Connexions (12)", "Historique", "Refus (3)"}
	out := FrameTabs(st, titles, 1, "a\nb", 50, 4, true)
	checkSize(t, out, 50, 4)
	top := strings.Split(plain(out), "\n")[0]
	if want := "╭─ Connexions (12) ─ Historique ─ Refus (3) ─────╮"; top != want {
		t.Fatalf("top border %q, want %q", top, want)
	}
	for x, want := range map[int]int{0: -1, 2: 0, 18: 0, 19: -1, 20: 1, 31: 1, 33: 2, 43: 2, 44: -1} {
		if got := FrameTabAt(titles, 50, x); got != want {
			t.Errorf("FrameTabAt(x=%d) = %d, want %d", x, got, want)
		}
	}
	// Too narrow for every title: the active one alone, as Frame draws it.
	narrow := plain(FrameTabs(st, titles, 2, "", 30, 3, false))
	if !strings.HasPrefix(narrow, "╭─ Refus (3) ─") || strings.Contains(narrow, "Historique") {
		t.Fatalf("narrow frame:\n%s", narrow)
	}
	if FrameTabAt(titles, 30, 3) != -1 {
		t.Fatal("a title found in a frame that shows one")
	}
	for w := 0; w < 60; w += 5 {
		for h := 0; h < 4; h++ {
			out := FrameTabs(st, append(titles, hostile), 0, "x", w, h, false)
			checkClean(t, out)
			if w >= 6 && h >= 2 {
				checkSize(t, out, w, h)
			}
		}
	}
}
