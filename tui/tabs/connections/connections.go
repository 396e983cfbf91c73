// Package connections is the "Suivi des connexions" tab (SPEC §7): the
// licences of the contract as gauges, with the seats reserved for the
// groupe Administration (editable), the live table of connections
// (sortable, filterable, a user disconnected after a confirmation), the
// 24-hour chart of simultaneous connections per mode and the connections
// refused for lack of a licence.
//
// The rules it keeps:
//   - the tab reads one thing, Session.Connections, in a command; the back
//     end publishes TopicConnections at most 4 times a second per
//     establishment when connections change, and the root calls Load then,
//     so the table follows the clients live. Heartbeats publish nothing: a
//     reload every RefreshEvery keeps the idle times true between events;
//   - the lower pane has views that tab switches: Connexions, Historique
//     (the chart) and Derniers refus; from 60 columns, when the lines under
//     the licences hold the chart (a band per mode, the axis, a frame) and
//     12 lines more, the chart has its own pane above the others and tab
//     skips it (at 120×40 it does, at 80×24 it does not);
//   - the cursor stays on the same connection (by id) across reloads and
//     filtering while that connection is still listed;
//   - / opens the filter field, which keeps every key (Typing) until
//     entrée, which keeps the filter, or échap, which clears it; ↑/↓ still
//     move in the list while typing;
//   - disconnecting and the reserved licences need PermConnections; a role
//     without it sees everything and a line saying who may act;
//   - in a console beside a serve (ConnectionsView.Held false) the live
//     connections are in the serve process: the table says so, once, d is
//     not offered (pressed, the status line says why) and e still works;
//   - every string a client sent (user, group, address) and every reason
//     is cleaned before it is drawn: the tables clean their cells, the
//     rest goes through common.Clean.
package connections

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// RefreshEvery is how often the tab reads the connections again without an
// event, so that the idle times stay true (heartbeats publish nothing).
const RefreshEvery = 30 * time.Second

// The views of the lower pane, in the order tab visits them.
const (
	viewConns = iota
	viewHistory
	viewRefusals
	nViews
)

// filterLimit is the longest filter the field takes.
const filterLimit = 60

// loadedMsg is the answer of Load.
type loadedMsg struct {
	gen  int
	view backend.ConnectionsView
	now  time.Time
	err  error
}

// tickMsg asks for the periodic reload.
type tickMsg struct{}

// Tab is "Suivi des connexions".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h int
	// view is the lower pane's view, want the one the user chose (the
	// history goes back to the lower pane when the screen gets short).
	view, want int
	// split: the chart has its own pane above the lower one.
	split                         bool
	licRect, chartRect, lowerRect components.Rect
	licences                      *components.Details
	conns, refusals               *components.Table
	filter                        textinput.Model
	typing                        bool
	loads                         common.Loads
	loaded                        bool
	err                           error
	data                          backend.ConnectionsView
	now                           time.Time
	// haystacks are the connections' texts for the filter, folded, built
	// when a filter is first typed after a load.
	haystacks []string
	// chartCache is the chart built for the load shown (chart.go).
	chartCache chartCache
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
	t.licences = components.NewDetails(c.Styles, "Licences")
	t.conns = components.NewTable(c.Styles, []components.Column{
		{Title: "Utilisateur", Min: 12, Flex: true},
		{Title: "Groupe", Min: 8, Max: 18, Priority: 2},
		{Title: "Mode ou Espace", Min: 14, Max: 18},
		{Title: "Adresse", Min: 9, Max: 39, Priority: 3},
		{Title: "Depuis", Min: 6, Max: 11},
		{Title: "Inactif", Min: 7, Max: 7, Priority: 1},
	})
	t.conns.SetFollow(true)
	t.conns.SetEmpty("Chargement…")
	// The reason is said in full under the list: its column gives way to
	// the others and takes what they leave.
	t.refusals = components.NewTable(c.Styles, []components.Column{
		{Title: "Heure", Min: 11, Max: 11},
		{Title: "Utilisateur", Min: 12, Max: 30},
		{Title: "Mode ou Espace", Min: 18, Max: 18, Priority: 1},
		{Title: "Groupe", Min: 8, Max: 18, Priority: 2},
		{Title: "Adresse", Min: 9, Max: 39, Priority: 3},
		{Title: "Motif", Min: 20, Flex: true},
	})
	t.refusals.SetSortable(false)
	t.refusals.SetEmpty("Aucune connexion refusée faute de licence.")
	in := textinput.New()
	in.Prompt = "Filtre : "
	in.Placeholder = "utilisateur, groupe, mode ou adresse"
	in.CharLimit = filterLimit
	in.KeyMap.Paste.SetEnabled(false)
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.SetStyles(c.Styles.Input)
	t.filter = in
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

// canAct reports whether the session may disconnect and reserve.
func (t *Tab) canAct() bool { return t.c.Session.Can(backend.PermConnections) }

// canDisconnect reports whether d is offered: the session may act and this
// process holds the live connections (a local console beside a serve does
// not; the reserved licences are in the store, and e works from anywhere).
func (t *Tab) canDisconnect() bool {
	return t.canAct() && t.loaded && t.err == nil && t.data.Held
}

