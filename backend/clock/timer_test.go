package clock

import (
	"testing"
	"time"
)

func TestManualFiresTimersItPasses(t *testing.T) {
	start := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	m := NewManual(start)
	a, _ := m.NewTimer(time.Minute)
	b, stopB := m.NewTimer(time.Hour)
	c, _ := m.NewTimer(2 * time.Hour)
	if got := m.Pending(); got != 3 {
		t.Fatalf("Pending = %d, want 3", got)
	}
	stopB()
	m.Advance(90 * time.Minute)
	select {
	case at := <-a:
		if !at.Equal(start.Add(90 * time.Minute)) {
			t.Fatalf("fired with %v", at)
		}
	default:
		t.Fatal("a timer the clock passed did not fire")
	}
	select {
	case <-b:
		t.Fatal("a stopped timer fired")
	case <-c:
		t.Fatal("a timer fired before its deadline")
	default:
	}
	if got := m.Pending(); got != 1 {
		t.Fatalf("Pending = %d, want 1", got)
	}
	m.Set(start.Add(2 * time.Hour))
	<-c
	now, _ := m.NewTimer(0)
	<-now // d <= 0 fires at once
}

func TestWaitPending(t *testing.T) {
	m := NewManual(time.Unix(0, 0))
	done := make(chan struct{})
	go func() {
		ch, _ := m.NewTimer(time.Second)
		<-ch
		close(done)
	}()
	if !m.WaitPending(1, nil) {
		t.Fatal("WaitPending gave up")
	}
	m.Advance(time.Second)
	<-done
	stop := make(chan struct{})
	close(stop)
	if m.WaitPending(5, stop) {
		t.Fatal("WaitPending(5) returned true with no timer")
	}
}

func TestNewTimerFallsBackToTheWallClock(t *testing.T) {
	ch, stop := NewTimer(Real{}, time.Millisecond)
	defer stop()
	<-ch
	ch, _ = NewTimer(NewManual(time.Unix(0, 0)), 0)
	<-ch
}
