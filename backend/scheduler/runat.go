package scheduler

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"
)

// jobLocks holds one lock per job and data folder for the whole process:
// a job never runs twice at once within a process, whichever of its
// schedulers (the loop of Run, RunAt) runs it.
var jobLocks sync.Map // folder + "\x00" + job name -> chan struct{} (capacity 1)

// lockJob takes the process's lock of the job name on the data folder dir,
// waiting for it until ctx ends; false when ctx ended first.
func lockJob(ctx context.Context, dir, name string) (unlock func(), ok bool) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	v, _ := jobLocks.LoadOrStore(filepath.Clean(dir)+"\x00"+name, make(chan struct{}, 1))
	ch := v.(chan struct{})
	if ctx.Err() != nil {
		return nil, false
	}
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, true
	case <-ctx.Done():
		return nil, false
	}
}

// Result is what RunAt did with one job.
type Result struct {
	Job string
	// Last is the job's last run as RunAt found it (zero: it never ran), Due
	// the instant it was due given it (zero: at once).
	Last, Due time.Time
	// Ran is false when the job was not due at the instant.
	Ran bool
	// Outcome is OutcomeOK, OutcomeError, OutcomePanic or OutcomeCanceled
	// when it ran; Err the job's error, nil when it succeeded.
	Outcome string
	Err     error
	// Recorded is true when its run was written to the state file (this
	// scheduler holds the lease, and the instant is after the last run);
	// RecordErr is why a successful run could not be written there.
	Recorded  bool
	RecordErr error
	Duration  time.Duration
}

// RunAt runs, in this process, every job due at the instant at as if the
// clock read it (see the package's rules): each job whose due instant given
// its last run is not after at runs once, in order, with now = at. It
// records the runs only when this scheduler holds the lease (call TryLease
// first to take it when it is free). It returns one result per job, in
// their order; an error when the state file cannot be read, or when ctx
// ended before every job was looked at (with the results so far).
func (s *Scheduler) RunAt(ctx context.Context, at time.Time) ([]Result, error) {
	if at.IsZero() {
		return nil, fmt.Errorf("scheduler: no instant to run the jobs at")
	}
	var out []Result
	for _, j := range s.cfg.Jobs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		r, err := s.runAt(ctx, j, at)
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Scheduler) runAt(ctx context.Context, j Job, at time.Time) (Result, error) {
	name := j.Name()
	unlock, ok := lockJob(ctx, s.cfg.Dir, name)
	if !ok {
		return Result{}, ctx.Err()
	}
	defer unlock()
	// Read once the lock is held: a run of the loop that just ended is seen.
	last, err := s.lastRuns()
	if err != nil {
		return Result{}, err
	}
	// The loop's rule, as if the clock read at: a run recorded after at is
	// not trusted (nextDue).
	r := Result{Job: name, Last: last[name], Due: nextDue(j, last[name], at)}
	if r.Due.After(at) {
		return r, nil
	}
	start := time.Now()
	r.Err = s.call(ctx, s.heldContext(), j, at)
	r.Ran, r.Outcome, r.Duration = true, classify(ctx, r.Err), time.Since(start)
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(name, r.Outcome, r.Duration)
	}
	if r.Outcome == OutcomeOK {
		r.Recorded, r.RecordErr = s.record(name, at)
	} else {
		s.log.Error("job failed", "job", name, "outcome", r.Outcome, "at", at.Format(time.RFC3339), "err", r.Err)
	}
	return r, nil
}

// lastRuns is when each job last ran: this scheduler's own record while it
// holds the lease, else the state file as the holder last wrote it.
func (s *Scheduler) lastRuns() (map[string]time.Time, error) {
	s.mu.Lock()
	if s.held {
		last := make(map[string]time.Time, len(s.last))
		for k, v := range s.last {
			last[k] = v
		}
		s.mu.Unlock()
		return last, nil
	}
	s.mu.Unlock()
	return s.co.LastRuns(context.Background())
}

// JobInfo is a job as the operators' list shows it.
type JobInfo struct {
	Name string
	// Schedule is when the job is due, in English words (see Describe).
	Schedule string
	// Last is the start of its last recorded successful run, zero when it
	// never ran.
	Last time.Time
	// Next is when it is next due: given its last run, or its retry after a
	// failure in this process; zero means at once (it never ran).
	Next time.Time
	// Retrying is true when Next is the retry of a failed run.
	Retrying bool
}

// List is each job's last run and next due instant, in the jobs' order,
// from this scheduler's record while it holds the lease, else from the
// state file.
func (s *Scheduler) List() ([]JobInfo, error) {
	last, err := s.lastRuns()
	if err != nil {
		return nil, err
	}
	out := make([]JobInfo, 0, len(s.cfg.Jobs))
	for _, j := range s.cfg.Jobs {
		info := JobInfo{Name: j.Name(), Schedule: describeJob(j), Last: last[j.Name()]}
		s.mu.Lock()
		retry, failed := s.retryAt[j.Name()]
		s.mu.Unlock()
		if failed {
			info.Next, info.Retrying = retry, true
		} else {
			info.Next = nextDue(j, info.Last, s.cfg.Clock.Now())
		}
		out = append(out, info)
	}
	return out, nil
}
