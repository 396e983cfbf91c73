package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/scheduler"
)

// jobs are the scheduler's jobs, the same for serve, the local console and
// `admin jobs`: the back end's (nightly backups, pruning; SPEC §11).
func jobs(b *backend.Backend) []scheduler.Job { return b.Jobs() }

func newJobs(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "The scheduler's jobs: list them, or run those due at a given instant",
		Long: "The scheduler's jobs (nightly backups at 02:00 Paris time, pruning of the backups at 03:00) run in the one\n" +
			"process that holds the scheduler's lease (serve, or the local console when it is alone): the data folder's lock,\n" +
			"or with --db a lease row several serve instances share. `jobs list`\n" +
			"shows when each last ran and is next due; `jobs run --at` runs, in this process, every job due at an instant.",
	}
	cmd.AddCommand(newJobsRun(g), newJobsList(g))
	return cmd
}

func newJobsRun(g *globals) *cobra.Command {
	var atFlag string
	cmd := &cobra.Command{
		Use:   "run --at INSTANT",
		Short: "Run, in this process, every job due at INSTANT, as if the clock read it",
		Long: "Run, in this process, every job due at INSTANT as if the clock read it: each job whose next due instant, given\n" +
			"its last run, is not after INSTANT runs once (a catch-up: one nightly backup, not one per missed night), with\n" +
			"the back end's clock at INSTANT. INSTANT is RFC 3339 with its UTC offset; --at replaces --now for this run.\n" +
			"The runs are recorded (the data folder's scheduler.json, or the database with --db) when this process gets the\n" +
			"scheduler's lease. When another process holds it (a serve), the jobs still run here (they are idempotent and\n" +
			"transactional), but that process's record is left alone, and the command says so. Exits with an error when a\n" +
			"job fails.",
		Example: "  hebergement admin jobs run --at 2027-08-25T03:00+02:00 --data /var/lib/hebergement\n" +
			"  for d in 2027-01-05 2027-02-05 2027-03-05; do hebergement admin jobs run --at ${d}T03:00+01:00; done",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("at") {
				return errors.New("--at is required: the instant to run the jobs at, RFC 3339 with its offset, e.g. 2027-08-25T03:00+02:00")
			}
			at, err := parseInstant(atFlag)
			if err != nil {
				return err
			}
			dir, err := g.existingDataDir()
			if err != nil {
				return err
			}
			// The back end's clock reads INSTANT, then runs on.
			atg := *g
			atg.now = at.Format(time.RFC3339Nano)
			ctx := cmd.Context()
			b, err := atg.open(ctx, dir)
			if err != nil {
				return err
			}
			defer b.Close()
			s, err := scheduler.New(scheduler.Config{Dir: dir, Coordinator: b.SchedulerCoordinator(0), Clock: b.Clock(), Jobs: jobs(b)})
			if err != nil {
				return err
			}
			defer s.Close()
			return runJobsAt(ctx, cmd.OutOrStdout(), s, dir, b.Shared(), at, b.JobReport)
		},
	}
	cmd.Flags().StringVar(&atFlag, "at", "", "`INSTANT` to run the jobs at, RFC 3339 with its offset, e.g. 2027-08-25T03:00+02:00 (required)")
	return cmd
}

// parseInstant reads --at: RFC 3339, seconds optional, with its offset.
func parseInstant(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return time.Time{}, fmt.Errorf("--at: %q has no UTC offset: give one, e.g. %s+02:00 (Paris in summer) or %s+01:00 (in winter)", s, s, s)
		}
	}
	return time.Time{}, fmt.Errorf("--at: %q is not an instant: use RFC 3339 with its offset, e.g. 2027-08-25T03:00+02:00 or 2027-08-25T01:00:00Z", s)
}

// runJobsAt takes the scheduler lock if it is free, runs the jobs due at
// at and says what each did; an error when one failed.
func runJobsAt(ctx context.Context, out io.Writer, s *scheduler.Scheduler, dir string, shared bool, at time.Time, report func(job string) string) error {
	held, err := s.TryLease()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Jobs due at %s (data folder %s):\n", instant(at), dir)
	if !held {
		who := "another process"
		if h := s.State().Holder; h != "" {
			who += " (" + h + ")"
		}
		where := "the scheduler lock of this data folder"
		record := scheduler.StateFile
		if shared {
			where, record = "the scheduler's lease in the database", "the database"
		}
		fmt.Fprintf(out, "Note: %s holds %s. The jobs run here all the same (they are\n"+
			"idempotent and transactional), but their runs are not recorded in %s: that process keeps its own record.\n",
			who, where, record)
	}
	results, runErr := s.RunAt(ctx, at)
	failed := 0
	for _, r := range results {
		line := outcome(r)
		if words := report(r.Job); r.Ran && words != "" {
			line += " (" + words + ")"
		}
		fmt.Fprintf(out, "  %s: %s\n", r.Job, line)
		if r.Ran && r.Outcome != scheduler.OutcomeOK {
			failed++
		}
		if r.RecordErr != nil {
			failed++
		}
	}
	switch {
	case runErr != nil:
		return runErr
	case failed == 1:
		return errors.New("1 job failed")
	case failed > 1:
		return fmt.Errorf("%d jobs failed", failed)
	}
	return nil
}

