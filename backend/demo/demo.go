// Package demo fills a fresh data folder with an establishment, a few loaded
// bases and one in service, through the same back-end calls a school would
// make, so that `hebergement --demo` shows a console worth looking at.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// Result is what the demo console needs to prefill its login screen.
type Result struct {
	Establishment backend.Establishment
	Password      string
	// FilesDir holds hosting files not loaded yet, for "Charger une base" and
	// "Compléter la base hébergée".
	FilesDir string
}

// Seed creates the demo establishment in b and writes its hosting files under
// dir.
func Seed(ctx context.Context, b *backend.Backend, dir string) (Result, error) {
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{
		Name: "Lycée Victor Hugo", UAI: "0751234A", Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78",
		AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 2 << 30,
	})
	if err != nil {
		return Result{}, fmt.Errorf("demo establishment: %w", err)
	}
	// The first login asks for the invoice number; the demo does it once so
	// that the prefilled login goes straight in.
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "demo"})
	if err != nil {
		return Result{}, fmt.Errorf("demo login: %w", err)
	}
	files := filepath.Join(dir, "fichiers-hebergement")
	if err := os.MkdirAll(files, 0o700); err != nil {
		return Result{}, err
	}
	now := b.Clock().Now()
	year := backend.DefaultSchoolYear(now)
	type gen struct {
		name                        string
		year                        hostfile.SchoolYear
		students, teachers, classes int
		size                        int64
		load                        bool
	}
	gens := []gen{
		{"VICTOR-HUGO-" + (year - 1).String(), year - 1, 1180, 96, 42, 6 << 20, true},
		{"VICTOR-HUGO-" + year.String(), year, 1214, 98, 43, 8 << 20, true},
		{"VICTOR-HUGO-" + year.String() + "-EDT", year, 1214, 98, 43, 3 << 20, true},
		{"VICTOR-HUGO-" + year.String() + "-SECOURS", year, 1214, 99, 43, 2 << 20, false},
	}
	var paths [][]string
	for _, g := range gens {
		p, err := hostfile.Generate(files, hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: g.name,
			Establishment: est.Name, Year: g.year, Students: g.students, Teachers: g.teachers, Classes: g.classes,
			Size: g.size, Now: now.Add(-48 * time.Hour)})
		if err != nil {
			return Result{}, fmt.Errorf("demo files: %w", err)
		}
		paths = append(paths, p)
	}
	var ids []int64
	for i, g := range gens {
		if !g.load {
			continue
		}
		base, err := loadFile(ctx, s, paths[i][0])
		if err != nil {
			return Result{}, err
		}
		ids = append(ids, base.ID)
	}
	// Last year's base was in service, then this year's took over.
	// The nightly backups of the past year are of the base that was in
	// service each night: last year's until the school year's start, then
	// this year's (see backups.go).
	start := schoolYearStart(now)
	steps := []func() error{
		func() error { return s.OpenBase(ctx, ids[0]) },
		s2(ctx, s.PutInService),
		func() error { return seedNights(ctx, b, est, now.AddDate(-1, 0, 0), start) },
		s2(ctx, s.StopServer),
		func() error { return s.OpenBase(ctx, ids[1]) },
		s2(ctx, s.PutInService),
		func() error { return seedNights(ctx, b, est, start, now) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return Result{}, fmt.Errorf("demo server: %w", err)
		}
	}
	for _, p := range paths[1][1:] { // this year's documents joints
		if k, _ := hostfile.KindFromName(p); k != hostfile.KindAttachments {
			continue
		}
		f, err := os.Open(p)
		if err != nil {
			return Result{}, err
		}
		_, err = s.AttachAnnex(ctx, filepath.Base(p), f, nil)
		f.Close()
		if err != nil {
			return Result{}, fmt.Errorf("demo annex: %w", err)
		}
	}
	if err := seedBackups(ctx, b, s, est, files); err != nil {
		return Result{}, err
	}
	return Result{Establishment: est, Password: pw, FilesDir: files}, nil
}

func s2(ctx context.Context, f func(context.Context) error) func() error {
	return func() error { return f(ctx) }
}

func loadFile(ctx context.Context, s *backend.Session, path string) (backend.Base, error) {
	f, err := os.Open(path)
	if err != nil {
		return backend.Base{}, err
	}
	defer f.Close()
	b, err := s.LoadBase(ctx, filepath.Base(path), f, nil)
	if err != nil {
		return backend.Base{}, fmt.Errorf("demo load %s: %w", filepath.Base(path), err)
	}
	return b, nil
}
