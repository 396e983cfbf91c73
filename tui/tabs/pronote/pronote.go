// Package pronote is the "PRONOTE.net" tab: whether the base is published,
// the public addresses of the home page and of each Espace, and the
// authentication mode.
//
// What it shows is derived from the server (SPEC §9): the base is published
// by default once in service, and nothing can stop the publication yet, so
// a base in service is published with every Espace, and nothing is while
// the server is stopped. The only authentication that exists today is the
// PRONOTE accounts.
package pronote

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// Espace is one PRONOTE.net web space and its path under the hosting
// number on the hosted server (SPEC §8).
type Espace struct {
	Name, Path string
}

// Espaces are the four Espaces, in the product's order.
var Espaces = []Espace{
	{"Professeurs", "professeur"},
	{"Parents", "parent"},
	{"Élèves", "eleve"},
	{"Vie scolaire", "viescolaire"},
}

// URL is the public address of path ("" for the home page) of the
// establishment hostingNumber on the stand-in at base.
func URL(base, hostingNumber, path string) string {
	return strings.TrimRight(base, "/") + "/" + hostingNumber + "/" + path
}

// KeyMap is the tab's own keys: scrolling the publication pane.
type KeyMap struct {
	Details components.DetailsKeyMap
}

// DefaultKeyMap is pg↑/pg↓.
func DefaultKeyMap() KeyMap { return KeyMap{Details: components.DefaultDetailsKeyMap()} }

// Tab is "PRONOTE.net".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h      int
	pane      *components.Details
	table     *components.Table
	tableRect components.Rect
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.pane = components.NewDetails(c.Styles, "Publication")
	t.table = components.NewTable(c.Styles, []components.Column{
		{Title: "Page", Min: 8, Max: 14},
		{Title: "État", Min: 7, Max: 11, Priority: 1},
		{Title: "Adresse publique", Min: 16, Flex: true},
	})
	t.table.SetSelectable(false)
	t.table.SetSortable(false)
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "PRONOTE.net" }

// Topics: the publication, and the server it follows.
func (t *Tab) Topics() backend.Topic { return backend.TopicPublication | backend.TopicServer }

// Permission is what publishing and the authentication settings need.
func (t *Tab) Permission() backend.Permission { return backend.PermPublication }

// Load reads nothing: the publication follows the server, in the status
// the root keeps (c.Status), and the addresses are the stand-in's.
func (t *Tab) Load() tea.Cmd { return nil }

// published reports whether the base is published: once in service.
func (t *Tab) published() bool {
	return t.c.Status.State == backend.ServerRunning && t.c.Status.InService != nil
}

func (t *Tab) items() []components.Item {
	if !t.c.Loaded {
		return []components.Item{components.Text("Chargement…", components.ToneMuted)}
	}
	var items []components.Item
	if !t.c.Session.Can(t.Permission()) {
		items = append(items, components.Text(t.Permission().Who(), components.ToneMuted))
	}
	if t.published() {
		items = append(items,
			components.Field("État", "Base publiée").WithTone(components.ToneOK),
			components.Field("Base", t.c.Status.InService.Name),
		)
	} else {
		items = append(items, components.Field("État", "Non publiée : le serveur est arrêté").WithTone(components.ToneDanger))
	}
	items = append(items, components.Field("Authentification", "Comptes PRONOTE"))
	if t.c.PublicURL == "" {
		items = append(items, components.Blank(),
			components.Text("Aucun serveur web ne tourne pour ce dossier de données : les pages n'ont pas d'adresse publique (hebergement serve en lance un).", components.ToneMuted))
	}
	return items
}

func (t *Tab) rows() []components.Row {
	state := func(s string) (string, components.Tone) {
		if t.published() {
			return s, components.ToneNormal
		}
		return "non " + s, components.ToneMuted
	}
	url := func(path string) string {
		if t.c.PublicURL == "" {
			return "—"
		}
		return URL(t.c.PublicURL, t.c.Status.Establishment.HostingNumber, path)
	}
	home, tone := state("publiée")
	rows := []components.Row{{Key: "accueil", Cells: []string{"Accueil", home, url("")}, Tone: tone}}
	for _, e := range Espaces {
		s, tone := state("publié")
		rows = append(rows, components.Row{Key: e.Path, Cells: []string{e.Name, s, url(e.Path)}, Tone: tone})
	}
	return rows
}

// SetSize lays the publication out on top, the addresses under it.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.pane.SetItems(t.items())
	t.table.SetRows(t.rows())
	topH := min(len(t.pane.Lines(w-4))+2, max(h-4, min(h, 4)))
	t.pane.SetSize(w, topH)
	tableH := min(len(Espaces)+4, h-topH)
	t.tableRect = components.Rect{Y: topH, W: w, H: tableH}
	in := components.FrameInner(w, tableH)
	t.table.SetSize(in.W, in.H)
}

// Update scrolls the publication pane, on pg↑/pg↓ and the wheel, and the
// addresses on the wheel when they do not fit.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		t.pane.HandleKey(msg)
	case tea.MouseWheelMsg:
		if m, ok := components.Within(msg, t.tableRect); ok {
			t.table.Update(m)
		} else {
			t.pane.Update(msg)
		}
	}
	return nil
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	// The status may have changed since SetSize.
	t.pane.SetItems(t.items())
	t.table.SetRows(t.rows())
	parts := []string{t.pane.View()}
	if r := t.tableRect; r.H > 0 {
		parts = append(parts, components.Frame(t.c.Styles, "Adresses publiques", t.table.View(), r.W, r.H, false))
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}

// overflows reports whether the publication pane has more than it shows.
func (t *Tab) overflows() bool {
	return len(t.pane.Lines(t.pane.Inner())) > max(t.tableRect.Y-2, 0)
}

// ShortHelp is pg↓/pg↑ when the publication pane scrolls; the tab has no
// action yet.
func (t *Tab) ShortHelp() []key.Binding {
	if t.overflows() {
		return []key.Binding{t.keys.Details.PageDown, t.keys.Details.PageUp}
	}
	return nil
}

// FullHelp is the short help.
func (t *Tab) FullHelp() [][]key.Binding {
	if h := t.ShortHelp(); h != nil {
		return [][]key.Binding{h}
	}
	return nil
}

// Typing is false: the tab has no field.
func (t *Tab) Typing() bool { return false }
