// Package account is the "Mon compte" tab: the establishment and its
// contract as the back end knows them (licences, storage, latest invoice,
// version), the enrolled SSH keys (SPR only) and the journal.
package account

import (
	"context"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// JournalLimit is how many of the latest journal entries the tab reads.
const JournalLimit = 200

// KeyMap is the tab's own keys: the sections, and those of the section in
// focus.
type KeyMap struct {
	Next, Prev key.Binding
	// Rename and Revoke act on the selected key (SPR only).
	Rename, Revoke key.Binding
	Table          components.TableKeyMap
	Details        components.DetailsKeyMap
}

// DefaultKeyMap is tab and maj+tab between the sections.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Next:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "section suivante")),
		Prev:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "section précédente")),
		Rename:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "renommer la clé")),
		Revoke:  key.NewBinding(key.WithKeys("delete", "d"), key.WithHelp("suppr/d", "révoquer la clé")),
		Table:   components.DefaultTableKeyMap(),
		Details: components.DefaultDetailsKeyMap(),
	}
}

// The sections of the tab, in the order tab visits them.
const (
	secEstablishment = iota
	secContract
	secKeys
	secJournal
	nSections
)

// loadedMsg is the answer of Load: the keys (SPR only) and the journal.
type loadedMsg struct {
	gen      int
	keys     []backend.Key
	keysErr  error
	journal  []backend.JournalEntry
	journErr error
}

// Tab is "Mon compte".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h  int
	focus int
	// want is the section the user put the focus on: focus follows it
	// again when a size that had no room for it (the full help open on
	// another tab) gives it back.
	want int
	// rects are the sections' places in the tab, set by SetSize; a zero
	// rectangle is a section not drawn at this size.
	rects [nSections]components.Rect
	// merged: one pane for the establishment and the contract (narrow).
	merged bool

	estPane, contractPane *components.Details
	keyTable, journal     *components.Table

	loads    common.Loads
	loaded   bool
	ownKey   string
	keysErr  error
	journErr error
	nKeys    int
	// keyData are the keys as read, by fingerprint (the rows' Key).
	keyData map[string]backend.Key
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap(), focus: secJournal}
	t.estPane = components.NewDetails(c.Styles, "Établissement")
	t.contractPane = components.NewDetails(c.Styles, "Contrat")
	t.keyTable = components.NewTable(c.Styles, []components.Column{
		{Title: "Nom", Min: 16, Flex: true},
		{Title: "Rôle", Min: 5, Max: 14, Priority: 1},
		{Title: "Empreinte", Min: 16, Max: 51, Priority: 2},
		{Title: "Ajoutée le", Min: 10, Max: 10, Priority: 4},
		{Title: "Utilisée le", Min: 16, Max: 16, Priority: 3},
		{Title: "État", Min: 17, Max: 17},
	})
	t.keyTable.SetEmpty("Chargement…")
	t.journal = components.NewTable(c.Styles, []components.Column{
		{Title: "Quand", Min: 16, Max: 16},
		{Title: "Qui", Min: 10, Max: 24},
		{Title: "Action", Min: 12, Max: 30, Priority: 2},
		{Title: "Détail", Min: 12, Flex: true},
		{Title: "Résultat", Min: 8, Max: 8, Priority: 1},
	})
	t.journal.SetEmpty("Chargement…")
	t.ownKey = c.Session.KeyFingerprint()
	t.want = secJournal
	t.setFocus(secJournal)
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "Mon compte" }

// Topics: the journal records every action, so every change is news here
// (the contract and the version with TopicAccount and TopicServer, the
// storage with TopicBases, the keys with TopicKeys) — except the comings
// and goings of the hosted server's clients, which are not journaled and
// arrive up to four times a second (the journaled actions on connections
// carry TopicAccount too).
func (t *Tab) Topics() backend.Topic { return backend.AllTopics &^ backend.TopicConnections }

// Permission is PermView: every role sees the account; the keys need
// PermKeys (SPR), checked section by section.
func (t *Tab) Permission() backend.Permission { return backend.PermView }

