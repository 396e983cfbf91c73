// Package demo fills a fresh data folder with an establishment that has
// lived a school year on the hosting console: its bases loaded and put in
// service, the changes its users wrote, the nightly and manual backups the
// retention policy kept, the previous years archived. It lives that year
// through the same back-end calls a school and the scheduler make, on a
// clock of its own, so that `hebergement --demo` shows a console worth
// looking at whose every date holds together ("Ouvrir l'état à une date"
// finds the base that was in service at any minute of the last 7 days).
package demo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// Result is what the demo console needs to prefill its login screen.
type Result struct {
	Establishment backend.Establishment
	Password      string
	// FilesDir holds hosting files not loaded yet, for "Charger une base" and
	// "Compléter la base hébergée".
	FilesDir string
}

// Config says where and until when the demo's year is lived.
type Config struct {
	// DataDir is a new or empty data folder.
	DataDir string
	// FilesDir receives the hosting files not loaded.
	FilesDir string
	// Now is the end of the year lived: the console's now.
	Now time.Time
	// Hashing is the password hashing cost (zero: the default).
	Hashing password.Params
	// From, when set, starts the year lived there instead (tests that only
	// need an establishment in service live a few days).
	From time.Time
}

// Seed lives the demo establishment's past year on cfg.DataDir with a back
// end of its own, on a clock that runs from a year before cfg.Now to it,
// and closes it: the caller then opens the data folder.
func Seed(ctx context.Context, cfg Config) (Result, error) {
	now := cfg.Now
	cur := backend.CurrentSchoolYear(now)
	// The switch to this school year's base, late August; the year lived
	// starts a year ago, or a month before that switch if earlier.
	switchDay := time.Date(int(cur), time.August, 24, 9, 0, 0, 0, clock.Paris())
	start := now.AddDate(-1, 0, 0)
	if start.After(switchDay.AddDate(0, -1, 0)) {
		start = switchDay.AddDate(0, -1, 0)
	}
	if !cfg.From.IsZero() && cfg.From.Before(now) {
		start = cfg.From
	}
	clk := clock.NewFake(start)
	b, err := backend.Open(ctx, backend.Options{DataDir: cfg.DataDir, Clock: clk, Hashing: cfg.Hashing})
	if err != nil {
		return Result{}, err
	}
	y := &year{b: b, clk: clk, now: now, cur: cur, r: rand.New(rand.NewPCG(uint64(now.Unix()), 9))}
	res, err := y.live(ctx, cfg, start, switchDay)
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// year is the demo's year being lived.
type year struct {
	b   *backend.Backend
	clk *clock.Fake
	s   *backend.Session
	est backend.Establishment
	now time.Time
	cur hostfile.SchoolYear
	r   *rand.Rand
	// acct is the account's life (account.go).
	acct account
}

// file is a hosting file the school's old server generated.
type file struct {
	name                        string
	year                        hostfile.SchoolYear
	students, teachers, classes int
	size                        int64
	generated                   time.Time
}

func (y *year) live(ctx context.Context, cfg Config, start, switchDay time.Time) (Result, error) {
	est, pw, err := y.b.CreateEstablishment(ctx, backend.NewEstablishment{
		Name: "Lycée Victor Hugo", UAI: "0751234A", Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78",
		AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 2 << 30,
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo establishment: %w", err)
	}
	y.est = est
	// The first login asks for the invoice number; the demo does it once so
	// that the prefilled login goes straight in.
	if y.s, err = y.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "demo"}); err != nil {
		return Result{}, fmt.Errorf("demo login: %w", err)
	}
	if err := y.enrollHead(ctx, pw); err != nil {
		return Result{}, err
	}
	y.b.HoldConnections(true)
	if err := os.MkdirAll(cfg.FilesDir, 0o700); err != nil {
		return Result{}, err
	}
	cur, prev := y.cur, y.cur-1
	name := func(yr hostfile.SchoolYear, suffix string) string { return "VICTOR-HUGO-" + yr.String() + suffix }
	august := func(yr hostfile.SchoolYear, day int) time.Time {
		return time.Date(int(yr), time.August, day, 16, 0, 0, 0, clock.Paris())
	}
	files := []file{
		{name(prev-1, ""), prev - 1, 1102, 90, 40, 3 << 20, august(prev, 20)},
		{name(prev, ""), prev, 1180, 96, 42, 6 << 20, august(prev, 21)},
		{name(cur, ""), cur, 1214, 98, 43, 8 << 20, august(cur, 21)},
		{name(cur, "-EDT"), cur, 1214, 98, 43, 3 << 20, august(cur, 28)},
		{name(cur, "-SECOURS"), cur, 1214, 99, 43, 2 << 20, august(cur, 29)},
	}
	paths := make([][]string, len(files))
	for i, f := range files {
		if paths[i], err = hostfile.Generate(cfg.FilesDir, hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: f.name,
			Establishment: est.Name, Year: f.year, Students: f.students, Teachers: f.teachers, Classes: f.classes,
			Size: f.size, Now: f.generated}); err != nil {
			return Result{}, fmt.Errorf("demo files: %w", err)
		}
	}
	// A year ago: the year before last is archived, last year's base is in
	// service.
	older, err := y.load(ctx, paths[0][0])
	if err != nil {
		return Result{}, err
	}
	last, err := y.load(ctx, paths[1][0])
	if err != nil {
		return Result{}, err
	}
	if err := y.steps(ctx, func() error { return y.s.ReplaceYear(ctx, prev-1, older.ID) },
		func() error { return y.s.DeleteBase(ctx, older.ID) },
		func() error { return y.s.OpenBase(ctx, last.ID) },
		func() error { return y.s.PutInService(ctx) }); err != nil {
		return Result{}, err
	}
	// Day after day until now.
	day := time.Date(start.In(clock.Paris()).Year(), start.In(clock.Paris()).Month(), start.In(clock.Paris()).Day(), 0, 0, 0, 0, clock.Paris())
	for d := 1; ; d++ {
		at := func(h, m int) time.Time {
			return time.Date(day.Year(), day.Month(), day.Day()+d, h, m, 0, 0, clock.Paris())
		}
		if at(2, 0).After(y.now) {
			break
		}
		if err := y.night(ctx, at(2, 0)); err != nil {
			return Result{}, err
		}
		date := at(12, 0)
		if sameDay(date, switchDay) {
			// The new school year: this year's base is loaded and put in
			// service, last year's archived for its year.
			if err := y.switchYear(ctx, paths[2], switchDay); err != nil {
				return Result{}, err
			}
		}
		if err := y.schoolDay(ctx, at); err != nil {
			return Result{}, err
		}
		if sameDay(date, switchDay.AddDate(0, 0, 18)) && !at(17, 45).After(y.now) { // the timetable's trial base, in September
			y.clk.Set(at(17, 45))
			if _, err := y.load(ctx, paths[3][0]); err != nil {
				return Result{}, err
			}
		}
		if err := y.accountDay(ctx, d, at); err != nil {
			return Result{}, err
		}
	}
	if err := y.pendingInvitation(ctx); err != nil {
		return Result{}, err
	}
	y.clk.Set(y.now)
	// The files loaded are not offered again (load removes them), nor the
	// annexes of past years' bases; the spare base, and this year's base and
	// annexes when the year lived ends before they were loaded, are.
	for _, p := range [][]string{paths[0][1:], paths[1][1:]} {
		for _, f := range p {
			os.Remove(f)
		}
	}
	return Result{Establishment: est, Password: pw, FilesDir: cfg.FilesDir}, nil
}

