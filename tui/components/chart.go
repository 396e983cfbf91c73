package components

import (
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
)

// blocks are the eighths of a cell, from empty to full.
var blocks = []rune(" ▁▂▃▄▅▆▇█")

// Resample fits values into w columns: each column holds the largest of
// the values it covers when there are more values than columns (a peak is
// never averaged away), and each value spans w/len(values) columns when
// there are fewer. span is the number of columns of each value in that
// second case (1 in the first), the columns past len(values)*span are
// left empty (NaN).
func Resample(values []float64, w int) (cols []float64, span int) {
	if w <= 0 {
		return nil, 0
	}
	cols = make([]float64, w)
	n := len(values)
	if n == 0 {
		for i := range cols {
			cols[i] = math.NaN()
		}
		return cols, 1
	}
	if n >= w {
		for c := range cols {
			lo, hi := c*n/w, (c+1)*n/w
			m := values[lo]
			for _, v := range values[lo:max(hi, lo+1)] {
				m = max(m, v)
			}
			cols[c] = m
		}
		return cols, 1
	}
	span = w / n
	for c := range cols {
		if i := c / span; i < n {
			cols[c] = values[i]
		} else {
			cols[c] = math.NaN()
		}
	}
	return cols, span
}

// top is the value a chart's full height stands for: top if set, else the
// largest value, at least 1.
func top(values []float64, top float64) float64 {
	if top > 0 {
		return top
	}
	m := 1.0
	for _, v := range values {
		if !math.IsNaN(v) {
			m = max(m, v)
		}
	}
	return m
}

// Sparkline draws values in one line of exactly w cells with the block
// characters ▁…█, top being the value of a full cell (0: the largest). A
// value above zero shows at least ▁; zero and missing values are blank.
func Sparkline(values []float64, topValue float64, w int) string {
	if w <= 0 {
		return ""
	}
	cols, _ := Resample(values, w)
	t := top(values, topValue)
	var b strings.Builder
	for _, v := range cols {
		b.WriteRune(blocks[eighths(v, t, 8)])
	}
	return b.String()
}

// eighths is the height of v in eighths of a cell for a full height of
// full eighths, at least 1 above zero.
func eighths(v, top float64, full int) int {
	if math.IsNaN(v) || v <= 0 || top <= 0 {
		return 0
	}
	e := int(math.Round(v / top * float64(full)))
	return min(max(e, 1), full)
}

// AxisLabel is a label under the x axis at the value of index At.
type AxisLabel struct {
	At   int
	Text string
}

// BarChart is a series of values drawn as vertical bars, with the top and
// zero values on the y axis and labels under the x axis, for the 24-hour
// history of simultaneous connections.
type BarChart struct {
	Values []float64
	// Top is the value of the full height; 0: the largest value (at least 1).
	Top float64
	// Labels are the x-axis labels; one that would overlap the previous
	// one is left out.
	Labels []AxisLabel
	// Format writes the y-axis labels; nil: a French count.
	Format func(float64) string
	Tone   Tone
}

// View draws the chart in exactly w×h cells: h-2 lines of bars under the
// top value, the axis at zero, and the labels; below 3 lines, a sparkline.
func (c BarChart) View(st *common.Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	if h < 3 {
		line := st.FocusFg.Render(Sparkline(c.Values, c.Top, w))
		return common.PadLines(line, w, h)
	}
	format := c.Format
	if format == nil {
		format = func(v float64) string { return fr.Count(int(math.Round(v))) }
	}
	t := top(c.Values, c.Top)
	hi, lo := format(t), format(0)
	yw := max(ansi.StringWidth(hi), ansi.StringWidth(lo))
	pw := w - yw - 2
	if pw < 4 {
		line := st.FocusFg.Render(Sparkline(c.Values, c.Top, w))
		return common.PadLines(line, w, h)
	}
	ph := h - 2
	cols, span := Resample(c.Values, pw)
	bar := st.FocusFg
	if c.Tone != ToneNormal {
		bar = c.Tone.Style(st)
	}
	lines := make([]string, 0, h)
	for r := 0; r < ph; r++ {
		level := ph - 1 - r // rows under this one
		axis := st.Label.Render(strings.Repeat(" ", yw)) + st.BorderFg.Render(" │")
		if r == 0 {
			axis = st.Label.Render(common.FitRight(hi, yw)) + st.BorderFg.Render(" ┤")
		}
		var b strings.Builder
		for _, v := range cols {
			e := eighths(v, t, ph*8) - level*8
			b.WriteRune(blocks[min(max(e, 0), 8)])
		}
		lines = append(lines, axis+bar.Render(b.String()))
	}
	lines = append(lines, st.Label.Render(common.FitRight(lo, yw))+st.BorderFg.Render(" └"+strings.Repeat("─", pw)))
	lines = append(lines, strings.Repeat(" ", yw+2)+c.labels(len(c.Values), pw, span))
	return common.PadLines(strings.Join(lines, "\n"), w, h)
}

// labels is the x-axis line: each label starts under the column of its
// value, unless it would touch the previous one or pass the end.
func (c BarChart) labels(n, pw, span int) string {
	line := []rune(strings.Repeat(" ", pw))
	next := 0
	for _, l := range c.Labels {
		if l.At < 0 || l.At >= max(n, 1) {
			continue
		}
		col := l.At * span
		if n >= pw {
			col = l.At * pw / n
		}
		text := []rune(common.Clean(l.Text))
		// One cell a character only: a wide one would shift the line.
		if col < next || col+len(text) > pw || ansi.StringWidth(string(text)) != len(text) {
			continue
		}
		copy(line[col:], text)
		next = col + len(text) + 1
	}
	return string(line)
}