// Load reads the keys (when the role may) and the latest journal entries.
func (t *Tab) Load() tea.Cmd {
	gen, sess := t.loads.Next(), t.c.Session
	canKeys, canJournal := sess.Can(backend.PermKeys), sess.Can(backend.PermJournal)
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		m := loadedMsg{gen: gen}
		if canKeys {
			m.keys, m.keysErr = sess.Keys(ctx)
		}
		if canJournal {
			m.journal, m.journErr = sess.Journal(ctx, backend.JournalQuery{Limit: JournalLimit})
		}
		return m
	}
}

// Update handles the tab's answer, its keys and the mouse.
func (t *Tab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg:
		if !t.loads.Fresh(msg.gen) {
			return nil
		}
		t.setData(msg)
	case keyDoneMsg:
		if msg.err != nil {
			t.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else {
			t.c.SetStatus(msg.ok, common.StatusOK)
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		for s := range nSections {
			if m, ok := components.Within(msg, t.rects[s]); ok {
				if _, click := msg.(tea.MouseClickMsg); click && t.focusable(s) {
					t.setFocus(s)
					t.want = s
				}
				t.mouse(s, m)
				break
			}
		}
	}
	return nil
}

func (t *Tab) mouse(s int, m tea.Msg) {
	inner := components.FrameInner(t.rects[s].W, t.rects[s].H)
	switch s {
	case secKeys, secJournal:
		if m, ok := components.Within(m, inner); ok {
			t.table(s).Update(m)
		}
	default:
		t.pane(s).Update(m)
	}
}

func (t *Tab) setData(m loadedMsg) {
	t.loaded = true
	t.keysErr, t.journErr = m.keysErr, m.journErr
	t.nKeys = len(m.keys)
	t.keyData = make(map[string]backend.Key, len(m.keys))
	for _, k := range m.keys {
		t.keyData[k.Fingerprint] = k
	}
	t.keyTable.SetRows(t.keyRows(m.keys))
	switch {
	case m.keysErr != nil:
		t.keyTable.SetEmpty(backend.Message(m.keysErr))
	default:
		t.keyTable.SetEmpty("Aucune clé SSH enregistrée.")
	}
	t.journal.SetRows(journalRows(m.journal))
	switch {
	case m.journErr != nil:
		t.journal.SetEmpty(backend.Message(m.journErr))
	default:
		t.journal.SetEmpty("Le journal est vide.")
	}
}

// keyRows are the keys as rows: the session's own key marked ●, revoked
// ones ✕ and muted.
func (t *Tab) keyRows(keys []backend.Key) []components.Row {
	rows := make([]components.Row, len(keys))
	for i, k := range keys {
		state, mark, tone := "active", "", components.ToneNormal
		switch {
		case !k.RevokedAt.IsZero():
			state, mark, tone = "révoquée "+fr.ShortDate(k.RevokedAt), "✕", components.ToneMuted
		case k.Fingerprint == t.ownKey && t.ownKey != "":
			state, mark = "cette session", "●"
		}
		used := "jamais"
		if !k.LastUsedAt.IsZero() {
			used = fr.DateTime(k.LastUsedAt)
		}
		rows[i] = components.Row{
			Key:   k.Fingerprint,
			Cells: []string{k.Name, k.Role.String(), k.Fingerprint, fr.Date(k.AddedAt), used, state},
			Sort:  []string{"", "", "", sortTime(k.AddedAt), sortTime(k.LastUsedAt), ""},
			Mark:  mark,
			Tone:  tone,
		}
	}
	return rows
}

func journalRows(entries []backend.JournalEntry) []components.Row {
	rows := make([]components.Row, len(entries))
	for i, e := range entries {
		result, mark, tone := "réussi", "", components.ToneNormal
		if !e.OK {
			result, mark, tone = "échec", "✕", components.ToneDanger
		}
		rows[i] = components.Row{
			Key:   strconv.FormatInt(e.ID, 10),
			Cells: []string{fr.DateTime(e.At), e.Actor, backend.ActionLabel(e.Action), e.Detail, result},
			Sort:  []string{sortTime(e.At) + strconv.FormatInt(e.ID, 10)},
			Mark:  mark,
			Tone:  tone,
		}
	}
	return rows
}

func sortTime(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000")
}

func (t *Tab) table(s int) *components.Table {
	if s == secKeys {
		return t.keyTable
	}
	return t.journal
}

func (t *Tab) pane(s int) *components.Details {
	if s == secContract && !t.merged {
		return t.contractPane
	}
	return t.estPane
}

// focusable reports whether section s takes the keys: a table shown, or a
// pane whose content does not fit.
func (t *Tab) focusable(s int) bool {
	r := t.rects[s]
	if r.W == 0 || r.H == 0 {
		return false
	}
	switch s {
	case secKeys:
		return t.c.Session.Can(backend.PermKeys)
	case secJournal:
		return t.c.Session.Can(backend.PermJournal)
	case secContract:
		if t.merged { // one pane, visited as the establishment's
			return false
		}
	}
	p := t.pane(s)
	return len(p.Lines(p.Inner())) > max(r.H-2, 0)
}

func (t *Tab) setFocus(s int) {
	t.focus = s
	t.keyTable.SetFocused(s == secKeys)
	t.journal.SetFocused(s == secJournal)
	t.estPane.SetFocused(s == secEstablishment || (t.merged && s == secContract))
	t.contractPane.SetFocused(s == secContract && !t.merged)
}

// cycle moves the focus to the next (d = 1) or previous (-1) section that
// takes keys.
func (t *Tab) cycle(d int) {
	for i := 1; i <= nSections; i++ {
		s := ((t.focus+d*i)%nSections + nSections) % nSections
		if t.focusable(s) {
			t.setFocus(s)
			return
		}
	}
}

func (t *Tab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, t.keys.Next):
		t.cycle(1)
		t.want = t.focus
		return nil
	case key.Matches(msg, t.keys.Prev):
		t.cycle(-1)
		t.want = t.focus
		return nil
	}
	if !t.focusable(t.focus) {
		t.cycle(1)
	}
	switch t.focus {
	case secKeys:
		// focusable: the keys section takes keys only when the role may
		// act on them (PermKeys).
		switch {
		case key.Matches(msg, t.keys.Rename):
			return t.rename()
		case key.Matches(msg, t.keys.Revoke):
			return t.revoke()
		}
		t.keyTable.HandleKey(msg)
	case secJournal:
		t.journal.HandleKey(msg)
	default:
		t.pane(t.focus).HandleKey(msg)
	}
	return nil
}

