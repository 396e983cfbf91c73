package bases

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// Focus stops of the "Créer une base" form, in order.
const (
	cfYear = iota
	cfStart
	cfEnd
	cfSlot
	cfDays
	cfSubmit
	cfCancel
	cfCount
)

// weekdays in the order of a French week, with their short names.
var weekdays = [7]struct {
	day  time.Weekday
	name string
}{
	{time.Monday, "lun"}, {time.Tuesday, "mar"}, {time.Wednesday, "mer"}, {time.Thursday, "jeu"},
	{time.Friday, "ven"}, {time.Saturday, "sam"}, {time.Sunday, "dim"},
}

// createDoneMsg is the outcome of "Créer une base", for the form that asked.
type createDoneMsg struct {
	id   int
	base backend.Base
	err  error
}

// createForm is "Créer une base": the school year and the timetable grid,
// prefilled with the back end's defaults.
//
// It is built on bubbles' text inputs rather than on charm.land/huh/v2:
// read against this form's needs, huh v2.0.3 (its sources) falls short on
// four of them, and the form's snapshots (testdata/TestSnapshotCreateForm*)
// are kept as they were:
//   - huh's Input runs its Validate when the field is left and keeps the
//     focus there until it passes (field_input.go, Update on Next/Submit),
//     and a group shows the errors of its own fields only. This form lets
//     the user go through every field and lists every error at once under
//     the buttons when entrée is pressed from any field, including the rules
//     that span fields and have no field of their own (the end after the
//     start, slots that divide the day, at least one day).
//   - A huh Form that submitted sets State to StateCompleted and an
//     unexported quitting flag: its Update ignores every message and its
//     View returns "" from then on (form.go, Update and View). When the
//     server runs, submitting opens the stop confirmation over the form, and
//     cancelling it must show the form again with what was typed (the
//     dialog stack); a completed huh form cannot be shown again.
//   - The days are seven toggles on one line; huh's MultiSelect draws one
//     option a line (field_multiselect.go, optionsView): seven lines and its
//     title, or a scrolling window that hides some days, and the form with
//     its errors would no longer fit the 23 lines a dialog has at 80×24.
//   - huh hands keys and pastes straight to its text inputs; every field of
//     the console takes them through common.TypeKey and common.Paste (no
//     bidi or zero-width character drawn, pastes cut to the field's room
//     before the text input works on them).
//
// Its themes would have been no obstacle (huh.ThemeFunc built from
// common.Styles, on light and dark).
type createForm struct {
	c         *common.Context
	id        int
	inputs    [cfDays]textinput.Model
	days      [7]bool
	dayCursor int
	focus     int
	errs      []string
	busy      bool
	// asking: the count of the users connected is being read for the
	// confirmation that stops the server.
	asking bool
}

var _ common.Dialog = (*createForm)(nil)

// openCreateForm opens the form prefilled with def, the back end's
// defaults (read in a command: the school year depends on its clock).
func (t *Tab) openCreateForm(def backend.CreateBaseRequest) tea.Cmd {
	if t.c.Dialog() != nil { // a form asked twice before the defaults came
		return nil
	}
	return t.c.Push(newCreateForm(t.c, def))
}

func newCreateForm(c *common.Context, def backend.CreateBaseRequest) *createForm {
	f := &createForm{c: c, id: c.NewID()}
	if def.Grid.Slot == 0 {
		def.Grid = hostfile.DefaultGrid()
	}
	values := [cfDays]string{def.Year.String(), frClock(def.Grid.Start), frClock(def.Grid.End), strconv.Itoa(def.Grid.Slot)}
	limits := [cfDays]int{9, 5, 5, 3}
	for i := range f.inputs {
		in := textinput.New()
		in.Prompt = ""
		in.CharLimit = limits[i] + 2
		in.KeyMap.Paste.SetEnabled(false)
		in.KeyMap.AcceptSuggestion.SetEnabled(false)
		in.KeyMap.NextSuggestion.SetEnabled(false)
		in.KeyMap.PrevSuggestion.SetEnabled(false)
		in.SetStyles(c.Styles.Input)
		in.SetWidth(limits[i] + 1)
		in.SetValue(values[i])
		f.inputs[i] = in
	}
	for i, wd := range weekdays {
		f.days[i] = slices.Contains(def.Grid.Days, wd.day)
	}
	f.setFocus(cfYear)
	return f
}

