package connections

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// The 24-hour chart of simultaneous connections.
//
// Rules:
//   - one band per kind of licence (administratif, enseignant, vie
//     scolaire, Espaces), from the back end's 5-minute samples (the most
//     connections held at once in each bucket), and a band of the refusals
//     when there were any in these 24 hours;
//   - a limited kind is drawn against its limit (a full band is every seat
//     taken) and its figure is "pic 3/4"; an unlimited one against its own
//     peak, "pic 120";
//   - the day fills the width: a column covers a whole number of minutes,
//     not of buckets (12 min is 2.4 buckets), a bucket at least, and shows
//     the largest figure of the buckets that begin in it, so that each
//     bucket is drawn once, and a peak is never lost nor averaged away; a
//     round span ("15 min", "30 min") is taken when it fills 85 % of the
//     width, else the shortest span that fits. The frame says what a
//     column covers: "1 colonne = 12 min";
//   - the hours under the axis stay exact: the chart is handed the day a
//     minute at a time (each bucket's figure at its first minute, the
//     others missing), so that every full hour has its own instant, and
//     components.SeriesChart gathers the minutes by columns, the largest
//     figure of each, ignoring the missing ones.

// roundFill is the share of the width, in percent, a round span must fill
// to be preferred to the shortest one.
const roundFill = 85

// columns is how the chart lays n buckets of step out in plotW columns:
// unit is the time of one value handed to the chart (a minute when the
// buckets are whole minutes), r the values of a bucket, k the values of a
// column.
func columns(n int, step time.Duration, plotW int) (unit time.Duration, r, k int) {
	unit, r = step, 1
	if step > time.Minute && step%time.Minute == 0 {
		unit, r = time.Minute, int(step/time.Minute)
	}
	total := n * r
	if total <= 0 || plotW <= 0 {
		return unit, r, max(r, 1)
	}
	// The shortest span that fits, a bucket at least: the chart's Group
	// takes it, no shorter one fitting.
	k = max((total+plotW-1)/plotW, r)
	for c := k; c <= 2*k; c++ {
		d := unit * time.Duration(c)
		if time.Hour%d != 0 && d%(15*time.Minute) != 0 {
			continue
		}
		cols := (total + c - 1) / c
		if cols*100 >= plotW*roundFill && components.Group(cols*c, plotW) == c {
			return unit, r, c
		}
		break
	}
	return unit, r, k
}

// chartSeries is how many bands the chart has now.
func (t *Tab) chartSeries() int {
	n := int(seats.NumKinds)
	if t.refused24h() > 0 {
		n++
	}
	return n
}

// refused24h is how many connections were refused in the chart's 24 hours.
func (t *Tab) refused24h() int {
	n := 0
	for _, s := range t.data.History {
		n += s.Refused
	}
	return n
}

// historyEmpty reports whether the 24 hours hold nothing to draw.
func (t *Tab) historyEmpty() bool {
	for _, s := range t.data.History {
		if s.Refused > 0 || s.Peak != [seats.NumKinds]int{} {
			return false
		}
	}
	return true
}

// step is the time between two samples of the history.
func (t *Tab) step() time.Duration {
	if h := t.data.History; len(h) > 1 && h[1].At.After(h[0].At) {
		return h[1].At.Sub(h[0].At)
	}
	return seats.Bucket
}

// chartNames and chartFigures are the bands' names and figures, as the
// chart draws them beside the bars.
var chartNames = [seats.NumKinds]string{"Administratif", "Enseignant", "Vie scolaire", "Espaces"}

const refusedName = "Refus"

func (t *Tab) chartFigures() []string {
	l := t.data.Limits
	limits := [seats.NumKinds]int{l.Admin, l.Teacher, 0, 0}
	var peak [seats.NumKinds]int
	for _, s := range t.data.History {
		for k, v := range s.Peak {
			peak[k] = max(peak[k], v)
		}
	}
	out := make([]string, 0, seats.NumKinds+1)
	for k := range peak {
		f := "pic " + fr.Count(peak[k])
		if limits[k] > 0 {
			f += "/" + fr.Count(limits[k])
		}
		out = append(out, f)
	}
	if n := t.refused24h(); n > 0 {
		out = append(out, fr.Count(n)+" en 24 h")
	}
	return out
}