// keyActions reports whether the keys section has the focus and the role
// may act on keys: the help shows the actions only then.
func (t *Tab) keyActions() bool {
	return t.focus == secKeys && t.c.Session.Can(backend.PermKeys)
}

// SetSize lays the sections out: the establishment and the contract side
// by side (one pane below 60 columns), the keys under them, the journal in
// the rest.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.rects = [nSections]components.Rect{}
	t.merged = w < 60
	t.fillPanes()
	if w <= 0 || h <= 0 {
		return
	}
	// The panes at the top take their content's height, but no more than
	// what leaves the keys and the journal four lines each (then they
	// scroll, or the journal goes first on a very short screen).
	var topH int
	if t.merged {
		topH = len(t.estPane.Lines(w-4)) + 2
	} else {
		left := w / 2
		topH = max(len(t.estPane.Lines(left-4)), len(t.contractPane.Lines(w-left-4))) + 2
	}
	keysH := 4
	if t.c.Session.Can(backend.PermKeys) {
		keysH = min(max(t.nKeys, 1), 5) + 3
	}
	topH = max(min(topH, h-keysH-4), min(h, 6))
	rest := h - topH
	keysH = min(keysH, rest)
	journalH := rest - keysH
	if journalH < 4 { // no room for a journal worth the name: the keys take it
		keysH, journalH = rest, 0
	}
	if t.merged {
		t.rects[secEstablishment] = components.Rect{W: w, H: topH}
		t.rects[secContract] = t.rects[secEstablishment]
	} else {
		left := w / 2
		t.rects[secEstablishment] = components.Rect{W: left, H: topH}
		t.rects[secContract] = components.Rect{X: left, W: w - left, H: topH}
	}
	t.rects[secKeys] = components.Rect{Y: topH, W: w, H: keysH}
	t.rects[secJournal] = components.Rect{Y: topH + keysH, W: w, H: journalH}
	t.estPane.SetSize(t.rects[secEstablishment].W, topH)
	t.contractPane.SetSize(t.rects[secContract].W, topH)
	for _, s := range []int{secKeys, secJournal} {
		in := components.FrameInner(t.rects[s].W, t.rects[s].H)
		t.table(s).SetSize(in.W, in.H)
	}
	t.focus = t.want
	if !t.focusable(t.focus) {
		t.cycle(1)
	}
	t.setFocus(t.focus)
}

