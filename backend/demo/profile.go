package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/seats"
)

// The demo's school day: who connects to a lycée's PRONOTE server, when,
// for how long, and what they write. The figures are a plausible lycée of
// about 1,200 students (the demo establishment), sized so that the day's
// peak holds a few tens of connections and a few requests a second, and so
// that the mode administratif (4 seats in the demo contract) is asked for
// by more people than it has seats at the busiest hours: refusals show up.

// population is one kind of simulated user.
type population struct {
	// name is what the stats call it.
	name string
	mode seats.Mode
	// groups are the groups its users belong to, drawn with their weights.
	groups []weighted
	// peak is how many of them are connected at once when their curve is
	// at its top.
	peak float64
	// staff and families weigh the two curves they follow: the staff's
	// (school hours) and the families' (lunch and evenings).
	staff, families float64
	// minStay and maxStay bound a session.
	minStay, maxStay time.Duration
	// write is the chance of a change at each heartbeat.
	write float64
	// names draws a user's name, what a change they write.
	names func(r *rand.Rand) string
	what  func(r *rand.Rand) string
}

type weighted struct {
	name   string
	weight float64
}

// populations are the demo's users. The administratif demand (6 at the
// top) is over the demo's 4 seats on purpose.
var populations = []*population{
	{name: "enseignant", mode: seats.Enseignant, groups: []weighted{{"Professeurs", 1}}, peak: 28, staff: 1,
		minStay: 20 * time.Minute, maxStay: 90 * time.Minute, write: 0.35, names: adultName, what: teacherChange},
	{name: "administratif", mode: seats.Administratif,
		groups: []weighted{{"Administration", 0.5}, {"Direction", 0.15}, {"Secrétariat", 0.2}, {"Vie scolaire", 0.15}},
		peak:   6, staff: 1, minStay: 25 * time.Minute, maxStay: 100 * time.Minute, write: 0.25, names: adultName, what: adminChange},
	{name: "viescolaire", mode: seats.VieScolaire, groups: []weighted{{"Vie scolaire", 1}}, peak: 4, staff: 1,
		minStay: 60 * time.Minute, maxStay: 180 * time.Minute, write: 0.5, names: adultName, what: vieScolaireChange},
	{name: "professeur", mode: seats.Professeur, groups: []weighted{{"Professeurs", 1}}, peak: 6, staff: 0.5, families: 0.5,
		minStay: 5 * time.Minute, maxStay: 30 * time.Minute, write: 0.3, names: adultName, what: teacherChange},
	{name: "parent", mode: seats.Parent, groups: []weighted{{"Parents", 1}}, peak: 14, families: 1,
		minStay: 2 * time.Minute, maxStay: 12 * time.Minute, write: 0.05, names: adultName, what: parentChange},
	{name: "eleve", mode: seats.Eleve, groups: []weighted{{"Élèves", 1}}, peak: 18, families: 1,
		minStay: 3 * time.Minute, maxStay: 20 * time.Minute, write: 0.08, names: studentName, what: studentChange},
}

// meanStay is a session's mean length.
func (p *population) meanStay() time.Duration { return (p.minStay + p.maxStay) / 2 }

// stay draws a session's length.
func (p *population) stay(r *rand.Rand) time.Duration {
	return p.minStay + time.Duration(r.Int64N(int64(p.maxStay-p.minStay)+1))
}

// group draws a user's group.
func (p *population) group(r *rand.Rand) string {
	total := 0.0
	for _, g := range p.groups {
		total += g.weight
	}
	x := r.Float64() * total
	for _, g := range p.groups {
		if x < g.weight {
			return g.name
		}
		x -= g.weight
	}
	return p.groups[len(p.groups)-1].name
}

// target is how many of them are connected at once at t, on average.
func (p *population) target(t time.Time) float64 {
	return p.peak * (p.staff*staffLoad(t) + p.families*familyLoad(t))
}

// Hour by hour (Paris time, on a school day), the share of the peak
// connected: the staff work 8h–18h with a lunch dip; families come at
// lunch and in the evening. Neither is ever zero: someone always works
// late or early.
var (
	staffDay = [24]float64{0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.35, 0.9, 1, 1, 0.95,
		0.55, 0.6, 0.95, 1, 0.9, 0.65, 0.4, 0.2, 0.15, 0.1, 0.06, 0.03}
	familyDay = [24]float64{0.04, 0.02, 0.01, 0.01, 0.01, 0.01, 0.05, 0.2, 0.15, 0.15, 0.15, 0.2,
		0.35, 0.3, 0.15, 0.2, 0.35, 0.6, 0.85, 1, 1, 0.75, 0.35, 0.1}
)

// hourly reads a day's curve at t, interpolated between the hours.
func hourly(day *[24]float64, t time.Time) (float64, time.Time) {
	p := t.In(clock.Paris())
	h := p.Hour()
	f := (float64(p.Minute()) + float64(p.Second())/60) / 60
	return day[h]*(1-f) + day[(h+1)%24]*f, p
}

// staffLoad is the staff's share of their peak at t: school days in full,
// Wednesday afternoon and Saturday morning light, Sunday almost nobody.
func staffLoad(t time.Time) float64 {
	v, p := hourly(&staffDay, t)
	switch {
	case p.Weekday() == time.Sunday:
		v *= 0.05
	case p.Weekday() == time.Saturday && p.Hour() < 13:
		v *= 0.3
	case p.Weekday() == time.Saturday:
		v *= 0.05
	case p.Weekday() == time.Wednesday && p.Hour() >= 12:
		v *= 0.45
	}
	return max(v, 0.01)
}

// familyLoad is the families' share of their peak at t; a little less at
// the weekend, a little more on Wednesday afternoon.
func familyLoad(t time.Time) float64 {
	v, p := hourly(&familyDay, t)
	switch {
	case p.Weekday() == time.Saturday || p.Weekday() == time.Sunday:
		v *= 0.7
	case p.Weekday() == time.Wednesday && p.Hour() >= 12:
		v *= 1.2
	}
	return max(v, 0.01)
}

// poisson draws a Poisson variable of mean m (Knuth; m is small here).
func poisson(r *rand.Rand, m float64) int {
	if m <= 0 {
		return 0
	}
	if m > 30 { // not used by the demo's figures; a normal approximation
		return max(0, int(math.Round(m+math.Sqrt(m)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-m), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// roundRandom rounds x up with the probability of its fraction, so that
// small figures (at night) are sometimes 1 rather than always 0.
func roundRandom(r *rand.Rand, x float64) int {
	if x <= 0 {
		return 0
	}
	n := math.Floor(x)
	if r.Float64() < x-n {
		n++
	}
	return int(n)
}
