package account

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// overviewKeys are the keys of the view "Compte".
type overviewKeys struct {
	Next, Prev key.Binding
	Details    components.DetailsKeyMap
}

// The sections of the view "Compte", in the order tab visits them.
const (
	ovEstablishment = iota
	ovContract
	ovSections
)

// overviewView is "Compte": the establishment and its contract, from the
// status the root keeps.
type overviewView struct {
	c    *common.Context
	keys overviewKeys

	w, h  int
	focus int
	// rects are the sections' places in the view, set by setSize.
	rects [ovSections]components.Rect
	// merged: one pane for the establishment and the contract (narrow).
	merged bool

	estPane, contractPane *components.Details
}

func newOverviewView(c *common.Context) *overviewView {
	v := &overviewView{c: c, keys: overviewKeys{
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "section suivante")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "section précédente")),
		Details: components.DefaultDetailsKeyMap(),
	}}
	v.estPane = components.NewDetails(c.Styles, "Établissement")
	v.contractPane = components.NewDetails(c.Styles, "Contrat")
	v.setFocus(ovEstablishment)
	return v
}

func (v *overviewView) title() string { return "Compte" }

// load reads nothing: the establishment and the contract are the status
// the root reads for the header.
func (v *overviewView) load() tea.Cmd { return nil }

func (v *overviewView) update(tea.Msg) tea.Cmd { return nil }

func (v *overviewView) pane(s int) *components.Details {
	if s == ovContract && !v.merged {
		return v.contractPane
	}
	return v.estPane
}

// focusable reports whether section s takes the keys: a pane whose content
// does not fit.
func (v *overviewView) focusable(s int) bool {
	r := v.rects[s]
	if r.W == 0 || r.H == 0 || s == ovContract && v.merged {
		return false
	}
	p := v.pane(s)
	return len(p.Lines(p.Inner())) > max(r.H-2, 0)
}

func (v *overviewView) setFocus(s int) {
	v.focus = s
	v.estPane.SetFocused(s == ovEstablishment || v.merged)
	v.contractPane.SetFocused(s == ovContract && !v.merged)
}

func (v *overviewView) cycle(d int) {
	for i := 1; i <= ovSections; i++ {
		s := ((v.focus+d*i)%ovSections + ovSections) % ovSections
		if v.focusable(s) {
			v.setFocus(s)
			return
		}
	}
}

func (v *overviewView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, v.keys.Next):
		v.cycle(1)
	case key.Matches(msg, v.keys.Prev):
		v.cycle(-1)
	default:
		v.pane(v.focus).HandleKey(msg)
	}
	return nil
}

func (v *overviewView) mouse(msg tea.Msg) {
	for s := range ovSections {
		if m, ok := components.Within(msg, v.rects[s]); ok {
			v.pane(s).Update(m)
			return
		}
	}
}

// setSize lays the panes out side by side (one pane below 60 columns), at
// their content's height.
func (v *overviewView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	v.rects = [ovSections]components.Rect{}
	v.merged = w < 60
	v.fillPanes()
	if w <= 0 || h <= 0 {
		return
	}
	if v.merged {
		topH := min(len(v.estPane.Lines(w-4))+2, h)
		v.rects[ovEstablishment] = components.Rect{W: w, H: topH}
		v.rects[ovContract] = v.rects[ovEstablishment]
	} else {
		left := w / 2
		topH := min(max(len(v.estPane.Lines(left-4)), len(v.contractPane.Lines(w-left-4)))+2, h)
		v.rects[ovEstablishment] = components.Rect{W: left, H: topH}
		v.rects[ovContract] = components.Rect{X: left, W: w - left, H: topH}
	}
	v.estPane.SetSize(v.rects[ovEstablishment].W, v.rects[ovEstablishment].H)
	v.contractPane.SetSize(v.rects[ovContract].W, v.rects[ovContract].H)
	if !v.focusable(v.focus) {
		v.cycle(1)
	}
	v.setFocus(v.focus)
}

// fillPanes writes the establishment and the contract into their panes,
// from the status the root keeps.
func (v *overviewView) fillPanes() {
	st := v.c.Status
	e := st.Establishment
	est := []components.Item{
		components.Heading(e.Name),
		components.Field("UAI", e.UAI),
		components.Field("N° d'hébergement", e.HostingNumber),
		components.Field("E-mail", backend.MaskEmail(e.Email)),
		components.Field("Téléphone", backend.MaskPhone(e.Phone)),
		components.Field("Client depuis le", fr.Date(e.CreatedAt)),
	}
	teachers := fr.Count(e.TeacherSeats)
	if e.TeacherSeats == 0 { // 0 is "illimité" in the contract (backend/auth.go)
		teachers = "illimitées"
	}
	invoice := "—"
	if e.Invoice != "" {
		invoice = "n° " + e.Invoice + " (la dernière)"
	}
	styles := v.c.Styles
	used, quota := st.UsedBytes, e.QuotaBytes
	contract := []components.Item{
		components.Field("Licences", "mode administratif : "+fr.Count(e.AdminSeats)+reservedNote(e.ReservedSeats)),
		components.Field("", "mode enseignant : "+teachers),
		components.Field("", "vie scolaire et Espaces : illimitées"),
		components.Drawn("Stockage", func(w int) string {
			return components.Gauge{Used: used, Total: quota, Text: fr.Size(used) + " / " + fr.Size(quota)}.View(styles, w)
		}),
		components.Field("Facture", invoice),
		components.Field("Version", st.Version),
	}
	if !v.c.Loaded {
		est = []components.Item{components.Text("Chargement…", components.ToneMuted)}
		contract = est
	}
	if v.merged {
		v.estPane.SetTitle("Établissement et contrat")
		v.estPane.SetItems(append(append(est, components.Blank()), contract...))
		return
	}
	v.estPane.SetTitle("Établissement")
	v.estPane.SetItems(est)
	v.contractPane.SetItems(contract)
}

// view draws the panes; the status may have changed since setSize, so the
// panes read it now.
func (v *overviewView) view() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	v.fillPanes()
	top := v.estPane.View()
	if !v.merged {
		top = lipgloss.JoinHorizontal(lipgloss.Top, top, v.contractPane.View())
	}
	return common.PadLines(top, v.w, v.h)
}

func (v *overviewView) shortHelp() []key.Binding {
	if !v.focusable(v.focus) {
		return nil
	}
	return []key.Binding{v.keys.Next, v.keys.Details.PageDown, v.keys.Details.PageUp}
}

func (v *overviewView) fullHelp() [][]key.Binding {
	return [][]key.Binding{{v.keys.Next, v.keys.Prev, v.keys.Details.PageDown, v.keys.Details.PageUp}}
}

func (v *overviewView) typing() bool { return false }

// reservedNote is the part of the administratif seats reserved for the
// groupe Administration, when there is one.
func reservedNote(r int) string {
	switch {
	case r == 1:
		return " (dont 1 réservée aux administrateurs)"
	case r > 1:
		return " (dont " + fr.Count(r) + " réservées aux administrateurs)"
	}
	return ""
}