// outcome is what a job did, in a few words.
func outcome(r scheduler.Result) string {
	if !r.Ran {
		return "not due (next due " + instant(r.Due) + ")"
	}
	switch r.Outcome {
	case scheduler.OutcomeOK:
		if r.RecordErr != nil {
			return "ok, but its run could not be recorded: " + oneLine(r.RecordErr.Error())
		}
		return "ok"
	case scheduler.OutcomeCanceled:
		return "interrupted (not recorded)"
	case scheduler.OutcomePanic: // its error reads "panic: …", then the stack
		return oneLine(r.Err.Error())
	}
	return r.Outcome + ": " + oneLine(r.Err.Error())
}

// oneLine is the first line of an error (a panic's carries its stack).
func oneLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// instant writes an instant in Paris time, RFC 3339.
func instant(t time.Time) string { return t.In(clock.Paris()).Format(time.RFC3339) }

func newJobsList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "Show each job's schedule, last run and next due instant",
		Long: "Show each job of the scheduler: its name, its schedule in words, its last recorded run (from the data folder's\n" +
			"scheduler.json, or the database with --db; written by the process that holds the scheduler's lease or by\n" +
			"`jobs run --at`) and when it is next due, in Paris time. A job due in the past runs as soon as a process takes\n" +
			"the lease.",
		Example: "  hebergement admin jobs list --data /var/lib/hebergement",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := g.existingDataDir()
			if err != nil {
				return err
			}
			c, err := g.clock()
			if err != nil {
				return err
			}
			return g.withBackend(cmd, func(b *backend.Backend) error {
				s, err := scheduler.New(scheduler.Config{Dir: dir, Coordinator: b.SchedulerCoordinator(0), Clock: c, Jobs: jobs(b)})
				if err != nil {
					return err
				}
				defer s.Close()
				list, err := s.List()
				if err != nil {
					return err
				}
				return writeJobs(cmd.OutOrStdout(), list, c.Now())
			})
		},
	}
}

// writeJobs writes the jobs as a table.
func writeJobs(out io.Writer, list []scheduler.JobInfo, now time.Time) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(out, "No job.")
		return err
	}
	const layout = "2006-01-02 15:04 MST"
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "JOB\tSCHEDULE\tLAST RUN\tNEXT DUE")
	for _, j := range list {
		last := "never"
		if !j.Last.IsZero() {
			last = j.Last.In(clock.Paris()).Format(layout)
		}
		next := "at once (it never ran)"
		if !j.Last.IsZero() {
			next = "at once (its last run is after now)"
		}
		if !j.Next.IsZero() {
			next = j.Next.In(clock.Paris()).Format(layout)
			if j.Retrying {
				next += " (retry after a failure)"
			}
			if !j.Next.After(now) {
				next += " (due now)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", j.Name, j.Schedule, last, next)
	}
	return w.Flush()
}

// existingDataDir is the data folder of an operator's command that works on
// an existing one: a mistyped --data must not run jobs on, and create, an
// empty folder.
func (g *globals) existingDataDir() (string, error) {
	dir, err := g.dataDir()
	if err != nil {
		return "", err
	}
	if g.db != "" {
		// With PostgreSQL the data folder keeps the stored files.
		if fi, err := os.Stat(filepath.Join(dir, "files")); err != nil || !fi.IsDir() {
			return "", fmt.Errorf("%s is not a data folder (no files folder in it): check --data or HEBERGEMENT_DATA", dir)
		}
		return dir, nil
	}
	if _, err := os.Stat(filepath.Join(dir, "hebergement.db")); err != nil {
		return "", fmt.Errorf("%s is not a data folder (no hebergement.db in it): check --data or HEBERGEMENT_DATA", dir)
	}
	return dir, nil
}
