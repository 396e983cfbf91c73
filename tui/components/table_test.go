package components

import (
	"fmt"
	"github.com/charmbracelet/x/ansi"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
)

func journalColumns() []Column {
	return []Column{
		{Title: "Quand", Min: 16, Max: 16},
		{Title: "Qui", Min: 6, Max: 20},
		{Title: "Action", Min: 8, Max: 24, Priority: 1},
		{Title: "Détail", Min: 8, Flex: true},
		{Title: "Résultat", Min: 7, Max: 8, Priority: 2},
	}
}

func journalRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		rows[i] = Row{
			Key:   fmt.Sprint(i),
			Cells: []string{fmt.Sprintf("28/11/2026 %02d:%02d", 9+i/60%10, i%60), "SPR", "base.load", fmt.Sprintf("Base n° %d (2026-2027, 2 Mo)", i), "réussi"},
			Sort:  []string{fmt.Sprintf("%08d", i)},
		}
	}
	return rows
}

func press(k string) tea.KeyPressMsg {
	switch k {
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

func TestTableGolden(t *testing.T) {
	t.Parallel()
	for _, w := range []int{40, 80, 120} {
		t.Run(fmt.Sprintf("w%d", w), func(t *testing.T) {
			t.Parallel()
			tb := NewTable(styles(), journalColumns())
			rows := journalRows(12)
			rows[1].Mark, rows[1].Tone = "✕", ToneDanger
			rows[1].Cells[4] = "refusé"
			tb.SetRows(rows)
			tb.SetSize(w, 8)
			tb.Move(5)
			out := tb.View()
			checkSize(t, out, w, 8)
			golden.RequireEqual(t, plain(out))
		})
	}
}

func TestTableEmptyGolden(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), []Column{
		{Title: "Utilisateur", Min: 10, Flex: true}, {Title: "Groupe", Min: 8, Max: 16},
		{Title: "Mode", Min: 8, Max: 14}, {Title: "Adresse", Min: 9, Max: 15, Priority: 2},
		{Title: "Depuis", Min: 6, Max: 6}, {Title: "Inactif", Min: 7, Max: 7, Priority: 1},
	})
	tb.SetEmpty("Aucun utilisateur connecté.")
	tb.SetSize(50, 4)
	out := tb.View()
	checkSize(t, out, 50, 4)
	golden.RequireEqual(t, plain(out))
}

// Every cell goes through the one cleaning function: nothing of a hostile
// name reaches the output, whatever the width.
func TestTableCleansCells(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), journalColumns())
	rows := journalRows(3)
	for i := range rows {
		for j := range rows[i].Cells {
			rows[i].Cells[j] = hostile
		}
		rows[i].Mark = "\x1b[5m"
	}
	tb.SetRows(rows)
	tb.SetEmpty(hostile)
	for _, w := range []int{1, 10, 40, 80, 200} {
		tb.SetSize(w, 5)
		out := tb.View()
		checkClean(t, out)
		checkSize(t, out, w, 5)
	}
	tb.SetSize(300, 5)
	if out := plain(tb.View()); !strings.Contains(out, "Arougelienesrevnixzéro Z") {
		t.Errorf("the printable text is lost:\n%s", out)
	}
	if r, _ := tb.Selected(); strings.ContainsRune(r.Cells[0], 0x1b) {
		t.Errorf("Selected returns the raw cell %q", r.Cells[0])
	}
	tb.SetRows(nil)
	checkClean(t, tb.View())
}

// Widths are measured in cells, never bytes: every line is exactly the
// width given, with accented, wide and emoji cells, at every size.
func TestTableExactSize(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), journalColumns())
	rows := journalRows(40)
	rows[3].Cells[1] = "Éléonore Ünal"
	rows[4].Cells[3] = "学校の基地 データ 🎓🎓 rentrée"
	rows[5].Cells[3] = strings.Repeat("é", 300)
	tb.SetRows(rows)
	for w := 0; w <= 160; w++ {
		for _, h := range []int{0, 1, 2, 5, 24} {
			tb.SetSize(w, h)
			tb.Move(7)
			checkSize(t, tb.View(), w, h)
		}
	}
}

func TestTableColumnsGiveWay(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), journalColumns())
	tb.SetRows(journalRows(5))
	cases := []struct {
		w    int
		want []int
	}{
		// gutter 2; Quand 16, Qui 3 ("SPR" widened to the minimum 6),
		// Action 9, Détail takes the rest, Résultat 8 ("Résultat").
		{120, []int{16, 6, 9, 120 - 2 - 16 - 6 - 9 - 8 - 4, 8}},
		{60, []int{16, 6, 9, 60 - 2 - 16 - 6 - 9 - 8 - 4, 8}},
		// Résultat (priority 2) gives way first, then Action (1).
		{45, []int{16, 6, 9, 45 - 2 - 16 - 6 - 9 - 3, 0}},
		{36, []int{16, 6, 0, 36 - 2 - 16 - 6 - 2, 0}},
		// Below every minimum, the flex column gives way, then the others
		// from the right.
		{20, []int{14, 1, 0, 1, 0}},
	}
	for _, c := range cases {
		tb.SetSize(c.w, 5)
		if got := tb.Widths(); fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("width %d: columns %v, want %v", c.w, got, c.want)
		}
	}
}

