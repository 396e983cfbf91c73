package scheduler

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
)

func paris(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02T15:04", s, clock.Paris())
	if err != nil {
		panic(err)
	}
	return t
}

// newScheduler is a scheduler that holds the lease of dir when lease is
// true; it is closed at the end of the test.
func newScheduler(t *testing.T, dir string, lease bool, jobs ...Job) *Scheduler {
	t.Helper()
	s, err := New(Config{Dir: dir, Clock: clock.NewManual(t0), Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if lease {
		if ok, err := s.TryLease(); err != nil || !ok {
			t.Fatalf("lease: %v %v", ok, err)
		}
	}
	return s
}

func summary(rs []Result) string {
	var parts []string
	for _, r := range rs {
		switch {
		case !r.Ran:
			parts = append(parts, r.Job+":-")
		case r.Recorded:
			parts = append(parts, r.Job+":"+r.Outcome+"+")
		default:
			parts = append(parts, r.Job+":"+r.Outcome)
		}
	}
	return strings.Join(parts, ",")
}

// TestRunAtSteppingThroughMonths: RunAt runs the jobs due at the instant,
// with now = the instant whatever the clock reads, once per step however
// many nights the step skips, and records them; an instant not after the
// last run runs nothing.
func TestRunAtSteppingThroughMonths(t *testing.T) {
	dir := t.TempDir()
	nightly := &testJob{name: "nightly", next: Daily(2, 0, clock.Paris())}
	prune := &testJob{name: "prune", next: Daily(3, 0, clock.Paris())}
	s := newScheduler(t, dir, true, nightly, prune)
	ctx := context.Background()

	steps := []time.Time{paris("2027-01-10T03:00"), paris("2027-02-10T03:00"), paris("2027-03-10T03:00"), paris("2027-04-10T03:00")}
	for i, at := range steps {
		rs, err := s.RunAt(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		if got := summary(rs); got != "nightly:ok+,prune:ok+" {
			t.Fatalf("step %s: %s", at, got)
		}
		if n, p := nightly.runs(), prune.runs(); len(n) != i+1 || !n[i].Equal(at) || len(p) != i+1 || !p[i].Equal(at) {
			t.Fatalf("step %s: nightly ran at %v, prune at %v", at, n, p)
		}
		last, err := readState(dir)
		if err != nil || !last["nightly"].Equal(at) || !last["prune"].Equal(at) {
			t.Fatalf("state after step %s: %v %v", at, last, err)
		}
	}
	end := steps[len(steps)-1]
	// Again at the same instant: nothing is due.
	if rs, err := s.RunAt(ctx, end); err != nil || summary(rs) != "nightly:-,prune:-" {
		t.Fatalf("at %s again: %s %v", end, summary(rs), err)
	}
	// The next night at 02:00: the nightly job only.
	rs, _ := s.RunAt(ctx, paris("2027-04-11T02:00"))
	if summary(rs) != "nightly:ok+,prune:-" || !rs[1].Due.Equal(paris("2027-04-11T03:00")) {
		t.Fatalf("next night: %s, prune due %s", summary(rs), rs[1].Due)
	}
	if len(nightly.runs()) != 5 || len(prune.runs()) != 4 {
		t.Fatalf("runs: %d nightly, %d prune", len(nightly.runs()), len(prune.runs()))
	}
	// A restart reads the runs RunAt recorded.
	s.Close()
	again := newScheduler(t, dir, true, nightly, prune)
	rs, _ = again.RunAt(ctx, paris("2027-04-11T02:30"))
	if summary(rs) != "nightly:-,prune:-" {
		t.Fatalf("after a restart: %s", summary(rs))
	}
	// Earlier than the recorded runs: as the loop would with its clock
	// there, the later runs are not trusted, the jobs run as of that
	// instant and it is recorded (TestFutureRunDoesNotPutOffThePresent).
	early := paris("2027-01-01T00:00")
	rs, _ = again.RunAt(ctx, early)
	if last, err := readState(dir); summary(rs) != "nightly:ok+,prune:ok+" || err != nil || !last["nightly"].Equal(early) {
		t.Fatalf("at %s, before the recorded runs: %s, state %v %v", early, summary(rs), last, err)
	}
}

// TestRunAtBesideTheHolder: a scheduler without the lease runs the jobs
// due at the instant (given the holder's record) but writes nothing.
func TestRunAtBesideTheHolder(t *testing.T) {
	dir := t.TempDir()
	job := &testJob{name: "nightly", next: Daily(2, 0, clock.Paris())}
	holder := newScheduler(t, dir, true, job)
	ctx := context.Background()
	first := paris("2027-05-01T02:00")
	if rs, _ := holder.RunAt(ctx, first); summary(rs) != "nightly:ok+" {
		t.Fatalf("holder: %s", summary(rs))
	}
	other := newScheduler(t, dir, false, job)
	if ok, err := other.TryLease(); ok || err != nil {
		t.Fatalf("second lease on one folder: %v %v", ok, err)
	}
	// Due given the holder's last run: not before the next night.
	if rs, _ := other.RunAt(ctx, paris("2027-05-01T09:00")); summary(rs) != "nightly:-" || !rs[0].Last.Equal(first) {
		t.Fatalf("beside the holder, same day: %s (last %s)", summary(rs), rs[0].Last)
	}
	rs, err := other.RunAt(ctx, paris("2027-05-03T02:00"))
	if err != nil || summary(rs) != "nightly:ok" || rs[0].Recorded {
		t.Fatalf("beside the holder, two nights on: %s %v", summary(rs), err)
	}
	if got := job.runs(); len(got) != 2 || !got[1].Equal(paris("2027-05-03T02:00")) {
		t.Fatalf("runs %v", got)
	}
	if last, _ := readState(dir); !last["nightly"].Equal(first) {
		t.Fatalf("the standby wrote the state: %v", last)
	}
	// Once the holder is gone, the other takes the lease and records.
	holder.Close()
	if ok, err := other.TryLease(); !ok || err != nil {
		t.Fatalf("lease after the holder: %v %v", ok, err)
	}
	if rs, _ := other.RunAt(ctx, paris("2027-05-03T02:00")); summary(rs) != "nightly:ok+" {
		t.Fatalf("after taking the lease: %s", summary(rs))
	}
	if last, _ := readState(dir); !last["nightly"].Equal(paris("2027-05-03T02:00")) {
		t.Fatalf("state %v", last)
	}
}

// TestRunAtFailures: a job that fails or panics is reported, not recorded,
// and runs again at the next RunAt; the other jobs run all the same.
func TestRunAtFailures(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	flaky := &testJob{name: "flaky", next: Every(time.Hour), run: func(context.Context, time.Time) error {
		switch calls.Add(1) {
		case 1:
			return errors.New("disk full")
		case 2:
			panic("a bug")
		}
		return nil
	}}
	fine := &testJob{name: "fine", next: Every(time.Hour)}
	var out outcomes
	s, err := New(Config{Dir: dir, Clock: clock.NewManual(t0), Jobs: []Job{flaky, fine}, OnRun: out.onRun})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, _ := s.TryLease(); !ok {
		t.Fatal("no lease")
	}
	ctx := context.Background()
	rs, err := s.RunAt(ctx, t0)
	if err != nil || summary(rs) != "flaky:error,fine:ok+" || rs[0].Err == nil || !strings.Contains(rs[0].Err.Error(), "disk full") {
		t.Fatalf("first: %s %v", summary(rs), err)
	}
	if rs, _ = s.RunAt(ctx, t0); summary(rs) != "flaky:panic,fine:-" {
		t.Fatalf("second: %s", summary(rs))
	}
	if rs, _ = s.RunAt(ctx, t0); summary(rs) != "flaky:ok+,fine:-" {
		t.Fatalf("third: %s", summary(rs))
	}
	if got := strings.Join(out.list(), ","); got != "flaky:error,fine:ok,flaky:panic,flaky:ok" {
		t.Fatalf("OnRun: %s", got)
	}
	if _, err := s.RunAt(ctx, time.Time{}); err == nil {
		t.Fatal("RunAt at the zero time accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if rs, err := s.RunAt(cancelled, t0.Add(time.Hour)); err == nil || len(rs) != 0 {
		t.Fatalf("a cancelled RunAt ran %s", summary(rs))
	}
}

// TestJobNeverRunsTwiceAtOnce: while the loop of Run runs a job, RunAt in
// the same process, on another scheduler of the folder, waits for it, then
// sees it is no longer due at that instant; at a later instant it runs it,
// after the loop's run, never beside it.
func TestJobNeverRunsTwiceAtOnce(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewManual(t0)
	var inFlight, maxInFlight, runs atomic.Int32
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	mk := func() *testJob {
		return &testJob{name: "job", next: Every(time.Hour), run: func(context.Context, time.Time) error {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for {
				m := maxInFlight.Load()
				if n <= m || maxInFlight.CompareAndSwap(m, n) {
					break
				}
			}
			if runs.Add(1) == 1 {
				started <- struct{}{}
				<-release
			}
			return nil
		}}
	}
	start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{mk()}})
	<-started // the loop runs the job, due at once
	other := newScheduler(t, dir, false, mk())
	type res struct {
		rs  []Result
		err error
	}
	same, later := make(chan res, 1), make(chan res, 1)
	go func() { rs, err := other.RunAt(context.Background(), t0); same <- res{rs, err} }()
	go func() { rs, err := other.RunAt(context.Background(), t0.Add(2*time.Hour)); later <- res{rs, err} }()
	time.Sleep(50 * time.Millisecond)
	select {
	case <-same:
		t.Fatal("RunAt did not wait for the running job")
	case <-later:
		t.Fatal("RunAt did not wait for the running job")
	default:
	}
	close(release)
	a, b := <-same, <-later
	if a.err != nil || b.err != nil {
		t.Fatal(a.err, b.err)
	}
	// Whichever took the lock first after the loop: the one at t0 finds
	// the job done at t0; the one two hours on runs it.
	if summary(a.rs) != "job:-" || summary(b.rs) != "job:ok" {
		t.Fatalf("at t0: %s, at t0+2h: %s", summary(a.rs), summary(b.rs))
	}
	if runs.Load() != 2 || maxInFlight.Load() != 1 {
		t.Fatalf("%d runs, %d at once", runs.Load(), maxInFlight.Load())
	}
}

// TestList: each job's schedule in words, last run and next due instant,
// from the holder's record or, in another process, the state file.
func TestList(t *testing.T) {
	dir := t.TempDir()
	nightly := &testJob{name: "nightly-backup", next: Daily(2, 0, clock.Paris())}
	hourly := NewJob("expire", Every(time.Hour), func(context.Context, time.Time) error { return nil })
	s := newScheduler(t, dir, true, nightly, hourly)
	l, err := s.List()
	if err != nil || len(l) != 2 {
		t.Fatal(l, err)
	}
	if l[0].Name != "nightly-backup" || l[0].Schedule != "every day at 02:00 Europe/Paris" || !l[0].Last.IsZero() || !l[0].Next.IsZero() ||
		l[1].Name != "expire" || l[1].Schedule != "every hour" {
		t.Fatalf("before any run: %+v", l)
	}
	at := paris("2026-08-25T03:00") // before the clock's now: a run in the future is not trusted (TestFutureRunDoesNotPutOffThePresent)
	if _, err := s.RunAt(context.Background(), at); err != nil {
		t.Fatal(err)
	}
	check := func(who string, l []JobInfo) {
		t.Helper()
		if !l[0].Last.Equal(at) || !l[0].Next.Equal(paris("2026-08-26T02:00")) || !l[1].Last.Equal(at) ||
			!l[1].Next.Equal(at.Add(time.Hour)) || l[0].Retrying {
			t.Fatalf("%s: %+v", who, l)
		}
	}
	l, _ = s.List()
	check("holder", l)
	other := newScheduler(t, dir, false, nightly, hourly)
	l, err = other.List()
	if err != nil {
		t.Fatal(err)
	}
	check("beside the holder", l)
}

func TestDescribe(t *testing.T) {
	for _, c := range []struct {
		next func(time.Time) time.Time
		want string
	}{
		{Daily(2, 0, clock.Paris()), "every day at 02:00 Europe/Paris"},
		{Daily(23, 45, clock.Paris()), "every day at 23:45 Europe/Paris"},
		{Daily(2, 0, time.UTC), "every day at 02:00 UTC"},
		{Every(6 * time.Hour), "every 6 hours"},
		{Every(24 * time.Hour), "every day"},
		{Every(time.Minute), "every minute"},
		{Every(90 * time.Second), "every 90 seconds"},
		{func(last time.Time) time.Time { return last.Add(time.Duration(last.Unix()%7+1) * time.Hour) }, "on a schedule of its own"},
		{func(time.Time) time.Time { return time.Time{} }, "on a schedule of its own"},
	} {
		if got := Describe(c.next); got != c.want {
			t.Errorf("Describe = %q, want %q", got, c.want)
		}
	}
	if got := describeJob(&describedJob{}); got != "at the August switch" {
		t.Errorf("a job's own words: %q", got)
	}
}

type describedJob struct{ testJob }

func (*describedJob) Schedule() string { return "at the August switch" }
