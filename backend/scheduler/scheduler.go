// Package scheduler runs the back end's timed jobs (SPEC §11: nightly
// backups, the yearly version switch, archives, pruning, expiry of idle
// connections) on the back end's clock, in one process per data folder.
//
// # The rules
//
//   - One runner per data folder, or per database. The process that runs the
//     jobs holds the lease of its Coordinator. On one host
//     (FileCoordinator) it is an OS file lock on scheduler.lock in the data
//     folder (flock on Unix, LockFileEx on Windows), held from the moment it
//     is taken until the process stops; it goes away with the process, kill
//     -9 included, and a process standing by tries to take it again every
//     Config.Retry (so a second serve takes over when the first one stops).
//     Several instances on one database (the back end's coordinator) share a
//     lease row with an expiry instead: its holder renews it every
//     Coordinator.Renewal of the wall clock, a process standing by tries to
//     take it as often, and takes it once it has expired (its holder died,
//     or lost the database). A holder that fails to renew cancels its
//     running job and stands by; a job starts only just after a renewal, and
//     its run is recorded only while the lease is still held, so two
//     instances never run one job's instant each.
//   - When a job is due. A job says when it is next due given the instant
//     its last successful run started (the zero time when it never ran).
//     When that instant is not after the clock's now, the job runs, with now.
//   - Catch-up runs once. After downtime, a job that missed several of its
//     instants runs once, not once per missed instant: its run is recorded at
//     the instant it started, so its next due instant is the first one after
//     now. Jobs are idempotent and look at now to decide what is left to do
//     (a nightly backup missed for three nights makes one backup).
//   - Failures are retried. A job that fails (or panics) is not recorded as
//     run: it runs again Config.RetryFailed later (5 min of the clock by
//     default), until it succeeds.
//   - Last runs are kept by the Coordinator: scheduler.json in the data
//     folder (written atomically), or a table of the database; written by
//     the lease holder, read again whenever the lease is taken, so a restart
//     neither repeats nor forgets a run. List shows each job's schedule in
//     words, last run and next due instant: from the holder's own record, or
//     from the coordinator in any other process.
//   - One job at a time, in the order they were registered, in the loop of
//     Run. A job never runs twice at once within a process: every scheduler
//     of the process on the same data folder, the loop of Run and RunAt
//     alike, takes that job's one lock before running it, and checks again
//     that it is still due once it holds it.
//   - Running at a given instant (RunAt, for operators and tests stepping
//     through months: `hebergement admin jobs run --at`). Every job whose due
//     instant, given its last run, is not after the instant runs once, one
//     after the other in their order, with now set to that instant, whatever
//     the clock reads. Its run is recorded in scheduler.json only when this
//     scheduler holds the lease and the instant is after the recorded last
//     run; otherwise the job still runs (jobs are idempotent and
//     transactional, so running them beside the holder is safe) and the
//     holder's record is left alone. RunAt's failures are reported, not
//     retried: the caller sees them.
//   - Stopping (the context of Run ends) starts no new job; a running job
//     keeps its own context for Config.Grace (wall clock, 30 s by default),
//     then its context is cancelled, and Run returns once it has returned.
//     A job cut this way is not recorded and runs again at the next start.
package scheduler

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend/clock"
)

// Job is one timed task of the back end.
type Job interface {
	// Name identifies the job in the state file, the logs and the metrics:
	// short, stable, lower case (e.g. "nightly-backup").
	Name() string
	// Next is the instant the job is next due, given the instant its last
	// successful run started (the zero time when it never ran).
	Next(last time.Time) time.Time
	// Run does the job as of now. It must be idempotent, and return soon
	// after ctx is cancelled.
	Run(ctx context.Context, now time.Time) error
}

// Outcomes of a run, as the metrics and the logs name them.
const (
	OutcomeOK       = "ok"
	OutcomeError    = "error"
	OutcomePanic    = "panic"
	OutcomeCanceled = "canceled"
)

