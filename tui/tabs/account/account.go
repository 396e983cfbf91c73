// Package account is the "Mon compte" tab. It shows one view at a time, and
// ← and → switch them (the view bar on its first line names them):
//   - Compte (overview.go): the establishment and its contract as the back
//     end knows them;
//   - Accès (access.go): the enrolled SSH keys (SPR only);
//   - Journal (journal.go): who did what and when;
//   - Assistance (guide.go): the hosting guide, searchable.
//
// The tab reloads the view shown when an event of its topics arrives, and
// a hidden view when it is shown again after one.
package account

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// KeyMap is the container's own keys: the views. Each view has its own.
type KeyMap struct {
	PrevView, NextView key.Binding
}

// DefaultKeyMap is ← and → between the views.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		PrevView: key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "vue précédente")),
		NextView: key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "vue suivante")),
	}
}

// The views, in the order of the view bar.
const (
	viewOverview = iota
	viewAccess
	viewJournal
	viewGuide
)

// Tab is "Mon compte".
type Tab struct {
	c    *common.Context
	keys KeyMap
	w, h int

	views []view
	cur   int
	// stale marks the hidden views that missed a reload: they load when
	// shown.
	stale []bool
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.views = []view{newOverviewView(c), newAccessView(c), newJournalView(c), newGuideView(c)}
	t.stale = make([]bool, len(t.views))
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "Mon compte" }

// Topics: the journal records every action, so every change is news here
// (the contract and the version with TopicAccount and TopicServer, the
// storage with TopicBases, the keys with TopicKeys) — except the comings
// and goings of the hosted server's clients, which are not journaled and
// arrive up to four times a second (the journaled actions on connections
// carry TopicAccount too).
func (t *Tab) Topics() backend.Topic { return backend.AllTopics &^ backend.TopicConnections }

// Permission is PermView: every role sees the account; the keys need
// PermKeys (SPR), checked view by view.
func (t *Tab) Permission() backend.Permission { return backend.PermView }

// Load reads the view shown; the others read when they are shown.
func (t *Tab) Load() tea.Cmd {
	for i := range t.stale {
		t.stale[i] = i != t.cur
	}
	return t.views[t.cur].load()
}

// show makes view i the one shown, loading it when it missed a reload.
func (t *Tab) show(i int) tea.Cmd {
	n := len(t.views)
	i = (i%n + n) % n
	if i == t.cur {
		return nil
	}
	t.cur = i
	t.views[i].setSize(t.w, max(t.h-1, 0))
	if t.stale[i] {
		t.stale[i] = false
		return t.views[i].load()
	}
	return nil
}

func (t *Tab) titles() []string {
	out := make([]string, len(t.views))
	for i, v := range t.views {
		out[i] = v.title()
	}
	return out
}

// Update routes keys and the mouse to the view shown, every other message
// to all of them.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		v := t.views[t.cur]
		if !v.typing() {
			switch {
			case key.Matches(msg, t.keys.PrevView):
				return t.show(t.cur - 1)
			case key.Matches(msg, t.keys.NextView):
				return t.show(t.cur + 1)
			}
		}
		return v.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		if m, ok := components.Within(msg, components.Rect{W: t.w, H: 1}); ok {
			if click, isClick := m.(tea.MouseClickMsg); isClick {
				if i := viewAt(t.titles(), click.X); i >= 0 {
					return t.show(i)
				}
			}
			return nil
		}
		if m, ok := components.Within(msg, components.Rect{Y: 1, W: t.w, H: max(t.h-1, 0)}); ok {
			t.views[t.cur].mouse(m)
		}
		return nil
	}
	var cmds []tea.Cmd
	for _, v := range t.views {
		cmds = append(cmds, v.update(msg))
	}
	return tea.Batch(cmds...)
}

// SetSize gives the view bar its line and the view shown the rest.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.views[t.cur].setSize(t.w, max(t.h-1, 0))
}

// View draws the view bar and the view shown, in exactly the tab's size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	bar := viewBar(t.c.Styles, t.titles(), t.cur, t.w)
	if t.h == 1 {
		return bar
	}
	return common.PadLines(bar+"\n"+t.views[t.cur].view(), t.w, t.h)
}

// ShortHelp is the keys of the view shown, then ← → (not while a field
// has the focus: there they move in the text).
func (t *Tab) ShortHelp() []key.Binding {
	if t.views[t.cur].typing() {
		return t.views[t.cur].shortHelp()
	}
	return append(t.views[t.cur].shortHelp(), t.keys.PrevView, t.keys.NextView)
}

// FullHelp is ← → and every key of the view shown.
func (t *Tab) FullHelp() [][]key.Binding {
	return append([][]key.Binding{{t.keys.PrevView, t.keys.NextView}}, t.views[t.cur].fullHelp()...)
}

// Typing is the view's: a field of it has the focus.
func (t *Tab) Typing() bool { return t.views[t.cur].typing() }

// sortTime is an instant as a sortable cell.
func sortTime(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000")
}

// whoLines is a section's body for a role that may not see it: who may.
func whoLines(st *common.Styles, perm backend.Permission, w int) []string {
	var lines []string
	for _, l := range common.Wrap(perm.Who(), max(w-4, 1)) {
		lines = append(lines, st.Muted.Render(l))
	}
	return lines
}
