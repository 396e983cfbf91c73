package components

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/hebergement/console/backend/clock"
)

func TestGroupAndGather(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ n, w, want int }{
		{288, 300, 1}, {288, 288, 1}, {288, 200, 2}, {288, 96, 3}, {288, 95, 4}, {288, 52, 6},
		{288, 47, 8}, {288, 10, 32}, {288, 1, 288}, {7, 3, 7}, {0, 10, 1}, {10, 0, 1},
	} {
		if got := Group(c.n, c.w); got != c.want {
			t.Errorf("Group(%d, %d) = %d, want %d", c.n, c.w, got, c.want)
		}
	}
	// The largest of each group, aligned on the end.
	got := Gather([]float64{1, 5, 2, 0, 3, 9, 4}, 3)
	if len(got) != 3 || got[0] != 1 || got[1] != 5 || got[2] != 9 {
		t.Fatalf("Gather = %v, want [1 5 9]", got)
	}
	if got := Gather([]float64{1, 2}, 1); len(got) != 2 || got[1] != 2 {
		t.Fatalf("Gather k=1 = %v", got)
	}
}

// day is 24 hours of 5-minute buckets ending at 14h05, Paris time, with a
// morning and an afternoon of connections.
func day() SeriesChart {
	end := time.Date(2026, 11, 27, 14, 5, 0, 0, clock.Paris())
	n := 288
	times := make([]time.Time, n)
	admin, teacher, vs, esp := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		times[i] = end.Add(time.Duration(i-n+1) * 5 * time.Minute)
		h := times[i].In(clock.Paris()).Hour()
		if h >= 8 && h < 17 {
			admin[i] = float64(1 + i%4)
			teacher[i] = float64(10 + (i*7)%21)
			vs[i] = float64(i % 3)
		}
		if h >= 18 && h < 22 {
			esp[i] = float64(40 + i%80)
		}
	}
	return SeriesChart{Times: times, Series: []Series{
		{Name: "Administratif", Figure: "pic 4/4", Values: admin, Top: 4, Tone: ToneAccent},
		{Name: "Enseignant", Figure: "pic 30/30", Values: teacher, Top: 30, Tone: ToneOK},
		{Name: "Vie scolaire", Figure: "pic 2", Values: vs, Tone: ToneWarning},
		{Name: "Espaces", Figure: "pic 119", Values: esp},
	}}
}

func TestSeriesChartGolden(t *testing.T) {
	t.Parallel()
	for _, sz := range []struct{ w, h int }{{76, 5}, {116, 9}, {156, 13}, {40, 3}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Parallel()
			out := day().View(styles(), sz.w, sz.h)
			checkSize(t, out, sz.w, sz.h)
			golden.RequireEqual(t, plain(out))
		})
	}
}

// The axis says the hours where they begin: at 48 columns of 30 minutes,
// every 3 hours, ending at the bucket under way.
func TestSeriesChartAxis(t *testing.T) {
	t.Parallel()
	out := strings.Split(plain(day().View(styles(), 76, 5)), "\n")
	axis := out[4]
	for _, h := range []string{"15h", "18h", "0h", "3h", "12h"} {
		if !strings.Contains(axis, h) {
			t.Errorf("no %s on the axis %q", h, axis)
		}
	}
	if strings.Contains(axis, "13h") || strings.Contains(axis, "16h") {
		t.Errorf("hours off the 3-hour step on %q", axis)
	}
	// 48 columns of 30 minutes between the name and the figure.
	if got := strings.Index(out[0], " pic 4/4"); len([]rune(out[0][:got])) != 14+48 {
		t.Errorf("the first band is not 48 columns of bars followed by its figure: %q", out[0])
	}
}

func TestSeriesChartSizesAndClean(t *testing.T) {
	t.Parallel()
	c := day()
	c.Series[0].Name = hostile
	c.Series[1].Figure = hostile
	for w := 0; w <= 170; w += 7 {
		for h := 0; h <= 16; h++ {
			out := c.View(styles(), w, h)
			checkSize(t, out, w, h)
			checkClean(t, out)
		}
	}
	// No values, no times, no series: still the size asked.
	for _, c := range []SeriesChart{{}, {Series: []Series{{Name: "Vide"}}}, {Series: []Series{{Values: []float64{math.NaN(), 1}}}}} {
		checkSize(t, c.View(styles(), 30, 4), 30, 4)
	}
}

// Zero shows as a dotted baseline, a small value as at least ▁.
func TestSeriesChartZeroAndSmall(t *testing.T) {
	t.Parallel()
	c := SeriesChart{Series: []Series{{Values: []float64{0, 0.01, 8, 0}, Top: 8}}}
	if got := plain(c.View(styles(), 4, 1)); got != "·▁█·" {
		t.Fatalf("got %q, want ·▁█·", got)
	}
}
