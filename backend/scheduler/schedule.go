package scheduler

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hebergement/console/backend/clock"
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

// Described is a Job that says its schedule in words itself; List prefers
// it to Describe.
type Described interface {
	Schedule() string
}

func describeJob(j Job) string {
	if d, ok := j.(Described); ok {
		return d.Schedule()
	}
	return Describe(j.Next)
}

// Describe says a schedule in English words, for the operators' list, from
// what it does: it asks the schedule for a few instants after two probes
// (one in winter, one in summer, at different times of day, away from the
// daylight-saving changes). A schedule due at the same wall-clock time every
// day, in Paris or in UTC, is "every day at 02:00 Europe/Paris"; one due at a
// fixed interval after its last run is "every 6 hours" ("every hour"); anything else is
// "on a schedule of its own".
func Describe(next func(last time.Time) time.Time) string {
	const other = "on a schedule of its own"
	probes := []time.Time{
		time.Date(2026, 1, 12, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 7, 13, 17, 31, 17, 0, time.UTC),
	}
	var series [][]time.Time
	for _, p := range probes {
		ts := make([]time.Time, 0, 3)
		prev := p
		for range 3 {
			n := next(prev)
			if !n.After(prev) {
				return other
			}
			ts = append(ts, n)
			prev = n
		}
		series = append(series, ts)
	}
	for _, loc := range []*time.Location{clock.Paris(), time.UTC} {
		if hm, ok := sameTimeEveryDay(series, loc); ok {
			return fmt.Sprintf("every day at %s %s", hm, loc)
		}
	}
	d := series[0][1].Sub(series[0][0])
	for _, ts := range series {
		for i := 1; i < len(ts); i++ {
			if ts[i].Sub(ts[i-1]) != d {
				return other
			}
		}
	}
	return "every " + durationWords(d)
}

// sameTimeEveryDay reports whether the instants of every series fall on
// following days at one wall-clock time of loc, and which.
func sameTimeEveryDay(series [][]time.Time, loc *time.Location) (string, bool) {
	clockOf := func(t time.Time) string { return t.In(loc).Format("15:04:05") }
	want := clockOf(series[0][0])
	for _, ts := range series {
		for i, t := range ts {
			if clockOf(t) != want {
				return "", false
			}
			if i > 0 {
				y, m, d := ts[i-1].In(loc).Date()
				if !time.Date(y, m, d+1, 0, 0, 0, 0, loc).Equal(time.Date(t.In(loc).Year(), t.In(loc).Month(), t.In(loc).Day(), 0, 0, 0, 0, loc)) {
					return "", false
				}
			}
		}
	}
	return strings.TrimSuffix(want, ":00"), true
}

// durationWords is "6 hours", "minute", "90 seconds", for "every …".
func durationWords(d time.Duration) string {
	unit := func(n int64, word string) string {
		if n == 1 {
			return word
		}
		return fmt.Sprintf("%d %ss", n, word)
	}
	switch {
	case d%(24*time.Hour) == 0:
		return unit(int64(d/(24*time.Hour)), "day")
	case d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d%time.Second == 0:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}
