package connections

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
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
