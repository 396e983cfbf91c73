package scheduler

import (
	"context"
	"time"
)

// NewJob makes a Job of a name, a schedule (see Daily and Every) and a run
// function, for jobs that need no type of their own.
func NewJob(name string, next func(last time.Time) time.Time, run func(ctx context.Context, now time.Time) error) Job {
	return funcJob{name: name, next: next, run: run}
}

type funcJob struct {
	name string
	next func(time.Time) time.Time
	run  func(context.Context, time.Time) error
}

func (j funcJob) Name() string                                 { return j.name }
func (j funcJob) Next(last time.Time) time.Time                { return j.next(last) }
func (j funcJob) Run(ctx context.Context, now time.Time) error { return j.run(ctx, now) }

// Daily is the schedule of a job due every day at hour:minute in loc (the
// nightly backup: Daily(2, 0, clock.Paris())): the first such instant after
// last, so a job that never ran is due at once. On the day a daylight-saving
// change skips that time, the job is due at the same instant shifted by the
// change (02:00 that does not exist in Paris in March is 03:00); on the day
// it happens twice, once only.
func Daily(hour, minute int, loc *time.Location) func(last time.Time) time.Time {
	return func(last time.Time) time.Time {
		if last.IsZero() {
			return last
		}
		l := last.In(loc)
		for d := 0; ; d++ {
			t := time.Date(l.Year(), l.Month(), l.Day()+d, hour, minute, 0, 0, loc)
			if t.After(last) {
				return t
			}
		}
	}
}

// Every is the schedule of a job due every d after its last run, and at once
// when it never ran.
func Every(d time.Duration) func(last time.Time) time.Time {
	return func(last time.Time) time.Time {
		if last.IsZero() {
			return last
		}
		return last.Add(d)
	}
}
