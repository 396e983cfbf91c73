package bases

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// View implements common.Tab: the two lists on the left, the details of
// the selected base on the right where there is room.
func (t *Tab) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	topH := t.height / 2
	a := t.listView(listInService, t.leftW, topH)
	b := t.listView(listUploaded, t.leftW, t.height-topH)
	left := a + "\n" + b
	if t.leftW >= t.width {
		return left
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, left, t.detailsView(t.width-t.leftW, t.height))
}

// column of a list; the first (flex) column takes the room left.
type column struct {
	title string
	width int
	right bool
	what  columnKind
}

// columnKind is what a column shows.
type columnKind int

const (
	colName columnKind = iota
	colYear
	colStart
	colEnd
	colSize
	colLoaded
)

// listLayout is how a list spends its width: the date format (16: date and
// time, 10: date, 8: two-digit year), whether the optional column shows (the
// end of service, the size: both are in the details too), and the school
// year in the short form "2025-26".
type listLayout struct {
	date      int
	optional  bool
	shortYear bool
}

// Fixed widths of the list columns.
const (
	yearW, shortYearW, sizeW = 9, 7, 7
)

// nameRoom is what layout c leaves to the name column of list which in inner
// cells (separators counted).
func nameRoom(which, inner int, c listLayout) int {
	fixed := yearW + 2 + c.date // the year, the first date and their gaps
	if c.shortYear {
		fixed -= yearW - shortYearW
	}
	if c.optional {
		if which == listInService {
			fixed += 1 + c.date
		} else {
			fixed += 1 + sizeW
		}
	}
	return inner - fixed
}

// layouts picks the layout of both lists for inner cells each. The name
// matters most: each list takes the richest layout that leaves its longest
// name whole (up to a cap), trying every column with dates and times, with
// dates, with two-digit years, then without the optional column, then with
// short school years. When one list needs two-digit years, the other one
// takes them too, so that the dates read alike, and keeps its optional
// column if it fits then.
func (t *Tab) layouts(inner int) [2]listLayout {
	choices := []listLayout{
		{16, true, false}, {10, true, false}, {8, true, false},
		{16, false, false}, {10, false, false}, {8, false, false}, {8, false, true},
	}
	var want [2]int
	var picks [2]listLayout
	for i := range t.lists {
		want[i] = min(max(t.lists[i].nameW, 10), 32) + 2 // the mark and a space
		pick := choices[len(choices)-1]
		for _, c := range choices {
			if nameRoom(i, inner, c) >= want[i] {
				pick = c
				break
			}
		}
		picks[i] = pick
	}
	if picks[0].date != 8 && picks[1].date != 8 {
		return picks
	}
	var out [2]listLayout
	for i := range out {
		date := 8
		out[i] = listLayout{date, false, true}
		for _, c := range []listLayout{{date, true, false}, {date, false, false}} {
			if nameRoom(i, inner, c) >= want[i] {
				out[i] = c
				break
			}
		}
	}
	return out
}

// columns are the columns of list which in inner cells.
func (t *Tab) columns(which, inner int) []column {
	lay := t.layouts(inner)[which]
	date, name, year := lay.date, nameRoom(which, inner, lay), yearW
	if lay.shortYear {
		year = shortYearW
	}
	cols := []column{{"Nom", name, false, colName}, {"Année", year, false, colYear}}
	if which == listInService {
		startTitle := map[int]string{8: "Service", 10: "En service", 16: "Mise en service"}[date]
		cols = append(cols, column{startTitle, date, false, colStart})
		if lay.optional {
			cols = append(cols, column{"Arrêt", date, false, colEnd})
		}
		return cols
	}
	if lay.optional {
		cols = append(cols, column{"Taille", sizeW, true, colSize})
	}
	loaded := "Chargée le"
	if date == 8 {
		loaded = "Chargée"
	}
	return append(cols, column{loaded, date, false, colLoaded})
}

// cells are the texts of base b in columns cols.
func (t *Tab) cells(cols []column, b backend.Base, cursor bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		dt := fr.Date
		switch c.width {
		case 16:
			dt = fr.DateTime
		case 8:
			dt = fr.ShortDate
		}
		switch c.what {
		case colName:
			// One cell before the name: the cursor on the selected row,
			// else the mark of the opened (○) or in-service (●) base.
			mark := " "
			switch {
			case cursor:
				mark = "▸"
			case b.InService:
				mark = "●"
			case b.Opened:
				mark = "○"
			}
			out[i] = mark + " " + common.Clean(b.Name)
		case colYear:
			out[i] = b.Year.String()
			if c.width < yearW {
				out[i] = fmt.Sprintf("%d-%02d", int(b.Year), (int(b.Year)+1)%100)
			}
		case colStart:
			out[i] = dt(b.LastPeriod().From)
		case colEnd:
			p := b.LastPeriod()
			out[i] = dt(p.To)
			if p.To.IsZero() {
				out[i] = "en cours"
			}
		case colSize:
			out[i] = fr.Size(b.Size)
		case colLoaded:
			out[i] = dt(b.LoadedAt)
		}
	}
	return out
}

func renderRow(cols []column, cells []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		if c.right {
			parts[i] = common.FitRight(cells[i], c.width)
		} else {
			parts[i] = common.Fit(cells[i], c.width)
		}
	}
	return strings.Join(parts, " ")
}

