package clock

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2026-08-21T09:00:00+02:00", time.Date(2026, 8, 21, 7, 0, 0, 0, time.UTC), true},
		{"2026-08-21", time.Date(2026, 8, 20, 22, 0, 0, 0, time.UTC), true}, // midnight in Paris (CEST)
		{"2027-01-10T08:30", time.Date(2027, 1, 10, 7, 30, 0, 0, time.UTC), true},
		{"2027-08-25T03:00+02:00", time.Date(2027, 8, 25, 1, 0, 0, 0, time.UTC), true}, // as --at is written
		{"2027-07-10T10:00:30", time.Date(2027, 7, 10, 8, 0, 30, 0, time.UTC), true},
		{"2027-08-25T03:00+25:00", time.Time{}, false},
		{"hier", time.Time{}, false},
		{"2026-13-01", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err == nil) != c.ok {
			t.Errorf("Parse(%q) error = %v, want ok=%v", c.in, err, c.ok)
			continue
		}
		if c.ok && !got.Equal(c.want) {
			t.Errorf("Parse(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestSimulatedStartsAtTheGivenInstantAndRuns(t *testing.T) {
	start := time.Date(2027, 7, 6, 9, 0, 0, 0, Paris())
	s := NewSimulated(start)
	first := s.Now()
	if d := first.Sub(start); d < 0 || d > time.Second {
		t.Fatalf("simulated clock reads %v, want about %v", first, start)
	}
	time.Sleep(5 * time.Millisecond)
	if !s.Now().After(first) {
		t.Error("the simulated clock does not run")
	}
}

func TestFake(t *testing.T) {
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	f := NewFake(start)
	f.Advance(15 * time.Minute)
	if got := f.Now(); !got.Equal(start.Add(15 * time.Minute)) {
		t.Errorf("after Advance: %v", got)
	}
	f.Set(start)
	if !f.Now().Equal(start) {
		t.Error("Set did not move the clock")
	}
}

// TestParisWithoutSystemZoneInfo: Paris has its summer time even where the
// system has no tz data (the database is embedded).
func TestParisWithoutSystemZoneInfo(t *testing.T) {
	summer := time.Date(2026, 7, 14, 12, 0, 0, 0, time.UTC).In(Paris())
	if _, off := summer.Zone(); off != 2*3600 {
		t.Fatalf("Paris in July is UTC%+d h", off/3600)
	}
}
