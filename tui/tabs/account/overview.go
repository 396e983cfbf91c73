package account

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
	"github.com/hebergement/console/tui/dialogs"
)

// overviewKeys are the keys of the view "Compte".
type overviewKeys struct {
	Next, Prev key.Binding
	// Renew is "Renouveler mon contrat d'hébergement" (SPR); PreVersion
	// "Passer à la pré-version", offered from 6 to 20 July.
	Renew, PreVersion key.Binding
	Details           components.DetailsKeyMap
	Table             components.TableKeyMap
}

// The sections of the view "Compte", in the order tab visits them.
const (
	ovEstablishment = iota
	ovContract
	ovInvoices
	ovSections
)

// overviewView is "Compte": the establishment (from the status the root
// keeps), the contract and the version (Session.Account), and the invoices
// (Session.Invoices).
type overviewView struct {
	c    *common.Context
	keys overviewKeys

	w, h  int
	focus int
	// moved: the user moved the focus (tab, the mouse); until then it is
	// on the first section that takes keys, whatever loaded first.
	moved bool
	// rects are the sections' places in the view, set by setSize.
	rects [ovSections]components.Rect
	// merged: one pane for the establishment and the contract (narrow).
	merged bool

	estPane, contractPane *components.Details
	invoices              *components.Table

	loads   common.Loads
	loaded  bool
	acct    backend.Account
	invList []backend.Invoice
	loadErr error
}

// overviewLoadedMsg is the answer of the view's load.
type overviewLoadedMsg struct {
	gen      int
	acct     backend.Account
	invoices []backend.Invoice
	err      error
}

// renewedMsg is the outcome of "Renouveler mon contrat d'hébergement".
type renewedMsg struct {
	inv backend.Invoice
	err error
}

// preVersionMsg is the outcome of "Passer à la pré-version".
type preVersionMsg struct {
	next int
	err  error
}

func newOverviewView(c *common.Context) *overviewView {
	v := &overviewView{c: c, keys: overviewKeys{
		Next:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "section suivante")),
		Prev:       key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "section précédente")),
		Renew:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "renouveler mon contrat d'hébergement")),
		PreVersion: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "passer à la pré-version")),
		Details:    components.DefaultDetailsKeyMap(),
		Table:      components.DefaultTableKeyMap(),
	}}
	// The panes are Établissement and Contrat, not "Détails".
	v.keys.Details.PageDown.SetHelp("pg↓", "faire défiler")
	v.keys.Details.PageUp.SetHelp("pg↑", "remonter")
	v.estPane = components.NewDetails(c.Styles, "Établissement")
	v.contractPane = components.NewDetails(c.Styles, "Contrat")
	v.invoices = components.NewTable(c.Styles, []components.Column{
		{Title: "N°", Min: 10, Max: 10},
		{Title: "Type", Min: 9, Max: 9},
		{Title: "Date", Min: 10, Max: 10, Priority: 2},
		{Title: "Période", Min: 19, Max: 19, Priority: 3},
		{Title: "Total TTC", Min: 10, Max: 14, Right: true},
		{Title: "Fichier", Min: 31, Max: 31, Flex: true},
	})
	v.invoices.SetEmpty("Chargement…")
	v.setFocus(ovEstablishment)
	return v
}

func (v *overviewView) title() string { return "Compte" }

// load reads the account (contract, version) and the invoices; the
// establishment is the status the root reads for the header.
func (v *overviewView) load() tea.Cmd {
	sess := v.c.Session
	gen := v.loads.Next()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		a, err := sess.Account(ctx)
		if err != nil {
			return overviewLoadedMsg{gen: gen, err: err}
		}
		l, err := sess.Invoices(ctx)
		return overviewLoadedMsg{gen: gen, acct: a, invoices: l, err: err}
	}
}

func (v *overviewView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case overviewLoadedMsg:
		if !v.loads.Fresh(msg.gen) {
			return nil
		}
		v.loaded, v.loadErr = true, msg.err
		if msg.err == nil {
			v.acct, v.invList = msg.acct, msg.invoices
		}
		v.invoices.SetRows(invoiceRows(v.invList))
		if msg.err != nil {
			v.invoices.SetEmpty(backend.Message(msg.err))
		} else {
			v.invoices.SetEmpty("Aucune facture.")
		}
		v.setSize(v.w, v.h)
	case renewedMsg:
		if msg.err != nil {
			v.c.SetStatus(backend.Message(msg.err), common.StatusErr)
			return nil
		}
		v.c.SetStatus(fmt.Sprintf("Facture pro forma n° %s établie : à télécharger dans %s/%s.", msg.inv.Number, backend.InvoicesDir,
			msg.inv.FileName()), common.StatusOK)
		return v.c.Push(&proFormaDialog{c: v.c, inv: msg.inv})
	case preVersionMsg:
		if msg.err != nil {
			v.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else {
			v.c.SetStatus(fmt.Sprintf("PRONOTE %d : la bascule est faite.", msg.next), common.StatusOK)
		}
	}
	return nil
}

