package account

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

// view is one of the tab's views ("Compte", "Accès", "Journal",
// "Assistance"); the tab shows one at a time, and ← and → switch them.
type view interface {
	// title is the view's name in the tab's view bar.
	title() string
	// load reads the view's data and answers with the view's own message;
	// nil when the view reads nothing.
	load() tea.Cmd
	// setSize gives the size the view is drawn in.
	setSize(w, h int)
	// update handles every message that is not a key or the mouse (data,
	// outcomes), whether the view is shown or not: each view ignores what
	// is not its own.
	update(msg tea.Msg) tea.Cmd
	// handleKey handles a key, when the view is shown.
	handleKey(msg tea.KeyPressMsg) tea.Cmd
	// mouse handles a mouse event in the view's coordinates, when shown.
	mouse(msg tea.Msg)
	// view draws the view in exactly the size it was given.
	view() string
	shortHelp() []key.Binding
	fullHelp() [][]key.Binding
	// typing reports whether a field of the view has the focus.
	typing() bool
}

// viewBarSep separates the views' names in the view bar.
const viewBarSep = "  "

// viewBar is the tab's first line: the views' names, the one shown
// highlighted, and the keys that switch them at the right when there is
// room.
func viewBar(st *common.Styles, titles []string, active, w int) string {
	var b strings.Builder
	b.WriteString(" ")
	for i, t := range titles {
		if i > 0 {
			b.WriteString(viewBarSep)
		}
		if i == active {
			b.WriteString(st.Accent.Bold(true).Underline(true).Render(t))
		} else {
			b.WriteString(st.Muted.Render(t))
		}
	}
	hint := st.Muted.Render("←/→ changer de vue ")
	if gap := w - ansi.StringWidth(b.String()) - ansi.StringWidth(hint); gap >= 2 {
		b.WriteString(strings.Repeat(" ", gap) + hint)
	}
	return common.Fit(b.String(), w)
}

// viewAt is the view whose name is at column x of the view bar, -1 when
// none.
func viewAt(titles []string, x int) int {
	pos := 1
	for i, t := range titles {
		if i > 0 {
			pos += len(viewBarSep)
		}
		w := ansi.StringWidth(t)
		if x >= pos && x < pos+w {
			return i
		}
		pos += w
	}
	return -1
}
