package account

import (
	"context"
	"strconv"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// JournalLimit is how many of the latest journal entries the view reads.
const JournalLimit = 200

// journalLoadedMsg is the answer of the view's load.
type journalLoadedMsg struct {
	gen     int
	entries []backend.JournalEntry
	err     error
}

// journalView is "Journal": who did what and when.
type journalView struct {
	c      *common.Context
	keys   components.TableKeyMap
	w, h   int
	table  *components.Table
	loads  common.Loads
	loaded bool
}

func newJournalView(c *common.Context) *journalView {
	v := &journalView{c: c, keys: components.DefaultTableKeyMap()}
	v.table = components.NewTable(c.Styles, []components.Column{
		{Title: "Quand", Min: 16, Max: 16},
		{Title: "Qui", Min: 10, Max: 24},
		{Title: "Action", Min: 12, Max: 30, Priority: 2},
		{Title: "Détail", Min: 12, Flex: true},
		{Title: "Résultat", Min: 8, Max: 8, Priority: 1},
	})
	v.table.SetEmpty("Chargement…")
	v.table.SetFocused(true)
	return v
}

func (v *journalView) title() string { return "Journal" }

// load reads the latest entries, when the role may.
func (v *journalView) load() tea.Cmd {
	sess := v.c.Session
	if !sess.Can(backend.PermJournal) {
		return nil
	}
	gen := v.loads.Next()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		entries, err := sess.Journal(ctx, backend.JournalQuery{Limit: JournalLimit})
		return journalLoadedMsg{gen: gen, entries: entries, err: err}
	}
}

func (v *journalView) update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(journalLoadedMsg); ok && v.loads.Fresh(msg.gen) {
		v.loaded = true
		v.table.SetRows(journalRows(msg.entries))
		if msg.err != nil {
			v.table.SetEmpty(backend.Message(msg.err))
		} else {
			v.table.SetEmpty("Le journal est vide.")
		}
	}
	return nil
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

func (v *journalView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if v.c.Session.Can(backend.PermJournal) {
		v.table.HandleKey(msg)
	}
	return nil
}

func (v *journalView) mouse(msg tea.Msg) {
	if m, ok := components.Within(msg, components.FrameInner(v.w, v.h)); ok {
		v.table.Update(m)
	}
}

func (v *journalView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	in := components.FrameInner(v.w, v.h)
	v.table.SetSize(in.W, in.H)
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
	if v.loaded && v.table.Len() > 0 {
		title += " (" + v.table.Position() + ")"
	}
	return components.Frame(st, title, v.table.View(), v.w, v.h, true)
}

func (v *journalView) shortHelp() []key.Binding {
	if !v.c.Session.Can(backend.PermJournal) {
		return nil
	}
	return v.table.ShortHelp()
}

func (v *journalView) fullHelp() [][]key.Binding {
	if !v.c.Session.Can(backend.PermJournal) {
		return nil
	}
	return [][]key.Binding{
		{v.keys.Up, v.keys.Down, v.keys.Top, v.keys.Bottom},
		{v.keys.PageUp, v.keys.PageDown, v.keys.Sort, v.keys.Reverse},
	}
}

func (v *journalView) typing() bool { return false }