// slotAllowed asks hostfile's own rule whether a slot length is one the
// hosted server accepts (the list in the message above mirrors it).
func slotAllowed(slot int) bool {
	if slot <= 0 || slot > 24*60 {
		return false
	}
	return hostfile.Grid{Start: 0, End: slot, Slot: slot, Days: []time.Weekday{time.Monday}}.Validate() == nil
}

// frClock writes minutes from midnight the French way: "08h00".
func frClock(m int) string { return fmt.Sprintf("%02dh%02d", m/60, m%60) }

// parseClock reads "08h00", "8h", "8h30", "08:00" or "8".
func parseClock(s string) (int, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, ":", "h")
	hs, ms, found := strings.Cut(s, "h")
	if !found {
		ms = ""
	}
	if ms == "" {
		ms = "0"
	}
	h, err1 := strconv.Atoi(hs)
	m, err2 := strconv.Atoi(ms)
	if err1 != nil || err2 != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m > 0) || len(hs) > 2 || len(ms) > 2 {
		return 0, false
	}
	return h*60 + m, true
}

func (f *createForm) setFocus(i int) {
	f.focus = (i + cfCount) % cfCount
	for j := range f.inputs {
		if j == f.focus {
			f.inputs[j].Focus()
		} else {
			f.inputs[j].Blur()
		}
	}
}

// Update implements common.Dialog.
func (f *createForm) Update(msg tea.Msg) tea.Cmd {
	k := f.c.Keys
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg: // the root has rebuilt the styles
		for i := range f.inputs {
			f.inputs[i].SetStyles(f.c.Styles.Input)
		}
	case createDoneMsg:
		if msg.id != f.id {
			return nil
		}
		f.busy = false
		if msg.err != nil {
			f.errs = []string{backend.Message(msg.err)}
			return nil
		}
		f.c.Close(f)
		done := doneMsg{ok: created(msg.base), selectID: msg.base.ID}
		return func() tea.Msg { return done }
	case connectedMsg:
		if msg.form != f.id || !f.asking {
			return nil
		}
		f.asking = false
		if f.c.Dialog() != f { // closed, or covered, meanwhile
			return nil
		}
		return msg.ask(msg.n)
	case tea.PasteMsg:
		if f.focus < cfDays && !f.busy && !f.asking {
			return common.Paste(&f.inputs[f.focus], msg)
		}
	case tea.KeyPressMsg:
		if f.busy || f.asking {
			return nil
		}
		switch {
		case key.Matches(msg, k.Cancel):
			return f.cancel()
		case key.Matches(msg, k.NextField):
			f.setFocus(f.focus + 1)
			return nil
		case key.Matches(msg, k.PrevField):
			f.setFocus(f.focus - 1)
			return nil
		case key.Matches(msg, k.Confirm):
			if f.focus == cfCancel {
				return f.cancel()
			}
			return f.submit()
		}
		switch f.focus {
		case cfDays:
			switch {
			case key.Matches(msg, k.Left):
				f.dayCursor = (f.dayCursor + 6) % 7
			case key.Matches(msg, k.Right):
				f.dayCursor = (f.dayCursor + 1) % 7
			case key.Matches(msg, k.Toggle):
				f.days[f.dayCursor] = !f.days[f.dayCursor]
			}
			return nil
		case cfSubmit, cfCancel:
			if key.Matches(msg, k.Left, k.Right) {
				f.setFocus(cfSubmit + cfCancel - f.focus)
			}
			return nil
		}
		return common.TypeKey(&f.inputs[f.focus], msg)
	}
	return nil
}