// chart is the history as a SeriesChart whose bars are plotW cells wide,
// and what a column covers; it is built once per load and width.
func (t *Tab) chart(plotW int) (components.SeriesChart, time.Duration) {
	if c := &t.chartCache; c.ok && c.plotW == plotW {
		return c.chart, c.span
	}
	h := t.data.History
	l := t.data.Limits
	unit, r, k := columns(len(h), t.step(), plotW)
	total := len(h) * r
	cols := (total + k - 1) / k
	// The first column is short of pad values: they stand before the
	// first bucket, and are missing (NaN), never zero.
	pad := cols*k - total
	n := pad + total
	times := make([]time.Time, n)
	var values [seats.NumKinds][]float64
	for kind := range values {
		values[kind] = make([]float64, n)
	}
	refused := make([]float64, n)
	for i := range pad {
		if len(h) > 0 {
			times[i] = h[0].At.Add(-time.Duration(pad-i) * unit)
		}
		for kind := range values {
			values[kind][i] = math.NaN()
		}
		refused[i] = math.NaN()
	}
	for i, s := range h {
		at := pad + i*r
		for kind := range values {
			values[kind][at] = float64(s.Peak[kind])
		}
		refused[at] = float64(s.Refused)
		for j := range r {
			times[at+j] = s.At.Add(time.Duration(j) * unit)
			if j > 0 {
				for kind := range values {
					values[kind][at+j] = math.NaN()
				}
				refused[at+j] = math.NaN()
			}
		}
	}
	limits := [seats.NumKinds]int{l.Admin, l.Teacher, 0, 0}
	tones := [seats.NumKinds]components.Tone{components.ToneAccent, components.ToneOK, components.ToneWarning, components.ToneNormal}
	figures := t.chartFigures()
	c := components.SeriesChart{Times: times}
	for kind := range values {
		s := components.Series{Name: chartNames[kind], Values: values[kind], Tone: tones[kind], Figure: figures[kind]}
		if limits[kind] > 0 {
			peak := 0
			for _, smp := range h {
				peak = max(peak, smp.Peak[kind])
			}
			s.Top = float64(max(limits[kind], peak))
		}
		c.Series = append(c.Series, s)
	}
	if len(figures) > int(seats.NumKinds) {
		c.Series = append(c.Series, components.Series{Name: refusedName, Values: refused, Tone: components.ToneDanger,
			Figure: figures[seats.NumKinds]})
	}
	span := unit * time.Duration(k)
	t.chartCache = chartCache{ok: true, plotW: plotW, chart: c, span: span}
	return c, span
}

// chartCache is the chart last built, for the load shown.
type chartCache struct {
	ok    bool
	plotW int
	chart components.SeriesChart
	span  time.Duration
}

// chartTitle is the chart's frame title for a chart w cells wide.
func (t *Tab) chartTitle(w int) string {
	title := "Historique 24 h"
	if len(t.data.History) > 1 && t.loaded && !t.historyEmpty() {
		_, span := t.chart(t.plotWidth(w))
		title += " · 1 colonne = " + spanText(span)
	}
	return title
}

// plotWidth is the width the chart's bars get in a body w cells wide, as
// SeriesChart lays them out: the names and figures beside them.
func (t *Tab) plotWidth(w int) int {
	nameW, figW := 0, 0
	for _, s := range chartNames {
		nameW = max(nameW, len([]rune(s))+1)
	}
	if t.refused24h() > 0 {
		nameW = max(nameW, len([]rune(refusedName))+1)
	}
	for _, f := range t.chartFigures() {
		figW = max(figW, len([]rune(f))+1)
	}
	if p := w - nameW - figW; p >= 12 {
		return p
	}
	return w
}

// chartBody is the chart, or what replaces it, drawn w×h cells inside its
// frame, one cell off the left border.
func (t *Tab) chartBody(w, h int) string {
	st := t.c.Styles
	var body string
	switch {
	case !t.loaded:
		body = st.Muted.Render("Chargement…")
	case t.err != nil:
		body = strings.Join(common.Wrap(backend.Message(t.err), max(w-1, 1)), "\n")
	case t.historyEmpty():
		body = strings.Join(wrapMuted(st, "Aucune connexion ces dernières 24 heures : l'historique se remplit dès qu'un utilisateur se connecte.", w-1), "\n")
	default:
		c, _ := t.chart(t.plotWidth(w - 1))
		body = c.View(st, w-1, h)
	}
	lines := strings.Split(common.PadLines(body, w-1, h), "\n")
	for i := range lines {
		lines[i] = " " + lines[i]
	}
	return strings.Join(lines, "\n")
}

// spanText is what a column covers: "30 min", "1 h", "1 h 20".
func spanText(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	case d%time.Hour == 0:
		return fmt.Sprintf("%d h", int(d/time.Hour))
	}
	return fmt.Sprintf("%d h %02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// wrapMuted is s wrapped to w cells, each line muted.
func wrapMuted(st *common.Styles, s string, w int) []string {
	lines := common.Wrap(s, max(w, 1))
	for i, l := range lines {
		lines[i] = st.Muted.Render(l)
	}
	return lines
}
