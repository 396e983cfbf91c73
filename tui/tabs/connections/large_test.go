package connections

import (
	"fmt"
	"strings"
	"testing"

	"github.com/hebergement/console/tui/internal/tabtest"
)

// many is a tab loaded with n connections of the Espace Parents (the
// Espaces are unlimited), and the answer of its load.
func many(t testing.TB, n int) (*Tab, loadedMsg) {
	t.Helper()
	f, s := running(t, 30)
	for i := range n {
		f.Connect(t, fmt.Sprintf("Parent %05d", i), "Parents", "parent", fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255))
	}
	tab := testTab(f.Context(t, s))
	msg := tab.Load()().(loadedMsg)
	tab.Update(msg)
	return tab, msg
}

// 10,000 connections: the table draws only the rows in sight, scrolls,
// filters and reloads at each size.
func TestTenThousandConnections(t *testing.T) {
	t.Parallel()
	tab, msg := many(t, 10_000)
	for _, sz := range tabtest.Sizes {
		v := tabtest.View(t, tab, sz.W, sz.H)
		if !strings.Contains(v, "Connexions (1/10 000)") || !strings.Contains(v, "10 000 (illimité) : Parents 10 000") {
			t.Fatalf("%dx%d:\n%s", sz.W, sz.H, v)
		}
	}
	press(tab, "t") // by user: the fake clock gave them all the same instant
	for range 50 {
		press(tab, "pgdown")
	}
	press(tab, "G")
	v := tabtest.View(t, tab, 80, 24)
	if !strings.Contains(v, "(10 000/10 000)") || !strings.Contains(v, "Parent 09999") {
		t.Fatalf("at the bottom:\n%s", v)
	}
	// A reload keeps the cursor on its connection.
	msg.gen = tab.loads.Next()
	tab.Update(msg)
	if r, _ := tab.conns.Selected(); r.Cells[0] != "Parent 09999" {
		t.Fatalf("after a reload, on %q", r.Cells[0])
	}
	press(tab, "/")
	typeText(tab, "parent 0999")
	if tab.conns.Len() != 10 {
		t.Fatalf("filter: %d rows, want 10", tab.conns.Len())
	}
}

// BenchmarkView10k is one frame of the tab with 10,000 connections, the
// cursor moved: what scrolling costs.
func BenchmarkView10k(b *testing.B) {
	tab, _ := many(b, 10_000)
	tab.SetSize(120, 40)
	for b.Loop() {
		press(tab, "down")
		_ = tab.View()
	}
}

// BenchmarkReload10k is a live update with 10,000 connections: the rows
// built again from the back end's answer.
func BenchmarkReload10k(b *testing.B) {
	tab, msg := many(b, 10_000)
	tab.SetSize(120, 40)
	for b.Loop() {
		msg.gen = tab.loads.Next()
		tab.Update(msg)
	}
}

// BenchmarkLoad10k is the back end's read of 10,000 connections and their
// history, in the command.
func BenchmarkLoad10k(b *testing.B) {
	tab, _ := many(b, 10_000)
	for b.Loop() {
		_ = tab.Load()()
	}
}
