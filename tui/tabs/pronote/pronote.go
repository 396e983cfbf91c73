// Package pronote is the "PRONOTE.net" tab (SPEC §9): whether the base is
// published and online, the public addresses of the home page and of each
// Espace, each Espace published or not, and "Déléguer l'authentification"
// (Comptes PRONOTE, CAS par l'ENT, ÉduConnect).
//
// The rules it keeps:
//   - the tab reads one thing, Session.Publication, in a command; the root
//     calls Load on the events of TopicPublication (a change from any
//     console or command), TopicServer (online follows the server) and
//     TopicBases (the base in service);
//   - p is "Publier la base" / "Arrêter la publication" (stopping asks
//     first); espace or entrée publishes or unpublishes the selected
//     Espace; c copies the selected address to the terminal's clipboard
//     with OSC 52, which works over SSH; a opens "Déléguer
//     l'authentification", a huh form on the dialog stack: the mode, and
//     for CAS the ENT and the CAS server's URL, checked as it is typed
//     (backend.CheckCASURL) and again by the back end;
//   - as in the original, the authentication changes only while the
//     publication is stopped: the tab says so, and a, while the base is
//     published, offers to stop the publication first, then opens the
//     form;
//   - every refusal is the back end's sentence (backend.Message); a role
//     without PermPublication sees everything and a line saying who may
//     act; the keys of the actions are not offered to it;
//   - every string that came from a user, a file or the operator (the
//     base's name, the ENT, the URLs) is cleaned before it is drawn: the
//     panes and the table clean their items, the rest goes through
//     common.Clean.
package pronote

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// homeKey is the key of the home page's row in the addresses' table; the
// Espaces' rows have their id.
const homeKey = "accueil"

// URL is the public address of path ("" for the home page) of the
// establishment hostingNumber on the stand-in at base.
func URL(base, hostingNumber, path string) string {
	return strings.TrimRight(base, "/") + "/" + hostingNumber + "/" + path
}

// loadedMsg is the answer of Load.
type loadedMsg struct {
	gen int
	pub backend.Publication
	err error
}

// Tab is "PRONOTE.net".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h int
	// wide: the publication and the authentication side by side.
	wide bool
	// the parts' places in the tab, set by SetSize
	pubRect, authRect, tableRect components.Rect

	pub, auth *components.Details
	table     *components.Table

	loads  common.Loads
	loaded bool
	err    error
	data   backend.Publication
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab { return newTab(c) }

func newTab(c *common.Context) *Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.pub = components.NewDetails(c.Styles, "Publication")
	t.auth = components.NewDetails(c.Styles, "Déléguer l'authentification")
	t.table = components.NewTable(c.Styles, []components.Column{
		{Title: "Page", Min: 12, Max: 12},
		{Title: "Publication", Min: 11, Max: 11, Priority: 1},
		{Title: "Adresse publique", Min: 16, Flex: true},
	})
	t.table.SetSortable(false)
	t.table.SetFollow(true)
	t.table.SetFocused(true)
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "PRONOTE.net" }

// Topics: the publication; the server (online follows it); the bases (the
// base in service).
func (t *Tab) Topics() backend.Topic {
	return backend.TopicPublication | backend.TopicServer | backend.TopicBases
}

// Permission is what publishing and the authentication settings need.
func (t *Tab) Permission() backend.Permission { return backend.PermPublication }

// canAct reports whether the session may publish and set the
// authentication.
func (t *Tab) canAct() bool { return t.c.Session != nil && t.c.Session.Can(backend.PermPublication) }

// Typing is false: the tab's fields are in its dialog, which takes every
// key while open.
func (t *Tab) Typing() bool { return false }

// Load reads PRONOTE.net's settings.
func (t *Tab) Load() tea.Cmd {
	if t.c.Session == nil {
		return nil
	}
	gen, sess := t.loads.Next(), t.c.Session
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		p, err := sess.Publication(ctx)
		return loadedMsg{gen: gen, pub: p, err: err}
	}
}

// Update handles the tab's answers, its keys and the mouse.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if !t.loads.Fresh(msg.gen) {
			return nil
		}
		t.loaded, t.err = true, msg.err
		t.data = msg.pub
		if msg.err != nil {
			t.data = backend.Publication{}
		}
		// The panes' lines may have changed in number.
		t.SetSize(t.w, t.h)
	case doneMsg:
		if msg.err != nil {
			t.c.SetStatus(backend.Message(msg.err), common.StatusErr)
			return nil
		}
		if msg.ok != "" {
			t.c.SetStatus(msg.ok, common.StatusOK)
		}
		if msg.then != nil && t.c.Dialog() == nil {
			return msg.then()
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		t.mouse(msg)
	}
	return nil
}

func (t *Tab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.keys
	switch {
	case key.Matches(msg, k.Publish):
		return t.togglePublished()
	case key.Matches(msg, k.Espace):
		return t.toggleEspace()
	case key.Matches(msg, k.Copy):
		return t.copyURL()
	case key.Matches(msg, k.Auth):
		return t.delegate()
	}
	// pg↑/pg↓ scroll the panes that do not show everything, else the list.
	if t.pubScrolls() && t.pub.HandleKey(msg) {
		if t.authScrolls() {
			t.auth.HandleKey(msg)
		}
		return nil
	}
	if t.authScrolls() && t.auth.HandleKey(msg) {
		return nil
	}
	t.table.HandleKey(msg)
	return nil
}

// mouse handles a click or the wheel in the tab's coordinates.
func (t *Tab) mouse(msg tea.Msg) {
	in := t.tableRect
	in.X, in.Y, in.W, in.H = in.X+1, in.Y+1, max(in.W-3, 0), max(in.H-2, 0)
	if m, ok := components.Within(msg, in); ok {
		t.table.Update(m)
		return
	}
	if m, ok := components.Within(msg, t.pubRect); ok {
		t.pub.Update(m)
		return
	}
	if m, ok := components.Within(msg, t.authRect); ok {
		t.auth.Update(m)
	}
}

// selected is the key of the selected row: homeKey or an Espace's id.
func (t *Tab) selected() string {
	r, ok := t.table.Selected()
	if !ok {
		return ""
	}
	return r.Key
}

// hostingNumber is the establishment's number in the public addresses.
func (t *Tab) hostingNumber() string { return t.c.Status.Establishment.HostingNumber }

// url is the public address of the row of key k, "" when no stand-in
// serves this data folder.
func (t *Tab) url(k string) string {
	if t.c.PublicURL == "" {
		return ""
	}
	path := k
	if k == homeKey {
		path = ""
	}
	return common.Clean(URL(t.c.PublicURL, t.hostingNumber(), path))
}