// Config sets up a scheduler. Zero values take the defaults.
type Config struct {
	// Dir is the data folder: it holds the lock and the state file of the
	// default coordinator.
	Dir string
	// Coordinator holds the lease and the last runs; nil means
	// FileCoordinator(Dir).
	Coordinator Coordinator
	// Clock is the back end's clock; the scheduler waits on its timers when
	// it has them (clock.Manual, in tests), else in real time.
	Clock clock.Clock
	// Jobs are run in this order; names must be unique.
	Jobs []Job
	// Retry is how often a scheduler standing by tries to take the lock
	// again (on the clock), 1 min by default; negative: never (it stands by
	// until stopped).
	Retry time.Duration
	// RetryFailed is how long after a failed run the job runs again (on the
	// clock), 5 min by default.
	RetryFailed time.Duration
	// MaxSleep bounds one wait of the loop (on the clock), 1 min by default,
	// so that a wall clock that jumps (suspend, NTP) is noticed soon.
	MaxSleep time.Duration
	// Grace is how long, at stop, a running job may go on (wall clock),
	// 30 s by default.
	Grace time.Duration
	// Logger gets a line per run that fails, and the lease changes.
	Logger *log.Logger
	// OnRun, when set, is told of every run: the job, its outcome and how
	// long it took (the metrics).
	OnRun func(job, outcome string, d time.Duration)
}

// Scheduler runs jobs on the clock in the one process that holds the lease.
type Scheduler struct {
	cfg Config
	log *log.Logger

	co Coordinator
	// leaseMu orders the calls to the coordinator's Acquire (the loop, the
	// renewal, TryLease).
	leaseMu sync.Mutex

	mu   sync.Mutex
	held bool
	// leaseCtx ends when the lease held is lost or given up: the running
	// job's context ends with it, and the loop wakes up.
	leaseCtx    context.Context
	leaseCancel context.CancelFunc
	renewDone   chan struct{}
	holder      string // who holds the lease when we stand by
	started     bool
	stopped     bool
	last        map[string]time.Time
	retryAt     map[string]time.Time
}

// New checks cfg and builds a scheduler; it takes no lock yet.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Dir == "" {
		return nil, errors.New("scheduler: no data folder")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	seen := map[string]bool{}
	for _, j := range cfg.Jobs {
		if j.Name() == "" || seen[j.Name()] {
			return nil, fmt.Errorf("scheduler: job name %q empty or used twice", j.Name())
		}
		seen[j.Name()] = true
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	def(&cfg.Retry, time.Minute)
	def(&cfg.RetryFailed, 5*time.Minute)
	def(&cfg.MaxSleep, time.Minute)
	def(&cfg.Grace, 30*time.Second)
	if cfg.MaxSleep < 0 || cfg.RetryFailed < 0 || cfg.Grace < 0 {
		return nil, errors.New("scheduler: negative duration")
	}
	lg := cfg.Logger
	if lg == nil {
		lg = log.New(io.Discard)
	}
	co := cfg.Coordinator
	if co == nil {
		co = FileCoordinator(cfg.Dir)
	}
	return &Scheduler{cfg: cfg, co: co, log: lg, retryAt: map[string]time.Time{}}, nil
}

// TryLease takes the scheduler's lease if no other process holds it, and
// reads the last runs; true when this scheduler holds it (now or already,
// renewing it). Run calls it; call it first to know at once whether this
// process is the runner (the health line at start, the local console).
// When the coordinator fails (a database unreachable), the error says so,
// and a lease held stays held until keepLease gives it up.
func (s *Scheduler) TryLease() (bool, error) {
	held, _, err := s.tryLease()
	return held, err
}

