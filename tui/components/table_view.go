package components

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

// SetSize gives the table its width and height: one line of column titles
// and the rows under it.
func (t *Table) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.layout()
	t.scroll()
}

// Size is the table's width and height.
func (t *Table) Size() (w, h int) { return t.w, t.h }

func (t *Table) visibleRows() int { return max(t.h-1, 0) }

// gutterW is the width of the gutter: the cursor or the row's mark and a
// space when the table has a cursor or marks, else one space, so that the
// text keeps off a frame's edge.
func (t *Table) gutterW() int {
	if t.gutter {
		return 2
	}
	return 1
}

// layout computes the columns' widths for the table's width.
func (t *Table) layout() {
	t.gutter = t.selectable || t.marks
	n := len(t.cols)
	if len(t.widths) != n {
		t.widths = make([]int, n)
	}
	for j := range t.widths {
		t.widths[j] = 0
	}
	room := t.w - t.gutterW()
	minW := func(j int) int {
		if t.cols[j].Min > 0 {
			return t.cols[j].Min
		}
		return max(ansi.StringWidth(t.cols[j].Title), 1)
	}
	shown := make([]bool, n)
	need := -1
	for j := range t.cols {
		shown[j] = true
		need += minW(j) + 1
	}
	// The optional columns give way, highest priority first, rightmost
	// first among equals.
	for need > room {
		drop := -1
		for j := n - 1; j >= 0; j-- {
			if shown[j] && t.cols[j].Priority > 0 && (drop < 0 || t.cols[j].Priority > t.cols[drop].Priority) {
				drop = j
			}
		}
		if drop < 0 {
			break
		}
		shown[drop] = false
		need -= minW(drop) + 1
	}
	flex := -1
	for j := range t.cols {
		if !shown[j] {
			continue
		}
		t.widths[j] = minW(j)
		if flex < 0 && t.cols[j].Flex {
			flex = j
		}
	}
	extra := room - need
	if extra < 0 {
		// Even the columns always shown do not fit: the flex column gives
		// way, then the columns from the right, down to one cell each; the
		// line is cut to the width in the end.
		for _, j := range append([]int{flex}, rightToLeft(n)...) {
			if j < 0 || !shown[j] {
				continue
			}
			give := min(t.widths[j]-1, -extra)
			t.widths[j] -= give
			extra += give
			if extra >= 0 {
				break
			}
		}
		return
	}
	// Every column grows toward its content (up to Max), a cell at a time
	// each in turn, so that the room is shared rather than taken by the
	// first; the flex column then takes what is left.
	want := make([]int, n)
	for j := range t.cols {
		if !shown[j] {
			continue
		}
		want[j] = t.natural[j]
		if m := t.cols[j].Max; m > 0 {
			want[j] = min(want[j], m)
		}
	}
	for extra > 0 {
		grew := false
		for j := range t.cols {
			if extra > 0 && shown[j] && t.widths[j] < want[j] {
				t.widths[j]++
				extra--
				grew = true
			}
		}
		if !grew {
			break
		}
	}
	if flex >= 0 {
		t.widths[flex] += extra
	}
}

func rightToLeft(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = n - 1 - i
	}
	return out
}

// Widths is the width of each column as laid out, 0 for a hidden one.
func (t *Table) Widths() []int { return slices.Clone(t.widths) }

// scroll keeps the cursor in view.
func (t *Table) scroll() {
	rows := t.visibleRows()
	if rows <= 0 {
		return
	}
	if t.selectable {
		if t.cursor < t.offset {
			t.offset = t.cursor
		}
		if t.cursor >= t.offset+rows {
			t.offset = t.cursor - rows + 1
		}
	}
	t.offset = max(min(t.offset, len(t.rows)-rows), 0)
}

// Update handles the table's keys, and mouse events in the table's own
// coordinates (row 0 is the column titles: a click there sorts).
func (t *Table) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		t.handleKey(msg)
	case tea.MouseClickMsg:
		m := msg.Mouse()
		if m.Button != tea.MouseLeft || m.X < 0 || m.X >= t.w || m.Y < 0 || m.Y >= t.h {
			return nil
		}
		if m.Y == 0 {
			if col := t.columnAt(m.X); col >= 0 && t.sortable {
				t.SortBy(col, col == t.sortCol && !t.desc)
			}
			return nil
		}
		if pos := t.offset + m.Y - 1; t.selectable && pos < len(t.rows) {
			t.SetCursor(pos)
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			t.Move(-1)
		case tea.MouseWheelDown:
			t.Move(1)
		}
	}
	return nil
}

