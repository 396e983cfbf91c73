package seats_test

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/seats"
)

var t0 = time.Date(2026, 10, 5, 8, 0, 0, 0, time.UTC)

var run = seats.Period{ID: 7, Rev: 1}

func admit(t *testing.T, b *seats.Broker, lim seats.Limits, user, group string, mode seats.Mode, now time.Time) (seats.Conn, error) {
	t.Helper()
	return b.Admit(1, lim, run, seats.Conn{User: user, Group: group, Mode: mode}, now)
}

// TestReservedSeats: with L = 3 and R = 2, one user outside the groupe
// Administration gets a seat, the second does not, and Administration
// users fill the rest.
func TestReservedSeats(t *testing.T) {
	b := seats.New(nil, nil)
	lim := seats.Limits{Admin: 3, Reserved: 2, Teacher: 0}
	if _, err := admit(t, b, lim, "P1", "Professeurs", seats.Administratif, t0); err != nil {
		t.Fatal(err)
	}
	_, err := admit(t, b, lim, "P2", "Professeurs", seats.Administratif, t0)
	var se *seats.SeatError
	if !errors.As(err, &se) || se.Reserved != 2 || se.Used != 1 || se.Total != 1 {
		t.Fatalf("second non-admin: %v %+v", err, se)
	}
	for _, u := range []string{"A1", "A2"} {
		if _, err := admit(t, b, lim, u, "Administration", seats.Administratif, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := admit(t, b, lim, "A3", "Administration", seats.Administratif, t0); !errors.Is(err, seats.ErrNoSeat) {
		t.Fatalf("fourth of three: %v", err)
	}
	// Teacher seats are unlimited here.
	for range 200 {
		if _, err := admit(t, b, lim, "T", "", seats.Enseignant, t0); err != nil {
			t.Fatal(err)
		}
	}
	// Lowering L disconnects nobody.
	lim.Admin, lim.Reserved = 1, 0
	h := b.Held(1, run, t0)
	if h.Usage.Admin != 3 || h.Usage.Teacher != 200 {
		t.Fatalf("usage %+v", h.Usage)
	}
	if _, err := admit(t, b, lim, "A4", "Administration", seats.Administratif, t0); !errors.Is(err, seats.ErrNoSeat) {
		t.Fatalf("over a lowered L: %v", err)
	}
}

// TestExpiredSeatIsFree: a seat held by a silent client is given to the
// next one instead of refusing it.
func TestExpiredSeatIsFree(t *testing.T) {
	b := seats.New(nil, nil)
	lim := seats.Limits{Admin: 1}
	old, err := admit(t, b, lim, "P1", "", seats.Administratif, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admit(t, b, lim, "P2", "", seats.Administratif, t0.Add(seats.Idle-time.Second)); err == nil {
		t.Fatal("admitted while the seat is held")
	}
	if _, err := admit(t, b, lim, "P2", "", seats.Administratif, t0.Add(seats.Idle)); err != nil {
		t.Fatalf("the silent client's seat: %v", err)
	}
	if _, err := b.Touch(1, run, old.ID, t0.Add(seats.Idle)); !errors.Is(err, seats.ErrGone) {
		t.Fatalf("heartbeat of the expired connection: %v", err)
	}
}

// TestNewRunClosesConnections: connections belong to one service period.
func TestNewRunClosesConnections(t *testing.T) {
	b := seats.New(nil, nil)
	c, _ := admit(t, b, seats.Limits{Admin: 2}, "P1", "", seats.Administratif, t0)
	next := seats.Period{ID: run.ID + 1, Rev: run.Rev + 2}
	if _, err := b.Touch(1, next, c.ID, t0); !errors.Is(err, seats.ErrGone) {
		t.Fatalf("a connection of the previous period: %v", err)
	}
	// A reading older than the pool's changes nothing: it neither closes
	// the new period's connections nor brings the old period back.
	c2, err := b.Admit(1, seats.Limits{Admin: 2}, next, seats.Conn{User: "P2", Mode: seats.Administratif}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Admit(1, seats.Limits{Admin: 2}, run, seats.Conn{User: "P3", Mode: seats.Administratif}, t0); !errors.Is(err, seats.ErrStale) {
		t.Fatalf("an admission on a stale reading: %v", err)
	}
	if _, err := b.Touch(1, seats.Period{Rev: run.Rev + 1}, c2.ID, t0); !errors.Is(err, seats.ErrStale) {
		t.Fatalf("a stale stop: %v", err)
	}
	if _, err := b.Touch(1, next, c2.ID, t0); err != nil {
		t.Fatalf("the new period's connection after stale calls: %v", err)
	}
	if n := b.Count(1, seats.Period{Rev: next.Rev + 1}, t0); n != 0 {
		t.Fatalf("%d held while not in service", n)
	}
}

// TestHistory: each 5-minute bucket keeps the peak per kind and the
// refusals; Drain hands closed buckets over once.
func TestHistory(t *testing.T) {
	b := seats.New(nil, nil)
	lim := seats.Limits{Admin: 1}
	c1, _ := admit(t, b, lim, "P1", "", seats.Administratif, t0)
	admit(t, b, lim, "P2", "", seats.Administratif, t0.Add(time.Minute))         //nolint:errcheck // refused, counted
	p1, _ := admit(t, b, lim, "Parent", "", seats.Parent, t0.Add(2*time.Minute)) //nolint:errcheck
	b.Release(1, run, c1.ID, t0.Add(3*time.Minute))                              //nolint:errcheck
	b.Release(1, run, p1.ID, t0.Add(6*time.Minute))                              //nolint:errcheck
	samples, refusals := b.Drain(t0.Add(7 * time.Minute))
	if len(refusals) != 1 || refusals[0].User != "P2" {
		t.Fatalf("refusals %+v", refusals)
	}
	if len(samples) != 2 {
		t.Fatalf("samples %+v", samples)
	}
	first := samples[0]
	if !first.At.Equal(t0) || first.Peak[seats.KindAdmin] != 1 || first.Peak[seats.KindEspaces] != 1 || first.Refused != 1 {
		t.Fatalf("first bucket %+v", first)
	}
	if s, r := b.Drain(t0.Add(8 * time.Minute)); len(s) != 0 || len(r) != 0 {
		t.Fatalf("drained twice: %v %v", s, r)
	}
}

// TestCapacity: even unlimited modes stop at MaxConns per server, so a
// client looping on connect cannot fill the memory.
func TestCapacity(t *testing.T) {
	b := seats.New(nil, nil)
	for range seats.MaxConns {
		if _, err := admit(t, b, seats.Limits{Admin: 1}, "E", "", seats.Eleve, t0); err != nil {
			t.Fatal(err)
		}
	}
	_, err := admit(t, b, seats.Limits{Admin: 1}, "E", "", seats.Eleve, t0)
	var se *seats.SeatError
	if !errors.As(err, &se) || !se.Full {
		t.Fatalf("past MaxConns: %v", err)
	}
	// The licensed seats are outside the bound: the staff still connect.
	if _, err := admit(t, b, seats.Limits{Admin: 1, Teacher: 30}, "Mme MARTIN", "Administration", seats.Administratif, t0); err != nil {
		t.Fatalf("the proviseure after a flood of Espaces: %v", err)
	}
	if _, err := admit(t, b, seats.Limits{Admin: 1, Teacher: 30}, "M. DUPONT", "", seats.Enseignant, t0); err != nil {
		t.Fatalf("a teacher after a flood of Espaces: %v", err)
	}
}