// tryLease is TryLease, which also says whether the lease was taken or
// renewed by this very call (not merely still held after a failure).
func (s *Scheduler) tryLease() (held, renewed bool, err error) {
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	s.mu.Lock()
	stopped, was := s.stopped, s.held
	s.mu.Unlock()
	if stopped {
		return false, false, errors.New("scheduler: stopped")
	}
	ctx, cancel := s.callContext()
	defer cancel()
	ok, holder, err := s.co.Acquire(ctx, s.cfg.Clock.Now())
	switch {
	case err != nil:
		return was, false, err
	case ok && was:
		return true, true, nil
	case !ok:
		s.mu.Lock()
		s.holder = holder
		s.mu.Unlock()
		if was {
			s.lose("another process holds the lease now")
		}
		return false, false, nil
	}
	last, err := s.co.LastRuns(ctx)
	if err != nil {
		s.co.Release() //nolint:errcheck
		return false, false, err
	}
	lctx, cancelLease := context.WithCancel(context.Background())
	s.mu.Lock()
	s.held, s.holder, s.last = true, "", last
	// Retries of failures are this process's own: the holder before it may
	// have run the job since.
	clear(s.retryAt)
	s.leaseCtx, s.leaseCancel = lctx, cancelLease
	s.mu.Unlock()
	if every := s.co.Renewal(); every > 0 {
		done := make(chan struct{})
		s.mu.Lock()
		s.renewDone = done
		s.mu.Unlock()
		go s.keepLease(lctx, every, done)
	}
	return true, true, nil
}

// callContext bounds a call to the coordinator to one renewal period, so
// that a database that does not answer cannot hold the lease's bookkeeping
// past the lease's end; unbounded for a lease held until released.
func (s *Scheduler) callContext() (context.Context, context.CancelFunc) {
	if every := s.co.Renewal(); every > 0 {
		return context.WithTimeout(context.Background(), every)
	}
	return context.WithCancel(context.Background())
}

// keepLease renews the lease every period of the wall clock until it is
// lost or given up. The lease lasts three periods from the instant a
// renewal started (the coordinator reads the clock after that); a renewal
// that fails, or does not answer within a period, is tried again at the
// next one, and two periods after the last renewal that started in time a
// third of the lease is left: this process gives it up then, cancelling
// its running job, before another may take it.
func (s *Scheduler) keepLease(lctx context.Context, every time.Duration, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(every)
	defer t.Stop()
	renewed := time.Now()
	for {
		select {
		case <-lctx.Done():
			return
		case <-t.C:
		}
		start := time.Now()
		held, fresh, err := s.tryLease()
		switch {
		case lctx.Err() != nil || !held:
			return
		case fresh:
			renewed = start
		case time.Since(renewed) >= 2*every:
			s.lose(fmt.Sprintf("not renewed since %s: %v", renewed.Format(time.RFC3339), err))
			return
		default:
			s.log.Warn("scheduler lease not renewed: trying again", "err", err)
		}
	}
}

// lose notes that the lease is no longer held: the running job's context
// ends, and the loop stands by.
func (s *Scheduler) lose(why string) {
	s.mu.Lock()
	was := s.held
	s.held = false
	cancel := s.leaseCancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if was {
		s.log.Warn("scheduler lease lost: this process stands by", "why", why)
	}
}

// State is what the health line and /healthz say of the scheduler.
type State struct {
	// Active is true while this process holds the lease and runs the jobs.
	Active bool
	// Holder, when standing by, is the holder's own line ("pid 1234 on host
	// since …"), "" when unknown.
	Holder string
	// Stopped is true once Run has returned.
	Stopped bool
	// Where says where the lease is ("lock /data/scheduler.lock", or a
	// database's lease row).
	Where string
	// Jobs are the registered jobs' names.
	Jobs []string
}

// State reports whether this process runs the jobs.
func (s *Scheduler) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := State{Active: s.held, Holder: s.holder, Stopped: s.stopped, Where: s.co.Where()}
	for _, j := range s.cfg.Jobs {
		st.Jobs = append(st.Jobs, j.Name())
	}
	return st
}

// String is the state as the health line says it.
func (st State) String() string {
	switch {
	case st.Stopped:
		return "stopped"
	case st.Active:
		return fmt.Sprintf("active, %d job(s), %s", len(st.Jobs), st.Where)
	case st.Holder != "":
		return fmt.Sprintf("standby: another process (%s) holds the %s; no job runs here", st.Holder, st.Where)
	default:
		return fmt.Sprintf("standby: another process holds the %s; no job runs here", st.Where)
	}
}

