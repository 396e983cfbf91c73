// Package bases is the "Autres bases" tab (SPEC §5): the bases once in
// service, the bases uploaded by the school, the details of the selected
// one, and the actions on them (load, open, create, put in service, stop,
// complete, delete). It reads its own data (Load) and reloads when the back
// end says bases or the server changed; its actions only tell their
// outcome, the event that every action publishes brings the new data.
package bases

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// The two lists of the tab.
const (
	listInService = iota // "Bases précédemment mises en service"
	listUploaded         // "Bases téléchargées depuis l'établissement"
)

// dataMsg is a reload of the lists. gen orders reloads so that a slow,
// older answer never overwrites a newer one.
type dataMsg struct {
	gen   int
	lists backend.BaseLists
	// defaults is what "Créer une base" proposes (the school year depends
	// on the back end's date, read here rather than in Update).
	defaults backend.CreateBaseRequest
	err      error
}

// doneMsg is the outcome of an action: ok is the French sentence shown on
// success, err the refusal. It changes no data: the back end's event does.
type doneMsg struct {
	ok  string
	err error
	// selectID, when not zero, is the base to select (now if the lists
	// hold it already, else once they do).
	selectID int64
}

// baseList is one scrolling list of bases. Only the visible rows are drawn,
// so a list of 10,000 bases costs what a list of 10 does.
type baseList struct {
	title string
	// short is the title when the full one does not fit with the count.
	short string
	empty string
	bases []backend.Base
	// nameW is the width of the longest name, measured once per reload so
	// that drawing stays independent of the length of the list.
	nameW  int
	cursor int
	offset int
	// geometry in the tab's coordinates, set by SetSize
	top, rows int
}

func (l *baseList) selected() *backend.Base {
	if l.cursor < 0 || l.cursor >= len(l.bases) {
		return nil
	}
	return &l.bases[l.cursor]
}

func (l *baseList) move(d int) {
	if len(l.bases) == 0 {
		return
	}
	l.cursor = min(max(l.cursor+d, 0), len(l.bases)-1)
	l.scroll()
}

// scroll keeps the cursor in view.
func (l *baseList) scroll() {
	if l.rows <= 0 {
		return
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.rows {
		l.offset = l.cursor - l.rows + 1
	}
	l.offset = max(min(l.offset, len(l.bases)-l.rows), 0)
}

// Tab is "Autres bases".
type Tab struct {
	c         *common.Context
	keys      KeyMap
	width     int
	height    int
	leftW     int
	lists     [2]baseList
	focus     int
	detailOff int
	loaded    bool
	// loads orders the reads of the lists.
	loads common.Loads
	// defaults of "Créer une base", read with the lists.
	defaults backend.CreateBaseRequest
	// pending is the base to select once the lists hold it (a fresh
	// upload whose outcome arrived before the reload).
	pending int64
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab; it reads nothing until Load.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.lists[listInService] = baseList{
		title: "Bases précédemment mises en service",
		short: "Bases mises en service",
		empty: "Aucune base n'a encore été mise en service.",
	}
	t.lists[listUploaded] = baseList{
		title: "Bases téléchargées depuis l'établissement",
		short: "Bases téléchargées",
		empty: "Aucune base chargée. Appuyez sur c pour charger un fichier *.HNOT.",
	}
	return t
}

// Title implements common.Tab.
func (t *Tab) Title() string { return "Autres bases" }

// Topics implements common.Tab: the lists show the marks of the opened
// base and of the base in service, which the server's actions move.
func (t *Tab) Topics() backend.Topic { return backend.TopicBases | backend.TopicServer }

// Permission implements common.Tab.
func (t *Tab) Permission() backend.Permission { return backend.PermBases }

// Typing implements common.Tab: the tab's fields are in its dialogs, which
// take every key while open.
func (t *Tab) Typing() bool { return false }

// Load implements common.Tab: the lists and the defaults of "Créer une
// base".
func (t *Tab) Load() tea.Cmd {
	if t.c.Session == nil {
		return nil
	}
	return loadCmd(t.c.Session, t.loads.Next())
}

func loadCmd(s *backend.Session, gen int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		lists, err := s.Bases(ctx)
		return dataMsg{gen: gen, lists: lists, defaults: s.DefaultCreateBase(), err: err}
	}
}

