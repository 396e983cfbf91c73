package account

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// The journal view reads, for the period and the kind chosen, the newest
// JournalCap entries from the back end (the store selects them through its
// index: a period or a kind is a new query, not a filter over everything
// read); the text filters what was read, in memory, as it is typed, on the
// entries' folded texts (backend.JournalHaystack) computed once a load.
// A year of a busy establishment is some 10,000 entries: the cap keeps a
// whole journal within reach while bounding what a console holds.

// JournalCap is how many of the newest entries of the period and kind the
// view reads.
const JournalCap = 50_000

// journalFilterLimit is the longest text the filter field takes.
const journalFilterLimit = 60

// periods are the periods p cycles through, "Tout" first.
var periods = []struct {
	name  string
	since func(now time.Time) time.Time
}{
	{"Tout", func(time.Time) time.Time { return time.Time{} }},
	{"7 derniers jours", func(now time.Time) time.Time { return now.AddDate(0, 0, -7) }},
	{"30 derniers jours", func(now time.Time) time.Time { return now.AddDate(0, 0, -30) }},
	{"12 derniers mois", func(now time.Time) time.Time { return now.AddDate(-1, 0, 0) }},
}

// journalKeys are the view's own keys.
type journalKeys struct {
	Filter, ClearFilter, Apply, Kind, Period, Open key.Binding
	Table                                          components.TableKeyMap
}

func defaultJournalKeys() journalKeys {
	t := components.DefaultTableKeyMap()
	// k cycles the kind: the list moves with ↑ and j.
	t.Up = key.NewBinding(key.WithKeys("up"), key.WithHelp("↑", "monter"))
	return journalKeys{
		Filter:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filtrer")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("échap", "effacer le filtre")),
		Apply:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "garder le filtre")),
		Kind:        key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "type")),
		Period:      key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "période")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "détails")),
		Table:       t,
	}
}

// journalLoadedMsg is the answer of the view's load.
type journalLoadedMsg struct {
	gen     int
	entries []backend.JournalEntry
	err     error
}

// journalView is "Journal": who did what, when, from where, with what
// outcome.
type journalView struct {
	c      *common.Context
	keys   journalKeys
	w, h   int
	table  *components.Table
	loads  common.Loads
	loaded bool
	err    error

	period int
	kind   backend.JournalKind

	filter  textinput.Model
	editing bool

	entries []backend.JournalEntry
	// rows are the entries as rows, built once a load.
	rows []components.Row
	// haystacks are the entries' folded texts, built when a filter is first
	// typed after a load.
	haystacks []string
	// byKey finds an entry from its row's Key (its id).
	byKey map[string]int
}

func newJournalView(c *common.Context) *journalView {
	v := &journalView{c: c, keys: defaultJournalKeys()}
	v.table = components.NewTable(c.Styles, []components.Column{
		{Title: "Quand", Min: 16, Max: 16},
		{Title: "Qui", Min: 10, Max: 24},
		{Title: "Action", Min: 12, Max: 34},
		{Title: "Détail", Min: 12, Flex: true, Priority: 2},
		{Title: "Adresse", Min: 9, Max: 39, Priority: 3},
		{Title: "Résultat", Min: 8, Max: 8, Priority: 1},
	})
	v.table.SetKeyMap(v.keys.Table)
	v.table.SetEmpty("Chargement…")
	v.table.SetFocused(true)
	in := textinput.New()
	in.Prompt = "Filtre : "
	in.Placeholder = "qui, action, détail ou adresse"
	in.CharLimit = journalFilterLimit
	in.KeyMap.Paste.SetEnabled(false)
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.SetStyles(c.Styles.Input)
	v.filter = in
	return v
}

func (v *journalView) title() string { return "Journal" }

func (v *journalView) now() time.Time {
	if v.c.Now != nil {
		return v.c.Now()
	}
	return time.Now()
}

// load reads the newest entries of the period and kind, when the role may.
func (v *journalView) load() tea.Cmd {
	sess := v.c.Session
	if !sess.Can(backend.PermJournal) {
		return nil
	}
	gen := v.loads.Next()
	q := backend.JournalQuery{Since: periods[v.period].since(v.now()), Kind: v.kind, Limit: JournalCap}
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		entries, err := sess.Journal(ctx, q)
		return journalLoadedMsg{gen: gen, entries: entries, err: err}
	}
}

func (v *journalView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case journalLoadedMsg:
		if !v.loads.Fresh(msg.gen) {
			return nil
		}
		v.loaded, v.err = true, msg.err
		v.entries, v.haystacks = msg.entries, nil
		if msg.err != nil {
			v.entries = nil
		}
		v.byKey = make(map[string]int, len(v.entries))
		v.rows = make([]components.Row, len(v.entries))
		for i, e := range v.entries {
			v.rows[i] = journalRow(e)
			v.byKey[v.rows[i].Key] = i
		}
		v.refilter()
	case tea.BackgroundColorMsg: // the root has rebuilt the styles
		v.filter.SetStyles(v.c.Styles.Input)
	case tea.PasteMsg:
		if v.editing {
			cmd := common.Paste(&v.filter, msg)
			v.refilter()
			return cmd
		}
	}
	return nil
}

