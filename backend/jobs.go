package backend

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/scheduler"
)

// The scheduler's jobs (SPEC §11), by name.
const (
	JobNightlyBackup = "nightly-backup"
	JobPruneBackups  = "prune-backups"
	JobSwitch        = "version-switch"
)

// Jobs are the back end's timed jobs, in the order the scheduler runs them:
// the nightly backup at 02:00 Paris, then the pruning at 03:00 (after the
// night's backups, so the night's own backup is never what makes room),
// then at 03:30 the yearly switch of version of the establishments whose
// day it is (SPEC §11).
// Both are idempotent: a catch-up after downtime makes one backup for the
// night of now, and prunes once. JobReport says what each did: serve logs
// it, the operator's `jobs run` prints it.
func (b *Backend) Jobs() []scheduler.Job {
	return []scheduler.Job{
		scheduler.NewJob(JobNightlyBackup, scheduler.Daily(2, 0, clock.Paris()), func(ctx context.Context, now time.Time) error {
			n, err := b.NightlyBackups(ctx, now)
			b.reportJob(JobNightlyBackup, fmt.Sprintf("%d backup(s) taken", n))
			return err
		}),
		scheduler.NewJob(JobPruneBackups, scheduler.Daily(3, 0, clock.Paris()), func(ctx context.Context, now time.Time) error {
			r, err := b.PruneBackups(ctx, now)
			b.reportJob(JobPruneBackups, fmt.Sprintf("%d backup(s) and %d deleted base(s) pruned, %d stored file(s) freed (%d bytes)",
				r.Backups, r.Bases, r.Files, r.Bytes))
			return err
		}),
		scheduler.NewJob(JobSwitch, scheduler.Daily(SwitchHour, SwitchMinute, clock.Paris()), func(ctx context.Context, now time.Time) error {
			n, err := b.SwitchVersions(ctx, now)
			b.reportJob(JobSwitch, fmt.Sprintf("%d establishment(s) switched", n))
			return err
		}),
	}
}

// jobReports are the latest run's words of each job, for JobReport.
type jobReports struct {
	mu sync.Mutex
	m  map[string]string
}

func (b *Backend) reportJob(job, words string) {
	b.reports.mu.Lock()
	defer b.reports.mu.Unlock()
	if b.reports.m == nil {
		b.reports.m = map[string]string{}
	}
	b.reports.m[job] = words
}

// JobReport says what the latest run of a job in this process did ("3
// backup(s) taken"), "" when it did not run here.
func (b *Backend) JobReport(job string) string {
	b.reports.mu.Lock()
	defer b.reports.mu.Unlock()
	return b.reports.m[job]
}
