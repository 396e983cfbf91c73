package components

import (
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
)

// Gauge is a used/total figure drawn as a bar: used cells █, the reserved
// part still free ▒, the rest ░, then the figure, as in
// "████▒▒░░░░ 3/4 (1 réservée)". The used part takes the ok, warning or
// danger colour as the gauge fills.
type Gauge struct {
	Used, Total int64
	// Reserved is the part of Total kept for some users (the licences
	// reserved for the groupe Administration), shown apart while free.
	Reserved int64
	// Unlimited means there is no total: the figure only, no bar.
	Unlimited bool
	// Text replaces the figure "3/4 (1 réservée)" (sizes: "1,2 Go / 2,0 Go").
	Text string
	// BarWidth, when set, is the bar's width, so that gauges one under the
	// other line up; 0: the room the figure leaves, at most 30 cells.
	BarWidth int
}

// The fill above which the gauge turns to the warning and danger colours.
const (
	GaugeWarning = 0.75
	GaugeDanger  = 0.90
	// maxBar bounds the bar, so that gauges one under the other line up on
	// a wide screen rather than stretch.
	maxBar = 30
	minBar = 4
)

// Fill is Used/Total, 0 without a total.
func (g Gauge) Fill() float64 {
	if g.Unlimited || g.Total <= 0 {
		return 0
	}
	return float64(g.Used) / float64(g.Total)
}

// Figure is the text after the bar.
func (g Gauge) Figure() string {
	if g.Text != "" {
		return common.Clean(g.Text)
	}
	if g.Unlimited {
		return fr.Count(int(g.Used)) + " (illimité)"
	}
	s := fr.Count(int(g.Used)) + "/" + fr.Count(int(g.Total))
	switch {
	case g.Reserved == 1:
		s += " (1 réservée)"
	case g.Reserved > 1:
		s += " (" + fr.Count(int(g.Reserved)) + " réservées)"
	}
	return s
}

// Cells splits a bar of w cells into used, reserved and free cells. A gauge
// with anything used shows at least one used cell, and one not full at
// least one cell that is not.
func (g Gauge) Cells(w int) (used, reserved, free int) {
	if w <= 0 || g.Unlimited || g.Total <= 0 {
		return 0, 0, max(w, 0)
	}
	u := min(max(g.Used, 0), g.Total)
	used = int(math.Round(float64(u) / float64(g.Total) * float64(w)))
	if u > 0 && used == 0 {
		used = 1
	}
	if u < g.Total && used == w {
		used = w - 1
	}
	if r := min(max(g.Reserved, 0), g.Total-u); r > 0 {
		reserved = int(math.Round(float64(r) / float64(g.Total) * float64(w)))
		reserved = min(max(reserved, 1), w-used)
	}
	return used, reserved, w - used - reserved
}

// View draws the gauge in exactly w cells: the bar and the figure; the
// figure alone when there is no room for a bar of 4 cells.
func (g Gauge) View(st *common.Styles, w int) string {
	if w <= 0 {
		return ""
	}
	fig := g.Figure()
	barW := min(w-ansi.StringWidth(fig)-1, maxBar)
	if g.BarWidth > 0 {
		barW = min(w-ansi.StringWidth(fig)-1, g.BarWidth)
	}
	if g.Unlimited || g.Total <= 0 || barW < minBar {
		return common.Fit(fig, w)
	}
	used, reserved, free := g.Cells(barW)
	fill := st.Success
	switch f := g.Fill(); {
	case f >= GaugeDanger:
		fill = st.Error.UnsetBold()
	case f >= GaugeWarning:
		fill = st.Notice
	}
	var b strings.Builder
	if used > 0 {
		b.WriteString(fill.Render(strings.Repeat("█", used)))
	}
	if reserved > 0 {
		b.WriteString(st.Muted.Render(strings.Repeat("▒", reserved)))
	}
	if free > 0 {
		b.WriteString(st.BorderFg.Render(strings.Repeat("░", free)))
	}
	return common.Fit(b.String()+" "+fig, w)
}