// The cursor row is always drawn, however it moves.
func TestTableCursorStaysVisible(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), journalColumns())
	tb.SetRows(journalRows(500))
	tb.SetSize(80, 10)
	check := func(what string, want int) {
		t.Helper()
		if tb.Cursor() != want {
			t.Fatalf("%s: cursor %d, want %d", what, tb.Cursor(), want)
		}
		out := plain(tb.View())
		if !strings.Contains(out, fmt.Sprintf("▸ %s", fmt.Sprintf("28/11/2026 %02d:%02d", 9+want/60%10, want%60))) ||
			!strings.Contains(out, fmt.Sprintf("Base n° %d ", want)) {
			t.Fatalf("%s: cursor row %d not drawn:\n%s", what, want, out)
		}
		if tb.Offset() > want || want >= tb.Offset()+9 {
			t.Fatalf("%s: offset %d leaves row %d out", what, tb.Offset(), want)
		}
	}
	for i := 1; i <= 30; i++ {
		tb.Update(press("down"))
		check("down", i)
	}
	tb.Update(press("pgdown"))
	check("pgdown", 38)
	tb.Update(press("end"))
	check("end", 499)
	tb.Update(press("pgup"))
	check("pgup", 491)
	tb.Update(press("up"))
	check("up", 490)
	tb.Update(press("home"))
	check("home", 0)
	tb.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	check("wheel", 1)
	tb.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 10, Y: 9})
	check("click", 8)
	tb.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 10, Y: 10}) // below the table
	check("click outside", 8)
	// A smaller window keeps the cursor in view.
	tb.SetSize(80, 4)
	check("resize", 8)
	tb.SetSize(80, 30)
	check("resize back", 8)
}

func TestTableSort(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), []Column{{Title: "Nom", Flex: true}, {Title: "Taille", Min: 6, Right: true}})
	tb.SetRows([]Row{
		{Key: "b", Cells: []string{"bravo", "2 Mo"}, Sort: []string{"", "002"}},
		{Key: "a", Cells: []string{"Alpha", "10 Mo"}, Sort: []string{"", "010"}},
		{Key: "c", Cells: []string{"charlie", "1 Mo"}, Sort: []string{"", "001"}},
	})
	tb.SetSize(30, 5)
	order := func() string {
		var s []string
		for _, l := range strings.Split(plain(tb.View()), "\n")[1:4] {
			s = append(s, strings.Fields(strings.TrimPrefix(l, "▸"))[0])
		}
		return strings.Join(s, " ")
	}
	if got := order(); got != "bravo Alpha charlie" {
		t.Fatalf("given order: %s", got)
	}
	tb.Update(press("t"))
	if got := order(); got != "Alpha bravo charlie" {
		t.Fatalf("by name: %s", got)
	}
	if r, _ := tb.Selected(); r.Key != "b" {
		t.Fatalf("the cursor left its row: %q", r.Key)
	}
	if !strings.Contains(plain(tb.View()), "Nom ▲") {
		t.Fatalf("no sort mark:\n%s", plain(tb.View()))
	}
	tb.Update(press("T"))
	if got := order(); got != "charlie bravo Alpha" {
		t.Fatalf("by name, reversed: %s", got)
	}
	tb.Update(press("t"))
	if got := order(); got != "charlie bravo Alpha" {
		t.Fatalf("by size (sort keys): %s", got)
	}
	// A click on a title sorts by it, a second one reverses.
	tb.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 0})
	if got := order(); got != "Alpha bravo charlie" {
		t.Fatalf("click on Nom: %s", got)
	}
	tb.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 0})
	if got := order(); got != "charlie bravo Alpha" {
		t.Fatalf("second click on Nom: %s", got)
	}
	// A reload keeps the order and the cursor's row.
	tb.SetRows([]Row{
		{Key: "c", Cells: []string{"charlie", "1 Mo"}, Sort: []string{"", "001"}},
		{Key: "b", Cells: []string{"bravo", "2 Mo"}, Sort: []string{"", "002"}},
		{Key: "d", Cells: []string{"delta", "99 Mo"}, Sort: []string{"", "099"}},
	})
	if got := order(); got != "delta charlie bravo" {
		t.Fatalf("after reload: %s", got)
	}
	if r, _ := tb.Selected(); r.Key != "b" {
		t.Fatalf("the cursor left its row on reload: %q", r.Key)
	}
	tb.SetSortable(false)
	tb.Update(press("t"))
	if c, _ := tb.SortColumn(); c != 0 {
		t.Fatalf("an unsortable table sorted: column %d", c)
	}
}