// invoiceRows are the invoices as rows, newest first as read.
func invoiceRows(l []backend.Invoice) []components.Row {
	rows := make([]components.Row, len(l))
	for i, inv := range l {
		tone := components.ToneNormal
		if inv.Kind == backend.KindProForma {
			tone = components.ToneMuted
		}
		rows[i] = components.Row{Key: inv.Number, Tone: tone,
			Cells: []string{inv.Number, inv.Kind.French(), fr.Date(inv.IssuedAt), invoicePeriod(inv), invoiceMoney(inv, inv.Total),
				backend.InvoicesDir + "/" + inv.FileName()}}
	}
	return rows
}

// invoicePeriod is an invoice's period, "—" when unknown.
func invoicePeriod(inv backend.Invoice) string {
	if inv.PeriodFrom.IsZero() {
		return "—"
	}
	return fr.ShortDate(inv.PeriodFrom) + " – " + fr.ShortDate(inv.PeriodTo)
}

// invoiceMoney is an amount of inv, "—" for an invoice drawn without
// amounts.
func invoiceMoney(inv backend.Invoice, cents int64) string {
	if !inv.Priced {
		return "—"
	}
	return fr.Euros(cents)
}

// renew is "Renouveler mon contrat d'hébergement": the pro-forma, shown in
// a dialog once drawn. For a role that may not, the status line says who
// may (the back end would refuse it too).
func (v *overviewView) renew() tea.Cmd {
	c := v.c
	if !c.Session.Can(backend.PermContract) {
		c.SetStatus(backend.Message(backend.ErrForbidden)+" "+backend.PermContract.Who(), common.StatusErr)
		return nil
	}
	sess := c.Session
	c.SetStatus("Établissement de la facture pro forma…", common.StatusInfo)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		inv, err := sess.RenewContract(ctx)
		return renewedMsg{inv: inv, err: err}
	}
}

// preVersion is "Passer à la pré-version", after a confirmation, from 6 to
// 20 July; outside, the status line says when (the back end's sentence).
func (v *overviewView) preVersion() tea.Cmd {
	c := v.c
	if !v.loaded || v.loadErr != nil {
		return nil
	}
	ver := v.acct.Version
	if !ver.CanRequest {
		c.SetStatus(backend.Message(&backend.PreVersionError{View: ver}), common.StatusErr)
		return nil
	}
	sess, next := c.Session, ver.Next
	body := []string{
		fmt.Sprintf("Passer dès maintenant à PRONOTE %d ? La base en service est sauvegardée, puis archivée pour son année scolaire ; "+
			"une nouvelle base vide de %d-%d est créée et mise en service.", next, next, next+1),
		fmt.Sprintf("Sinon, la bascule se fera automatiquement le %s à %s.", fr.Date(ver.SwitchAt), fr.Hour(ver.SwitchAt)),
	}
	return c.Push(dialogs.NewConfirm(c, "Passer à la pré-version", "Passer à PRONOTE "+fmt.Sprint(next), body, "Bascule vers la pré-version…",
		func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), 5*common.LoadTimeout)
			defer cancel()
			return preVersionMsg{next: next, err: sess.RequestPreVersion(ctx)}
		}))
}

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
	if s == ovInvoices {
		return v.invoices.Len() > 0
	}
	p := v.pane(s)
	return len(p.Lines(p.Inner())) > max(r.H-2, 0)
}

func (v *overviewView) setFocus(s int) {
	v.focus = s
	v.estPane.SetFocused(s == ovEstablishment || v.merged && s == ovContract)
	v.contractPane.SetFocused(s == ovContract && !v.merged)
	v.invoices.SetFocused(s == ovInvoices)
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
		v.moved = true
		v.cycle(1)
	case key.Matches(msg, v.keys.Prev):
		v.moved = true
		v.cycle(-1)
	case key.Matches(msg, v.keys.Renew):
		return v.renew()
	case key.Matches(msg, v.keys.PreVersion):
		return v.preVersion()
	case v.focus == ovInvoices:
		v.invoices.HandleKey(msg)
	default:
		v.pane(v.focus).HandleKey(msg)
	}
	return nil
}

