// Package backups is the "Sauvegardes" tab (SPEC §6, §17): the backups of
// the establishment's bases, most recent first, with the details of the
// selected one, the retention policy in words, the next automatic backup
// and the storage they use against the quota; and, as a second view,
// "Gérer les bases des années précédentes", the grid of the previous
// school years and their archived bases.
//
// The rules it keeps:
//   - the tab reads Session.Backups, Session.Years and Session.Bases (the
//     bases of a year, to fill it) in one command; the root calls Load on
//     the events of TopicBackups, TopicBases and TopicServer, and the tab
//     reads again every RefreshEvery, so that "cette nuit à 02:00" stays
//     true across midnight;
//   - tab and maj+tab switch the views; s is "Sauvegarder maintenant", o or
//     entrée "Ouvrir cette sauvegarde", i "Ouvrir l'état à une date", e
//     "Remplir l'année" / "Remplacer la base archivée", m "Mettre en
//     service" once a base is opened and the server stopped;
//   - opening a backup or an instant needs the server stopped: while it
//     runs, the confirmation offers to stop it (with the users it
//     disconnects) and the back end stops and opens in one transaction;
//     otherwise the confirmation says that the opened base is backed up
//     first. Every refusal is the back end's sentence (backend.Message);
//   - downloads are not made by the console (it does not know whether it
//     runs on the school's computer or over SSH): the details give the scp
//     and sftp command lines of the selected backup's file in sauvegardes/;
//   - a role without PermBackups sees everything and a line saying who may
//     act; the keys of the actions are not offered to it;
//   - every name that came from a user or a file (bases, people, file
//     names) is cleaned before it is drawn: the tables clean their cells,
//     the details pane its items, the rest goes through common.Clean.
package backups

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// RefreshEvery is how often the tab reads its data again without an event:
// the next automatic backup is said relative to now ("cette nuit").
const RefreshEvery = time.Minute

// The two views of the tab, in the order tab visits them.
const (
	viewBackups = iota // "Sauvegardes"
	viewYears          // "Années précédentes"
)

// viewNames are the views as the help names them.
var viewNames = [2]string{"sauvegardes", "années précédentes"}

// loadedMsg is the answer of Load.
type loadedMsg struct {
	gen   int
	view  backend.BackupsView
	years []backend.YearRow
	bases []backend.Base
	now   time.Time
	err   error
}

// tickMsg asks for the periodic reload.
type tickMsg struct{}

// Tab is "Sauvegardes".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h int
	view int
	// wide: the details beside the list rather than under it.
	wide bool
	// the parts' places in the tab, set by SetSize
	listRect, detailsRect components.Rect
	// summary is the lines above the backups' table (next backup, storage,
	// policy), drawn at the list's inner width.
	summary []string

	backups *components.Table
	years   *components.Table
	details *components.Details

	loads  common.Loads
	loaded bool
	err    error
	data   backend.BackupsView
	rows   []backend.YearRow
	bases  []backend.Base
	now    time.Time

	// every is the periodic reload's interval, 0 for none (tests);
	// ticking tells that it runs.
	every   time.Duration
	ticking bool
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab { return newTab(c) }

func newTab(c *common.Context) *Tab {
	t := &Tab{c: c, keys: DefaultKeyMap(), every: RefreshEvery}
	t.backups = components.NewTable(c.Styles, []components.Column{
		// The widths of what they hold, so that nothing is cut from 80
		// columns: "Avant remplacement", "Planificateur", "1 204 saisies";
		// the base's name is in the details, and in its column when there
		// is room.
		{Title: "Date", Min: 16, Max: 16},
		{Title: "Type", Min: 12, Max: 18},
		{Title: "Par", Min: 13, Max: 16, Priority: 2},
		{Title: "Base", Min: 14, Max: 40, Priority: 3},
		{Title: "Taille", Min: 6, Max: 8, Right: true, Priority: 1},
		{Title: "Journal", Min: 13, Max: 15, Right: true},
	})
	t.backups.SetEmpty("Chargement…")
	t.years = components.NewTable(c.Styles, []components.Column{
		{Title: "Année", Min: 9, Max: 9},
		{Title: "Base archivée", Min: 12, Flex: true},
		{Title: "Archivée le", Min: 16, Max: 16, Priority: 1},
		{Title: "Par", Min: 6, Max: 20, Priority: 2},
	})
	t.years.SetSortable(false)
	t.years.SetEmpty("Chargement…")
	t.details = components.NewDetails(c.Styles, "Sauvegarde")
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "Sauvegardes" }

// Topics: the backups; the bases (a base opened, loaded or deleted: the
// years' candidates, the marks of deleted bases); the server (the next
// automatic backup, the stop an open asks for).
func (t *Tab) Topics() backend.Topic {
	return backend.TopicBackups | backend.TopicBases | backend.TopicServer
}

// Permission is what making, opening and archiving backups need.
func (t *Tab) Permission() backend.Permission { return backend.PermBackups }

