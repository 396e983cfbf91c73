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

// seedBackups gives the demo a year of backups and two archived years:
// a nightly backup each night of the last year and a manual one now and
// then, pruned by the retention policy as the scheduler would have, and
// the bases of the two previous school years archived in the grid (then
// deleted from Autres bases: the archive keeps them).
func seedBackups(ctx context.Context, b *backend.Backend, s *backend.Session, est backend.Establishment, files string) error {
	now := b.Clock().Now()
	night := time.Date(now.In(clock.Paris()).Year(), now.In(clock.Paris()).Month(), now.In(clock.Paris()).Day(), 2, 0, 0, 0, clock.Paris())
	if night.After(now) {
		night = night.AddDate(0, 0, -1)
	}
	users := []string{"M. BERNARD", "Mme PETIT"}
	for d := 365; d >= 0; d-- {
		at := night.AddDate(0, 0, -d)
		if _, err := b.RecordBackup(ctx, est.ID, backend.BackupNightly, backend.SchedulerActor, at.Add(time.Duration(d%7)*time.Second)); err != nil {
			return fmt.Errorf("demo backups: %w", err)
		}
		if d%11 == 3 { // a manual backup before an afternoon of timetable changes
			at := at.Add(14*time.Hour + 30*time.Minute)
			if _, err := b.RecordBackup(ctx, est.ID, backend.BackupManual, users[d%2], at); err != nil {
				return fmt.Errorf("demo backups: %w", err)
			}
		}
	}
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