// night is 02:00: the scheduler's nightly backup, then, on Sundays and
// the last night, its pruning at 03:00 (the scheduler prunes every night;
// once a week removes the same backups, in fewer transactions), then in
// August its switch of version at 03:30 on the establishment's day.
func (y *year) night(ctx context.Context, at time.Time) error {
	y.clk.Set(at)
	if _, err := y.b.NightlyBackups(ctx, at); err != nil {
		return fmt.Errorf("demo backups: %w", err)
	}
	if at.Weekday() == time.Sunday || at.AddDate(0, 0, 1).After(y.now) {
		y.clk.Set(at.Add(time.Hour))
		if _, err := y.b.PruneBackups(ctx, at.Add(time.Hour)); err != nil {
			return fmt.Errorf("demo backups: %w", err)
		}
	}
	if sw := at.Add(90 * time.Minute); at.Month() == time.August && !sw.After(y.now) {
		y.clk.Set(sw)
		if _, err := y.b.SwitchVersions(ctx, sw); err != nil {
			return fmt.Errorf("demo switch: %w", err)
		}
	}
	return nil
}

// schoolDay writes a school day's changes, one for most of the year and
// eight a day in the last two weeks (enough to see the log grow, few
// enough that the demo starts in a second or two), after, now and then, a
// manual backup before a day of timetable changes.
func (y *year) schoolDay(ctx context.Context, at func(h, m int) time.Time) error {
	date := at(12, 0)
	if wd := date.Weekday(); wd == time.Saturday || wd == time.Sunday || date.Month() == time.July && date.Day() > 4 ||
		date.Month() == time.August {
		return nil
	}
	if date.YearDay()%9 == 4 {
		if t := at(7, 45); !t.After(y.now) {
			y.clk.Set(t)
			if _, err := y.s.CreateBackup(ctx); err != nil && !errors.Is(err, backend.ErrNothingToBackUp) {
				return fmt.Errorf("demo backups: %w", err)
			}
		}
	}
	n := 1
	if y.now.Sub(date) < 14*24*time.Hour {
		n = 8
	}
	slot := 9 * 60 / n // minutes of the day (08:00 to 17:00) per change, in order
	for i := range n {
		t := at(8, 0).Add(time.Duration(i*slot+y.r.IntN(slot)) * time.Minute)
		if t.After(y.now) {
			return nil
		}
		y.clk.Set(t)
		if err := y.change(ctx); err != nil {
			return err
		}
	}
	return nil
}

