package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

// The calendar of versions (SPEC §11): version Y serves school year
// Y–(Y+1). Its pre-version can be asked for from 6 to 20 July Y; otherwise
// the switch to Y happens automatically on the establishment's drawn day,
// 21 to 24 August Y, at SwitchHour Paris.

// SwitchHour and SwitchMinute are when, on its day, the automatic switch
// runs: after the night's backup and pruning.
const (
	SwitchHour   = 3
	SwitchMinute = 30
)

// PreVersionWindow is when the pre-version y can be asked for: from 6 July
// y, 00:00, to the end of 20 July y, Paris.
func PreVersionWindow(y int) (from, until time.Time) {
	return time.Date(y, time.July, 6, 0, 0, 0, 0, clock.Paris()), time.Date(y, time.July, 21, 0, 0, 0, 0, clock.Paris())
}

// SwitchAt is the instant of the automatic switch to version y of an
// establishment whose drawn day is day.
func SwitchAt(y, day int) time.Time {
	return time.Date(y, time.August, day, SwitchHour, SwitchMinute, 0, 0, clock.Paris())
}

// dueVersion is the version an establishment with that drawn day should
// run at now: the latest y whose switch instant is not after now.
func dueVersion(now time.Time, day int) int {
	y := now.In(clock.Paris()).Year()
	if SwitchAt(y, day).After(now) {
		y--
	}
	return y
}

// VersionView is what "Version" says (Mon compte, the version command).
type VersionView struct {
	// Version is the PRONOTE version the server runs.
	Version int
	// Next is the coming version, Version+1; SwitchAt the instant of its
	// automatic switch.
	Next     int
	SwitchAt time.Time
	// PreVersionFrom and PreVersionUntil (excluded) are when Next's
	// pre-version can be asked for; CanRequest whether now is in it.
	PreVersionFrom, PreVersionUntil time.Time
	CanRequest                      bool
}

// Version reads the establishment's version and its calendar.
func (s *Session) Version(ctx context.Context) (VersionView, error) {
	var v VersionView
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		v = versionView(e, s.b.clock.Now())
		return nil
	})
	return v, err
}

func versionView(e store.Establishment, now time.Time) VersionView {
	v := VersionView{Version: e.Version, Next: e.Version + 1, SwitchAt: SwitchAt(e.Version+1, SwitchDayOf(e.HostingNumber))}
	v.PreVersionFrom, v.PreVersionUntil = PreVersionWindow(v.Next)
	v.CanRequest = !now.Before(v.PreVersionFrom) && now.Before(v.PreVersionUntil)
	return v
}

// PreVersionError is a pre-version asked for outside its window, with the
// window and the day of the automatic switch.
type PreVersionError struct{ View VersionView }

func (e *PreVersionError) Error() string {
	return fmt.Sprintf("%s: version %d can be asked for from %s to %s", ErrPreVersionClosed, e.View.Next,
		e.View.PreVersionFrom.Format(time.DateOnly), e.View.PreVersionUntil.Add(-time.Second).Format(time.DateOnly))
}

// Is makes a PreVersionError an ErrPreVersionClosed.
func (e *PreVersionError) Is(target error) bool { return target == ErrPreVersionClosed }

// RequestPreVersion is "Passer à la pré-version": during its window, the
// switch to the next version happens at once (SwitchVersion), by this
// session; outside, it is refused with the dates.
func (s *Session) RequestPreVersion(ctx context.Context) error {
	if err := s.allow(PermServer); err != nil {
		return err
	}
	v, err := s.Version(ctx)
	if err != nil {
		return err
	}
	if !v.CanRequest {
		err := &PreVersionError{View: v}
		s.b.journal(ctx, s.estID, s.actor, s.addr, "version.switch", fmt.Sprintf("pré-version %d", v.Next), err)
		return err
	}
	_, err = s.b.switchVersion(ctx, s.estID, v.Next, s.actor, s.addr)
	return err
}

// SwitchVersions is the scheduler's job: every establishment whose switch
// instant has come switches to its due version (switchVersion); it returns
// how many switched. Idempotent, and a catch-up after downtime switches
// once, to the version due now.
func (b *Backend) SwitchVersions(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := b.eachEstablishment(ctx, func(e store.Establishment) error {
		y := dueVersion(now, SwitchDayOf(e.HostingNumber))
		if e.Version >= y {
			return nil
		}
		ok, err := b.switchVersion(ctx, e.ID, y, SchedulerActor, "")
		if ok {
			n++
		}
		return err
	})
	return n, err
}

