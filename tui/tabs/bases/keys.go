package bases

import "charm.land/bubbles/v2/key"

// KeyMap is the keys of Autres bases, with their French help: the actions
// on the letters of their French names, and the lists as in every pager.
// "Compléter la base hébergée" is on p (pièces jointes), since j moves down
// the lists. The keys of the dialogs the tab opens are the console's
// (common.KeyMap): inside a confirmation o says yes, here it opens.
type KeyMap struct {
	Up         key.Binding
	Down       key.Binding
	Top        key.Binding
	Bottom     key.Binding
	NextList   key.Binding
	PrevList   key.Binding
	DetailUp   key.Binding
	DetailDown key.Binding

	Load         key.Binding
	Open         key.Binding
	Create       key.Binding
	PutInService key.Binding
	Stop         key.Binding
	Complete     key.Binding
	Delete       key.Binding
}

// DefaultKeyMap returns the tab's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "monter")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "descendre")),
		Top:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("début/g", "premier")),
		Bottom:     key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("fin/G", "dernier")),
		NextList:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "liste suivante")),
		PrevList:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "liste précédente")),
		DetailUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pg↑", "détails : haut")),
		DetailDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pg↓", "détails : bas")),

		Load:         key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "charger")),
		Open:         key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "ouvrir")),
		Create:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "créer")),
		PutInService: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "mettre en service")),
		Stop:         key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "arrêter")),
		Complete:     key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "compléter")),
		Delete:       key.NewBinding(key.WithKeys("delete", "d"), key.WithHelp("suppr/d", "supprimer")),
	}
}