func (f *createForm) cancel() tea.Cmd {
	f.c.SetStatus("Création annulée.", common.StatusInfo)
	f.c.Close(f)
	return nil
}

// created is the status line once base b is created.
func created(b backend.Base) string {
	return "La base « " + common.Clean(b.Name) + " » a été créée et ouverte. Appuyez sur s pour la mettre en service."
}

// request reads the form; errs are the French sentences shown under it.
func (f *createForm) request() (backend.CreateBaseRequest, []string) {
	var req backend.CreateBaseRequest
	var errs []string
	y, err := hostfile.ParseSchoolYear(f.inputs[cfYear].Value())
	if err != nil {
		errs = append(errs, backend.Message(err))
	}
	req.Year = y
	start, okS := parseClock(f.inputs[cfStart].Value())
	if !okS {
		errs = append(errs, "Début de journée invalide : écrivez une heure comme 08h00.")
	}
	end, okE := parseClock(f.inputs[cfEnd].Value())
	if !okE {
		errs = append(errs, "Fin de journée invalide : écrivez une heure comme 18h00.")
	}
	if okS && okE && end <= start {
		errs = append(errs, "La fin de journée ("+frClock(end)+") doit venir après le début ("+frClock(start)+").")
	}
	slot, err := strconv.Atoi(strings.TrimSpace(f.inputs[cfSlot].Value()))
	switch {
	case err != nil || !slotAllowed(slot):
		errs = append(errs, "Durée d'un créneau invalide : choisissez 15, 30, 45, 50, 55, 60, 90 ou 120 minutes.")
	case okS && okE && end > start && (end-start)%slot != 0:
		errs = append(errs, fmt.Sprintf("La journée de %s à %s ne se découpe pas en créneaux de %d minutes.", frClock(start), frClock(end), slot))
	}
	var days []time.Weekday
	for i, on := range f.days {
		if on {
			days = append(days, weekdays[i].day)
		}
	}
	if len(days) == 0 {
		errs = append(errs, "Cochez au moins un jour de cours.")
	}
	req.Grid = hostfile.Grid{Start: start, End: end, Slot: slot, Days: days}
	if len(errs) == 0 {
		if err := req.Grid.Validate(); err != nil {
			errs = append(errs, backend.Message(err))
		}
	}
	return req, errs
}

// submit creates the base, or asks first to stop the server: the
// confirmation, which says how many users it disconnects (read first, in
// a command), opens over the form, which shows again as it was left if the
// user says no.
func (f *createForm) submit() tea.Cmd {
	req, errs := f.request()
	f.errs = errs
	if len(errs) > 0 {
		return nil
	}
	c := f.c
	sess := c.Session
	if c.Status.State == backend.ServerRunning {
		f.asking = true
		return countThen(sess, f.id, func(n int) tea.Cmd {
			return c.Push(dialogs.NewConfirm(c, "Créer une base", "Arrêter et créer", []string{
				"Le serveur est en service : pour créer et ouvrir la nouvelle base " + req.Year.String() + ", il faut d'abord l'arrêter.",
				common.StopBody(n),
			}, "Arrêt du serveur et création de la base…", actionCmd(func(ctx context.Context) (string, int64, error) {
				stop := req
				stop.StopFirst = true
				b, err := sess.CreateBase(ctx, stop)
				return created(b), b.ID, err
			})).AlsoCloses(f))
		})
	}
	f.busy = true
	id := f.id
	return func() tea.Msg {
		b, err := sess.CreateBase(context.Background(), req)
		return createDoneMsg{id: id, base: b, err: err}
	}
}

