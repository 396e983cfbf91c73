package common

import "charm.land/bubbles/v2/key"

// KeyMap is the one table of key bindings of the console. The footer's help
// is built from these same bindings, so what it shows is what the keys do.
// "Compléter la base hébergée" is on p (pièces jointes), since j moves down
// the lists as in every pager.
type KeyMap struct {
	// Everywhere.
	ForceQuit key.Binding
	Quit      key.Binding
	Help      key.Binding
	NextTab   key.Binding
	PrevTab   key.Binding

	// Login screen.
	Submit          key.Binding
	NextField       key.Binding
	PrevField       key.Binding
	LostCredentials key.Binding

	// Lists.
	Up         key.Binding
	Down       key.Binding
	Top        key.Binding
	Bottom     key.Binding
	NextList   key.Binding
	PrevList   key.Binding
	DetailUp   key.Binding
	DetailDown key.Binding

	// Autres bases.
	Load         key.Binding
	Open         key.Binding
	Create       key.Binding
	PutInService key.Binding
	Stop         key.Binding
	Complete     key.Binding
	Delete       key.Binding
	Refresh      key.Binding

	// Dialogs and forms.
	Yes     key.Binding
	No      key.Binding
	Confirm key.Binding
	Cancel  key.Binding
	Left    key.Binding
	Right   key.Binding
	Toggle  key.Binding

	// File picker.
	PickOpen   key.Binding
	PickParent key.Binding
}

// DefaultKeyMap returns the console's bindings, with their French help.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quitter")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quitter")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "aide")),
		NextTab:   key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "onglet suivant")),
		PrevTab:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "onglet précédent")),

		Submit:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "se connecter")),
		NextField:       key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "champ suivant")),
		PrevField:       key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("maj+tab", "champ précédent")),
		LostCredentials: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "identifiants perdus ?")),

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
		Refresh:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "actualiser")),

		Yes:     key.NewBinding(key.WithKeys("o", "y"), key.WithHelp("o", "oui")),
		No:      key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/échap", "non")),
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "valider")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("échap", "annuler")),
		Left:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "gauche")),
		Right:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "droite")),
		Toggle:  key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("espace", "cocher")),

		PickOpen:   key.NewBinding(key.WithKeys("enter", "right", "l"), key.WithHelp("entrée", "ouvrir / choisir")),
		PickParent: key.NewBinding(key.WithKeys("backspace", "left", "h"), key.WithHelp("←", "dossier parent")),
	}
}

// WithHelp returns a copy of b with another description, for the full help
// where there is room for the product's own words.
func WithHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}