func (v *overviewView) mouse(msg tea.Msg) {
	for s := range ovSections {
		if m, ok := components.Within(msg, v.rects[s]); ok {
			if s == ovInvoices {
				if m, ok := components.Within(m, components.FrameInner(v.rects[s].W, v.rects[s].H)); ok {
					v.invoices.Update(m)
				}
				return
			}
			v.pane(s).Update(m)
			return
		}
	}
}

// setSize lays the panes out side by side (one pane below 70 columns:
// two panes of 30 cut the labels), at their content's height, and the
// invoices below them in the rest (at least four lines: the panes scroll
// when the height is short).
func (v *overviewView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	v.rects = [ovSections]components.Rect{}
	v.merged = w < 70
	v.fillPanes()
	if w <= 0 || h <= 0 {
		return
	}
	tableMin := min(4+min(v.invoices.Len(), 2), h)
	if v.merged {
		topH := min(len(v.estPane.Lines(w-4))+2, max(h-tableMin, 3))
		v.rects[ovEstablishment] = components.Rect{W: w, H: topH}
		v.rects[ovContract] = v.rects[ovEstablishment]
	} else {
		left := w / 2
		topH := min(max(len(v.estPane.Lines(left-4)), len(v.contractPane.Lines(w-left-4)))+2, max(h-tableMin, 3))
		v.rects[ovEstablishment] = components.Rect{W: left, H: topH}
		v.rects[ovContract] = components.Rect{X: left, W: w - left, H: topH}
	}
	topH := v.rects[ovEstablishment].H
	if rest := h - topH; rest >= 3 {
		v.rects[ovInvoices] = components.Rect{Y: topH, W: w, H: rest}
	}
	v.estPane.SetSize(v.rects[ovEstablishment].W, v.rects[ovEstablishment].H)
	v.contractPane.SetSize(v.rects[ovContract].W, v.rects[ovContract].H)
	in := components.FrameInner(v.rects[ovInvoices].W, v.rects[ovInvoices].H)
	v.invoices.SetSize(in.W, in.H)
	if !v.moved {
		// The status, the account and the invoices arrive in any order,
		// and each may make a pane overflow: the first focusable section
		// is chosen again until the user moves.
		v.focus = ovSections - 1
		v.cycle(1)
	} else if !v.focusable(v.focus) {
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
	from, until := e.ContractFrom, e.ContractUntil
	// The warning itself is on the status line, right under the pane, on
	// every tab: here the period turns to the warning colour, which leaves
	// the pane's lines to the version.
	period := components.Field("Période", "du "+fr.Date(from)+" au "+fr.Date(until))
	if backend.ContractNotice(until, v.c.Now(), v.c.Session.Role()) != "" {
		period = period.WithTone(components.ToneWarning)
	}
	contract := []components.Item{period}
	// The version and its offer come before the licences: in July the
	// pre-version is what the school has to act on, and on a 80×24 screen
	// the pane shows only its first lines.
	contract = append(contract, components.Field("Version", st.Version))
	if v.loaded && v.loadErr == nil {
		ver := v.acct.Version
		if ver.CanRequest {
			contract = append(contract, components.Field("", fmt.Sprintf("Pré-version PRONOTE %d disponible jusqu'au %s — p : passer à la pré-version",
				ver.Next, fr.Date(ver.PreVersionUntil.Add(-time.Second)))).WithTone(components.ToneAccent))
		} else {
			contract = append(contract, components.Field("", fmt.Sprintf("Passage automatique à PRONOTE %d le %s à %s", ver.Next,
				fr.Date(ver.SwitchAt), fr.Hour(ver.SwitchAt))))
		}
	}
	contract = append(contract,
		components.Field("Licences", "mode administratif : "+fr.Count(e.AdminSeats)+reservedNote(e.ReservedSeats)),
		components.Field("", "mode enseignant : "+teachers),
		components.Field("", "vie scolaire et Espaces : illimitées"),
		components.Drawn("Stockage", func(w int) string {
			return components.Gauge{Used: used, Total: quota, Text: fr.Size(used) + " / " + fr.Size(quota)}.View(styles, w)
		}),
		components.Field("Facture", invoice),
	)
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
	if r := v.rects[ovInvoices]; r.H > 0 {
		title := "Factures"
		if v.invoices.Len() > 0 {
			title += " (" + v.invoices.Position() + ")"
		}
		top = lipgloss.JoinVertical(lipgloss.Left, top,
			components.Frame(v.c.Styles, title, v.invoices.View(), r.W, r.H, v.focus == ovInvoices))
	}
	return common.PadLines(top, v.w, v.h)
}

// actionKeys are the view's actions as the help shows them: n for every
// role (its help says who may, for the others), p during the pre-version
// window only.
func (v *overviewView) actionKeys() []key.Binding {
	renew := v.keys.Renew
	if !v.c.Session.Can(backend.PermContract) {
		renew = common.WithHelp(renew, "renouveler : "+strings.TrimSuffix(common.LowerFirst(backend.PermContract.Who()), "."))
	}
	out := []key.Binding{renew}
	if v.loaded && v.loadErr == nil && v.acct.Version.CanRequest {
		out = append(out, v.keys.PreVersion)
	}
	return out
}

func (v *overviewView) shortHelp() []key.Binding {
	out := v.actionKeys()
	if v.focusable(v.focus) {
		out = append(out, v.keys.Next)
		if v.focus == ovInvoices {
			return append(out, v.invoices.ShortHelp()...)
		}
		out = append(out, v.keys.Details.PageDown, v.keys.Details.PageUp)
	}
	return out
}

func (v *overviewView) fullHelp() [][]key.Binding {
	tk := v.keys.Table
	return [][]key.Binding{v.actionKeys(), {v.keys.Next, v.keys.Prev, v.keys.Details.PageDown, v.keys.Details.PageUp},
		{tk.Up, tk.Down, tk.Top, tk.Bottom}}
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

// proFormaDialog shows the pro-forma a renewal drew: its lines, totals and
// the file to download. entrée or échap closes it.
type proFormaDialog struct {
	c   *common.Context
	inv backend.Invoice
}

func (d *proFormaDialog) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, d.c.Keys.Confirm, d.c.Keys.Cancel) {
		d.c.Close(d)
	}
	return nil
}

