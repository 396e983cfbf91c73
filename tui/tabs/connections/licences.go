package connections

import (
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/tui/components"
)

// The licences pane: whether the server takes connections, a gauge per
// kind of licence, the reserved seats and the refusals.
//
// Rules:
//   - the administratif gauge is used/L; its ▒ cells are the reserved
//     seats still free, those only a member of the groupe Administration
//     may take now: the free seats less those the others may still take
//     (L − R less the seats the others hold), never below zero;
//   - enseignant is used/T, or a count with "(illimité)" when T is 0; vie
//     scolaire and the Espaces are counts (unlimited), the Espaces with
//     their share per Espace;
//   - on a short screen (fewer than 24 lines for the tab) a server in
//     service is said in the pane's title rather than on a line of its
//     own; a stopped one always has its line;
//   - when another process holds the live connections (Held false), the
//     figures in use are unknown here: the pane, titled "Licences du
//     contrat", gives the licences of the contract and nothing claims 0
//     used; the connections' table says why, once (notHeld).

// notHeld is what the connections' table says when the live connections
// are in another process. The history and the refusals come from the
// store, which that process fills every 30 s, and the tab reads them again
// every RefreshEvery: they lag by less than a minute.
const notHeld = "Cette console ne sert pas le serveur web : les connexions en cours sont tenues par le processus " +
	"qui le sert (hebergement serve, s'il tourne) ; l'historique et les refus datent de moins d'une minute."

// unreachable is what it says when, with several instances, the one that
// holds the school's server did not answer.
const unreachable = "L'instance d'hébergement qui sert ce serveur ne répond pas : les connexions en cours ne sont pas " +
	"visibles pour le moment ; l'historique et les refus datent de moins d'une minute."

// unreachableAct is the status line when d is pressed then.
const unreachableAct = "Impossible de déconnecter pour le moment : l'instance d'hébergement qui sert ce serveur ne répond pas ; réessayez dans un instant."

// notHeldAct is the status line when d is pressed in such a console.
const notHeldAct = "Impossible de déconnecter depuis cette console : elle ne sert pas le serveur web ; " +
	"ouvrez la console du processus qui le sert (hebergement serve) par ssh."

// gaugeBar is the bar of every licence gauge, so that they line up.
const gaugeBar = 20

// reservedFree is the part of the free administratif seats that only the
// groupe Administration may take.
func reservedFree(l seats.Limits, u seats.Usage) int {
	free := max(l.Admin-u.Admin, 0)
	others := u.Admin - u.AdminByAdminGroup
	forOthers := min(max(l.Admin-l.Reserved-others, 0), free)
	return free - forOthers
}

// licenceItems are the lines of the licences pane.
func (t *Tab) licenceItems() []components.Item {
	var items []components.Item
	if !t.canAct() {
		items = append(items, components.Text(backend.PermConnections.Who(), components.ToneMuted))
	}
	switch {
	case !t.loaded:
		return append(items, components.Text("Chargement…", components.ToneMuted))
	case t.err != nil:
		return append(items, components.Text(backend.Message(t.err), components.ToneDanger))
	}
	v := t.data
	switch {
	case !v.InService:
		items = append(items, components.Text("Le serveur est arrêté : aucune connexion possible avant sa mise en service.", components.ToneDanger))
	case !t.compact():
		items = append(items, components.Text("Le serveur est en service : les utilisateurs peuvent se connecter.", components.ToneOK))
	}
	l, u := v.Limits, v.Usage
	styles := t.c.Styles
	gauge := func(g components.Gauge) func(int) string {
		g.BarWidth = gaugeBar
		return func(w int) string { return g.View(styles, w) }
	}
	reserved := "aucune"
	if l.Reserved > 0 {
		reserved = fr.Count(l.Reserved) + " sur " + fr.Count(l.Admin)
	}
	if !v.Held {
		teachers := "illimitées"
		if l.Teacher > 0 {
			teachers = licences(l.Teacher)
		}
		return append(items,
			components.Field("Mode administratif", licences(l.Admin)),
			components.Field("Réservées", reserved),
			components.Field("Mode enseignant", teachers),
			components.Field("Vie scolaire", "illimitées"),
			components.Field("Espaces", "illimitées"),
			t.refusedItem())
	}
	switch n := u.AdminByAdminGroup; {
	case n == 0 && l.Reserved == 0:
	case n == 0:
		reserved += " ; aucune utilisée par le groupe Administration"
	case n == 1:
		reserved += " ; 1 utilisée par le groupe Administration"
	default:
		reserved += " ; " + fr.Count(n) + " utilisées par le groupe Administration"
	}
	return append(items,
		components.Drawn("Mode administratif", gauge(components.Gauge{Used: int64(u.Admin), Total: int64(l.Admin),
			Reserved: int64(reservedFree(l, u))})),
		components.Field("Réservées", reserved),
		components.Drawn("Mode enseignant", gauge(components.Gauge{Used: int64(u.Teacher), Total: int64(l.Teacher),
			Unlimited: l.Teacher == 0})),
		components.Drawn("Vie scolaire", gauge(components.Gauge{Used: int64(u.VieScolaire), Unlimited: true})),
		components.Drawn("Espaces", gauge(components.Gauge{Used: int64(u.Espaces), Unlimited: true, Text: t.espaces()})),
		t.refusedItem())
}

// compact reports whether the tab is short enough to save the line of a
// server in service.
func (t *Tab) compact() bool { return t.h < 24 }

// licencesTitle is the pane's title: the figures are the contract's alone
// when the connections are held elsewhere.
func (t *Tab) licencesTitle() string {
	switch {
	case !t.loaded || t.err != nil:
	case !t.data.Held:
		return "Licences du contrat"
	case t.compact() && t.data.InService:
		return "Licences · serveur en service"
	}
	return "Licences"
}

// licences is "4 licences", "1 licence".
func licences(n int) string {
	if n == 1 {
		return "1 licence"
	}
	return fr.Count(n) + " licences"
}

// espaces is the figure of the Espaces gauge: the count, and the share of
// each Espace in use, "15 (illimité) : Professeurs 3 · Parents 10".
func (t *Tab) espaces() string {
	var by [3]int
	for _, c := range t.data.Conns {
		switch c.Mode {
		case seats.Professeur:
			by[0]++
		case seats.Parent:
			by[1]++
		case seats.Eleve:
			by[2]++
		}
	}
	s := fr.Count(t.data.Usage.Espaces) + " (illimité)"
	sep := " : "
	for i, name := range []string{"Professeurs", "Parents", "Élèves"} {
		if by[i] > 0 {
			s += sep + name + " " + fr.Count(by[i])
			sep = " · "
		}
	}
	return s
}

// refusedItem is the line of the connections refused for lack of a
// licence.
func (t *Tab) refusedItem() components.Item {
	today, week := t.data.RefusedToday, t.data.RefusedWeek
	if today == 0 && week == 0 {
		return components.Text("Aucune connexion refusée faute de licence sur 7 jours.", components.ToneMuted)
	}
	tone := components.ToneWarning
	if today > 0 {
		tone = components.ToneDanger
	}
	return components.Text("Connexions refusées faute de licence : "+fr.Count(today)+" aujourd'hui, "+
		fr.Count(week)+" sur 7 jours", tone)
}
