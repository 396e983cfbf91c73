// Package backups is the "Sauvegardes" tab: the base in service, the
// backups, and the bases of each school year, the grid that "Gérer les
// bases des années précédentes" builds on.
//
// The back end makes no backup yet (neither the nightly one nor the
// manual one exist), so the backups table shows its empty state and
// nothing here says that backups run.
package backups

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// KeyMap is the tab's own keys: the years table, and pg↑/pg↓ for the
// details of the selected year (pages of the table when they are not shown).
type KeyMap struct {
	Table   components.TableKeyMap
	Details components.DetailsKeyMap
}

// DefaultKeyMap is the table and details keys of the console.
func DefaultKeyMap() KeyMap {
	return KeyMap{Table: components.DefaultTableKeyMap(), Details: components.DefaultDetailsKeyMap()}
}

// Year is one school year and its bases, a row of the years grid.
type Year struct {
	Year  hostfile.SchoolYear
	Bases []backend.Base
}

// Years groups bases by school year, most recent first, and adds current,
// the school year under way, when it has no base.
func Years(bases []backend.Base, current hostfile.SchoolYear) []Year {
	by := map[hostfile.SchoolYear][]backend.Base{}
	for _, b := range bases {
		by[b.Year] = append(by[b.Year], b)
	}
	if current != 0 && by[current] == nil {
		by[current] = []backend.Base{}
	}
	out := make([]Year, 0, len(by))
	for y, bs := range by {
		slices.SortFunc(bs, func(a, b backend.Base) int { return cmp.Compare(a.Name, b.Name) })
		out = append(out, Year{Year: y, Bases: bs})
	}
	slices.SortFunc(out, func(a, b Year) int { return cmp.Compare(b.Year, a.Year) })
	return out
}

// loadedMsg is the answer of Load.
type loadedMsg struct {
	gen     int
	bases   []backend.Base
	current hostfile.SchoolYear
	err     error
}

// Tab is "Sauvegardes".
type Tab struct {
	c    *common.Context
	keys KeyMap

	w, h int
	// wide: the details of the selected year beside the years.
	wide bool
	// the parts' places in the tab, set by SetSize
	inServiceRect, backupsRect, yearsRect, detailsRect components.Rect

	inService *components.Details
	backups   *components.Table
	years     *components.Table
	details   *components.Details

	loads  common.Loads
	loaded bool
	data   []Year
}

var _ common.Tab = (*Tab)(nil)

// New returns the tab for the session of c.
func New(c *common.Context) common.Tab {
	t := &Tab{c: c, keys: DefaultKeyMap()}
	t.inService = components.NewDetails(c.Styles, "Base en service")
	t.backups = components.NewTable(c.Styles, []components.Column{
		{Title: "Date", Min: 16, Max: 16},
		{Title: "Base", Min: 10, Flex: true},
		{Title: "Année", Min: 9, Max: 9, Priority: 2},
		{Title: "Taille", Min: 7, Max: 8, Right: true, Priority: 1},
	})
	t.backups.SetSelectable(false)
	t.backups.SetSortable(false)
	t.backups.SetEmpty("Aucune sauvegarde pour l'instant.")
	if !c.Session.Can(backend.PermBackups) {
		t.backups.SetEmpty(backend.PermBackups.Who())
	}
	t.years = components.NewTable(c.Styles, []components.Column{
		{Title: "Année", Min: 9, Max: 9},
		{Title: "Bases", Min: 5, Max: 5, Right: true},
		{Title: "Noms", Min: 12, Flex: true},
		{Title: "Taille", Min: 7, Max: 8, Right: true, Priority: 2},
		{Title: "Service", Min: 10, Max: 15, Priority: 1},
	})
	t.years.SetEmpty("Chargement…")
	t.details = components.NewDetails(c.Styles, "Année")
	return t
}

// Title is the tab's name in the bar.
func (t *Tab) Title() string { return "Sauvegardes" }

// Topics: the backups, the bases (the years grid) and the server (the base
// in service).
func (t *Tab) Topics() backend.Topic {
	return backend.TopicBackups | backend.TopicBases | backend.TopicServer
}

// Permission is what making, opening and downloading backups need.
func (t *Tab) Permission() backend.Permission { return backend.PermBackups }

