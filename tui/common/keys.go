package common

import "charm.land/bubbles/v2/key"

// KeyMap is the table of the keys that mean the same everywhere: quitting,
// the help, switching tabs, refreshing, the login screen, and the keys of
// the dialogs (confirmations, forms, the file picker), where a tab's own
// keys do not apply. Each tab keeps its own KeyMap beside it (SPEC §15:
// each tab owns its keys and its help line). The footer's help is built
// from these same bindings, so what it shows is what the keys do.
type KeyMap struct {
	// Everywhere after login (but while a field has the focus).
	ForceQuit key.Binding
	Quit      key.Binding
	Help      key.Binding
	SwitchTab key.Binding
	NextTab   key.Binding
	PrevTab   key.Binding
	Refresh   key.Binding

	// Login screen.
	Submit          key.Binding
	NextField       key.Binding
	PrevField       key.Binding
	LostCredentials key.Binding

	// Dialogs and forms.
	Yes     key.Binding
	No      key.Binding
	Confirm key.Binding
	Cancel  key.Binding
	Left    key.Binding
	Right   key.Binding
	Toggle  key.Binding

	// Lists inside dialogs (the file picker).
	Up         key.Binding
	Down       key.Binding
	Top        key.Binding
	Bottom     key.Binding
	PageUp     key.Binding
	PageDown   key.Binding
	PickOpen   key.Binding
	PickParent key.Binding
}

// DefaultKeyMap returns the console's bindings, with their French help.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		ForceQuit: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quitter")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quitter")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "aide")),
		SwitchTab: key.NewBinding(key.WithKeys("1", "2", "3", "4", "5"), key.WithHelp("1–5", "aller à l'onglet")),
		NextTab:   key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "onglet suivant")),
		PrevTab:   key.NewBinding(key.WithKeys("["), key.WithHelp("[", "onglet précédent")),
		Refresh:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "actualiser")),

		Submit:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "se connecter")),
		NextField:       key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab", "champ suivant")),
		PrevField:       key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("maj+tab", "champ précédent")),
		LostCredentials: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "identifiants perdus ?")),

		Yes:     key.NewBinding(key.WithKeys("o", "y"), key.WithHelp("o", "oui")),
		No:      key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/échap", "non")),
		Confirm: key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "valider")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("échap", "annuler")),
		Left:    key.NewBinding(key.WithKeys("left"), key.WithHelp("←", "gauche")),
		Right:   key.NewBinding(key.WithKeys("right"), key.WithHelp("→", "droite")),
		Toggle:  key.NewBinding(key.WithKeys("space", "x"), key.WithHelp("espace", "cocher")),

		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "monter")),
		Down:       key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "descendre")),
		Top:        key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("début/g", "premier")),
		Bottom:     key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("fin/G", "dernier")),
		PageUp:     key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pg↑", "page précédente")),
		PageDown:   key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pg↓", "page suivante")),
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