// SetSize implements common.Tab.
func (t *Tab) SetSize(w, h int) {
	t.width, t.height = w, h
	// Below 100 columns the details keep 34 (30 of text), enough for a
	// date and time after its label, and the lists the rest: 46 at 80,
	// where a name of 22 cells fits once the optional columns give way.
	switch {
	case w >= 100:
		t.leftW = w * 56 / 100
	case w >= 72:
		t.leftW = w - 34
	default:
		t.leftW = w // no room for the details: lists only
	}
	topH := h / 2
	t.lists[listInService].top, t.lists[listInService].rows = 0, max(topH-3, 0)
	t.lists[listUploaded].top, t.lists[listUploaded].rows = topH, max(h-topH-3, 0)
	for i := range t.lists {
		t.lists[i].scroll()
	}
}

func (t *Tab) selected() *backend.Base {
	return t.lists[t.focus].selected()
}

// Update implements common.Tab.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		if !t.loads.Fresh(msg.gen) {
			return nil // an older answer than the one shown
		}
		if msg.err != nil {
			t.c.SetStatus(backend.Message(msg.err), common.StatusErr)
			return nil
		}
		t.defaults = msg.defaults
		t.setData(msg.lists)
	case doneMsg:
		if msg.err != nil {
			t.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else if msg.ok != "" {
			t.c.SetStatus(msg.ok, common.StatusOK)
		}
		if msg.err == nil {
			t.want(msg.selectID)
		}
	case uploadedMsg:
		t.c.SetStatus(msg.outcome())
		if !msg.annex {
			t.want(msg.base.ID)
		}
	case createMsg:
		return t.openCreateForm(msg.defaults)
	case connectedMsg:
		// The confirmation the count was read for, unless another dialog
		// opened meanwhile (the key pressed twice).
		if msg.form == 0 && t.c.Dialog() == nil {
			return msg.ask(msg.n)
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg:
		t.click(msg.Mouse())
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			t.lists[t.focus].move(-1)
		case tea.MouseWheelDown:
			t.lists[t.focus].move(1)
		}
		t.detailOff = 0
	}
	return nil
}

// want selects base id: now when the lists hold it already (the event's
// reload came before the action's outcome), else at the reload that brings
// it.
func (t *Tab) want(id int64) {
	if id == 0 {
		return
	}
	t.pending = id
	if t.loaded {
		t.setData(backend.BaseLists{
			PreviouslyInService: t.lists[listInService].bases,
			Uploaded:            t.lists[listUploaded].bases,
		})
	}
}

// setData replaces the lists, keeping the selection on the same base, or
// moving it to the pending one when the lists hold it.
func (t *Tab) setData(l backend.BaseLists) {
	first := !t.loaded
	t.loaded = true
	keep, shown := int64(0), int64(0)
	if b := t.selected(); b != nil {
		keep, shown = b.ID, b.ID
	}
	if t.pending != 0 {
		keep = t.pending
	}
	var keepList [2]int64
	for i := range t.lists {
		if b := t.lists[i].selected(); b != nil {
			keepList[i] = b.ID
		}
	}
	t.lists[listInService].bases = l.PreviouslyInService
	t.lists[listUploaded].bases = l.Uploaded
	for i := range t.lists {
		t.lists[i].nameW = 0
		for _, b := range t.lists[i].bases {
			t.lists[i].nameW = max(t.lists[i].nameW, ansi.StringWidth(common.Clean(b.Name)))
		}
	}
	found := false
	for i := range t.lists {
		lst := &t.lists[i]
		lst.cursor = min(lst.cursor, max(len(lst.bases)-1, 0))
		for j, b := range lst.bases {
			if b.ID == keepList[i] {
				lst.cursor = j
			}
		}
		if keep != 0 {
			for j, b := range lst.bases {
				if b.ID == keep {
					lst.cursor, t.focus, found = j, i, true
				}
			}
		}
		lst.scroll()
	}
	if found {
		t.pending = 0
	}
	if first || len(t.lists[t.focus].bases) == 0 {
		if len(t.lists[listInService].bases) == 0 && len(t.lists[listUploaded].bases) > 0 {
			t.focus = listUploaded
		} else if len(t.lists[listUploaded].bases) == 0 && len(t.lists[listInService].bases) > 0 {
			t.focus = listInService
		}
	}
	// Another base selected (a new upload, the selected one deleted
	// elsewhere): its details start at the top, its name in sight.
	if b := t.selected(); b == nil || b.ID != shown {
		t.detailOff = 0
	}
}

