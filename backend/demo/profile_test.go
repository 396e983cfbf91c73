package demo

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/seats"
)

func at(day, hour, minute int) time.Time {
	return time.Date(2026, 10, day, hour, minute, 0, 0, clock.Paris()) // 5 October 2026 is a Monday
}

func load(t time.Time, kinds ...seats.Kind) float64 {
	sum := 0.0
	for _, p := range populations {
		for _, k := range kinds {
			if p.mode.Kind() == k {
				sum += p.target(t)
			}
		}
	}
	return sum
}

var all = []seats.Kind{seats.KindAdmin, seats.KindTeacher, seats.KindVieScolaire, seats.KindEspaces}

// TestSchoolDay: tens of users at the peak, a lunch dip, the families in
// the evening, a quiet night that is not empty, and more administratif
// demand than the demo's 4 seats at the busiest hour.
func TestSchoolDay(t *testing.T) {
	tue := 6
	staff := []seats.Kind{seats.KindAdmin, seats.KindTeacher, seats.KindVieScolaire}
	checks := []struct {
		what string
		ok   bool
	}{
		{"tens of users at 10 h", load(at(tue, 10, 0), all...) > 30 && load(at(tue, 10, 0), all...) < 90},
		{"a quiet night, not empty", load(at(tue, 3, 0), all...) > 0.3 && load(at(tue, 3, 0), all...) < 3},
		{"a lunch dip", load(at(tue, 12, 30), staff...) < 0.7*load(at(tue, 10, 0), staff...)},
		{"families in the evening", load(at(tue, 19, 30), seats.KindEspaces) > 3*load(at(tue, 10, 0), seats.KindEspaces)},
		{"staff gone in the evening", load(at(tue, 20, 0), staff...) < 0.25*load(at(tue, 15, 0), staff...)},
		{"more administratif demand than 4 seats", load(at(tue, 10, 0), seats.KindAdmin) > 4},
		{"Sunday morning is quiet", load(at(11, 10, 0), staff...) < 0.1*load(at(tue, 10, 0), staff...)},
		{"Wednesday afternoon is light", load(at(7, 15, 0), staff...) < 0.6*load(at(tue, 15, 0), staff...)},
		{"the curve is continuous", abs(load(at(tue, 8, 59), all...)-load(at(tue, 9, 0), all...)) < 1},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s: no", c.what)
		}
	}
}

func abs(x float64) float64 { return max(x, -x) }

// TestHistoryIsRepeatable: one seed, one past; capped by the seats.
func TestHistoryIsRepeatable(t *testing.T) {
	lim := seats.Limits{Admin: 4, Teacher: 30}
	now := at(6, 10, 2)
	s1, r1 := History(now, lim, 7)
	s2, r2 := History(now, lim, 7)
	if len(s1) != 287 || len(s1) != len(s2) || len(r1) != len(r2) {
		t.Fatalf("%d and %d samples, %d and %d refusals", len(s1), len(s2), len(r1), len(r2))
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			t.Fatalf("sample %d differs: %+v, %+v", i, s1[i], s2[i])
		}
		if s1[i].Peak[seats.KindAdmin] > 4 || s1[i].Peak[seats.KindTeacher] > 30 {
			t.Errorf("over the seats: %+v", s1[i])
		}
	}
	if !s1[len(s1)-1].At.Equal(now.Truncate(seats.Bucket).Add(-seats.Bucket)) {
		t.Errorf("last sample at %v: now's bucket is the live traffic's", s1[len(s1)-1].At)
	}
	for i := 1; i < len(r1); i++ {
		if r1[i].At.Before(r1[i-1].At) {
			t.Fatal("refusals not oldest first")
		}
	}
}

func TestPoisson(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sum := 0
	for range 10000 {
		sum += poisson(r, 0.7)
	}
	if m := float64(sum) / 10000; m < 0.65 || m > 0.75 {
		t.Errorf("mean %v, want 0.7", m)
	}
}
