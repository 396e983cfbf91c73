package components

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
)

// Column is one column of a Table. Its width lies between Min and Max and
// follows its content: the columns share the room a cell at a time until
// each holds its longest cell, and the Flex column takes what is left. On a
// narrow screen the columns with the highest Priority give way first.
type Column struct {
	Title string
	// Min is the least width in cells; 0 means the title's width.
	Min int
	// Max is the most width in cells; 0 means as wide as the content.
	Max int
	// Flex marks the column that takes the room the others leave (the
	// first Flex column, when several are marked).
	Flex bool
	// Priority 0 is always shown; columns of higher priority are dropped
	// first, highest first, when the minimum widths do not fit.
	Priority int
	// Right aligns the column to the right (sizes, counts).
	Right bool
}

// Row is one row of a Table. Cells are raw values: the table cleans them
// once, when they are set.
type Row struct {
	// Key identifies the row across reloads, so that the cursor stays on
	// the same row when the data is read again; "" never matches.
	Key   string
	Cells []string
	// Sort, when set, holds one sort key per column, compared as strings
	// instead of the cells (an RFC 3339 date for a "28/11/2026" cell, a
	// zero-padded size for "2,0 Mo"); "" falls back to the cell.
	Sort []string
	// Mark is drawn in the gutter before the row (one cell: ● ○ ✕), where
	// the cursor shows when it is on the row.
	Mark string
	Tone Tone
}

// TableKeyMap is the keys of a table, with their French help.
type TableKeyMap struct {
	Up, Down, Top, Bottom, PageUp, PageDown key.Binding
	// Sort picks the next column to sort by, Reverse turns the order.
	Sort, Reverse key.Binding
}

// DefaultTableKeyMap is the table keys of the console: the list keys of
// common.KeyMap, pages on pg↑/pg↓, and t/T to sort.
func DefaultTableKeyMap() TableKeyMap {
	k := common.DefaultKeyMap()
	return TableKeyMap{
		Up: k.Up, Down: k.Down, Top: k.Top, Bottom: k.Bottom,
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pg↑", "page précédente")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pg↓", "page suivante")),
		Sort:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "trier")),
		Reverse:  key.NewBinding(key.WithKeys("T"), key.WithHelp("T", "inverser le tri")),
	}
}

// Table is a scrolling table. Only the visible rows are drawn and the
// columns are laid out from widths measured when the rows are set, so that
// drawing 10,000 rows costs what drawing 10 does.
//
// It does not build on charm.land/bubbles/v2/table, which has no column
// priorities or flexible column, no sorting, no mouse, no empty state and
// no cleaning of the cells, and renders every cell through lipgloss (twice
// the visible rows, each cell styled); what would be left of it is its
// cursor arithmetic.
type Table struct {
	st   *common.Styles
	keys TableKeyMap
	cols []Column
	rows []Row
	// order is the rows in the order drawn: indexes into rows.
	order []int
	// natural is each column's content width (title included), measured
	// when the rows are set; widths is the layout, 0 for a hidden column.
	natural []int
	widths  []int
	// cellW is the width of each cell, row by row, measured once when the
	// rows are set, so that drawing a row measures nothing.
	cellW []int
	empty string

	w, h           int
	cursor, offset int
	sortCol        int
	desc           bool
	focused        bool
	selectable     bool
	sortable       bool
	gutter         bool
	marks          bool
	// follow keeps the cursor on its row's Key even from the first
	// position (SetFollow).
	follow bool
}

// NewTable returns an empty, selectable and sortable table.
func NewTable(st *common.Styles, cols []Column) *Table {
	t := &Table{st: st, keys: DefaultTableKeyMap(), cols: cols, sortCol: -1, selectable: true, sortable: true, focused: true}
	t.natural = make([]int, len(cols))
	t.measure()
	return t
}

// KeyMap is the keys the table answers to.
func (t *Table) KeyMap() TableKeyMap { return t.keys }

// SetKeyMap replaces the table's keys.
func (t *Table) SetKeyMap(k TableKeyMap) { t.keys = k }

// SetEmpty sets the line drawn when the table has no rows: an honest
// "Aucun utilisateur connecté.", or "Chargement…" until the data is read.
func (t *Table) SetEmpty(s string) { t.empty = s }

// SetSelectable turns the cursor on or off: a table only read has none.
func (t *Table) SetSelectable(on bool) {
	t.selectable = on
	t.layout()
}

// SetSortable turns sorting on or off.
func (t *Table) SetSortable(on bool) { t.sortable = on }

// SetFollow makes the cursor follow its row across SetRows from every
// position, the first one included: in a live list sorted by the user (the
// connections), a row that arrives before the selected one must not take
// the selection from it. Off by default, for lists shown newest first.
func (t *Table) SetFollow(on bool) { t.follow = on }

// SetFocused tells the table whether it has the keys: the cursor shows
// in full colour only then.
func (t *Table) SetFocused(on bool) { t.focused = on }

// Focused reports whether the table has the keys.
func (t *Table) Focused() bool { return t.focused }