// change is a teacher's or the office's change to the base in service.
func (y *year) change(ctx context.Context) error {
	user, group, mode, what := adultName(y.r), "Professeurs", "enseignant", teacherChange(y.r)
	if y.r.IntN(4) == 0 {
		group, mode, what = "Administration", "administratif", adminChange(y.r)
	}
	c, err := y.b.Connect(ctx, y.est.HostingNumber, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: "192.0.2.10"})
	if err != nil {
		return fmt.Errorf("demo changes: %w", err)
	}
	if _, err := y.b.RecordChange(ctx, y.est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: what}); err != nil {
		return fmt.Errorf("demo changes: %w", err)
	}
	return y.b.Disconnect(ctx, y.est.HostingNumber, c.ID)
}

// switchYear is the school's morning after the August switch (which put
// an empty base of the new year in service and archived last year's):
// its own base of the new year, generated by its old local server, is
// loaded, opened (the switch's base backed up first) and put in service,
// its documents joints attached.
func (y *year) switchYear(ctx context.Context, paths []string, at time.Time) error {
	y.clk.Set(at)
	base, err := y.load(ctx, paths[0])
	if err != nil {
		return err
	}
	if err := y.steps(ctx, func() error { return y.s.StopServer(ctx) },
		func() error { return y.s.OpenBase(ctx, base.ID) },
		func() error { return y.s.PutInService(ctx) }); err != nil {
		return err
	}
	for _, p := range paths[1:] {
		if k, _ := hostfile.KindFromName(p); k != hostfile.KindAttachments {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		_, err = y.s.AttachAnnex(ctx, filepath.Base(p), f, nil)
		f.Close()
		if err != nil {
			return fmt.Errorf("demo annex: %w", err)
		}
		os.Remove(p)
	}
	return nil
}

func (y *year) steps(ctx context.Context, steps ...func() error) error {
	for _, step := range steps {
		y.clk.Advance(time.Minute)
		if err := step(); err != nil {
			return fmt.Errorf("demo server: %w", err)
		}
	}
	return nil
}

func (y *year) load(ctx context.Context, path string) (backend.Base, error) {
	f, err := os.Open(path)
	if err != nil {
		return backend.Base{}, err
	}
	defer f.Close()
	b, err := y.s.LoadBase(ctx, filepath.Base(path), f, nil)
	if err != nil {
		return backend.Base{}, fmt.Errorf("demo load %s: %w", filepath.Base(path), err)
	}
	os.Remove(path) // loaded: not offered in the files to load
	return b, nil
}

func sameDay(a, b time.Time) bool {
	a, b = a.In(clock.Paris()), b.In(clock.Paris())
	return a.Year() == b.Year() && a.YearDay() == b.YearDay()
}
