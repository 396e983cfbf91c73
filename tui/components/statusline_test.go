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
