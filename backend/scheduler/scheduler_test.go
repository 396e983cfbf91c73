package scheduler

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
)

// waitFor polls cond until it holds; it fails the test after a generous
// deadline (a hang, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// testJob counts its runs and remembers the instants it was given.
type testJob struct {
	name string
	next func(time.Time) time.Time
	// run, when set, does the work; nil succeeds at once.
	run func(ctx context.Context, now time.Time) error

	mu   sync.Mutex
	nows []time.Time
}

func (j *testJob) Name() string                  { return j.name }
func (j *testJob) Next(last time.Time) time.Time { return j.next(last) }
func (j *testJob) Run(ctx context.Context, now time.Time) error {
	j.mu.Lock()
	j.nows = append(j.nows, now)
	j.mu.Unlock()
	if j.run != nil {
		return j.run(ctx, now)
	}
	return nil
}

func (j *testJob) runs() []time.Time {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]time.Time(nil), j.nows...)
}

// outcomes records OnRun's reports.
type outcomes struct {
	mu  sync.Mutex
	got []string
}

func (o *outcomes) onRun(job, outcome string, _ time.Duration) {
	o.mu.Lock()
	o.got = append(o.got, job+":"+outcome)
	o.mu.Unlock()
}

func (o *outcomes) list() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.got...)
}

// running is a scheduler whose Run goes on in the background.
type running struct {
	s      *Scheduler
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config) *running {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	r.cancel()
	if err := <-r.done; err != nil {
		t.Errorf("Run: %v", err)
	}
	r.done <- nil // later stops return at once
}

var t0 = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)

// TestJobDueAtTRunsOnce: a job due at T runs once when the clock reaches T,
// not before, and not again until its next instant.
func TestJobDueAtTRunsOnce(t *testing.T) {
	clk := clock.NewManual(t0)
	at := t0.Add(time.Hour)
	job := &testJob{name: "once", next: func(last time.Time) time.Time {
		if last.IsZero() {
			return at
		}
		return last.Add(24 * time.Hour)
	}}
	var out outcomes
	r := start(t, Config{Dir: t.TempDir(), Clock: clk, Jobs: []Job{job}, OnRun: out.onRun})
	clk.WaitPending(1, nil)
	clk.Advance(59 * time.Minute)
	clk.WaitPending(1, nil)
	if n := len(job.runs()); n != 0 {
		t.Fatalf("ran %d times before it was due", n)
	}
	clk.Advance(time.Minute)
	clk.WaitPending(1, nil)
	if got := job.runs(); len(got) != 1 || !got[0].Equal(at) {
		t.Fatalf("runs at T: %v, want one at %v", got, at)
	}
	for range 5 { // the rest of the day, in steps
		clk.Advance(4 * time.Hour)
		clk.WaitPending(1, nil)
	}
	if n := len(job.runs()); n != 1 {
		t.Fatalf("ran %d times within the day, want 1", n)
	}
	clk.Advance(4 * time.Hour) // T + 24 h
	clk.WaitPending(1, nil)
	if n := len(job.runs()); n != 2 {
		t.Fatalf("ran %d times by T+24h, want 2", n)
	}
	if got := out.list(); strings.Join(got, ",") != "once:ok,once:ok" {
		t.Fatalf("outcomes %v", got)
	}
	if !r.s.State().Active {
		t.Fatal("the only scheduler is not active")
	}
}