// handleKey moves the cursor or sorts; it reports whether the key was the
// table's.
func (t *Table) handleKey(msg tea.KeyPressMsg) bool {
	k := t.keys
	page := max(t.visibleRows()-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		t.Move(-1)
	case key.Matches(msg, k.Down):
		t.Move(1)
	case key.Matches(msg, k.PageUp):
		t.Move(-page)
	case key.Matches(msg, k.PageDown):
		t.Move(page)
	case key.Matches(msg, k.Top):
		t.Move(-len(t.rows))
	case key.Matches(msg, k.Bottom):
		t.Move(len(t.rows))
	case t.sortable && key.Matches(msg, k.Sort):
		t.SortBy(t.nextSort(), false)
	case t.sortable && key.Matches(msg, k.Reverse):
		t.SortBy(t.sortCol, !t.desc)
	default:
		return false
	}
	return true
}

// HandleKey is Update for a key press, reporting whether the table used it.
func (t *Table) HandleKey(msg tea.KeyPressMsg) bool { return t.handleKey(msg) }

// columnAt is the column under x, -1 for none.
func (t *Table) columnAt(x int) int {
	x -= t.gutterW()
	for j, w := range t.widths {
		if w == 0 {
			continue
		}
		if x >= 0 && x < w {
			return j
		}
		x -= w + 1
	}
	return -1
}

// ShortHelp is the table's keys for the footer.
func (t *Table) ShortHelp() []key.Binding {
	k := t.keys
	out := []key.Binding{k.Up, k.Down}
	if t.sortable {
		out = append(out, k.Sort)
	}
	return out
}

// FullHelp is every key of the table.
func (t *Table) FullHelp() []key.Binding {
	k := t.keys
	out := []key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.PageUp, k.PageDown}
	if t.sortable {
		out = append(out, k.Sort, k.Reverse)
	}
	return out
}

// header is the line of column titles, the sorted one with its arrow.
func (t *Table) header() string {
	parts := make([]string, 0, len(t.cols))
	for j, c := range t.cols {
		w := t.widths[j]
		if w == 0 {
			continue
		}
		title := c.Title
		if j == t.sortCol && w >= 3 {
			arrow := "▲"
			if t.desc {
				arrow = "▼"
			}
			if ansi.StringWidth(title)+2 <= w {
				title += " " + arrow
			} else {
				title = common.Fit(title, w-2) + " " + arrow
			}
		}
		parts = append(parts, t.cell(title, j))
	}
	return strings.Repeat(" ", t.gutterW()) + strings.Join(parts, " ")
}

func (t *Table) cell(s string, j int) string {
	if t.cols[j].Right {
		return common.FitRight(s, t.widths[j])
	}
	return common.Fit(s, t.widths[j])
}

// fitCell is cell s, sw cells wide, cut or padded to column j; only a cell
// too wide is measured again.
func (t *Table) fitCell(b *strings.Builder, s string, sw, j int) {
	w := t.widths[j]
	if sw > w {
		s = t.cell(s, j)
		sw = w
	}
	pad := strings.Repeat(" ", w-sw)
	if t.cols[j].Right {
		b.WriteString(pad + s)
		return
	}
	b.WriteString(s + pad)
}

// line is row pos as drawn, styled.
func (t *Table) line(pos int) string {
	i := t.order[pos]
	r := t.rows[i]
	var b strings.Builder
	b.Grow(t.w + 8)
	cursor := t.selectable && pos == t.cursor
	if t.gutter {
		mark := r.Mark
		if cursor && t.focused {
			mark = "▸"
		}
		if mark == "" {
			mark = " "
		}
		b.WriteString(mark + " ")
	} else {
		b.WriteByte(' ')
	}
	used := t.gutterW()
	n := len(t.cols)
	for j, w := range t.widths {
		if w == 0 {
			continue
		}
		if used > t.gutterW() {
			b.WriteByte(' ')
			used++
		}
		t.fitCell(&b, r.Cells[j], t.cellW[i*n+j], j)
		used += w
	}
	s := b.String()
	switch {
	case used > t.w: // the columns could not shrink enough
		s = common.Fit(s, t.w)
	case used < t.w:
		s += strings.Repeat(" ", t.w-used)
	}
	switch {
	case cursor && t.focused:
		return t.st.Selected.Render(s)
	case cursor:
		return t.st.SelectedBlurred.Render(s)
	case r.Tone != ToneNormal:
		return r.Tone.Style(t.st).Render(s)
	}
	return s
}

// View draws the table in exactly its size: the column titles, then the
// visible rows or the empty line.
func (t *Table) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	lines := make([]string, 0, t.h)
	lines = append(lines, t.st.ColumnHeader.Render(common.Fit(t.header(), t.w)))
	if len(t.rows) == 0 {
		indent := t.gutterW()
		for _, s := range common.Wrap(common.Clean(t.empty), t.w-indent) {
			if len(lines) == t.h {
				break
			}
			lines = append(lines, t.st.Muted.Render(common.Fit(strings.Repeat(" ", indent)+s, t.w)))
		}
	} else {
		end := min(t.offset+t.visibleRows(), len(t.rows))
		for pos := t.offset; pos < end; pos++ {
			lines = append(lines, t.line(pos))
		}
	}
	blank := strings.Repeat(" ", t.w)
	for len(lines) < t.h {
		lines = append(lines, blank)
	}
	return strings.Join(lines, "\n")
}