// SetRows replaces the rows, cleaning their cells, and keeps the cursor on
// the row with the same Key, and the sort order. A cursor on the first row
// stays on the first row: at the head of a list shown newest first (the
// journal), new rows come into sight instead of pushing the cursor down
// (unless SetFollow).
func (t *Table) SetRows(rows []Row) {
	keep := ""
	if r, ok := t.Selected(); ok && (t.cursor > 0 || t.follow) {
		keep = r.Key
	}
	t.rows = make([]Row, len(rows))
	t.marks = false
	for i, r := range rows {
		cells := make([]string, len(t.cols))
		for j := range cells {
			if j < len(r.Cells) {
				cells[j] = common.Clean(r.Cells[j])
			}
		}
		r.Cells = cells
		r.Mark = common.Clean(r.Mark)
		if r.Mark != "" {
			r.Mark = ansi.Truncate(r.Mark, 1, "")
			t.marks = true
		}
		t.rows[i] = r
	}
	t.measure()
	t.order = make([]int, len(t.rows))
	for i := range t.order {
		t.order[i] = i
	}
	t.sortRows()
	t.cursor = min(t.cursor, max(len(t.rows)-1, 0))
	if keep != "" {
		for pos, i := range t.order {
			if t.rows[i].Key == keep {
				t.cursor = pos
				break
			}
		}
	}
	t.scroll()
}

// measure reads each column's content width, once per SetRows.
func (t *Table) measure() {
	for j, c := range t.cols {
		t.natural[j] = ansi.StringWidth(c.Title)
	}
	n := len(t.cols)
	t.cellW = make([]int, len(t.rows)*n)
	for i, r := range t.rows {
		for j, cell := range r.Cells {
			w := cellWidth(cell)
			t.cellW[i*n+j] = w
			t.natural[j] = max(t.natural[j], w)
		}
	}
	t.layout()
}

// cellWidth is the width of a cleaned cell: its length when it is printable
// ASCII (most cells: addresses, dates, counts), which spares the grapheme
// segmentation of ansi.StringWidth, the most of what SetRows costs.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Cursor is the position of the cursor among the rows as drawn.
func (t *Table) Cursor() int { return t.cursor }

// Offset is the position of the first row drawn.
func (t *Table) Offset() int { return t.offset }

// Selected is the row under the cursor, as cleaned; false when there is none.
func (t *Table) Selected() (Row, bool) {
	if t.cursor < 0 || t.cursor >= len(t.order) {
		return Row{}, false
	}
	return t.rows[t.order[t.cursor]], true
}

// Position is "3/120" for the title of the box around the table, or the
// count of rows when they all show, with the thousands apart ("1/10 000").
func (t *Table) Position() string {
	n := len(t.rows)
	if n > t.visibleRows() && t.visibleRows() > 0 && t.selectable {
		return fr.Count(t.cursor+1) + "/" + fr.Count(n)
	}
	return fr.Count(n)
}

// SetCursor puts the cursor on row i (as drawn) and scrolls it into view.
func (t *Table) SetCursor(i int) {
	if len(t.rows) == 0 {
		t.cursor = 0
		return
	}
	t.cursor = min(max(i, 0), len(t.rows)-1)
	t.scroll()
}

// Move moves the cursor by d rows; without a cursor, it scrolls.
func (t *Table) Move(d int) {
	if !t.selectable {
		t.offset = min(max(t.offset+d, 0), max(len(t.rows)-t.visibleRows(), 0))
		return
	}
	t.SetCursor(t.cursor + d)
}

// SortBy sorts by column col (-1: the order the rows were given in),
// descending if desc; the cursor stays on its row.
func (t *Table) SortBy(col int, desc bool) {
	keep := -1
	if t.cursor < len(t.order) {
		keep = t.order[t.cursor]
	}
	if col >= len(t.cols) {
		col = -1
	}
	t.sortCol, t.desc = col, desc
	for i := range t.order {
		t.order[i] = i
	}
	t.sortRows()
	for pos, i := range t.order {
		if i == keep {
			t.cursor = pos
		}
	}
	t.scroll()
}

// SortColumn is the column sorted by (-1: none) and whether descending.
func (t *Table) SortColumn() (col int, desc bool) { return t.sortCol, t.desc }

func (t *Table) sortKey(i, col int) string {
	r := t.rows[i]
	if col < len(r.Sort) && r.Sort[col] != "" {
		return r.Sort[col]
	}
	return strings.ToLower(r.Cells[col])
}

func (t *Table) sortRows() {
	if t.sortCol < 0 {
		if t.desc {
			slices.Reverse(t.order)
		}
		return
	}
	col := t.sortCol
	slices.SortStableFunc(t.order, func(a, b int) int {
		c := strings.Compare(t.sortKey(a, col), t.sortKey(b, col))
		if t.desc {
			return -c
		}
		return c
	})
}

// nextSort is the next visible column after the one sorted by, round to
// "no sort".
func (t *Table) nextSort() int {
	for j := t.sortCol + 1; j < len(t.cols); j++ {
		if t.widths[j] > 0 {
			return j
		}
	}
	return -1
}
