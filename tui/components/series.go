package components

import (
	"math"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/tui/common"
)

// Series is one row of a SeriesChart: a name on the left, the values as
// bars, and a figure on the right (its peak, "pic 3/4").
type Series struct {
	// Name and Figure are the chart's own words (trusted text, cleaned
	// all the same).
	Name, Figure string
	Values       []float64
	// Top is the value of a full band; 0: the series' largest value (at
	// least 1), so that each series shows its own shape.
	Top  float64
	Tone Tone
}

// SeriesChart draws several series of one time axis one under the other,
// each in a band of the same height, over one axis of hours: the 24-hour
// history of simultaneous connections, one series per mode.
//
// The rules it keeps:
//   - the values are gathered k at a time, each column the largest of its
//     k values (a peak is never averaged away), k being the smallest
//     divisor of the number of values that lets them fit: every column
//     then covers the same time (with 288 buckets of 5 minutes, 30 minutes
//     a column at 48 columns), and the last column ends with the last
//     value, the bucket under way;
//   - a value of zero is drawn as a dot on the band's bottom row, so that
//     the time axis shows even where nobody was connected, and any value
//     above zero as at least ▁;
//   - the hours are labelled in Paris time under the columns where they
//     begin, every 1, 2, 3, 4, 6 or 12 hours, the first step that leaves
//     two free cells between labels;
//   - without room for the names and figures the bars are drawn alone;
//     without room for every band, the first ones that fit, without the
//     axis.
type SeriesChart struct {
	Series []Series
	// Times are the starts of the values' buckets, as many as each series
	// has values, oldest first; nil: no axis labels.
	Times []time.Time
}

// Group is how many values a column gathers when the bars have w cells:
// the smallest divisor of n whose columns fit, else n/w rounded up.
func Group(n, w int) int {
	if n <= 0 || w <= 0 {
		return 1
	}
	for k := 1; k <= n; k++ {
		if n%k == 0 && n/k <= w {
			return k
		}
	}
	return (n + w - 1) / w
}

// Gather is values k at a time, each column the largest of its values,
// aligned on the end: the first column is the one short of values when k
// does not divide their number.
func Gather(values []float64, k int) []float64 {
	if k <= 1 {
		return append([]float64(nil), values...)
	}
	n := len(values)
	cols := (n + k - 1) / k
	pad := cols*k - n
	out := make([]float64, cols)
	for c := range out {
		lo, hi := max(c*k-pad, 0), (c+1)*k-pad
		m := math.NaN()
		for _, v := range values[lo:hi] {
			if math.IsNaN(m) || v > m {
				m = v
			}
		}
		out[c] = m
	}
	return out
}

// View draws the chart in exactly w×h cells.
func (c SeriesChart) View(st *common.Styles, w, h int) string {
	if w <= 0 || h <= 0 {
		return ""
	}
	ns := len(c.Series)
	if ns == 0 {
		return common.PadLines("", w, h)
	}
	n := 0
	for _, s := range c.Series {
		n = max(n, len(s.Values))
	}
	nameW, figW := 0, 0
	for _, s := range c.Series {
		nameW = max(nameW, ansi.StringWidth(common.Clean(s.Name)))
		figW = max(figW, ansi.StringWidth(common.Clean(s.Figure)))
	}
	if nameW > 0 {
		nameW++
	}
	if figW > 0 {
		figW++
	}
	plotW := w - nameW - figW
	if plotW < 12 { // the bars alone
		nameW, figW, plotW = 0, 0, w
	}
	k := Group(n, plotW)
	cols := (n + k - 1) / k
	pad := cols*k - n

	axis := h >= ns+1 && len(c.Times) == n && n > 0
	bandH := 1
	if axis {
		bandH = (h - 1) / ns
	}
	var lines []string
	for _, s := range c.Series {
		if len(lines)+bandH > h {
			break
		}
		lines = append(lines, c.band(st, s, k, cols, bandH, nameW, figW)...)
	}
	if axis {
		lines = append(lines, strings.Repeat(" ", nameW)+st.Label.Render(c.hours(k, pad, cols)))
	}
	return common.PadLines(strings.Join(lines, "\n"), w, h)
}

// band is the rows of one series: the figure on the top row, the name on
// the bottom one.
func (c SeriesChart) band(st *common.Styles, s Series, k, cols, bandH, nameW, figW int) []string {
	values := Gather(s.Values, k)
	t := top(s.Values, s.Top)
	bar := st.FocusFg
	if s.Tone != ToneNormal {
		bar = s.Tone.Style(st)
	}
	out := make([]string, bandH)
	for r := range bandH {
		level := bandH - 1 - r // rows under this one
		// Runs of bars and of dots are styled once each, not cell by cell.
		var b, run strings.Builder
		dots := false
		flush := func() {
			if run.Len() == 0 {
				return
			}
			if dots {
				b.WriteString(st.BorderFg.Render(run.String()))
			} else {
				b.WriteString(bar.Render(run.String()))
			}
			run.Reset()
		}
		for col := range cols {
			v := math.NaN()
			if col < len(values) {
				v = values[col]
			}
			e := eighths(v, t, bandH*8) - level*8
			dot := level == 0 && e <= 0 && !math.IsNaN(v)
			if dot != dots {
				flush()
				dots = dot
			}
			if dot {
				run.WriteString("·")
			} else {
				run.WriteRune(blocks[min(max(e, 0), 8)])
			}
		}
		flush()
		line := b.String()
		if nameW > 0 {
			name := ""
			if r == bandH-1 {
				name = common.Clean(s.Name)
			}
			line = st.Label.Render(common.Fit(name, nameW-1)) + " " + line
		}
		if figW > 0 && r == 0 {
			line += " " + st.Bold.Render(common.Clean(s.Figure))
		}
		out[r] = line
	}
	return out
}

// hours is the axis line under cols columns of k values each, the first
// column short of pad values.
func (c SeriesChart) hours(k, pad, cols int) string {
	line := []rune(strings.Repeat(" ", cols))
	perHour := 0
	if len(c.Times) > 1 {
		step := c.Times[1].Sub(c.Times[0])
		if step > 0 {
			perHour = int(time.Hour / step)
		}
	}
	if perHour <= 0 {
		return string(line)
	}
	// Columns an hour spans, in hundredths; a label "14h" and two free
	// cells take 5 columns.
	span := perHour * 100 / k
	every := 12
	for _, e := range []int{1, 2, 3, 4, 6, 12} {
		if e*span >= 500 {
			every = e
			break
		}
	}
	next := 0
	for i, at := range c.Times {
		p := at.In(clock.Paris())
		if p.Minute() != 0 || p.Second() != 0 || p.Hour()%every != 0 {
			continue
		}
		col := (i + pad) / k
		text := []rune(p.Format("15") + "h")
		if text[0] == '0' {
			text = text[1:]
		}
		if col < next || col+len(text) > cols {
			continue
		}
		copy(line[col:], text)
		next = col + len(text) + 1
	}
	return string(line)
}