// Run runs the jobs until ctx ends, standing by while another process holds
// the lease. It returns nil when stopped, after the running job (see the
// package's rules on the grace), and releases the lease. An error means the
// lock or the state file could not be used at all.
func (s *Scheduler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("scheduler: Run called twice")
	}
	s.started = true
	s.mu.Unlock()
	defer s.stop()
	wasHeld := s.State().Active
	for {
		ok, err := s.TryLease()
		if err != nil {
			// A coordinator that fails now may answer later (a database
			// restarting): this process stands by meanwhile, and the other
			// components it runs go on.
			s.log.Warn("scheduler lease not taken: standing by", "err", err)
			ok = false
		}
		if ok && !wasHeld {
			s.log.Info("scheduler lease taken: this process now runs the jobs", "lease", s.co.Where())
		}
		wasHeld = ok
		if !ok {
			if s.cfg.Retry < 0 {
				<-ctx.Done()
				return nil
			}
			if every := s.co.Renewal(); every > 0 {
				// A lease row expires on the wall clock.
				select {
				case <-time.After(every):
				case <-ctx.Done():
					return nil
				}
			} else if !s.sleep(ctx, s.cfg.Retry, nil) {
				return nil
			}
			continue
		}
		next := s.step(ctx)
		if ctx.Err() != nil {
			return nil
		}
		d := next.Sub(s.cfg.Clock.Now())
		// At least a second: a job whose next instant is not after its run
		// must not spin the loop.
		d = max(min(d, s.cfg.MaxSleep), time.Second)
		if !s.sleep(ctx, d, s.lost()) {
			return nil
		}
	}
}

// Close releases the lease of a scheduler whose Run was never called (a
// start that failed further on); Run releases it itself when it returns.
func (s *Scheduler) Close() {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		s.stop()
	}
}

func (s *Scheduler) stop() {
	s.leaseMu.Lock()
	s.mu.Lock()
	s.stopped = true
	held, cancel, renewing := s.held, s.leaseCancel, s.renewDone
	s.held = false
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if held {
		s.co.Release() //nolint:errcheck // a lease row expires all the same (bounded by Renewal)
	}
	s.leaseMu.Unlock()
	// Waited for once leaseMu is free: the renewal may be waiting for it,
	// and then sees the scheduler stopped.
	if renewing != nil {
		<-renewing
	}
}

// heldContext ends when the lease held now is lost or given up; nil when
// none is held.
func (s *Scheduler) heldContext() context.Context {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.held {
		return nil
	}
	return s.leaseCtx
}

// lost is a channel closed once the lease held is lost (nil when none is
// held).
func (s *Scheduler) lost() <-chan struct{} {
	if lctx := s.heldContext(); lctx != nil {
		return lctx.Done()
	}
	return nil
}

// sleep waits d on the clock, or until wake is closed; false when ctx
// ended first.
func (s *Scheduler) sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	c, stop := clock.NewTimer(s.cfg.Clock, d)
	defer stop()
	select {
	case <-c:
		return true
	case <-wake:
		return true
	case <-ctx.Done():
		return false
	}
}

// step runs every job due now, one after the other, and returns the instant
// the next one is due.
func (s *Scheduler) step(ctx context.Context) time.Time {
	var next time.Time
	for _, j := range s.cfg.Jobs {
		if ctx.Err() != nil {
			return next
		}
		now := s.cfg.Clock.Now()
		due := s.due(j)
		if !due.After(now) {
			// A job starts just after a renewal, with the lease's whole
			// length ahead of it, and ends with the lease it started under.
			held, fresh, err := s.tryLease()
			lctx := s.heldContext()
			if !held || !fresh || lctx == nil {
				if err != nil {
					s.log.Warn("scheduler lease not renewed: the job waits", "job", j.Name(), "err", err)
				}
				return now.Add(time.Second)
			}
			s.run(ctx, lctx, j, now)
			due = s.due(j)
		}
		if next.IsZero() || due.Before(next) {
			next = due
		}
	}
	if next.IsZero() { // no job: wake up now and then all the same
		next = s.cfg.Clock.Now().Add(s.cfg.MaxSleep)
	}
	return next
}

// due is when j is next due: its retry instant after a failure, else what it
// says given its last run.
func (s *Scheduler) due(j Job) time.Time {
	s.mu.Lock()
	retry, failed := s.retryAt[j.Name()]
	last := s.last[j.Name()]
	s.mu.Unlock()
	if failed {
		return retry
	}
	return nextDue(j, last, s.cfg.Clock.Now())
}