// Load reads the bases, for the years grid, and the school year under way
// by the console's clock.
func (t *Tab) Load() tea.Cmd {
	gen, sess, now := t.loads.Next(), t.c.Session, t.c.Now
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		lists, err := sess.Bases(ctx)
		m := loadedMsg{gen: gen, err: err}
		if now != nil {
			m.current = hostfile.SchoolYear(backend.CurrentVersion(now()))
		}
		m.bases = append(append(m.bases, lists.PreviouslyInService...), lists.Uploaded...)
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
	case tea.KeyPressMsg:
		if t.wide && t.details.HandleKey(msg) {
			return nil
		}
		if t.paneScrolls() && t.inService.HandleKey(msg) {
			return nil
		}
		before := t.years.Cursor()
		t.years.HandleKey(msg)
		if t.years.Cursor() != before {
			t.details.Top()
		}
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		in := components.FrameInner(t.yearsRect.W, t.yearsRect.H)
		in.X += t.yearsRect.X
		in.Y += t.yearsRect.Y
		if m, ok := components.Within(msg, in); ok {
			before := t.years.Cursor()
			t.years.Update(m)
			if t.years.Cursor() != before {
				t.details.Top()
			}
		} else if m, ok := components.Within(msg, t.detailsRect); ok && t.wide {
			t.details.Update(m)
		} else if m, ok := components.Within(msg, t.inServiceRect); ok {
			t.inService.Update(m)
		}
	}
	return nil
}

func (t *Tab) setData(m loadedMsg) {
	t.loaded = true
	if m.err != nil {
		t.years.SetEmpty(backend.Message(m.err))
		return
	}
	t.data = Years(m.bases, m.current)
	rows := make([]components.Row, len(t.data))
	for i, y := range t.data {
		var names []string
		var size int64
		service, mark, tone := "—", "", components.ToneNormal
		for _, b := range y.Bases {
			names = append(names, b.Name)
			size += b.Size
			switch {
			case b.InService:
				service, mark, tone = "en service", "●", components.ToneOK
			case b.PreviouslyInService() && service == "—":
				service = "mise en service"
			}
		}
		list, total := strings.Join(names, ", "), fr.Size(size)
		if len(names) == 0 {
			list, total, tone = "aucune base", "—", components.ToneMuted
		}
		rows[i] = components.Row{
			Key:   y.Year.String(),
			Cells: []string{y.Year.String(), fr.Count(len(y.Bases)), list, total, service},
			Sort:  []string{"", fmt.Sprintf("%06d", len(y.Bases)), "", fmt.Sprintf("%020d", size), ""},
			Mark:  mark,
			Tone:  tone,
		}
	}
	t.years.SetRows(rows)
	t.years.SetEmpty("Aucune base : chargez-en une dans Autres bases.")
}

// selectedYear is the year under the cursor, nil when none.
func (t *Tab) selectedYear() *Year {
	r, ok := t.years.Selected()
	if !ok {
		return nil
	}
	for i := range t.data {
		if t.data[i].Year.String() == r.Key {
			return &t.data[i]
		}
	}
	return nil
}

// inServiceItems describe the base in service, from the status.
func (t *Tab) inServiceItems() []components.Item {
	st := t.c.Status
	if !t.c.Loaded {
		return []components.Item{components.Text("Chargement…", components.ToneMuted)}
	}
	b := st.InService
	if b == nil {
		items := []components.Item{components.Text("Aucune base n'est en service.", components.ToneMuted)}
		if st.Opened != nil {
			items = append(items, components.Field("Base ouverte", st.Opened.Name+" ("+st.Opened.Year.String()+")"))
		}
		return items
	}
	since := b.LastPeriod().From
	return []components.Item{
		components.Field("Nom", b.Name).WithTone(components.ToneBold),
		components.Field("Année", b.Year.String()),
		components.Field("Taille", fr.Size(b.Size)),
		components.Field("Depuis le", fr.DateTime(since)),
	}
}

// detailItems describe the bases of the selected year.
func (t *Tab) detailItems() []components.Item {
	y := t.selectedYear()
	if y == nil {
		msg := "Aucune année sélectionnée."
		if !t.loaded {
			msg = "Chargement…"
		}
		return []components.Item{components.Text(msg, components.ToneMuted)}
	}
	if len(y.Bases) == 0 {
		return []components.Item{components.Text("Aucune base de cette année scolaire n'est chargée.", components.ToneMuted)}
	}
	var items []components.Item
	for i, b := range y.Bases {
		if i > 0 {
			items = append(items, components.Blank())
		}
		items = append(items, components.Heading(b.Name))
		switch {
		case b.InService:
			items = append(items, components.Text("en service", components.ToneOK))
		case b.Opened:
			items = append(items, components.Text("ouverte", components.ToneAccent))
		}
		items = append(items, components.Field("Origine", b.Origin.French()), components.Field("Taille", fr.Size(b.Size)))
		if b.Origin == backend.OriginCreated {
			items = append(items, components.Field("Créée le", fr.DateTime(b.LoadedAt)))
		} else {
			items = append(items, components.Field("Chargée le", fr.DateTime(b.LoadedAt)))
		}
		if len(b.Periods) == 0 {
			items = append(items, components.Field("Service", "jamais mise en service"))
		}
		for j, p := range b.Periods {
			label := ""
			if j == 0 {
				label = "Service"
			}
			if p.To.IsZero() {
				items = append(items, components.Field(label, "depuis le "+fr.DateTime(p.From)))
			} else {
				items = append(items, components.Field(label, "du "+fr.DateTime(p.From)+" au "+fr.DateTime(p.To)))
			}
		}
	}
	return items
}

