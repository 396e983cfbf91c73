package components

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

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

// FrameTabs is Frame with the titles of the views a pane switches between
// in its top border, "╭─ Connexions (12) ─ Historique ─ Refus (3) ──╮": the
// active one in the title's colour, the others muted. When they do not all
// fit, the active title alone, as Frame draws it.
func FrameTabs(st *common.Styles, titles []string, active int, body string, w, h int, focused bool) string {
	starts, ok := frameTabStarts(titles, w)
	if !ok || active < 0 || active >= len(titles) {
		t := ""
		if active >= 0 && active < len(titles) {
			t = titles[active]
		}
		return Frame(st, t, body, w, h, focused)
	}
	out := Frame(st, "", body, w, h, focused)
	_, rest, _ := strings.Cut(out, "\n")
	bs, on := st.BorderFg, st.Muted.Bold(true)
	if focused {
		bs, on = st.FocusFg, st.Title
	}
	var b strings.Builder
	b.WriteString(bs.Render("╭─"))
	x := 2
	for i, t := range titles {
		if i > 0 {
			b.WriteString(bs.Render("─"))
			x++
		}
		s := st.Muted
		if i == active {
			s = on
		}
		b.WriteString(s.Render(" " + common.Clean(t) + " "))
		x = starts[i] + ansi.StringWidth(common.Clean(t)) + 2
	}
	b.WriteString(bs.Render(strings.Repeat("─", max(w-1-x, 0)) + "╮"))
	if h == 1 {
		return b.String()
	}
	return b.String() + "\n" + rest
}

// FrameTabAt is the title of FrameTabs under cell x of the top border, -1
// for none (or when they do not all fit).
func FrameTabAt(titles []string, w, x int) int {
	starts, ok := frameTabStarts(titles, w)
	if !ok {
		return -1
	}
	for i, t := range titles {
		if x >= starts[i] && x < starts[i]+ansi.StringWidth(common.Clean(t))+2 {
			return i
		}
	}
	return -1
}

// frameTabStarts is where each title of FrameTabs starts, and whether they
// all fit in a border of w cells with two cells of line before the corner.
func frameTabStarts(titles []string, w int) ([]int, bool) {
	if w < 6 || len(titles) == 0 {
		return nil, false
	}
	starts := make([]int, len(titles))
	x := 2
	for i, t := range titles {
		if i > 0 {
			x++
		}
		starts[i] = x
		x += ansi.StringWidth(common.Clean(t)) + 2
	}
	return starts, x+2 <= w
}
