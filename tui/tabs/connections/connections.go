// Package connections is the "Suivi des connexions" tab: the licences of
// the contract as gauges, whether the server takes connections, and the
// table of connected users.
//
// No client can connect yet: the hosted server's stand-in has no
// connection endpoint, and the back end keeps no connection. The gauges
// therefore read 0 used, which is true, and the table shows its empty
// state; both fill in once connections exist, from a Load that reads them.
package connections

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// KeyMap is the tab's own keys: those of the connections table.
type KeyMap struct {
	Table components.TableKeyMap
}

// DefaultKeyMap is the table keys of the console.
func DefaultKeyMap() KeyMap { return KeyMap{Table: components.DefaultTableKeyMap()} }

// gaugeBar is the bar of every licence gauge, so that they line up.
const gaugeBar = 20

// Tab is "Suivi des connexions".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h     int
	licences *components.Details
	table    *components.Table
	// tableRect is the connections' frame in the tab.
	tableRect components.Rect
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.licences = components.NewDetails(c.Styles, "Licences")
	t.table = components.NewTable(c.Styles, []components.Column{
		{Title: "Utilisateur", Min: 12, Flex: true},
		{Title: "Groupe", Min: 8, Max: 18, Priority: 2},
		{Title: "Mode ou Espace", Min: 14, Max: 16},
		{Title: "Adresse", Min: 9, Max: 39, Priority: 3},
		{Title: "Depuis", Min: 6, Max: 6},
		{Title: "Inactif", Min: 7, Max: 7, Priority: 1},
	})
	t.table.SetEmpty("Aucun utilisateur connecté.")
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "Suivi des connexions" }

// Topics: the connections, the server (no connection while it is stopped)
// and the contract (the licences).
func (t *Tab) Topics() backend.Topic {
	return backend.TopicConnections | backend.TopicServer | backend.TopicAccount
}

// Permission is what disconnecting a user and reserving licences need.
func (t *Tab) Permission() backend.Permission { return backend.PermConnections }

// Load reads nothing: the licences are the contract's, in the status the
// root keeps (c.Status), and the back end has no connection to list yet.
func (t *Tab) Load() tea.Cmd { return nil }

// Update handles the table's keys and the mouse.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		t.table.HandleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		in := components.FrameInner(t.tableRect.W, t.tableRect.H)
		in.X += t.tableRect.X
		in.Y += t.tableRect.Y
		if m, ok := components.Within(msg, in); ok {
			t.table.Update(m)
		} else if m, ok := components.Within(msg, components.Rect{W: t.w, H: t.tableRect.Y}); ok {
			t.licences.Update(m)
		}
	}
	return nil
}

// items are the lines of the licences pane, from the status.
func (t *Tab) items() []components.Item {
	st := t.c.Status
	e := st.Establishment
	if !t.c.Loaded {
		return []components.Item{components.Text("Chargement…", components.ToneMuted)}
	}
	var items []components.Item
	if !t.c.Session.Can(t.Permission()) {
		items = append(items, components.Text(t.Permission().Who(), components.ToneMuted))
	}
	if st.State == backend.ServerRunning {
		items = append(items, components.Text("Le serveur est en service : les utilisateurs peuvent se connecter.", components.ToneOK))
	} else {
		items = append(items, components.Text("Le serveur est arrêté : aucune connexion n'est possible avant sa mise en service.", components.ToneDanger))
	}
	styles := t.c.Styles
	gauge := func(g components.Gauge) func(int) string {
		g.BarWidth = gaugeBar
		return func(w int) string { return g.View(styles, w) }
	}
	// Nobody is connected: no client can connect yet (see the package doc).
	used := int64(0)
	items = append(items,
		components.Drawn("Mode administratif", gauge(components.Gauge{Used: used, Total: int64(e.AdminSeats)})),
		components.Drawn("Mode enseignant", gauge(components.Gauge{Used: used, Total: int64(e.TeacherSeats), Unlimited: e.TeacherSeats == 0})),
		components.Drawn("Vie scolaire", gauge(components.Gauge{Used: used, Unlimited: true})),
		components.Drawn("Espaces", gauge(components.Gauge{Used: used, Unlimited: true})),
	)
	return items
}

// SetSize lays the licences out on top, the connections under them.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.licences.SetItems(t.items())
	topH := min(len(t.licences.Lines(w-4))+2, max(h-4, min(h, 4)))
	t.licences.SetSize(w, topH)
	t.tableRect = components.Rect{Y: topH, W: w, H: h - topH}
	in := components.FrameInner(w, h-topH)
	t.table.SetSize(in.W, in.H)
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	t.licences.SetItems(t.items()) // the status may have changed since SetSize
	parts := []string{t.licences.View()}
	if r := t.tableRect; r.H > 0 {
		title := "Connexions"
		if t.table.Len() > 0 {
			title += " (" + t.table.Position() + ")"
		}
		parts = append(parts, components.Frame(t.c.Styles, title, t.table.View(), r.W, r.H, true))
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}

// ShortHelp is the table's keys.
func (t *Tab) ShortHelp() []key.Binding { return t.table.ShortHelp() }

// FullHelp is every key of the table.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys.Table
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.PageUp, k.PageDown, k.Sort, k.Reverse}}
}

// Typing is false: the tab has no field.
func (t *Tab) Typing() bool { return false }
