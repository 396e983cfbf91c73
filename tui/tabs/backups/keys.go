package backups

import (
	"charm.land/bubbles/v2/key"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// KeyMap is the keys of Sauvegardes, with their French help: the actions
// on the letters of their French names. "Remplir l'année" / "Remplacer la
// base archivée" is on e (éditer, as in Suivi des connexions and Mon
// compte), since r refreshes every tab; "Mettre en service" on m, since s
// is "Sauvegarder maintenant" here. tab and maj+tab switch the two views,
// as they switch the lists of the other tabs. The keys of the dialogs the
// tab opens are the console's (common.KeyMap): inside a confirmation o
// says yes, here it opens.
type KeyMap struct {
	NextView, PrevView key.Binding

	Backup       key.Binding // "Sauvegarder maintenant"
	Open         key.Binding // "Ouvrir cette sauvegarde"
	Instant      key.Binding // "Ouvrir l'état à une date"
	PutInService key.Binding // "Mettre en service"
	Fill         key.Binding // "Remplir l'année" / "Remplacer la base archivée"

	Table   components.TableKeyMap
	Details components.DetailsKeyMap
}

// DefaultKeyMap returns the tab's bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		NextView: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "vue suivante")),
		PrevView: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "vue précédente")),

		Backup:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sauvegarder")),
		Open:         key.NewBinding(key.WithKeys("o", "enter"), key.WithHelp("o", "ouvrir")),
		Instant:      key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "état à une date")),
		PutInService: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "mettre en service")),
		Fill:         key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "remplir l'année")),

		Table:   components.DefaultTableKeyMap(),
		Details: components.DefaultDetailsKeyMap(),
	}
}

// canAct reports whether the session may make, open and archive backups.
func (t *Tab) canAct() bool { return t.c.Session.Can(backend.PermBackups) }

// canPutInService reports whether m is offered: an opened base the server
// does not serve yet, and the right to start the server.
func (t *Tab) canPutInService() bool {
	return t.loaded && t.err == nil && t.data.Opened != nil && !t.data.Running && t.c.Session.Can(backend.PermServer)
}

// fillBinding is e with the words of the selected year: fill an empty year,
// replace an archived one.
func (t *Tab) fillBinding() key.Binding {
	b := t.keys.Fill
	if y := t.selectedYear(); y != nil && y.Base != nil {
		b.SetHelp("e", "remplacer la base archivée")
	}
	return b
}

// ShortHelp is the keys of the view shown: the view switch, the actions the
// role may take, then the list's keys and pg↓ when the details scroll.
func (t *Tab) ShortHelp() []key.Binding {
	k := t.keys
	next := k.NextView
	next.SetHelp("tab", viewNames[1-t.view])
	out := []key.Binding{next}
	if t.canAct() {
		switch t.view {
		case viewBackups:
			if t.data.Opened != nil {
				out = append(out, k.Backup)
			}
			if _, ok := t.selectedBackup(); ok {
				out = append(out, k.Open)
			}
			out = append(out, k.Instant)
		case viewYears:
			out = append(out, t.fillBinding())
		}
	}
	if t.canPutInService() {
		out = append(out, k.PutInService)
	}
	out = append(out, k.Table.Up, k.Table.Down)
	if t.detailsScroll() {
		out = append(out, k.Details.PageDown)
	}
	return out
}

// FullHelp is every key of the tab, the actions with the product's words.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys
	tk := k.Table
	out := [][]key.Binding{{k.NextView, k.PrevView}}
	if t.canAct() {
		out = append(out, []key.Binding{
			common.WithHelp(k.Backup, "Sauvegarder maintenant"),
			common.WithHelp(k.Open, "Ouvrir cette sauvegarde (ou entrée)"),
			common.WithHelp(k.Instant, "Ouvrir l'état à une date"),
		}, []key.Binding{
			common.WithHelp(k.Fill, "Remplir l'année / Remplacer la base archivée (Années précédentes)"),
			common.WithHelp(k.PutInService, "Mettre en service la base ouverte"),
		})
	}
	out = append(out, []key.Binding{tk.Up, tk.Down, tk.Top, tk.Bottom}, []key.Binding{tk.Sort, tk.Reverse})
	if t.detailsScroll() {
		out = append(out, []key.Binding{k.Details.PageDown, k.Details.PageUp})
	}
	return out
}
