package components

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/tui/common"
)

// StatusLine draws the status sentence in w cells, in the colour of its
// kind (muted, ok, danger): one line, or two when it is long, rather than
// losing its end; one blank line when there is none. The text is cleaned:
// it may quote a file or base name.
func StatusLine(st *common.Styles, text string, kind common.StatusKind, w int) []string {
	if w <= 0 {
		return nil
	}
	s := st.Muted
	switch kind {
	case common.StatusOK:
		s = st.Success
	case common.StatusErr:
		s = st.Error
	}
	lines := common.Wrap(common.Clean(text), max(w-2, 1))
	if len(lines) > 2 {
		lines = []string{lines[0], strings.Join(lines[1:], " ")}
	}
	for i, l := range lines {
		lines[i] = common.Fit(" "+s.Render(l), w)
	}
	if len(lines) == 0 || (len(lines) == 1 && strings.TrimSpace(text) == "") {
		lines = []string{strings.Repeat(" ", w)}
	}
	return lines
}

// Rect is a part of a tab, in the tab's coordinates.
type Rect struct{ X, Y, W, H int }

// Contains reports whether the cell x, y lies in r.
func (r Rect) Contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

// Within returns a mouse message in the coordinates of r (its top-left
// cell is 0, 0) and whether it lies in r; other messages are returned as
// they are, with false.
func Within(msg tea.Msg, r Rect) (tea.Msg, bool) {
	var m tea.Mouse
	switch msg := msg.(type) {
	case tea.MouseClickMsg:
		m = msg.Mouse()
	case tea.MouseWheelMsg:
		m = msg.Mouse()
	default:
		return msg, false
	}
	if !r.Contains(m.X, m.Y) {
		return msg, false
	}
	m.X -= r.X
	m.Y -= r.Y
	if _, ok := msg.(tea.MouseWheelMsg); ok {
		return tea.MouseWheelMsg(m), true
	}
	return tea.MouseClickMsg(m), true
}

// Frame draws body, a block already drawn at w-3 cells wide (a Table), in a
// rounded frame of exactly w×h cells with title in the top border: no
// padding on the left, one free cell on the right, as the lists of Autres
// bases. A table framed so is sized with FrameInner.
func Frame(st *common.Styles, title, body string, w, h int, focused bool) string {
	return common.BoxPad(st, title, strings.Split(body, "\n"), w, h, focused, 0)
}

// FrameInner is the room inside a Frame of w×h cells, and where it starts
// in the frame's coordinates.
func FrameInner(w, h int) Rect { return Rect{X: 1, Y: 1, W: max(w-3, 0), H: max(h-2, 0)} }
