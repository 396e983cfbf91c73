package components

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func TestGaugeCells(t *testing.T) {
	t.Parallel()
	cases := []struct {
		g                    Gauge
		w                    int
		used, reserved, free int
	}{
		{Gauge{Used: 0, Total: 4}, 10, 0, 0, 10},
		{Gauge{Used: 2, Total: 4}, 10, 5, 0, 5},
		{Gauge{Used: 4, Total: 4}, 10, 10, 0, 0},
		{Gauge{Used: 9, Total: 4}, 10, 10, 0, 0},
		// Anything used shows; not full never looks full.
		{Gauge{Used: 1, Total: 1000}, 10, 1, 0, 9},
		{Gauge{Used: 999, Total: 1000}, 10, 9, 0, 1},
		// The reserved part shows while free.
		{Gauge{Used: 1, Total: 4, Reserved: 1}, 8, 2, 2, 4},
		{Gauge{Used: 3, Total: 4, Reserved: 2}, 8, 6, 2, 0},
		{Gauge{Used: 4, Total: 4, Reserved: 2}, 8, 8, 0, 0},
		{Gauge{Used: 0, Total: 80, Reserved: 1}, 10, 0, 1, 9},
		{Gauge{Used: 3, Unlimited: true}, 10, 0, 0, 10},
	}
	for _, c := range cases {
		u, r, f := c.g.Cells(c.w)
		if u != c.used || r != c.reserved || f != c.free {
			t.Errorf("%+v in %d: %d/%d/%d, want %d/%d/%d", c.g, c.w, u, r, f, c.used, c.reserved, c.free)
		}
	}
}

func TestGaugeGolden(t *testing.T) {
	t.Parallel()
	gauges := []Gauge{
		{Used: 0, Total: 4},
		{Used: 1, Total: 4, Reserved: 1},
		{Used: 3, Total: 4, Reserved: 1},
		{Used: 4, Total: 4},
		{Used: 12, Total: 30},
		{Used: 0, Unlimited: true},
		{Used: 1288490188, Total: 2 << 30, Text: "1,2 Go / 2,0 Go"},
	}
	var lines []string
	for _, w := range []int{40, 20, 8} {
		for _, g := range gauges {
			out := g.View(styles(), w)
			checkSize(t, out, w, 1)
			lines = append(lines, fmt.Sprintf("%2d|%s|", w, plain(out)))
		}
	}
	// Gauges one under the other line up with a fixed bar.
	for _, g := range gauges[:5] {
		g.BarWidth = 12
		lines = append(lines, fmt.Sprintf("%2d|%s|", 40, plain(g.View(styles(), 40))))
	}
	golden.RequireEqual(t, strings.Join(lines, "\n")+"\n")
}

// The fill colour says how full the gauge is.
func TestGaugeColours(t *testing.T) {
	t.Parallel()
	st := styles()
	for _, c := range []struct {
		used int64
		want string
	}{{1, st.Success.Render("█")}, {8, st.Notice.Render("█")}, {9, st.Error.UnsetBold().Render("█")}} {
		g := Gauge{Used: c.used, Total: 10}
		prefix := strings.Split(c.want, "█")[0]
		if out := g.View(st, 30); !strings.HasPrefix(out, prefix) {
			t.Errorf("%d/10: %q does not start with %q", c.used, out, prefix)
		}
	}
	g := Gauge{Used: 1, Total: 10, Text: hostile}
	checkClean(t, g.View(st, 200))
}