// TestCatchUpRunsOnce: a daily job whose process was down for five days runs
// once at the restart (with the restart's instant), not five times, then at
// its next instant.
func TestCatchUpRunsOnce(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewManual(t0.Add(time.Hour)) // 01:00
	job := &testJob{name: "nightly", next: Daily(2, 0, time.UTC)}
	r := start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{job}})
	clk.WaitPending(1, nil)
	if n := len(job.runs()); n != 1 {
		t.Fatalf("a job that never ran ran %d times at start, want 1", n)
	}
	clk.Advance(time.Hour) // 02:00
	clk.WaitPending(1, nil)
	if n := len(job.runs()); n != 2 {
		t.Fatalf("ran %d times by 02:00, want 2", n)
	}
	r.stop(t)

	clk.Advance(5*24*time.Hour + 7*time.Hour) // down until day 6, 09:00
	restart := clk.Now()
	r = start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{job}})
	clk.WaitPending(1, nil)
	got := job.runs()
	if len(got) != 3 || !got[2].Equal(restart) {
		t.Fatalf("after 5 days down: runs %v, want one more at %v", got, restart)
	}
	for range 4 { // until 01:00 the next night
		clk.Advance(4 * time.Hour)
		clk.WaitPending(1, nil)
	}
	if n := len(job.runs()); n != 3 {
		t.Fatalf("ran %d times before the next night, want 3", n)
	}
	clk.Advance(time.Hour) // 02:00
	clk.WaitPending(1, nil)
	got = job.runs()
	if len(got) != 4 || got[3].Hour() != 2 {
		t.Fatalf("runs %v, want the fourth at 02:00", got)
	}
	r.stop(t)
}

// TestFailedJobIsRetried: a failure is not recorded as a run; the job runs
// again RetryFailed later, and after it succeeds follows its schedule.
func TestFailedJobIsRetried(t *testing.T) {
	clk := clock.NewManual(t0)
	var calls atomic.Int32
	job := &testJob{name: "flaky", next: Every(24 * time.Hour), run: func(context.Context, time.Time) error {
		switch calls.Add(1) {
		case 1:
			return errors.New("disk full")
		case 2:
			panic("a bug")
		}
		return nil
	}}
	var out outcomes
	start(t, Config{Dir: t.TempDir(), Clock: clk, Jobs: []Job{job}, RetryFailed: 10 * time.Minute, OnRun: out.onRun})
	clk.WaitPending(1, nil)
	clk.Advance(9 * time.Minute)
	clk.WaitPending(1, nil)
	if calls.Load() != 1 {
		t.Fatalf("retried before RetryFailed: %d calls", calls.Load())
	}
	clk.Advance(time.Minute)
	clk.WaitPending(1, nil)
	clk.Advance(10 * time.Minute)
	clk.WaitPending(1, nil)
	clk.Advance(time.Hour)
	clk.WaitPending(1, nil)
	if got := strings.Join(out.list(), ","); got != "flaky:error,flaky:panic,flaky:ok" {
		t.Fatalf("outcomes %s", got)
	}
}

// TestStopWaitsForTheRunningJob: a stop lets the running job finish with its
// context intact; with a short grace the job's context is cancelled and the
// run is not recorded.
func TestStopWaitsForTheRunningJob(t *testing.T) {
	t.Run("within the grace", func(t *testing.T) {
		dir := t.TempDir()
		started, release := make(chan struct{}), make(chan struct{})
		var ctxErr error
		job := &testJob{name: "long", next: Every(time.Hour), run: func(ctx context.Context, _ time.Time) error {
			close(started)
			<-release
			ctxErr = ctx.Err()
			return nil
		}}
		var out outcomes
		r := start(t, Config{Dir: dir, Clock: clock.NewManual(t0), Jobs: []Job{job}, Grace: time.Hour, OnRun: out.onRun})
		<-started
		r.cancel()
		select {
		case <-r.done:
			t.Fatal("Run returned while its job was running")
		default:
		}
		close(release)
		if err := <-r.done; err != nil {
			t.Fatal(err)
		}
		r.done <- nil
		if ctxErr != nil || strings.Join(out.list(), ",") != "long:ok" {
			t.Fatalf("job context %v, outcomes %v", ctxErr, out.list())
		}
		if last, _ := readState(dir); !last["long"].Equal(t0) {
			t.Fatalf("state %v", last)
		}
	})
	t.Run("past the grace", func(t *testing.T) {
		dir := t.TempDir()
		started := make(chan struct{})
		job := &testJob{name: "stuck", next: Every(time.Hour), run: func(ctx context.Context, _ time.Time) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		}}
		var out outcomes
		r := start(t, Config{Dir: dir, Clock: clock.NewManual(t0), Jobs: []Job{job}, Grace: time.Millisecond, OnRun: out.onRun})
		<-started
		r.stop(t)
		if strings.Join(out.list(), ",") != "stuck:canceled" {
			t.Fatalf("outcomes %v", out.list())
		}
		if last, _ := readState(dir); !last["stuck"].IsZero() {
			t.Fatalf("a cut run was recorded: %v", last)
		}
	})
}