// switchVersion switches one establishment to version y (SPEC §11), in one
// transaction: a backup ("bascule") of the opened base; if the base in
// service is of an earlier school year, it is archived for its year and a
// new empty base of y–(y+1) (same grid) is created, opened and put in
// service; if it is already of y–(y+1), it stays; with no base in service,
// the new base is created (and opened when none is) unless a base of
// y–(y+1) has been put online already. The version becomes y. False when it
// already runs y or later.
func (b *Backend) switchVersion(ctx context.Context, estID int64, y int, by, addr string) (bool, error) {
	now := b.clock.Now()
	var rev int64
	var pending interface{ Abort() }
	var sum string
	err := b.store.Write(ctx, func(tx store.Tx) error {
		e, err := tx.Establishment(estID)
		if err != nil {
			return err
		}
		if e.Version >= y {
			return errSkip
		}
		year := hostfile.SchoolYear(y)
		detail := fmt.Sprintf("version %d", y)
		if e.OpenedBaseID != 0 {
			if _, err := b.takeBackup(tx, e, BackupSwitch, by, now, 0); err != nil {
				return err
			}
		}
		running := e.ServerState == string(ServerRunning) && e.OpenedBaseID != 0
		create, start := false, false
		grid := hostfile.DefaultGrid()
		switch {
		case running:
			base, err := tx.Base(estID, e.OpenedBaseID)
			if err != nil {
				return err
			}
			if hostfile.SchoolYear(base.SchoolYear) < year {
				if _, err := tx.PutArchive(&store.Archive{EstablishmentID: estID, SchoolYear: base.SchoolYear, BaseID: base.ID, At: now, By: by}); err != nil {
					return err
				}
				if g, err := hostfile.ParseGrid(base.Grid); err == nil {
					grid = g
				}
				create, start = true, true
				detail += fmt.Sprintf(", %s archivée pour %s", base.Name, hostfile.SchoolYear(base.SchoolYear))
			}
		default:
			online, err := wasOnline(tx, estID, year)
			if err != nil {
				return err
			}
			create = !online
		}
		if create {
			p, row, err := b.emptyBase(estID, e.HostingNumber, e.Name, year, grid, by, now)
			if err != nil {
				return err
			}
			pending, sum = p, row.SHA256
			existing, err := tx.Bases(estID)
			if err != nil {
				return err
			}
			row.Name = freeName(row.Name, existing)
			if err := publish(tx, p); err != nil {
				return err
			}
			if err := tx.InsertBase(&row); err != nil {
				return err
			}
			detail += ", " + row.Name + " créée"
			switch {
			case start:
				if err := tx.EndOpenPeriods(estID, now); err != nil {
					return err
				}
				if err := tx.StartPeriod(row.ID, now); err != nil {
					return err
				}
				if err := tx.SetServer(estID, string(ServerRunning), row.ID); err != nil {
					return err
				}
				detail += " et mise en service"
			case e.OpenedBaseID == 0:
				if err := tx.SetServer(estID, e.ServerState, row.ID); err != nil {
					return err
				}
				detail += " et ouverte"
			}
		}
		if err := tx.SetVersion(estID, y); err != nil {
			return err
		}
		if rev, err = tx.BumpRevision(estID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: estID, At: now, Actor: by, Addr: addr, Action: "version.switch",
			Detail: detail, OK: true})
	})
	if pending != nil {
		pending.Abort() // nothing once published
	}
	if errors.Is(err, errSkip) {
		return false, nil
	}
	if err != nil {
		if sum != "" {
			b.dropUnreferenced(sum)
		}
		return false, err
	}
	b.bus.observe(estID, rev, "version.switch", TopicBases|TopicServer|TopicBackups|TopicAccount, nil)
	b.revised(estID, rev)
	return true, nil
}

// wasOnline reports whether a listed base of that school year has been put
// in service.
func wasOnline(tx store.Tx, estID int64, year hostfile.SchoolYear) (bool, error) {
	bases, err := tx.Bases(estID)
	if err != nil {
		return false, err
	}
	periods, err := tx.Periods(estID)
	if err != nil {
		return false, err
	}
	for _, b := range bases {
		if hostfile.SchoolYear(b.SchoolYear) != year {
			continue
		}
		for _, p := range periods {
			if p.BaseID == b.ID {
				return true, nil
			}
		}
	}
	return false, nil
}
