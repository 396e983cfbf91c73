package pronote

import (
	"charm.land/bubbles/v2/key"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// KeyMap is the keys of PRONOTE.net, with their French help: p is
// "Publier la base" / "Arrêter la publication", espace (or entrée) the
// selected Espace, c copies its address, a is "Déléguer
// l'authentification". r refreshes every tab, e is not taken: the tab has
// no other form.
type KeyMap struct {
	Publish key.Binding // "Publier la base" / "Arrêter la publication"
	Espace  key.Binding // the selected Espace published or not
	Copy    key.Binding // the selected address to the clipboard (OSC 52)
	Auth    key.Binding // "Déléguer l'authentification"

	Table   components.TableKeyMap
	Details components.DetailsKeyMap
}

// DefaultKeyMap returns the tab's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Publish: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "publier la base")),
		Espace:  key.NewBinding(key.WithKeys("space", "enter"), key.WithHelp("espace", "publier l'Espace")),
		Copy:    key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copier l'adresse")),
		Auth:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "authentification")),
		Table:   components.DefaultTableKeyMap(),
		Details: components.DefaultDetailsKeyMap(),
	}
}

// publishBinding is p with the words of the state: publish a stopped
// publication, stop a published one.
func (t *Tab) publishBinding() key.Binding {
	b := t.keys.Publish
	if t.data.Published {
		b.SetHelp("p", "arrêter la publication")
	}
	return b
}

// espaceBinding is espace with the words of the selected Espace.
func (t *Tab) espaceBinding() key.Binding {
	b := t.keys.Espace
	if e, ok := backend.ParseEspace(t.selected()); ok && t.data.On(e) {
		b.SetHelp("espace", "dépublier l'Espace")
	}
	return b
}

// ready reports whether the settings are read.
func (t *Tab) ready() bool { return t.loaded && t.err == nil }

// ShortHelp is the actions the role may take on what is selected, then the
// list's keys and pg↓ when a pane does not show everything.
func (t *Tab) ShortHelp() []key.Binding {
	k := t.keys
	var out []key.Binding
	if t.canAct() && t.ready() {
		out = append(out, t.publishBinding())
		if _, ok := backend.ParseEspace(t.selected()); ok {
			out = append(out, t.espaceBinding())
		}
	}
	if t.url(t.selected()) != "" {
		out = append(out, k.Copy)
	}
	if t.canAct() && t.ready() {
		out = append(out, k.Auth)
	}
	out = append(out, k.Table.Up, k.Table.Down)
	if t.pubScrolls() || t.authScrolls() {
		out = append(out, k.Details.PageDown)
	}
	return out
}

// FullHelp is every key of the tab, the actions with the product's words.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys
	tk := k.Table
	var out [][]key.Binding
	if t.canAct() {
		out = append(out, []key.Binding{
			common.WithHelp(k.Publish, "Publier la base / Arrêter la publication"),
			common.WithHelp(k.Espace, "publier ou dépublier l'Espace choisi (ou entrée)"),
		}, []key.Binding{
			common.WithHelp(k.Auth, "Déléguer l'authentification"),
		})
	}
	out = append(out,
		[]key.Binding{common.WithHelp(k.Copy, "copier l'adresse choisie dans le presse-papiers (OSC 52)")},
		[]key.Binding{tk.Up, tk.Down, tk.Top, tk.Bottom})
	if t.pubScrolls() || t.authScrolls() {
		out = append(out, []key.Binding{k.Details.PageDown, k.Details.PageUp})
	}
	return out
}