// fillPanes writes the establishment and the contract into their panes,
// from the status the root keeps.
func (t *Tab) fillPanes() {
	st := t.c.Status
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
	styles := t.c.Styles
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
	if !t.c.Loaded {
		est = []components.Item{components.Text("Chargement…", components.ToneMuted)}
		contract = est
	}
	if t.merged {
		t.estPane.SetTitle("Établissement et contrat")
		t.estPane.SetItems(append(append(est, components.Blank()), contract...))
		return
	}
	t.estPane.SetTitle("Établissement")
	t.estPane.SetItems(est)
	t.contractPane.SetItems(contract)
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	// The status may have changed since SetSize: the panes read it now.
	t.fillPanes()
	var parts []string
	top := t.estPane.View()
	if !t.merged {
		top = lipgloss.JoinHorizontal(lipgloss.Top, top, t.contractPane.View())
	}
	parts = append(parts, top)
	if r := t.rects[secKeys]; r.H > 0 {
		parts = append(parts, t.keysView(r))
	}
	if r := t.rects[secJournal]; r.H > 0 {
		parts = append(parts, t.sectionView(secJournal, "Journal", backend.PermJournal, r))
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}

func (t *Tab) keysView(r components.Rect) string {
	return t.sectionView(secKeys, "Clés SSH", backend.PermKeys, r)
}

// sectionView draws a table in its frame, or the line that says who may
// see it.
func (t *Tab) sectionView(s int, title string, perm backend.Permission, r components.Rect) string {
	st := t.c.Styles
	if !t.c.Session.Can(perm) {
		var lines []string
		for _, l := range common.Wrap(perm.Who(), max(r.W-4, 1)) {
			lines = append(lines, st.Muted.Render(l))
		}
		return common.Box(st, title, lines, r.W, r.H, false)
	}
	tb := t.table(s)
	if t.loaded && tb.Len() > 0 {
		title += " (" + tb.Position() + ")"
	}
	return components.Frame(st, title, tb.View(), r.W, r.H, t.focus == s)
}

// ShortHelp is the keys of the section in focus, and tab.
func (t *Tab) ShortHelp() []key.Binding {
	out := []key.Binding{t.keys.Next}
	if t.keyActions() {
		out = append(out, t.keys.Rename, t.keys.Revoke)
	}
	switch t.focus {
	case secKeys, secJournal:
		out = append(out, t.table(t.focus).ShortHelp()...)
	default:
		out = append(out, t.keys.Details.PageDown, t.keys.Details.PageUp)
	}
	return out
}

// FullHelp is every key of the tab.
func (t *Tab) FullHelp() [][]key.Binding {
	k := t.keys
	tk := k.Table
	out := [][]key.Binding{
		{k.Next, k.Prev},
		{tk.Up, tk.Down, tk.Top, tk.Bottom},
		{tk.PageUp, tk.PageDown, tk.Sort, tk.Reverse},
	}
	if t.keyActions() {
		out = append(out, []key.Binding{k.Rename, k.Revoke})
	}
	return out
}

// Typing is false: the tab has no field.
func (t *Tab) Typing() bool { return false }

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
