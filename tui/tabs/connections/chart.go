package connections

import (
	"fmt"
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
//   - the columns gather the buckets so that the day fits (each the
//     largest of its buckets, components.SeriesChart), and the frame says
//     what a column covers: "1 colonne = 30 min".

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

// chart is the history as a SeriesChart.
func (t *Tab) chart() components.SeriesChart {
	h := t.data.History
	l := t.data.Limits
	times := make([]time.Time, len(h))
	var values [seats.NumKinds][]float64
	for k := range values {
		values[k] = make([]float64, len(h))
	}
	refused := make([]float64, len(h))
	for i, s := range h {
		times[i] = s.At
		for k := range values {
			values[k][i] = float64(s.Peak[k])
		}
		refused[i] = float64(s.Refused)
	}
	peak := func(vs []float64) int {
		m := 0
		for _, v := range vs {
			m = max(m, int(v))
		}
		return m
	}
	limits := [seats.NumKinds]int{l.Admin, l.Teacher, 0, 0}
	names := [seats.NumKinds]string{"Administratif", "Enseignant", "Vie scolaire", "Espaces"}
	tones := [seats.NumKinds]components.Tone{components.ToneAccent, components.ToneOK, components.ToneWarning, components.ToneNormal}
	c := components.SeriesChart{Times: times}
	for k := range values {
		p := peak(values[k])
		s := components.Series{Name: names[k], Values: values[k], Tone: tones[k], Figure: "pic " + fr.Count(p)}
		if limits[k] > 0 {
			s.Top = float64(max(limits[k], p))
			s.Figure += "/" + fr.Count(limits[k])
		}
		c.Series = append(c.Series, s)
	}
	if n := t.refused24h(); n > 0 {
		c.Series = append(c.Series, components.Series{Name: "Refus", Values: refused, Tone: components.ToneDanger,
			Figure: fr.Count(n) + " en 24 h"})
	}
	return c
}

// chartTitle is the chart's frame title for a chart w cells wide.
func (t *Tab) chartTitle(w int) string {
	title := "Historique 24 h"
	if n := len(t.data.History); n > 1 && t.loaded && !t.historyEmpty() {
		step := t.data.History[1].At.Sub(t.data.History[0].At)
		k := components.Group(n, t.plotWidth(w))
		title += " · 1 colonne = " + span(step*time.Duration(k))
	}
	return title
}

// plotWidth is the width the chart's bars get in a body w cells wide, as
// SeriesChart lays them out: the names and figures beside them.
func (t *Tab) plotWidth(w int) int {
	nameW, figW := 0, 0
	for _, s := range t.chart().Series {
		nameW = max(nameW, len([]rune(s.Name))+1)
		figW = max(figW, len([]rune(s.Figure))+1)
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
		body = t.chart().View(st, w-1, h)
	}
	lines := strings.Split(common.PadLines(body, w-1, h), "\n")
	for i := range lines {
		lines[i] = " " + lines[i]
	}
	return strings.Join(lines, "\n")
}

// span is what a column covers: "30 min", "1 h", "1 h 20".
func span(d time.Duration) string {
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