// TestTwoSchedulersOnOneFolder: of two schedulers on one data folder, one
// runs the jobs and the other stands by and says so; no job ever runs in
// both, nor twice at once; when the runner stops, the other takes over.
func TestTwoSchedulersOnOneFolder(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewManual(t0)
	var inFlight, maxInFlight atomic.Int32
	var ranBy [2]atomic.Int32
	mk := func(i int) *testJob {
		return &testJob{name: "job", next: Every(time.Hour), run: func(context.Context, time.Time) error {
			n := inFlight.Add(1)
			for {
				m := maxInFlight.Load()
				if n <= m || maxInFlight.CompareAndSwap(m, n) {
					break
				}
			}
			ranBy[i].Add(1)
			inFlight.Add(-1)
			return nil
		}}
	}
	a := start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{mk(0)}, Retry: 30 * time.Second})
	waitFor(t, "the first scheduler to take the lease", func() bool { return a.s.State().Active })
	b := start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{mk(1)}, Retry: 30 * time.Second})
	clk.WaitPending(2, nil) // a sleeps until its job is due, b until it retries the lock
	st := b.s.State()
	if st.Active || !strings.Contains(st.String(), "standby") || !strings.Contains(st.Holder, fmt.Sprint("pid ", os.Getpid())) {
		t.Fatalf("second scheduler: %+v (%s)", st, st)
	}
	for range 10 {
		clk.Advance(30 * time.Minute)
		clk.WaitPending(2, nil)
	}
	if ranBy[1].Load() != 0 || ranBy[0].Load() != 6 {
		t.Fatalf("runs: first %d, second %d", ranBy[0].Load(), ranBy[1].Load())
	}
	a.stop(t)
	clk.Advance(30 * time.Second) // b retries the lock
	waitFor(t, "the second scheduler to take over", func() bool { return b.s.State().Active })
	clk.WaitPending(1, nil)
	clk.Advance(time.Hour)
	clk.WaitPending(1, nil)
	if ranBy[1].Load() == 0 {
		t.Fatal("the second scheduler runs nothing after taking over")
	}
	if maxInFlight.Load() != 1 {
		t.Fatalf("%d runs at once", maxInFlight.Load())
	}
}

