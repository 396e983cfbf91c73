package connections

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// testTab is the tab without its periodic reload: tabtest runs the
// commands an answer returns, and a tick would wait RefreshEvery.
func testTab(c *common.Context) *Tab {
	t := newTab(c)
	t.every = 0
	return t
}

// running is an establishment of 4 administratif seats and teacherSeats
// enseignant seats whose server is in service since the fake clock's
// start.
func running(t testing.TB, teacherSeats int) (*tabtest.Fixture, *backend.Session) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, teacherSeats)
	s := f.Session(t)
	b := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.OpenBase(ctx, b.ID))
	tabtest.Must(t, s.PutInService(ctx))
	return f, s
}

// day is a school day of connections replayed on the fake clock, 5
// minutes at a time, from Friday 27/11 at 9h05 to Saturday 28/11 at 9h00
// (the 288 buckets of the chart): the administration and the teachers from
// 8h to 17h, vie scolaire from 8h to 18h, pupils at lunch, parents in the
// evening, with refusals when the seats are full. At the end, 3 users of
// the administratif mode (2 of the groupe Administration), 12 teachers, 2
// vie scolaire and 5 parents are connected, some idle for 3 minutes.
type day struct {
	f    *tabtest.Fixture
	held map[string][]backend.Connection // by mode
	n    int
}

// busy replays the day on an establishment of 4 administratif seats, 1 of
// them reserved, and 30 enseignant seats.
func busy(t testing.TB) (*tabtest.Fixture, *backend.Session) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	b := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.SetReservedSeats(ctx, 1))
	tabtest.Must(t, s.OpenBase(ctx, b.ID))
	start := tabtest.Start.Add(-24*time.Hour + 5*time.Minute)
	f.Clock.Set(start)
	tabtest.Must(t, s.PutInService(ctx))
	d := &day{f: f, held: map[string][]backend.Connection{}}
	for at := start; !at.After(tabtest.Start); at = at.Add(5 * time.Minute) {
		f.Clock.Set(at)
		d.heartbeats(t, 0)
		h := at.In(clock.Paris()).Hour()
		m := at.In(clock.Paris()).Minute()
		work, lunch, evening := h >= 8 && h < 17, h >= 12 && h < 14, h >= 18 && h < 22
		target := map[string]int{}
		if work {
			target["administratif"] = 2 + m/30
			target["enseignant"] = 12 + (h*7+m/5)%19
			target["viescolaire"] = 2
		}
		if h == 17 {
			target["viescolaire"] = 1
		}
		if lunch {
			target["eleve"] = 8 + m/5
		}
		if evening {
			target["parent"] = 20 + (h-18)*15 + m/5
		}
		if at.Equal(tabtest.Start) { // Saturday morning, 9h
			target = map[string]int{"administratif": 3, "enseignant": 12, "viescolaire": 2, "parent": 5}
		}
		for _, mode := range []string{"administratif", "enseignant", "viescolaire", "professeur", "parent", "eleve"} {
			d.reach(t, mode, target[mode])
		}
		// Refusals: every administratif seat taken at 10h and on Saturday
		// at 8h30, the free one reserved at 15h, every enseignant seat
		// taken at 15h30.
		switch {
		case h == 10 && m == 0, at.Equal(tabtest.Start.Add(-30 * time.Minute)):
			d.reach(t, "administratif", 4)
			d.refused(t, "Mme REFUSÉE", "Professeurs", "administratif")
		case h == 15 && m == 0:
			d.reach(t, "administratif", 0)
			for _, u := range []string{"M. BERNARD", "M. DURAND", "Mme ROBIN"} {
				d.n++
				d.held["administratif"] = append(d.held["administratif"], f.Connect(t, u, "Secrétariat", "administratif", "10.0.9.1"))
			}
			d.refused(t, "M. VACATAIRE", "Vie scolaire", "administratif")
		case h == 15 && m == 30:
			d.reach(t, "enseignant", 30)
			d.refused(t, "M. EN TROP", "Professeurs", "enseignant")
		}
		f.Clock.Set(at.Add(150 * time.Second))
		d.heartbeats(t, 0)
	}
	// Every other one has been quiet for 4 minutes.
	f.Clock.Set(tabtest.Start.Add(150*time.Second + 4*time.Minute))
	d.heartbeats(t, 2)
	f.B.FlushConnections()
	return f, s
}

var names = map[string][]string{
	"administratif": {"Mme MARTIN", "M. BERNARD", "Mme PETIT", "M. DURAND"},
	"enseignant":    {"M. DUPONT", "Mme LEROY", "M. MOREAU", "Mme SIMON", "M. LAURENT", "Mme MICHEL"},
	"viescolaire":   {"M. GARCIA", "Mme DAVID"},
	"parent":        {"M. ROUX", "Mme FOURNIER", "M. GIRARD"},
	"eleve":         {"Léa B.", "Hugo C.", "Chloé D."},
}

// connect connects one more user of mode, each a second after the one
// before, so that the order of the connections is the order of the calls.
func (d *day) connect(t testing.TB, mode string) {
	t.Helper()
	i := len(d.held[mode])
	user := names[mode][i%len(names[mode])]
	if i >= len(names[mode]) {
		user += fmt.Sprintf(" %d", i/len(names[mode])+1)
	}
	group := map[string]string{"administratif": "Administration", "enseignant": "Professeurs", "viescolaire": "Vie scolaire",
		"parent": "Parents", "eleve": "Élèves"}[mode]
	if mode == "administratif" && i%2 == 1 {
		group = "Secrétariat"
	}
	d.n++
	c := d.f.Connect(t, user, group, mode, fmt.Sprintf("10.0.%d.%d", d.n/250, d.n%250+1))
	d.held[mode] = append(d.held[mode], c)
	d.f.Clock.Advance(time.Second)
}

// reach connects or disconnects the newest users of mode until n are held.
func (d *day) reach(t testing.TB, mode string, n int) {
	t.Helper()
	for len(d.held[mode]) < n {
		d.connect(t, mode)
	}
	for len(d.held[mode]) > n {
		last := len(d.held[mode]) - 1
		tabtest.Must(t, d.f.B.Disconnect(context.Background(), d.f.Est.HostingNumber, d.held[mode][last].ID))
		d.held[mode] = d.held[mode][:last]
	}
}

// refused tries a connection that must be refused for lack of a licence.
func (d *day) refused(t testing.TB, user, group, mode string) {
	t.Helper()
	_, err := d.f.B.Connect(context.Background(), d.f.Est.HostingNumber, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: "192.0.2.44"})
	if !errors.Is(err, backend.ErrNoSeat) {
		t.Fatalf("%s in %s: %v, want a refusal", user, mode, err)
	}
}

// heartbeats keeps every connection alive but one in each skip.
func (d *day) heartbeats(t testing.TB, skip int) {
	t.Helper()
	i := 0
	for _, mode := range []string{"administratif", "enseignant", "viescolaire", "professeur", "parent", "eleve"} {
		for _, c := range d.held[mode] {
			i++
			if skip > 0 && i%skip == 0 {
				continue
			}
			tabtest.Must(t, d.f.B.Heartbeat(context.Background(), d.f.Est.HostingNumber, c.ID))
		}
	}
}
