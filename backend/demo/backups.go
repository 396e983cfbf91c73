package demo

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
)

// schoolYearStart is 1 September of the school year under way at now.
func schoolYearStart(now time.Time) time.Time {
	return time.Date(int(backend.CurrentSchoolYear(now)), time.September, 1, 0, 0, 0, 0, clock.Paris())
}

// seedNights records the nightly backups of the nights in [from, to) of
// the base in service, and now and then a manual one in the afternoon, as
// the scheduler and the school would have made them.
func seedNights(ctx context.Context, b *backend.Backend, est backend.Establishment, from, to time.Time) error {
	p := from.In(clock.Paris())
	users := []string{"M. BERNARD", "Mme PETIT"}
	for d := 0; ; d++ {
		// Each night from its date: 02:00 stays 02:00 after a change of
		// time (AddDate on the instant would carry 03:00 on).
		night := time.Date(p.Year(), p.Month(), p.Day()+d, 2, 0, 0, 0, clock.Paris())
		if !night.Before(to) {
			break
		}
		if night.Before(from) {
			continue
		}
		if _, err := b.RecordBackup(ctx, est.ID, backend.BackupNightly, backend.SchedulerActor, night); err != nil {
			return fmt.Errorf("demo backups: %w", err)
		}
		if night.YearDay()%11 == 3 { // before an afternoon of timetable changes
			at := night.Add(12*time.Hour + 30*time.Minute)
			if !at.Before(to) {
				continue
			}
			if _, err := b.RecordBackup(ctx, est.ID, backend.BackupManual, users[night.Day()%2], at); err != nil {
				return fmt.Errorf("demo backups: %w", err)
			}
		}
	}
	return nil
}

// seedBackups prunes the demo's year of backups by the retention policy,
// as the scheduler would have, and archives the bases of the two previous
// school years in the grid (then deletes them from Autres bases: the
// archive keeps them).
func seedBackups(ctx context.Context, b *backend.Backend, s *backend.Session, est backend.Establishment, files string) error {
	now := b.Clock().Now()
	if _, err := b.PruneBackups(ctx, now); err != nil {
		return fmt.Errorf("demo backups: %w", err)
	}
	last := backend.CurrentSchoolYear(now) - 1
	for _, y := range []hostfile.SchoolYear{last, last - 1} {
		p, err := hostfile.Generate(files, hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: "VICTOR-HUGO-ARCHIVE-" + y.String(),
			Establishment: est.Name, Year: y, Students: 1150, Teachers: 94, Classes: 41, Size: 4 << 20,
			Now: time.Date(int(y)+1, time.July, 4, 16, 0, 0, 0, time.UTC)})
		if err != nil {
			return fmt.Errorf("demo archives: %w", err)
		}
		base, err := loadFile(ctx, s, p[0])
		for _, f := range p {
			os.Remove(f) // loaded, or not needed: not offered in the files to load
		}
		if err != nil {
			return err
		}
		if err := s.ReplaceYear(ctx, y, base.ID); err != nil {
			return fmt.Errorf("demo archives: %w", err)
		}
		if err := s.DeleteBase(ctx, base.ID); err != nil {
			return fmt.Errorf("demo archives: %w", err)
		}
	}
	return nil
}