// TestLeaseAcrossProcesses: the lock excludes another process (this test
// binary run again), whose line the standby reads, and is free again once
// that process is gone.
func TestLeaseAcrossProcesses(t *testing.T) {
	if os.Getenv("SCHEDULER_HOLD_LEASE") != "" {
		return // the helper runs in TestMain
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SCHEDULER_HOLD_LEASE="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait() //nolint:errcheck
	defer stdin.Close()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "held\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}
	l, holder, err := TryLease(dir, t0)
	if err != nil || l != nil {
		t.Fatalf("took a lease another process holds: %v %v", l, err)
	}
	if !strings.Contains(holder, fmt.Sprintf("pid %d ", cmd.Process.Pid)) {
		t.Fatalf("holder %q does not name the helper (pid %d)", holder, cmd.Process.Pid)
	}
	stdin.Close()
	cmd.Wait() //nolint:errcheck
	l, _, err = TryLease(dir, t0)
	if err != nil || l == nil {
		t.Fatalf("lease not free after its holder exited: %v", err)
	}
	l.Release()
}

func TestMain(m *testing.M) {
	if dir := os.Getenv("SCHEDULER_HOLD_LEASE"); dir != "" {
		l, _, err := TryLease(dir, time.Now())
		if err != nil || l == nil {
			fmt.Println("not held", err)
			os.Exit(1)
		}
		fmt.Println("held")
		bufio.NewReader(os.Stdin).ReadString('\n') //nolint:errcheck // until the parent closes stdin
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestNewRefusesDuplicateNames(t *testing.T) {
	j := &testJob{name: "x", next: Every(time.Hour)}
	if _, err := New(Config{Dir: t.TempDir(), Jobs: []Job{j, j}}); err == nil {
		t.Fatal("two jobs named x accepted")
	}
	if _, err := New(Config{Jobs: []Job{j}}); err == nil {
		t.Fatal("no data folder accepted")
	}
}

func TestDaily(t *testing.T) {
	paris := clock.Paris()
	next := Daily(2, 0, paris)
	if !next(time.Time{}).IsZero() {
		t.Fatal("a job that never ran is not due at once")
	}
	cases := []struct{ last, want string }{
		{"2026-11-10T01:00:00+01:00", "2026-11-10T02:00:00+01:00"},
		{"2026-11-10T02:00:00+01:00", "2026-11-11T02:00:00+01:00"},
		{"2026-11-10T09:30:00+01:00", "2026-11-11T02:00:00+01:00"},
		// 02:00 does not exist on 29 March 2026 in Paris.
		{"2026-03-28T02:00:00+01:00", "2026-03-29T03:00:00+02:00"},
		{"2026-03-29T03:00:00+02:00", "2026-03-30T02:00:00+02:00"},
	}
	for _, c := range cases {
		last, _ := time.Parse(time.RFC3339, c.last)
		want, _ := time.Parse(time.RFC3339, c.want)
		if got := next(last); !got.Equal(want) {
			t.Errorf("Daily(2:00) after %s = %s, want %s", c.last, got.Format(time.RFC3339), c.want)
		}
	}
	// 25 October 2026: 02:00 happens twice in Paris; the job is due once.
	last, _ := time.Parse(time.RFC3339, "2026-10-24T02:00:00+02:00")
	first := next(last)
	second := next(first)
	if first.Day() != 25 || second.Day() != 26 {
		t.Errorf("around the October change: %s then %s", first, second)
	}
}

func TestEvery(t *testing.T) {
	next := Every(time.Hour)
	if !next(time.Time{}).IsZero() || !next(t0).Equal(t0.Add(time.Hour)) {
		t.Fatal("Every")
	}
	ran := false
	j := NewJob("n", next, func(context.Context, time.Time) error { ran = true; return nil })
	if j.Name() != "n" || !j.Next(t0).Equal(t0.Add(time.Hour)) || j.Run(context.Background(), t0) != nil || !ran {
		t.Fatal("NewJob")
	}
}

// TestFutureRunDoesNotPutOffThePresent: a run recorded after now (an
// operator's jobs run --at months ahead, a clock set back) is not trusted:
// the job runs once at start, as after downtime, then follows its
// schedule, instead of waiting for that future instant.
func TestFutureRunDoesNotPutOffThePresent(t *testing.T) {
	dir := t.TempDir()
	if err := writeState(dir, map[string]time.Time{"nightly": t0.AddDate(0, 6, 0)}); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewManual(t0.Add(time.Hour)) // 01:00
	job := &testJob{name: "nightly", next: Daily(2, 0, time.UTC)}
	r := start(t, Config{Dir: dir, Clock: clk, Jobs: []Job{job}})
	clk.WaitPending(1, nil)
	if got := job.runs(); len(got) != 1 || !got[0].Equal(t0.Add(time.Hour)) {
		t.Fatalf("runs %v at start after a run recorded in the future, want one catch-up at 01:00", got)
	}
	for range 5 { // the catch-up replaced the future run: not due again before 02:00
		clk.Advance(time.Minute)
		clk.WaitPending(1, nil)
	}
	if got := job.runs(); len(got) != 1 {
		t.Fatalf("runs %v by 01:05, want the one catch-up only", got)
	}
	clk.Advance(55 * time.Minute)
	clk.WaitPending(1, nil)
	if got := job.runs(); len(got) != 2 || !got[1].Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("runs %v, want the second at 02:00 the same night", got)
	}
	r.stop(t)
}
