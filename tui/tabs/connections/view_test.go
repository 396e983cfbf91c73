package connections

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// Every size draws exactly its size, in every view, typing or not.
func TestConnectionsSizesAndContract(t *testing.T) {
	t.Parallel()
	f, s := busy(t)
	tab := testTab(f.Context(t, s))
	if tab.Typing() || tab.Title() != "Suivi des connexions" || tab.Permission() != backend.PermConnections ||
		!tab.Topics().Has(backend.TopicConnections|backend.TopicServer|backend.TopicAccount) {
		t.Fatal("contract")
	}
	tabtest.CheckSizes(t, tab) // before the load
	tabtest.Run(tab)
	for _, v := range []int{viewConns, viewHistory, viewRefusals} {
		tab.setView(v)
		tabtest.CheckSizes(t, tab)
	}
	tab.setView(viewConns)
	press(tab, "/")
	typeText(tab, "m")
	tabtest.CheckSizes(t, tab)
	if New(tab.c).(*Tab).every != RefreshEvery {
		t.Fatal("the tab does not reload on its own")
	}
}

// tab and maj+tab go through the views; the chart has its own pane on a
// tall screen, and tab skips it then.
func TestViews(t *testing.T) {
	t.Parallel()
	f, s := busy(t)
	tab := testTab(f.Context(t, s))
	tabtest.Run(tab)
	tab.SetSize(80, 18)
	var seen []int
	for range 4 {
		seen = append(seen, tab.view)
		press(tab, "tab")
	}
	if fmt.Sprint(seen) != fmt.Sprint([]int{viewConns, viewHistory, viewRefusals, viewConns}) {
		t.Fatalf("views at 80x18: %v", seen)
	}
	// After four: on the history; maj+tab goes back.
	tab.Update(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	tab.Update(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if tab.view != viewRefusals {
		t.Fatalf("maj+tab: view %d", tab.view)
	}
	// The help names the next view.
	if h := tab.ShortHelp()[0].Help(); h.Key != "tab" || h.Desc != "connexions" {
		t.Fatalf("help %+v", h)
	}
	tab.SetSize(120, 34)
	if !tab.split || tab.view != viewRefusals {
		t.Fatalf("120x34: split %v, view %d", tab.split, tab.view)
	}
	press(tab, "tab", "tab")
	if tab.view != viewRefusals {
		t.Fatalf("split: tab went to view %d", tab.view)
	}
	// A click on a name in the lower border shows that view.
	tab.Update(tea.MouseClickMsg{X: 4, Y: tab.lowerRect.Y, Button: tea.MouseLeft})
	if tab.view != viewConns {
		t.Fatalf("click: view %d", tab.view)
	}
	// The history view goes back to the lower pane on a short screen.
	tab.SetSize(80, 18)
	press(tab, "tab")
	if tab.view != viewHistory {
		t.Fatalf("short again: view %d", tab.view)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	tab := testTab(f.Context(t, s))
	tabtest.Run(tab)
	tab.SetSize(80, 24)
	keys := func(bs []keyHelp) string { return fmt.Sprint(bs) }
	short := keys(helpOf(tab.ShortHelp()))
	for _, want := range []string{"tab historique", "/ filtrer", "suppr/d déconnecter", "e licences réservées", "t trier"} {
		if !strings.Contains(short, want) {
			t.Errorf("short help %s lacks %q", short, want)
		}
	}
	press(tab, "/")
	if short := keys(helpOf(tab.ShortHelp())); !strings.Contains(short, "entrée garder le filtre") ||
		!strings.Contains(short, "échap effacer le filtre") || strings.Contains(short, "déconnecter") {
		t.Errorf("help while typing: %s", short)
	}
	var full []keyHelp
	for _, col := range tab.FullHelp() {
		full = append(full, helpOf(col)...)
	}
	for _, want := range []string{"maj+tab", "suppr/d", "pg↓", "T inverser le tri"} {
		if !strings.Contains(keys(full), want) {
			t.Errorf("full help lacks %q", want)
		}
	}
}

// The periodic reload waits RefreshEvery, and a console that ends cancels
// the wait at once (no goroutine left behind a closed SSH session).
func TestTickEndsWithTheConsole(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	c := f.Context(t, s)
	tab := testTab(c)
	tab.every = 20 * time.Millisecond
	if _, ok := tab.tick()().(tickMsg); !ok {
		t.Fatal("no reload after the interval")
	}
	tab.every = time.Hour
	got := make(chan any, 1)
	go func() { got <- tab.tick()() }()
	time.Sleep(20 * time.Millisecond)
	c.Work().Shutdown()
	select {
	case msg := <-got:
		if msg != nil {
			t.Fatalf("a closing console got %T", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the wait outlived the console")
	}
	c.Work().Wait()
}

// The 24-hour chart fills the width: at 160×50 the bars take at least
// 85 % of the room beside the names and figures, the frame says what a
// column covers, and a refusal at 10h stands right above the "10h" label.
func TestChartFillsTheWidth(t *testing.T) {
	t.Parallel()
	f, s := busy(t)
	tab := testTab(f.Context(t, s))
	tabtest.Run(tab)
	v := tabtest.View(t, tab, 160, 50)
	wants(t, v, "Historique 24 h · 1 colonne = 12 min")
	var bars, refus, axis []rune
	for _, l := range strings.Split(v, "\n") {
		switch {
		case strings.Contains(l, "│ Administratif "):
			bars = []rune(l)
		case strings.Contains(l, "│ Refus "):
			refus = []rune(l)
		case strings.Contains(l, " 10h "):
			axis = []rune(l)
		}
	}
	n := 0
	for _, r := range bars {
		if strings.ContainsRune("·▁▂▃▄▅▆▇█", r) {
			n++
		}
	}
	if plotW := tab.plotWidth(components.FrameInner(160, 0).W - 1); n*100 < plotW*85 || n > plotW {
		t.Errorf("the chart draws %d columns of %d:\n%s", n, plotW, v)
	}
	if refus == nil || axis == nil {
		t.Fatalf("no refusals' band or no axis:\n%s", v)
	}
	at := strings.Index(string(axis), "10h")
	at = len([]rune(string(axis)[:at]))
	if first := strings.IndexRune(string(refus), '█'); len([]rune(string(refus)[:first])) != at {
		t.Errorf("the 10h refusal is not above 10h:\n%s\n%s", string(refus), string(axis))
	}
}

// A column covers whole minutes, a bucket at least, and the chart fills 85 %
// of its width at every width up to 280 bars (beyond, a column of 6 minutes
// is the least but one bucket), taking the span the chart's own grouping
// takes, so that the title says what is drawn.
func TestChartColumns(t *testing.T) {
	t.Parallel()
	for w := 12; w <= 280; w++ {
		unit, r, k := columns(288, 5*time.Minute, w)
		cols := (288*r + k - 1) / k
		if unit != time.Minute || r != 5 || k < r || cols > w || cols*100 < w*roundFill ||
			components.Group(cols*k, w) != k {
			t.Errorf("%d columns: %v × %d, %d columns drawn", w, unit, k, cols)
		}
	}
	if unit, r, k := columns(288, 5*time.Minute, 1000); unit*time.Duration(k) != 5*time.Minute || r != 5 {
		t.Errorf("a wide chart: columns of %v, want a bucket", unit*time.Duration(k))
	}
	if unit, r, k := columns(10, 90*time.Second, 4); unit != 90*time.Second || r != 1 || k != 3 {
		t.Errorf("buckets of 90 s: %v, %d, %d", unit, r, k)
	}
}

// On a wide screen the Utilisateur column stops at userMax cells (a longer
// name is cut with …) and the other columns follow it, rather than sitting
// 90 cells to its right; a click right of the narrower table still selects
// the row. At 80 columns the names have the room the others leave.
func TestUserColumnWidth(t *testing.T) {
	t.Parallel()
	f, s := running(t, 30)
	long := "Mme " + strings.Repeat("ABCDEFGHIJ", 6)
	connect(t, f, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	connect(t, f, long, "Professeurs", "enseignant", "10.0.0.2")
	tab := testTab(f.Context(t, s))
	tabtest.Run(tab)
	v := tabtest.View(t, tab, 160, 50)
	if w := tab.conns.Widths()[0]; w != userMax {
		t.Errorf("Utilisateur is %d cells wide at 160 columns, want %d", w, userMax)
	}
	want := "│▸ " + common.Fit("M. DUPONT", userMax) + " Professeurs"
	wants(t, v, want, common.Fit(long, userMax)+" Professeurs", "…")
	// A click on the blank right of the second row selects it.
	y := tab.lowerRect.Y + 1 + 2
	tab.Update(tea.MouseClickMsg{X: 150, Y: y, Button: tea.MouseLeft})
	if r, _ := tab.conns.Selected(); r.Cells[0] != long {
		t.Errorf("the click selected %q", r.Cells[0])
	}
	// Filtered down to the short name, the column stays within its cap,
	// and the table follows.
	press(tab, "/")
	typeText(tab, "dupont")
	if w := tab.conns.Widths()[0]; w > userMax {
		t.Errorf("filtered: Utilisateur is %d cells wide", w)
	}
	press(tab, "esc")
	tabtest.View(t, tab, 80, 24)
	if w := tab.conns.Widths()[0]; w >= userMax || w < 20 {
		t.Errorf("Utilisateur is %d cells wide at 80 columns", w)
	}
	if tw, _ := tab.conns.Size(); tw != components.FrameInner(80, 0).W {
		t.Errorf("at 80 columns the table is %d cells wide", tw)
	}
}