// Typing is false: the tab's fields are in its dialogs, which take every
// key while open.
func (t *Tab) Typing() bool { return false }

// Load reads the backups, the years' grid, the bases (the candidates of a
// year) and the console's clock.
func (t *Tab) Load() tea.Cmd {
	if t.c.Session == nil {
		return nil
	}
	gen, sess, now := t.loads.Next(), t.c.Session, t.c.Now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		m := loadedMsg{gen: gen}
		m.view, m.err = sess.Backups(ctx)
		if m.err == nil {
			m.years, m.err = sess.Years(ctx)
		}
		if m.err == nil {
			var lists backend.BaseLists
			lists, m.err = sess.Bases(ctx)
			m.bases = append(append(m.bases, lists.PreviouslyInService...), lists.Uploaded...)
		}
		m.now = time.Now()
		if now != nil {
			m.now = now()
		}
		return m
	}
}

// tick waits for the next periodic reload (Work.After).
func (t *Tab) tick() tea.Cmd { return t.c.Work().After(t.every, tickMsg{}) }

// Update handles the tab's answers, its keys and the mouse.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if !t.loads.Fresh(msg.gen) {
			return nil
		}
		t.setData(msg)
		if !t.ticking && t.every > 0 {
			t.ticking = true
			return t.tick()
		}
	case tickMsg:
		return tea.Batch(t.Load(), t.tick())
	case doneMsg:
		if msg.err != nil {
			t.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else if msg.ok != "" {
			t.c.SetStatus(msg.ok, common.StatusOK)
		}
	case connectedMsg:
		// The confirmation the count was read for, unless another dialog
		// opened meanwhile (the key pressed twice).
		if t.c.Dialog() == nil {
			return msg.ask(msg.n)
		}
	case instantMsg:
		if t.c.Dialog() == nil {
			return t.openInstantForm(msg.now)
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		t.mouse(msg)
	}
	return nil
}

// setData takes a reload, keeping the cursors on their rows.
func (t *Tab) setData(m loadedMsg) {
	t.loaded, t.err, t.now = true, m.err, m.now
	if m.err != nil {
		t.data, t.rows, t.bases = backend.BackupsView{}, nil, nil
	} else {
		t.data, t.rows, t.bases = m.view, m.years, m.bases
	}
	beforeB, beforeY := t.selectedKey(t.backups), t.selectedKey(t.years)
	t.backups.SetRows(t.backupRows())
	t.backups.SetEmpty(t.backupsEmpty())
	t.years.SetRows(t.yearRows())
	t.years.SetEmpty(t.yearsEmpty())
	if t.selectedKey(t.backups) != beforeB || t.selectedKey(t.years) != beforeY {
		t.details.Top()
	}
	// The summary's lines may have changed in number.
	t.SetSize(t.w, t.h)
}

func (t *Tab) selectedKey(tb *components.Table) string {
	r, ok := tb.Selected()
	if !ok {
		return ""
	}
	return r.Key
}

// table is the table of the view shown.
func (t *Tab) table() *components.Table {
	if t.view == viewYears {
		return t.years
	}
	return t.backups
}

func (t *Tab) setView(v int) {
	if v == t.view {
		return
	}
	t.view = v
	t.details.Top()
	t.SetSize(t.w, t.h)
}

func (t *Tab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.keys
	switch {
	case key.Matches(msg, k.NextView, k.PrevView):
		t.setView(1 - t.view)
		return nil
	case key.Matches(msg, k.PutInService):
		return t.putInService()
	}
	switch t.view {
	case viewBackups:
		switch {
		case key.Matches(msg, k.Backup):
			return t.createBackup()
		case key.Matches(msg, k.Open):
			return t.openBackup()
		case key.Matches(msg, k.Instant):
			return t.askInstant()
		}
	case viewYears:
		if key.Matches(msg, k.Fill) {
			return t.fillYear()
		}
	}
	if t.detailsShown() && t.details.HandleKey(msg) {
		return nil
	}
	tb := t.table()
	before := tb.Cursor()
	tb.HandleKey(msg)
	if tb.Cursor() != before {
		t.details.Top()
	}
	return nil
}

// mouse handles a click or the wheel in the tab's coordinates: a click on
// a view's name in the list's border shows it, the list and the details
// take their own.
func (t *Tab) mouse(msg tea.Msg) {
	r := t.listRect
	if m, ok := components.Within(msg, components.Rect{X: r.X, Y: r.Y, W: r.W, H: 1}); ok {
		if c, click := m.(tea.MouseClickMsg); click {
			if i := components.FrameTabAt(t.titles(), r.W, c.X); i >= 0 {
				t.setView(i)
			}
		}
		return
	}
	in := t.tableRect()
	if m, ok := components.Within(msg, in); ok {
		tb := t.table()
		before := tb.Cursor()
		tb.Update(m)
		if tb.Cursor() != before {
			t.details.Top()
		}
		return
	}
	if m, ok := components.Within(msg, t.detailsRect); ok && t.detailsShown() {
		t.details.Update(m)
	}
}
