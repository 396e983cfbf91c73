package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
)

// rowLease is a lease row in memory, as the back end's coordinator keeps
// one in the database: three renewal periods long, on the wall clock. It
// can fail (a database restarting) or hang (a network cut without reset).
type rowLease struct {
	every   time.Duration
	failing atomic.Bool
	hanging atomic.Bool

	mu      sync.Mutex
	expires time.Time
	runs    map[string]time.Time
}

var errDown = errors.New("database down")

func (r *rowLease) Acquire(ctx context.Context, _ time.Time) (bool, string, error) {
	if r.hanging.Load() {
		<-ctx.Done()
		return false, "", ctx.Err()
	}
	if r.failing.Load() {
		return false, "", errDown
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.expires = time.Now().Add(3 * r.every)
	return true, "", nil
}

func (r *rowLease) Release() error { return nil }

func (r *rowLease) LastRuns(context.Context) (map[string]time.Time, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]time.Time{}
	for k, v := range r.runs {
		out[k] = v
	}
	return out, nil
}

func (r *rowLease) Record(_ context.Context, job string, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.runs == nil {
		r.runs = map[string]time.Time{}
	}
	r.runs[job] = at
	return nil
}

func (r *rowLease) Renewal() time.Duration { return r.every }
func (r *rowLease) Where() string          { return "row" }

// A database that fails for a while does not end Run (which would stop
// every component of serve with it): the scheduler stands by and takes
// the lease again once the database answers.
func TestLeaseErrorsDoNotEndRun(t *testing.T) {
	co := &rowLease{every: 50 * time.Millisecond}
	job := &testJob{name: "tick", next: Every(time.Hour)}
	s, err := New(Config{Dir: t.TempDir(), Coordinator: co, Clock: clock.Real{}, Jobs: []Job{job}, MaxSleep: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	waitFor(t, "the first run", func() bool { return len(job.runs()) == 1 })
	co.failing.Store(true)
	waitFor(t, "the lease given up", func() bool { return !s.State().Active })
	select {
	case err := <-done:
		t.Fatalf("Run ended on a failing database: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	co.failing.Store(false)
	waitFor(t, "the lease taken again", func() bool { return s.State().Active })
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// A renewal that hangs (a network cut, no reset) cuts the running job
// before the lease can expire: by then another instance may take it.
func TestHangingRenewalCutsTheJob(t *testing.T) {
	co := &rowLease{every: 50 * time.Millisecond}
	started := make(chan struct{})
	cut := make(chan time.Time, 1)
	job := &testJob{name: "long", next: Every(time.Hour), run: func(ctx context.Context, _ time.Time) error {
		close(started)
		<-ctx.Done()
		cut <- time.Now()
		return ctx.Err()
	}}
	s, err := New(Config{Dir: t.TempDir(), Coordinator: co, Clock: clock.Real{}, Jobs: []Job{job}, Grace: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Run(ctx) //nolint:errcheck
	<-started
	co.mu.Lock()
	lastRenewal := co.expires.Add(-3 * co.every)
	co.mu.Unlock()
	co.hanging.Store(true)
	select {
	case at := <-cut:
		co.mu.Lock()
		expires := co.expires
		co.mu.Unlock()
		if !at.Before(expires) {
			t.Errorf("the job was cut at %v, after the lease expired at %v (last renewal %v)", at, expires, lastRenewal)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a hanging renewal never cut the job")
	}
	waitFor(t, "standing by", func() bool { return !s.State().Active })
	co.mu.Lock()
	_, recorded := co.runs["long"]
	co.mu.Unlock()
	if recorded {
		t.Error("a job cut by the lease's loss was recorded as run")
	}
}