func (t *Tab) click(m tea.Mouse) {
	if m.X >= t.leftW {
		return
	}
	for i := range t.lists {
		l := &t.lists[i]
		boxH := l.rows + 3
		if m.Y < l.top || m.Y >= l.top+boxH {
			continue
		}
		t.focus = i
		row := m.Y - l.top - 2 // frame and column titles
		if row >= 0 && row < l.rows && l.offset+row < len(l.bases) {
			l.cursor = l.offset + row
			t.detailOff = 0
		}
	}
}

func (t *Tab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.keys
	switch {
	case key.Matches(msg, k.Up):
		t.lists[t.focus].move(-1)
		t.detailOff = 0
	case key.Matches(msg, k.Down):
		t.lists[t.focus].move(1)
		t.detailOff = 0
	case key.Matches(msg, k.Top):
		t.lists[t.focus].move(-len(t.lists[t.focus].bases))
		t.detailOff = 0
	case key.Matches(msg, k.Bottom):
		t.lists[t.focus].move(len(t.lists[t.focus].bases))
		t.detailOff = 0
	case key.Matches(msg, k.NextList, k.PrevList):
		t.focus = 1 - t.focus
		t.detailOff = 0
	case key.Matches(msg, k.DetailDown):
		n := len(t.detailLines(t.detailsInner()))
		t.detailOff = min(t.detailOff+max(t.height-4, 1), components.MaxScroll(n, t.height-2))
	case key.Matches(msg, k.DetailUp):
		// From what shows: the window may have grown since the last pg↓.
		n := len(t.detailLines(t.detailsInner()))
		t.detailOff = max(min(t.detailOff, components.MaxScroll(n, t.height-2))-max(t.height-4, 1), 0)
	case key.Matches(msg, k.Load):
		return t.load()
	case key.Matches(msg, k.Complete):
		return t.complete()
	case key.Matches(msg, k.Open):
		return t.open()
	case key.Matches(msg, k.Create):
		return t.create()
	case key.Matches(msg, k.PutInService):
		return t.putInService()
	case key.Matches(msg, k.Stop):
		return t.stop()
	case key.Matches(msg, k.Delete):
		return t.delete()
	}
	return nil
}

// ShortHelp implements common.Tab.
func (t *Tab) ShortHelp() []key.Binding {
	k := t.keys
	return []key.Binding{k.Load, k.Open, k.Create, k.PutInService, k.Stop, k.Complete, k.Delete}
}

// FullHelp implements common.Tab.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextList, k.DetailDown, k.DetailUp},
		{
			common.WithHelp(k.Load, "Charger une base"),
			common.WithHelp(k.Open, "Ouvrir cette base"),
			common.WithHelp(k.Create, "Créer une base"),
			common.WithHelp(k.PutInService, "Mettre en service"),
		},
		{
			common.WithHelp(k.Stop, "Arrêter le serveur"),
			common.WithHelp(k.Complete, "Compléter la base hébergée"),
			common.WithHelp(k.Delete, "Supprimer"),
		},
	}
}