// refilter shows the entries read that the text keeps.
func (v *journalView) refilter() {
	q := backend.FoldJournalText(v.filter.Value())
	if q != "" && len(v.haystacks) != len(v.entries) {
		v.haystacks = make([]string, len(v.entries))
		for i, e := range v.entries {
			v.haystacks[i] = backend.JournalHaystack(e)
		}
	}
	rows := v.rows
	if q != "" {
		rows = make([]components.Row, 0, len(v.entries))
		for i := range v.entries {
			if strings.Contains(v.haystacks[i], q) {
				rows = append(rows, v.rows[i])
			}
		}
	}
	v.table.SetRows(rows)
	v.table.SetEmpty(v.emptyLine())
}

func (v *journalView) filtered() bool {
	return v.period != 0 || v.kind != backend.JournalAll || backend.FoldJournalText(v.filter.Value()) != ""
}

func (v *journalView) emptyLine() string {
	switch {
	case !v.loaded:
		return "Chargement…"
	case v.err != nil:
		return backend.Message(v.err)
	case v.filtered():
		return "Aucune entrée ne correspond aux filtres."
	}
	return "Le journal est vide."
}

func journalRow(e backend.JournalEntry) components.Row {
	result, mark, tone := "réussi", "", components.ToneNormal
	if !e.OK {
		result, mark, tone = "échec", "✕", components.ToneDanger
	}
	addr := e.Addr
	if addr == "" {
		addr = "—"
	}
	id := strconv.FormatInt(e.ID, 10)
	return components.Row{
		Key:   id,
		Cells: []string{fr.DateTime(e.At), e.Actor, backend.ActionLabel(e.Action), e.Detail, addr, result},
		Sort:  []string{sortTime(e.At) + id},
		Mark:  mark,
		Tone:  tone,
	}
}

func (v *journalView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if !v.c.Session.Can(backend.PermJournal) {
		return nil
	}
	k := v.keys
	if v.editing {
		switch {
		case key.Matches(msg, k.ClearFilter):
			v.clearFilter()
		case key.Matches(msg, k.Apply):
			v.editing = false
			v.filter.Blur()
		case msg.String() == "up" || msg.String() == "down" || msg.String() == "pgup" || msg.String() == "pgdown":
			v.table.HandleKey(msg)
		default:
			before := v.filter.Value()
			cmd := common.TypeKey(&v.filter, msg)
			if v.filter.Value() != before {
				v.refilter()
			}
			return cmd
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Filter):
		v.editing = true
		return v.filter.Focus()
	case key.Matches(msg, k.ClearFilter) && v.filter.Value() != "":
		v.clearFilter()
		return nil
	case key.Matches(msg, k.Kind):
		v.kind = (v.kind + 1) % (backend.JournalOther + 1)
		return v.reload()
	case key.Matches(msg, k.Period):
		v.period = (v.period + 1) % len(periods)
		return v.reload()
	case key.Matches(msg, k.Open):
		return v.open()
	}
	v.table.HandleKey(msg)
	return nil
}

// reload reads again for a new period or kind; the rows shown stay until
// the answer, which the empty line tells.
func (v *journalView) reload() tea.Cmd {
	return v.load()
}

func (v *journalView) clearFilter() {
	v.editing = false
	v.filter.Blur()
	v.filter.SetValue("")
	v.refilter()
}

// open shows the selected entry whole in a dialog.
func (v *journalView) open() tea.Cmd {
	r, ok := v.table.Selected()
	if !ok {
		return nil
	}
	i, ok := v.byKey[r.Key]
	if !ok {
		return nil
	}
	return v.c.Push(&entryDialog{c: v.c, e: v.entries[i]})
}

func (v *journalView) mouse(msg tea.Msg) {
	in := components.FrameInner(v.w, v.h)
	in.Y++ // the filter line
	in.H = max(in.H-1, 0)
	if m, ok := components.Within(msg, in); ok {
		v.table.Update(m)
	}
}

func (v *journalView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	in := components.FrameInner(v.w, v.h)
	v.table.SetSize(in.W, max(in.H-1, 0))
	v.filter.SetWidth(max(in.W-1-len([]rune(v.filter.Prompt))-1, 1))
}

// filterLine is the line above the table: the text field while it is typed
// or holds a filter, then the period and the kind.
func (v *journalView) filterLine(w int) string {
	st := v.c.Styles
	choices := st.Muted.Render("p période : ") + periods[v.period].name + st.Muted.Render(" · k type : ") + v.kind.French()
	if !v.editing && v.filter.Value() == "" {
		return common.Fit(" "+choices+st.Muted.Render(" · / filtrer"), w)
	}
	return common.Fit(" "+v.filter.View(), w)
}

