package backend

import (
	"context"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/scheduler"
)

// The scheduler's jobs (SPEC §11), by name.
const (
	JobNightlyBackup = "nightly-backup"
	JobPruneBackups  = "prune-backups"
)

// Jobs are the back end's timed jobs, in the order the scheduler runs them:
// the nightly backup at 02:00 Paris, then the pruning at 03:00 (after the
// night's backups, so the night's own backup is never what makes room).
// Both are idempotent: a catch-up after downtime makes one backup for the
// night of now, and prunes once.
func (b *Backend) Jobs() []scheduler.Job {
	return []scheduler.Job{
		scheduler.NewJob(JobNightlyBackup, scheduler.Daily(2, 0, clock.Paris()), func(ctx context.Context, now time.Time) error {
			_, err := b.NightlyBackups(ctx, now)
			return err
		}),
		scheduler.NewJob(JobPruneBackups, scheduler.Daily(3, 0, clock.Paris()), func(ctx context.Context, now time.Time) error {
			_, err := b.PruneBackups(ctx, now)
			return err
		}),
	}
}
