package connections

import (
	"charm.land/bubbles/v2/key"

	"github.com/hebergement/console/tui/components"
)

// KeyMap is the keys of Suivi des connexions, with their French help.
// "Modifier les licences réservées" is on e (éditer, as "renommer la clé"
// in Mon compte), since r refreshes every tab; tab and maj+tab switch the
// lower pane's views, as they switch the lists of the other tabs.
type KeyMap struct {
	NextView, PrevView key.Binding
	// Filter opens the filter field; ClearFilter empties it; Apply leaves
	// it, keeping what was typed.
	Filter, ClearFilter, Apply key.Binding
	Disconnect                 key.Binding
	Reserve                    key.Binding
	Table                      components.TableKeyMap
}

// DefaultKeyMap returns the tab's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextView:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "vue suivante")),
		PrevView:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "vue précédente")),
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filtrer")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("échap", "effacer le filtre")),
		Apply:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "garder le filtre")),
		Disconnect:  key.NewBinding(key.WithKeys("delete", "d"), key.WithHelp("suppr/d", "déconnecter")),
		Reserve:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "licences réservées")),
		Table:       components.DefaultTableKeyMap(),
	}
}

// ShortHelp is the keys of the view shown: while the filter is typed, its
// own; otherwise the view switch, then the actions the role may take, then
// the list's keys.
func (t *Tab) ShortHelp() []key.Binding {
	k := t.keys
	if t.typing {
		// j and k are typed into the field: only the arrows move.
		return []key.Binding{k.Apply, k.ClearFilter, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "liste"))}
	}
	next := k.NextView
	next.SetHelp("tab", t.viewName(t.nextView(1)))
	out := []key.Binding{next}
	can := t.canAct()
	switch t.view {
	case viewConns:
		out = append(out, k.Filter)
		if t.filter.Value() != "" {
			out = append(out, k.ClearFilter)
		}
		if t.canDisconnect() {
			out = append(out, k.Disconnect)
		}
	}
	if can {
		out = append(out, k.Reserve)
	}
	switch t.view {
	case viewConns:
		out = append(out, t.conns.ShortHelp()...)
	case viewRefusals:
		out = append(out, k.Table.Up, k.Table.Down)
	}
	return out
}

// FullHelp is every key of the tab.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys
	tk := k.Table
	out := [][]key.Binding{
		{k.NextView, k.PrevView},
		{k.Filter, k.Apply, k.ClearFilter},
	}
	switch {
	case t.canDisconnect():
		out = append(out, []key.Binding{k.Disconnect, k.Reserve})
	case t.canAct():
		out = append(out, []key.Binding{k.Reserve})
	}
	return append(out,
		[]key.Binding{tk.Up, tk.Down, tk.Top, tk.Bottom},
		[]key.Binding{tk.PageUp, tk.PageDown, tk.Sort, tk.Reverse})
}