// Load reads the connections, their history and the refusals, and the
// console's clock for the idle times.
func (t *Tab) Load() tea.Cmd {
	gen, sess, now := t.loads.Next(), t.c.Session, t.c.Now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		v, err := sess.Connections(ctx)
		at := time.Now()
		if now != nil {
			at = now()
		}
		return loadedMsg{gen: gen, view: v, now: at, err: err}
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
		} else {
			t.c.SetStatus(msg.ok, common.StatusOK)
		}
	case tea.BackgroundColorMsg: // the root has rebuilt the styles
		t.filter.SetStyles(t.c.Styles.Input)
	case tea.PasteMsg:
		if t.typing {
			cmd := common.Paste(&t.filter, msg)
			t.refilter()
			return cmd
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		t.mouse(msg)
	}
	return nil
}

func (t *Tab) setData(m loadedMsg) {
	t.loaded, t.err = true, m.err
	t.data, t.now, t.haystacks, t.chartCache = m.view, m.now, nil, chartCache{}
	if !t.data.Held {
		// This process's broker is not the one the clients reach: what it
		// holds is not the live connections.
		t.data.Conns, t.data.Usage = nil, seats.Usage{}
	}
	if m.err != nil {
		t.data = backend.ConnectionsView{}
		t.refusals.SetEmpty(backend.Message(m.err))
	} else {
		t.refusals.SetEmpty("Aucune connexion refusée faute de licence.")
	}
	t.conns.SetRows(t.connRows())
	t.conns.SetEmpty(t.connsEmpty())
	t.refusals.SetRows(t.refusalRows())
	// The licences' lines and the chart's bands may have changed in number.
	t.SetSize(t.w, t.h)
}

// refilter applies the filter as it is now.
func (t *Tab) refilter() {
	t.conns.SetRows(t.connRows())
	t.conns.SetEmpty(t.connsEmpty())
	t.sizeConns() // the names kept may be shorter, or none left
}

// connsEmpty is the line of the connections table when it has no row.
func (t *Tab) connsEmpty() string {
	switch {
	case !t.loaded:
		return "Chargement…"
	case t.err != nil:
		return backend.Message(t.err)
	case !t.data.InService:
		return "Le serveur est arrêté : aucun utilisateur ne peut se connecter."
	case !t.data.Held && t.data.Unreachable:
		return unreachable
	case !t.data.Held:
		return notHeld
	case t.filter.Value() != "" && len(t.data.Conns) > 0:
		return "Aucune connexion ne correspond au filtre « " + t.filter.Value() + " » (échap pour l'effacer)."
	}
	return "Aucun utilisateur connecté."
}

func (t *Tab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.keys
	if t.typing {
		switch {
		case key.Matches(msg, k.ClearFilter):
			t.clearFilter()
		case key.Matches(msg, k.Apply):
			t.typing = false
			t.filter.Blur()
			t.SetSize(t.w, t.h)
		case msg.String() == "up" || msg.String() == "down" || msg.String() == "pgup" || msg.String() == "pgdown":
			t.conns.HandleKey(msg)
		default:
			before := t.filter.Value()
			cmd := common.TypeKey(&t.filter, msg)
			if t.filter.Value() != before {
				t.refilter()
			}
			return cmd
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.NextView):
		t.setView(t.nextView(1))
		return nil
	case key.Matches(msg, k.PrevView):
		t.setView(t.nextView(-1))
		return nil
	case key.Matches(msg, k.Filter):
		t.setView(viewConns)
		t.typing = true
		t.SetSize(t.w, t.h)
		return t.filter.Focus()
	case key.Matches(msg, k.ClearFilter) && t.filter.Value() != "":
		t.clearFilter()
		return nil
	case key.Matches(msg, k.Reserve):
		return t.reserve()
	case key.Matches(msg, k.Disconnect) && t.view == viewConns:
		return t.disconnect()
	}
	switch t.view {
	case viewConns:
		t.conns.HandleKey(msg)
	case viewRefusals:
		t.refusals.HandleKey(msg)
	}
	return nil
}

// clearFilter empties the filter and leaves its field.
func (t *Tab) clearFilter() {
	t.typing = false
	t.filter.Blur()
	t.filter.SetValue("")
	t.refilter()
	t.SetSize(t.w, t.h)
}

// views are the lower pane's views at this size.
func (t *Tab) views() []int {
	if t.split {
		return []int{viewConns, viewRefusals}
	}
	return []int{viewConns, viewHistory, viewRefusals}
}

// nextView is the view d steps from the one shown.
func (t *Tab) nextView(d int) int {
	vs := t.views()
	for i, v := range vs {
		if v == t.view {
			return vs[((i+d)%len(vs)+len(vs))%len(vs)]
		}
	}
	return vs[0]
}

func (t *Tab) setView(v int) {
	t.view, t.want = v, v
	t.SetSize(t.w, t.h)
}

// viewName is a view as the help names it.
func (t *Tab) viewName(v int) string {
	return [nViews]string{"connexions", "historique", "refus"}[v]
}

// Typing reports whether the filter field has the focus: the keys that
// switch tabs or quit are then typed into it.
func (t *Tab) Typing() bool { return t.typing }
