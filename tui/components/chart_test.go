package components

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

func TestSparkline(t *testing.T) {
	t.Parallel()
	cases := []struct {
		values []float64
		top    float64
		w      int
		want   string
	}{
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7, 8}, 8, 9, " ▁▂▃▄▅▆▇█"},
		{[]float64{0, 0.01, 8}, 0, 3, " ▁█"},
		// Fewer values than cells: each spans the same number of cells.
		{[]float64{4, 8}, 8, 5, "▄▄██ "},
		// More values than cells: each cell keeps the largest.
		{[]float64{1, 8, 1, 1, 2, 1}, 8, 3, "█▁▂"},
		{nil, 0, 4, "    "},
		{[]float64{0, 0}, 0, 2, "  "},
	}
	for _, c := range cases {
		if got := Sparkline(c.values, c.top, c.w); got != c.want {
			t.Errorf("Sparkline(%v, %v, %d) = %q, want %q", c.values, c.top, c.w, got, c.want)
		}
	}
}

func TestResample(t *testing.T) {
	t.Parallel()
	cols, span := Resample([]float64{1, 2, 3}, 7)
	if span != 2 || cols[0] != 1 || cols[1] != 1 || cols[4] != 3 || !math.IsNaN(cols[6]) {
		t.Fatalf("Resample: %v span %d", cols, span)
	}
}

// connections is a day of simultaneous connections, one value an hour.
func connections() BarChart {
	v := []float64{0, 0, 0, 0, 0, 0, 1, 4, 18, 32, 35, 30, 12, 20, 33, 36, 28, 14, 6, 3, 1, 0, 0, 0}
	var labels []AxisLabel
	for h := 0; h < 24; h += 6 {
		labels = append(labels, AxisLabel{At: h, Text: fmt.Sprintf("%dh", h)})
	}
	return BarChart{Values: v, Labels: labels}
}

func TestBarChartGolden(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{60, 8}, {30, 5}, {20, 2}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Parallel()
			out := connections().View(styles(), sz.w, sz.h)
			checkSize(t, out, sz.w, sz.h)
			golden.RequireEqual(t, plain(out))
		})
	}
}

func TestBarChartSizesAndLabels(t *testing.T) {
	t.Parallel()
	c := connections()
	c.Labels = append(c.Labels, AxisLabel{At: 23, Text: hostile}, AxisLabel{At: 1, Text: "学校"})
	many := make([]float64, 1440) // a value a minute
	for i := range many {
		many[i] = float64(i % 97)
	}
	for w := 0; w <= 100; w += 7 {
		for h := 0; h <= 12; h++ {
			out := c.View(styles(), w, h)
			checkSize(t, out, w, h)
			checkClean(t, out)
			out = BarChart{Values: many}.View(styles(), w, h)
			checkSize(t, out, w, h)
		}
	}
	if out := plain(c.View(styles(), 60, 8)); strings.Contains(out, "学校") {
		t.Errorf("a wide label was drawn:\n%s", out)
	}
}