// SetSize lays out the base in service and the backups (side by side from
// 100 columns, else one above the other), and the years under them, with
// the details of the selected year beside them from 100 columns.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.wide = w >= 100
	t.inService.SetItems(t.inServiceItems())
	const backupsH = 4 // frame, titles, one line
	var topH int
	if t.wide {
		left := w * 55 / 100
		topH = min(max(len(t.inService.Lines(left-4))+2, backupsH), max(h-5, 0))
		t.inServiceRect = components.Rect{W: left, H: topH}
		t.backupsRect = components.Rect{X: left, W: w - left, H: topH}
	} else {
		inH := min(len(t.inService.Lines(w-4))+2, max(h-backupsH-5, min(h, 3)))
		bH := min(backupsH, h-inH)
		t.inServiceRect = components.Rect{W: w, H: inH}
		t.backupsRect = components.Rect{Y: inH, W: w, H: bH}
		topH = inH + bH
	}
	rest := max(h-topH, 0)
	t.yearsRect = components.Rect{Y: topH, W: w, H: rest}
	t.detailsRect = components.Rect{}
	if t.wide {
		left := w * 55 / 100
		t.yearsRect.W = left
		t.detailsRect = components.Rect{X: left, Y: topH, W: w - left, H: rest}
	}
	t.inService.SetSize(t.inServiceRect.W, t.inServiceRect.H)
	in := components.FrameInner(t.backupsRect.W, t.backupsRect.H)
	t.backups.SetSize(in.W, in.H)
	in = components.FrameInner(t.yearsRect.W, t.yearsRect.H)
	t.years.SetSize(in.W, in.H)
	t.details.SetSize(t.detailsRect.W, t.detailsRect.H)
	// Without the details, pg↑/pg↓ page the years, unless the base in
	// service does not fit its pane (a short screen): they scroll it then.
	tk := t.keys.Table
	tk.PageUp.SetEnabled(!t.wide && !t.paneScrolls())
	tk.PageDown.SetEnabled(!t.wide && !t.paneScrolls())
	t.years.SetKeyMap(tk)
}

// paneScrolls reports whether, on a narrow screen, the base in service has
// more lines than its pane shows.
func (t *Tab) paneScrolls() bool {
	return !t.wide && len(t.inService.Lines(t.inService.Inner())) > max(t.inServiceRect.H-2, 0)
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	st := t.c.Styles
	t.inService.SetItems(t.inServiceItems()) // the status may have changed
	backups := ""
	if r := t.backupsRect; r.H > 0 {
		backups = components.Frame(st, "Sauvegardes", t.backups.View(), r.W, r.H, false)
	}
	var top string
	switch {
	case t.wide:
		top = lipgloss.JoinHorizontal(lipgloss.Top, t.inService.View(), backups)
	case backups != "":
		top = t.inService.View() + "\n" + backups
	default:
		top = t.inService.View()
	}
	parts := []string{top}
	if r := t.yearsRect; r.H > 0 {
		title := "Bases par année scolaire"
		if t.loaded && t.years.Len() > 0 {
			title += " (" + t.years.Position() + ")"
		}
		years := components.Frame(st, title, t.years.View(), r.W, r.H, true)
		if t.wide {
			title := "Année"
			if y := t.selectedYear(); y != nil {
				title = "Année " + y.Year.String()
			}
			t.details.SetTitle(title)
			t.details.SetItems(t.detailItems())
			years = lipgloss.JoinHorizontal(lipgloss.Top, years, t.details.View())
		}
		parts = append(parts, years)
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}

// ShortHelp is the years' keys, and pg↓ for the details when they show.
func (t *Tab) ShortHelp() []key.Binding {
	out := t.years.ShortHelp()
	if t.wide || t.paneScrolls() {
		out = append(out, t.keys.Details.PageDown)
	}
	return out
}

// FullHelp is every key of the tab.
func (t *Tab) FullHelp() [][]key.Binding {
	tk := t.keys.Table
	out := [][]key.Binding{{tk.Up, tk.Down, tk.Top, tk.Bottom}, {tk.Sort, tk.Reverse}}
	if t.wide || t.paneScrolls() {
		out = append(out, t.details.Help())
	} else {
		out[1] = append([]key.Binding{tk.PageUp, tk.PageDown}, out[1]...)
	}
	return out
}

// Typing is false: the tab has no field.
func (t *Tab) Typing() bool { return false }
