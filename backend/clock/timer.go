package clock

import (
	"sort"
	"sync"
	"time"
)

// Timers is a clock that can wake a goroutine at an instant of its own time.
// Manual implements it, so that code which waits (the scheduler) can be
// tested by moving time by hand.
type Timers interface {
	Clock
	// NewTimer returns a channel that receives the clock's time once d has
	// passed on it, and a function that cancels the timer.
	NewTimer(d time.Duration) (<-chan time.Time, func())
}

// NewTimer waits d on c: with c's own timers when it has them (Manual), else
// with the wall clock's, which is right for Real and Simulated since both
// run in real time. Fake has no timers: code that waits on a Fake waits in
// real time, so tests of such code use Manual.
func NewTimer(c Clock, d time.Duration) (<-chan time.Time, func()) {
	if t, ok := c.(Timers); ok {
		return t.NewTimer(d)
	}
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Manual is a fake clock with timers: it only moves when told to, and moving
// it fires the timers it passes, in the order of their deadlines. Tests use
// Pending and WaitPending to know that the code under test has gone back to sleep.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*manualTimer
	changed chan struct{} // closed and replaced when waiters changes
}

type manualTimer struct {
	at time.Time
	c  chan time.Time
}

// NewManual returns a manual clock standing at t.
func NewManual(t time.Time) *Manual {
	return &Manual{now: t, changed: make(chan struct{})}
}

var _ Timers = (*Manual)(nil)

// Now returns the clock's current time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// NewTimer fires once the clock has moved d forward; at once when d <= 0.
func (m *Manual) NewTimer(d time.Duration) (<-chan time.Time, func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t := &manualTimer{at: m.now.Add(d), c: make(chan time.Time, 1)}
	if d <= 0 {
		t.c <- m.now
		return t.c, func() {}
	}
	m.waiters = append(m.waiters, t)
	m.signal()
	return t.c, func() {
		m.mu.Lock()
		defer m.mu.Unlock()
		for i, w := range m.waiters {
			if w == t {
				m.waiters = append(m.waiters[:i], m.waiters[i+1:]...)
				m.signal()
				return
			}
		}
	}
}

// Advance moves the clock forward by d and fires the timers it passes.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set(m.now.Add(d))
}

// Set moves the clock to t (forward or back) and fires the timers whose
// deadline is reached.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.set(t)
}

func (m *Manual) set(t time.Time) {
	m.now = t
	sort.SliceStable(m.waiters, func(i, j int) bool { return m.waiters[i].at.Before(m.waiters[j].at) })
	kept := m.waiters[:0]
	fired := false
	for _, w := range m.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.c <- t
		fired = true
	}
	clear(m.waiters[len(kept):])
	m.waiters = kept
	if fired {
		m.signal()
	}
}

// signal wakes the goroutines in WaitPending. Called with m.mu held.
func (m *Manual) signal() {
	close(m.changed)
	m.changed = make(chan struct{})
}

// Pending is the number of timers waiting to fire: a test that sees it go
// back to what it was knows the code under test has done its work and gone
// back to sleep.
func (m *Manual) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}

// WaitPending blocks until exactly n timers wait, or done is closed
// (false then).
func (m *Manual) WaitPending(n int, done <-chan struct{}) bool {
	for {
		m.mu.Lock()
		got, changed := len(m.waiters), m.changed
		m.mu.Unlock()
		if got == n {
			return true
		}
		select {
		case <-changed:
		case <-done:
			return false
		}
	}
}