func (t *Tab) listView(which, w, h int) string {
	st := t.c.Styles
	l := &t.lists[which]
	focused := which == t.focus
	inner := w - 3 // frame, and one free cell on the right
	cols := t.columns(which, inner)
	var lines []string
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	lines = append(lines, st.ColumnHeader.Render(renderRow(cols, append([]string{"  " + titles[0]}, titles[1:]...))))
	switch {
	case !t.loaded:
		lines = append(lines, st.Muted.Render(" Chargement…"))
	case len(l.bases) == 0:
		for _, s := range common.Wrap(l.empty, inner-2) {
			lines = append(lines, st.Muted.Render(" "+s))
		}
	default:
		end := min(l.offset+l.rows, len(l.bases))
		for i := l.offset; i < end; i++ {
			b := l.bases[i]
			row := renderRow(cols, t.cells(cols, b, i == l.cursor && focused))
			switch {
			case i == l.cursor && focused:
				row = st.Selected.Render(row)
			case i == l.cursor:
				row = st.SelectedBlurred.Render(row)
			case b.InService:
				row = st.Running.UnsetBold().Render(row)
			case b.Opened:
				row = st.MarkOpened.UnsetBold().Render(row)
			}
			lines = append(lines, row)
		}
	}
	// The full title with the count, else the short one with the count,
	// else the full title as far as it goes.
	title := l.title
	if n := len(l.bases); n > 0 {
		count := fmt.Sprintf(" (%d)", n)
		if n > l.rows && l.rows > 0 {
			count = fmt.Sprintf(" (%d/%d)", l.cursor+1, n)
		}
		switch {
		case ansi.StringWidth(title+count) <= w-6:
			title += count
		case ansi.StringWidth(l.short+count) <= w-6:
			title = l.short + count
		}
	} else if ansi.StringWidth(title) > w-6 {
		title = l.short
	}
	return common.BoxPad(st, title, lines, w, h, focused, 0)
}

// detailsView draws the details pane of the selected base.
func (t *Tab) detailsView(w, h int) string {
	st := t.c.Styles
	inner := w - 4
	lines := t.detailLines(inner)
	if lines == nil {
		msg := "Aucune base sélectionnée."
		if !t.loaded {
			msg = "Chargement…"
		}
		return common.Box(st, "Détails", []string{st.Muted.Render(msg)}, w, h, false)
	}
	// Scroll with pgup/pgdown when the details do not fit; a mark at the
	// top and at the bottom tells that there is more.
	return common.Box(st, "Détails", components.Scrolled(st, lines, t.detailOff, h-2, inner), w, h, false)
}

// detailsInner is the width of the text in the details pane.
func (t *Tab) detailsInner() int { return t.width - t.leftW - 4 }

// detailLines are the lines of the details pane of the selected base, nil
// when none is selected.
func (t *Tab) detailLines(inner int) []string {
	st := t.c.Styles
	b := t.selected()
	if b == nil || inner <= 0 {
		return nil
	}
	labelW := 12
	valueW := inner - labelW
	var lines []string
	field := func(label, value string) {
		vs := common.Wrap(value, valueW)
		for i, v := range vs {
			l := strings.Repeat(" ", labelW)
			if i == 0 {
				l = st.Label.Render(common.Fit(label, labelW))
			}
			lines = append(lines, l+v)
		}
	}
	for _, s := range common.Wrap(common.Clean(b.Name), inner) {
		lines = append(lines, st.Bold.Render(s))
	}
	var marks []string
	if b.Opened {
		marks = append(marks, st.MarkOpened.Render("ouverte"))
	}
	if b.InService {
		marks = append(marks, st.MarkInService.Render("en service"))
	}
	if len(marks) > 0 {
		lines = append(lines, strings.Join(marks, st.Muted.Render(" · ")))
	}
	field("Année", b.Year.String())
	field("Origine", b.Origin.French())
	if len(b.Periods) == 0 {
		field("Service", "jamais mise en service")
	}
	for i, p := range b.Periods {
		label := ""
		if i == 0 {
			label = "Service"
		}
		if p.To.IsZero() {
			field(label, "depuis le "+fr.DateTime(p.From))
		} else {
			field(label, "du "+fr.DateTime(p.From)+" au "+fr.DateTime(p.To))
		}
	}
	if len(b.Annexes) == 0 {
		field("Annexes", "aucune")
	}
	for i, a := range b.Annexes {
		label := ""
		if i == 0 {
			label = "Annexes"
		}
		if valueW < 40 {
			field(label, a.Kind.Label()+", "+fr.Size(a.Size))
		} else {
			field(label, fmt.Sprintf("%s : %s, %s, le %s", a.Kind.Label(), common.Clean(a.Name), fr.Size(a.Size), fr.DateTime(a.LoadedAt)))
		}
	}
	field("Taille", fr.Size(b.Size))
	if h := common.Clean(b.SHA256); h != "" {
		if len(h) == 64 && valueW >= 32 {
			field("SHA-256", h[:32])
			field("", h[32:])
		} else {
			field("SHA-256", common.ShortHash(h, valueW))
		}
	}
	field(b.Origin.MadeWord(), fr.DateTime(b.LoadedAt))
	if by := common.Clean(b.LoadedBy); by != "" {
		field("Par", by)
	}
	field("Élèves", fr.Count(b.Students))
	field("Professeurs", fr.Count(b.Teachers))
	field("Classes", fr.Count(b.Classes))
	if b.Grid.Slot > 0 {
		field("Grille", b.Grid.French())
	} else {
		field("Grille", "—")
	}
	return lines
}