// nextDue is when j is next due after its last run, as of now. A last run
// recorded after now (a clock set back, or an operator's jobs run --at in
// the future) is not trusted: the job is due as if it never ran (at once,
// one catch-up run, as after downtime), rather than put off until that
// future instant.
func nextDue(j Job, last, now time.Time) time.Time {
	if last.After(now) {
		last = time.Time{}
	}
	return j.Next(last)
}

// run runs one job of the loop, as of now, and records its outcome. It
// takes the job's lock first and runs nothing if, by then, the job is no
// longer due (RunAt ran it meanwhile) or ctx has ended.
func (s *Scheduler) run(ctx, lctx context.Context, j Job, now time.Time) {
	unlock, ok := lockJob(ctx, s.cfg.Dir, j.Name())
	if !ok {
		return
	}
	defer unlock()
	if s.due(j).After(now) || lctx.Err() != nil {
		return // run meanwhile, or the lease lost while waiting for the job
	}
	start := time.Now()
	err := s.call(ctx, lctx, j, now)
	outcome := classify(ctx, err)
	if outcome == OutcomeError && lctx.Err() != nil {
		outcome = OutcomeCanceled // cut by the lease's loss: another process runs it
	}
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(j.Name(), outcome, time.Since(start))
	}
	name := j.Name()
	switch outcome {
	case OutcomeOK:
		if _, err := s.record(name, now); err != nil {
			// The run happened; the next start may run it again, which an
			// idempotent job allows.
			s.log.Error("job ran but its run was not recorded", "job", name, "err", err)
		}
	case OutcomeCanceled:
		s.log.Warn("job cut short by the stop or the lease's loss: it runs again where the lease is", "job", name, "err", err)
	default:
		retry := s.cfg.Clock.Now().Add(s.cfg.RetryFailed)
		s.mu.Lock()
		s.retryAt[name] = retry
		s.mu.Unlock()
		s.log.Error("job failed", "job", name, "outcome", outcome, "err", err, "retry", retry.Format(time.RFC3339))
	}
}

// classify names the outcome of a run that returned err.
func classify(ctx context.Context, err error) string {
	var p *panicError
	switch {
	case err == nil:
		return OutcomeOK
	case errors.As(err, &p):
		return OutcomePanic
	case ctx.Err() != nil:
		return OutcomeCanceled
	}
	return OutcomeError
}

// record notes a successful run of the job started at 'at': in memory and
// in the state file, when this scheduler holds the lease and 'at' is after
// the recorded last run. It reports whether it recorded it.
func (s *Scheduler) record(name string, at time.Time) (bool, error) {
	s.mu.Lock()
	// A last run after now is not trusted (nextDue): the run replaces it.
	last := s.last[name]
	if !s.held || (!at.After(last) && !last.After(s.cfg.Clock.Now())) {
		s.mu.Unlock()
		return false, nil
	}
	delete(s.retryAt, name)
	s.last[name] = at
	s.mu.Unlock()
	ctx, cancel := s.callContext()
	defer cancel()
	if err := s.co.Record(ctx, name, at); err != nil {
		if errors.Is(err, ErrLeaseLost) {
			s.lose("the run could not be recorded: " + err.Error())
		}
		return false, err
	}
	return true, nil
}

type panicError struct {
	v     any
	stack []byte
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v\n%s", p.v, p.stack) }

// call runs j with a context that outlives ctx by the grace: a stop lets the
// running job finish, up to the grace, then cancels it.
func (s *Scheduler) call(ctx, lctx context.Context, j Job, now time.Time) (err error) {
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	// A lease lost while the job runs cuts it at once: another process
	// may take the lease from now on. (RunAt beside the holder runs
	// without one: nil.)
	if lctx != nil {
		stopLost := context.AfterFunc(lctx, cancel)
		defer stopLost()
	}
	stopAfter := context.AfterFunc(ctx, func() {
		t := time.NewTimer(s.cfg.Grace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-jctx.Done():
		}
	})
	defer stopAfter()
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{v: r, stack: debug.Stack()}
		}
	}()
	return j.Run(jctx, now)
}
