package backend_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/scheduler"
)

// mortal is an instance's coordinator that can die as a process killed
// with SIGKILL does: from then on it neither renews nor releases its lease
// (the row stays until it expires) and records nothing.
type mortal struct {
	scheduler.Coordinator
	dead atomic.Bool
}

var errDead = errors.New("this instance is dead")

func (m *mortal) Acquire(ctx context.Context, now time.Time) (bool, string, error) {
	if m.dead.Load() {
		return false, "", errDead
	}
	return m.Coordinator.Acquire(ctx, now)
}

func (m *mortal) Release() error {
	if m.dead.Load() {
		return nil
	}
	return m.Coordinator.Release()
}

func (m *mortal) Record(ctx context.Context, job string, at time.Time) error {
	if m.dead.Load() {
		return errDead
	}
	return m.Coordinator.Record(ctx, job, at)
}

// Two instances on one database share the scheduler through the lease row:
// one runs the job, the other stands by; when the holder dies without a
// word, the other takes the lease once it has expired and runs the next
// runs; the job never runs on both at once, and the dead one's running job
// is cut.
func TestSchedulerLeaseTakenOverWhenTheHolderDies(t *testing.T) {
	first := newEnv(t)
	second := openEnv(t, first.dir, first.clock)
	const ttl = 900 * time.Millisecond
	var running, overlap atomic.Int32
	var mu sync.Mutex
	ran := map[int]int{} // instance → runs
	cos := []*mortal{{Coordinator: first.b.LeaseCoordinator(ttl)}, {Coordinator: second.b.LeaseCoordinator(ttl)}}
	scheds := make([]*scheduler.Scheduler, 2)
	for i, co := range cos {
		job := scheduler.NewJob("tick", func(last time.Time) time.Time {
			if last.IsZero() {
				return last
			}
			return last.Add(150 * time.Millisecond)
		}, func(ctx context.Context, now time.Time) error {
			if co.dead.Load() {
				<-ctx.Done() // a dead process runs nothing more
				return ctx.Err()
			}
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			ran[i]++
			mu.Unlock()
			return nil
		})
		s, err := scheduler.New(scheduler.Config{Dir: first.dir, Coordinator: co, Clock: clock.Real{}, Jobs: []scheduler.Job{job},
			MaxSleep: 50 * time.Millisecond, RetryFailed: 50 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		scheds[i] = s
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range scheds {
		wg.Go(func() { s.Run(ctx) }) //nolint:errcheck
	}
	defer func() { cancel(); wg.Wait() }()

	runs := func(i int) int { mu.Lock(); defer mu.Unlock(); return ran[i] }
	waitFor(t, "a first holder running the job", 5*time.Second, func() bool { return runs(0)+runs(1) >= 2 })
	holder := 0
	if scheds[1].State().Active {
		holder = 1
	}
	other := 1 - holder
	if scheds[other].State().Active || runs(other) != 0 {
		t.Fatalf("both instances hold the lease (runs %v)", ran)
	}
	killed := time.Now()
	cos[holder].dead.Store(true)
	waitFor(t, "the other instance to take over", 10*time.Second, func() bool { return runs(other) >= 1 })
	if d := time.Since(killed); d < ttl/2 {
		t.Errorf("taken over %v after the holder died, before its lease of %v could expire", d, ttl)
	}
	waitFor(t, "the dead holder to stand by", 5*time.Second, func() bool { return !scheds[holder].State().Active })
	waitFor(t, "the survivor's next run", 5*time.Second, func() bool { return runs(other) >= 2 })
	if n := overlap.Load(); n != 0 {
		t.Errorf("the job ran on both instances at once %d times", n)
	}
	st := scheds[other].State()
	if !st.Active || st.Where != `lease "scheduler" in the database` {
		t.Errorf("the survivor's state: %+v", st)
	}
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", limit, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
