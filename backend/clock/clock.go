// Package clock is the one source of time for the whole back end, so that a
// demo can start at a chosen instant and tests can move time by hand.
package clock

import (
	"sync"
	"time"
	// The time zone database is in the binary (about 450 kB): Europe/Paris
	// must be right, summer time included, on a Windows machine or a
	// container without /usr/share/zoneinfo, where LoadLocation would fail.
	_ "time/tzdata"
)

// Clock tells the time. Every component of the back end asks it instead of
// calling time.Now, so that lockouts, journals and schedules agree.
type Clock interface {
	Now() time.Time
}

// Real is the wall clock.
type Real struct{}

// Now returns the current wall-clock time.
func (Real) Now() time.Time { return time.Now() }

// Simulated starts at a given instant and then runs in real time, for demos
// (--now / HEBERGEMENT_NOW).
type Simulated struct {
	offset time.Duration
}

// NewSimulated returns a clock that reads start now and advances in real time.
func NewSimulated(start time.Time) *Simulated {
	return &Simulated{offset: time.Until(start)}
}

// Now returns the simulated current time.
func (s *Simulated) Now() time.Time { return time.Now().Add(s.offset) }

// Fake only moves when told to; tests use it to cross lockout windows and
// calendar dates without sleeping.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a fake clock standing at t.
func NewFake(t time.Time) *Fake { return &Fake{now: t} }

// Now returns the fake current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake clock forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// Set moves the fake clock to t.
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

// Parse reads a --now value: RFC 3339 (seconds optional), or a date and
// time without an offset, or a plain date (midnight), both in Paris.
func Parse(s string) (time.Time, error) {
	// With an offset: RFC 3339, seconds optional (2027-08-25T03:00+02:00,
	// as operators write --at).
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	// Without one: Paris time.
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, Paris()); err == nil {
			return t, nil
		}
	}
	return time.ParseInLocation("2006-01-02", s, Paris())
}

var (
	parisOnce sync.Once
	paris     *time.Location
)

// Paris is the time zone the schools live in; every date shown to a user is
// in it. The embedded tz data makes it load everywhere; the fixed +01:00
// fallback is only for a broken build.
func Paris() *time.Location {
	parisOnce.Do(func() {
		loc, err := time.LoadLocation("Europe/Paris")
		if err != nil {
			loc = time.FixedZone("CET", 3600)
		}
		paris = loc
	})
	return paris
}