func (d *proFormaDialog) View(maxW, maxH int) string {
	st := d.c.Styles
	inv := d.inv
	w := min(maxW, 76)
	inner := w - 4
	amount := 14
	lines := []string{
		st.Bold.Render(fmt.Sprintf("Facture pro forma n° %s du %s", inv.Number, fr.Date(inv.IssuedAt))),
		"Période : du " + fr.Date(inv.PeriodFrom) + " au " + fr.Date(inv.PeriodTo),
		"",
	}
	// A label too long for its column wraps (the school year ends it and
	// must show), the amount on its first line.
	row := func(label, value string) []string {
		parts := common.Wrap(label, max(inner-amount-1, 1))
		parts[0] += strings.Repeat(" ", max(inner-ansi.StringWidth(parts[0])-ansi.StringWidth(value), 1)) + value
		return parts
	}
	for _, l := range inv.Lines {
		lines = append(lines, row(common.Clean(l.Label), fr.Euros(l.Cents))...)
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  %s × %s HT", fr.Count(l.Quantity), fr.Euros(l.UnitCents))))
	}
	lines = append(lines, "")
	lines = append(lines, row("Total HT", invoiceMoney(inv, inv.TotalHT))...)
	lines = append(lines, row("TVA 20 %", invoiceMoney(inv, inv.VAT))...)
	lines = append(lines, st.Bold.Render(row("Total TTC", invoiceMoney(inv, inv.Total))[0]), "")
	// The file's name is not cut in two: on a line of its own when the
	// sentence does not hold it.
	file, where := backend.InvoicesDir+"/"+inv.FileName(), "À télécharger par sftp ou scp :"
	if ansi.StringWidth(where+" "+file) <= inner {
		lines = append(lines, where+" "+file)
	} else {
		lines = append(lines, common.Wrap(where, inner)...)
		lines = append(lines, common.Wrap(file, inner)...)
	}
	// On a short screen the blank lines give way, so that the dialog
	// covers less of the screen (the header and the status lines take 5).
	if len(lines)+2 > maxH-5 {
		kept := lines[:0:0]
		for _, l := range lines {
			if l != "" {
				kept = append(kept, l)
			}
		}
		lines = kept
	}
	h := min(len(lines)+2, maxH)
	return common.Box(st, "Renouveler mon contrat d'hébergement", lines, w, h, true)
}

func (d *proFormaDialog) ShortHelp() []key.Binding {
	return []key.Binding{common.WithHelp(d.c.Keys.Confirm, "fermer")}
}

func (d *proFormaDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