func (v *journalView) view() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	st := v.c.Styles
	title := "Journal"
	if !v.c.Session.Can(backend.PermJournal) {
		return common.Box(st, title, whoLines(st, backend.PermJournal, v.w), v.w, v.h, false)
	}
	if v.loaded && v.err == nil {
		if v.table.Len() > 0 {
			title += " (" + v.table.Position() + ")"
		}
		title += " · " + v.countText()
	}
	// The filter line shows the text then: the title keeps the period
	// and the kind, when they are set.
	if v.editing || v.filter.Value() != "" {
		if v.period != 0 {
			title += " · " + periods[v.period].name
		}
		if v.kind != backend.JournalAll {
			title += " · " + v.kind.French()
		}
	}
	in := components.FrameInner(v.w, v.h)
	body := v.filterLine(in.W) + "\n" + v.table.View()
	return components.Frame(st, title, body, v.w, v.h, true)
}

// countText is "N entrées", or "N sur M" when the text keeps some of the
// entries read; the cap is said when reached.
func (v *journalView) countText() string {
	n, m := v.table.Len(), len(v.entries)
	var s string
	switch {
	case n != m:
		s = fr.Count(n) + " sur " + fr.Count(m)
	case m <= 1:
		s = fr.Count(m) + " entrée"
	default:
		s = fr.Count(m) + " entrées"
	}
	if m >= JournalCap {
		s += " (les plus récentes)"
	}
	return s
}

func (v *journalView) shortHelp() []key.Binding {
	if !v.c.Session.Can(backend.PermJournal) {
		return nil
	}
	k := v.keys
	if v.editing {
		return []key.Binding{k.Apply, k.ClearFilter, key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "liste"))}
	}
	out := []key.Binding{k.Filter}
	if v.filter.Value() != "" {
		out = append(out, k.ClearFilter)
	}
	return append(out, k.Kind, k.Period, k.Open, k.Table.Up, k.Table.Down)
}

func (v *journalView) fullHelp() [][]key.Binding {
	if !v.c.Session.Can(backend.PermJournal) {
		return nil
	}
	k := v.keys
	// entrée keeps the filter only while it is typed; otherwise it opens
	// the entry, and the help says only that.
	filterKeys := []key.Binding{k.Filter, k.ClearFilter}
	if v.editing {
		filterKeys = []key.Binding{k.Filter, k.Apply, k.ClearFilter}
	}
	return [][]key.Binding{
		filterKeys,
		{k.Kind, k.Period, k.Open},
		{k.Table.Up, k.Table.Down, k.Table.Top, k.Table.Bottom},
		{k.Table.PageUp, k.Table.PageDown, k.Table.Sort, k.Table.Reverse},
	}
}

func (v *journalView) typing() bool { return v.editing }

// entryDialog shows one journal entry whole; long details wrap.
type entryDialog struct {
	c *common.Context
	e backend.JournalEntry
}

func (d *entryDialog) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		if key.Matches(msg, d.c.Keys.Cancel, d.c.Keys.Confirm) || msg.String() == "q" {
			d.c.Close(d)
		}
	}
	return nil
}

func (d *entryDialog) View(maxW, maxH int) string {
	st := d.c.Styles
	w := min(maxW, 72)
	inner := max(w-4, 1)
	e := d.e
	result := "réussi"
	if !e.OK {
		result = "échec"
	}
	addr := common.Clean(e.Addr)
	if addr == "" {
		addr = "—"
	}
	detail := common.Clean(e.Detail)
	if detail == "" {
		detail = "—"
	}
	fields := [][2]string{
		{"Quand", fr.DateTime(e.At)},
		{"Qui", common.Clean(e.Actor)},
		{"Action", common.Clean(backend.ActionLabel(e.Action))},
		{"Type", e.Kind().French()},
		{"Adresse", addr},
		{"Résultat", result},
		{"Détail", detail},
	}
	const label = 10
	var lines []string
	for _, f := range fields {
		head := st.Muted.Render(f[0] + strings.Repeat(" ", label-len([]rune(f[0]))))
		for i, l := range common.Wrap(f[1], max(inner-label, 1)) {
			if i > 0 {
				head = strings.Repeat(" ", label)
			}
			lines = append(lines, head+l)
		}
	}
	lines = append(lines, "", st.Muted.Render("échap ou entrée pour fermer"))
	if len(lines)+2 > maxH && maxH > 3 {
		lines = append(lines[:maxH-3], "…")
	}
	h := min(len(lines)+2, maxH)
	return common.Box(st, "Entrée du journal", lines, w, h, true)
}

func (d *entryDialog) ShortHelp() []key.Binding {
	return []key.Binding{common.WithHelp(d.c.Keys.Cancel, "fermer")}
}

func (d *entryDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