// View implements common.Dialog.
func (f *createForm) View(maxW, maxH int) string {
	st := f.c.Styles
	w := min(maxW, 72)
	inner := w - 4
	labelW := 22
	// On a short window the explanations give way, so that the fields,
	// the buttons and the errors stay in sight: optional marks them.
	var lines []string
	var optional []bool
	add := func(opt bool, ls ...string) {
		for _, l := range ls {
			lines = append(lines, l)
			optional = append(optional, opt)
		}
	}
	for _, s := range common.Wrap("Une base vide est créée, puis ouverte.", inner) {
		add(true, st.Muted.Render(s))
	}
	add(true, "")
	labels := [cfDays]string{"Année scolaire", "Début de journée", "Fin de journée", "Durée d'un créneau"}
	units := [cfDays]string{"", "", "", " minutes"}
	for i := range f.inputs {
		add(false, f.label(i, labels[i], labelW)+f.inputs[i].View()+st.Muted.Render(units[i]))
		if i == cfYear {
			add(true, st.Bold.Render("  Grille horaire"))
		}
	}
	// Days as toggles.
	var days []string
	for i, wd := range weekdays {
		box := "[ ]"
		if f.days[i] {
			box = "[x]"
		}
		s := box + " " + wd.name
		if f.focus == cfDays && i == f.dayCursor {
			s = st.ButtonFocused.Render(s)
		}
		days = append(days, s)
	}
	dayLine := f.label(cfDays, "Jours", labelW) + strings.Join(days, " ")
	if ansi.StringWidth(dayLine) > inner {
		dayLine = f.label(cfDays, "Jours", 9) + strings.Join(days, " ")
	}
	if ansi.StringWidth(dayLine) > inner {
		add(false, f.label(cfDays, "Jours", labelW), "  "+strings.Join(days, " "))
	} else {
		add(false, dayLine)
	}
	add(true, "")
	for _, s := range common.Wrap("Vous pouvez laisser la grille horaire par défaut : elle sera réinitialisée avec les données d'EDT.", inner) {
		add(true, st.Muted.Render(s))
	}
	add(true, "")
	submit, cancel := st.Button, st.Button
	switch f.focus {
	case cfSubmit:
		submit = st.ButtonFocused
	case cfCancel:
		cancel = st.ButtonFocused
	}
	label := " Créer la base "
	if f.busy {
		label = " Création… "
	}
	add(false, "  "+submit.Render("["+label+"]")+"   "+cancel.Render("[ Annuler ]"))
	for _, e := range f.errs {
		for _, s := range common.Wrap(e, inner) {
			add(false, st.Error.Render(s))
		}
	}
	for i := len(lines) - 1; i >= 0 && len(lines)+2 > maxH; i-- {
		if optional[i] {
			lines = append(lines[:i], lines[i+1:]...)
		}
	}
	return common.Box(st, "Créer une base", lines, w, min(len(lines)+2, maxH), true)
}

func (f *createForm) label(i int, text string, w int) string {
	st := f.c.Styles
	if f.focus == i {
		return st.FocusFg.Render("▸ ") + st.Accent.Render(common.Fit(text, w-2))
	}
	return "  " + st.Label.Render(common.Fit(text, w-2))
}

// ShortHelp implements common.Dialog.
func (f *createForm) ShortHelp() []key.Binding {
	k := f.c.Keys
	b := []key.Binding{common.WithHelp(k.Confirm, "créer la base"), common.WithHelp(k.NextField, "champ suivant")}
	if f.focus == cfDays {
		b = append(b, common.WithHelp(k.Toggle, "cocher le jour"), key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "jour")))
	}
	return append(b, k.Cancel)
}

// FullHelp implements common.Dialog.
func (f *createForm) FullHelp() [][]key.Binding {
	k := f.c.Keys
	return [][]key.Binding{{common.WithHelp(k.Confirm, "créer la base"), k.Cancel}, {k.NextField, k.PrevField}, {k.Toggle, k.Left, k.Right}}
}