func TestTableWithoutCursor(t *testing.T) {
	t.Parallel()
	tb := NewTable(styles(), []Column{{Title: "Espace", Min: 12}, {Title: "Adresse", Flex: true}})
	tb.SetSelectable(false)
	tb.SetRows(journalRows(30)[:0])
	tb.SetRows([]Row{{Cells: []string{"Professeurs", "http://127.0.0.1:8080/123456789012/professeur"}}})
	tb.SetSize(60, 3)
	out := plain(tb.View())
	if strings.Contains(out, "▸") || !strings.HasPrefix(strings.Split(out, "\n")[1], " Professeurs ") {
		t.Fatalf("a table without cursor draws one, or a gutter:\n%s", out)
	}
}

// Drawing 10,000 rows costs what drawing 10 does: compare the two, in a
// table of 10 lines of rows (the baseline draws all of its rows).
func BenchmarkTableView(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			tb := NewTable(styles(), journalColumns())
			tb.SetRows(journalRows(n))
			tb.SetSize(120, 11)
			tb.SetCursor(n / 2)
			b.ReportAllocs()
			for b.Loop() {
				_ = tb.View()
			}
		})
	}
}

// Moving the cursor does not depend on the number of rows either.
func BenchmarkTableMove(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			tb := NewTable(styles(), journalColumns())
			tb.SetRows(journalRows(n))
			tb.SetSize(120, 30)
			down := press("down")
			b.ReportAllocs()
			for b.Loop() {
				tb.Update(down)
				if tb.Cursor() == n-1 {
					tb.SetCursor(0)
				}
			}
		})
	}
}

// SetRows is where the table pays for the rows, once per reload.
func BenchmarkTableSetRows(b *testing.B) {
	rows := journalRows(10000)
	tb := NewTable(styles(), journalColumns())
	tb.SetSize(120, 30)
	b.ReportAllocs()
	for b.Loop() {
		tb.SetRows(rows)
	}
}

// A cursor at the head of the list stays there when newer rows arrive on
// top; elsewhere it follows its row.
func TestTableHeadStaysAtHead(t *testing.T) {
	tb := NewTable(styles(), []Column{{Title: "Quand", Min: 5, Flex: true}})
	tb.SetSize(20, 6)
	rows := func(keys ...string) []Row {
		out := make([]Row, len(keys))
		for i, k := range keys {
			out[i] = Row{Key: k, Cells: []string{k}}
		}
		return out
	}
	tb.SetRows(rows("c", "b", "a"))
	tb.SetRows(rows("e", "d", "c", "b", "a"))
	if r, _ := tb.Selected(); tb.Cursor() != 0 || r.Key != "e" {
		t.Fatalf("cursor %d on %q, want the newest row at the head", tb.Cursor(), r.Key)
	}
	tb.Move(2) // on "c"
	tb.SetRows(rows("f", "e", "d", "c", "b", "a"))
	if r, _ := tb.Selected(); r.Key != "c" {
		t.Fatalf("a cursor moved by the user follows its row: on %q, want c", r.Key)
	}
}

// With SetFollow the cursor keeps its row even from the head of the list:
// a live list sorted by the user must not hand the selection to a row that
// arrived before it.
func TestTableFollowFromHead(t *testing.T) {
	tb := NewTable(styles(), []Column{{Title: "Nom", Min: 5, Flex: true}})
	tb.SetSize(20, 6)
	tb.SetFollow(true)
	rows := func(keys ...string) []Row {
		out := make([]Row, len(keys))
		for i, k := range keys {
			out[i] = Row{Key: k, Cells: []string{k}}
		}
		return out
	}
	tb.SetRows(rows("b", "c"))
	tb.SetRows(rows("a", "b", "c"))
	if r, _ := tb.Selected(); r.Key != "b" || tb.Cursor() != 1 {
		t.Fatalf("cursor %d on %q, want b", tb.Cursor(), r.Key)
	}
	// Its row gone, the cursor stays where it was, within the rows.
	tb.SetRows(rows("a", "c"))
	if r, _ := tb.Selected(); r.Key != "c" {
		t.Fatalf("cursor on %q after its row left, want c", r.Key)
	}
}

func TestCellWidth(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "10.0.0.1", "Élèves", "学校", "e\u0301", "a\tb", "Mode enseignant"} {
		if got, want := cellWidth(s), ansi.StringWidth(s); got != want {
			t.Errorf("cellWidth(%q) = %d, want %d", s, got, want)
		}
	}
}
