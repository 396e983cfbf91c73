package demo_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/demo"
	"github.com/hebergement/console/backend/password"
)

// seeded lives the demo's year until now in a temporary folder, opens it
// with a back end on a fake clock at now, and logs in with the demo's
// prefilled credentials: they go straight in, no invoice number asked.
func seeded(t *testing.T, now time.Time) (demo.Result, *backend.Session) {
	t.Helper()
	dir := t.TempDir()
	ctx := context.Background()
	res, err := demo.Seed(ctx, demo.Config{DataDir: filepath.Join(dir, "data"), FilesDir: filepath.Join(dir, "files"), Now: now, Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	b, err := backend.Open(ctx, backend.Options{DataDir: filepath.Join(dir, "data"), Hashing: password.Fast, Clock: clock.NewFake(now)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: res.Establishment.HostingNumber, Password: res.Password, Addr: "local"})
	if err != nil {
		t.Fatalf("demo login: %v", err)
	}
	return res, s
}

func TestSeed(t *testing.T) {
	ctx := context.Background()
	res, s := seeded(t, time.Date(2026, 10, 5, 10, 0, 0, 0, clock.Paris()))
	st, err := s.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != backend.ServerRunning || st.InService == nil || st.InService.Year != 2026 || st.InService.Name != "VICTOR-HUGO-2026-2027" ||
		st.Version != "PRONOTE 2026" {
		t.Errorf("demo status = %+v, want this year's base in service", st)
	}
	if len(st.InService.Annexes) != 1 {
		t.Errorf("base in service has annexes %+v, want the documents joints", st.InService.Annexes)
	}
	l, err := s.Bases(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// This year's base, the August switch's empty base it replaced the same
	// morning, last year's; the timetable trial base loaded in September.
	if len(l.PreviouslyInService) != 3 || len(l.Uploaded) != 1 {
		t.Errorf("demo lists: %d previously in service, %d uploaded; want 3 and 1", len(l.PreviouslyInService), len(l.Uploaded))
	}
	if len(l.PreviouslyInService) == 3 && l.PreviouslyInService[2].LastPeriod().To.IsZero() {
		t.Error("last year's base has no end of service")
	}
	// A year of backups under the retention policy, and two archived years.
	v, err := s.Backups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[backend.BackupKind]int{}
	weekly := 0
	for _, k := range v.Backups {
		kinds[k.Kind]++
		if k.Weekly {
			weekly++
		}
	}
	if kinds[backend.BackupNightly] < 50 || kinds[backend.BackupManual] == 0 || weekly < 20 || len(v.Backups) > 30+27+5 {
		t.Errorf("demo backups: %v, %d weekly of %d", kinds, weekly, len(v.Backups))
	}
	years, err := s.Years(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(years) < 2 || years[0].Base == nil || years[1].Base == nil {
		t.Errorf("demo years: %+v, want 2025-2026 and 2024-2025 archived", years)
	}
	// Files not loaded yet are there for "Charger une base".
	if _, err := os.Stat(filepath.Join(res.FilesDir, "VICTOR-HUGO-2026-2027-SECOURS.HNOT")); err != nil {
		t.Errorf("spare base file: %v", err)
	}
	f, err := os.Open(filepath.Join(res.FilesDir, "VICTOR-HUGO-2026-2027-SECOURS.HNOT"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := s.LoadBase(ctx, "VICTOR-HUGO-2026-2027-SECOURS.HNOT", f, nil); err != nil {
		t.Errorf("loading the spare demo base: %v", err)
	}
}

// TestSeedAtEdges: the year lived holds together whatever the day: a
// change of time, the day after the August switch, just after midnight
// before the night's backup; an instant of 3 days ago opens.
func TestSeedAtEdges(t *testing.T) {
	for _, now := range []time.Time{
		time.Date(2026, 3, 29, 12, 0, 0, 0, clock.Paris()),
		time.Date(2026, 8, 25, 10, 0, 0, 0, clock.Paris()),
		time.Date(2027, 1, 1, 0, 30, 0, 0, clock.Paris()),
	} {
		t.Run(now.Format("2006-01-02T15h04"), func(t *testing.T) {
			ctx := context.Background()
			_, s := seeded(t, now)
			v, err := s.Backups(ctx)
			if err != nil || len(v.Backups) < 30 {
				t.Fatalf("%d backups, %v", len(v.Backups), err)
			}
			for i := 1; i < len(v.Backups); i++ {
				if v.Backups[i].At.After(v.Backups[i-1].At) || v.Backups[i-1].At.After(now) {
					t.Fatalf("backups out of order or in the future: %v then %v", v.Backups[i-1].At, v.Backups[i].At)
				}
			}
			if _, err := s.OpenInstant(ctx, now.Add(-72*time.Hour), true); err != nil {
				t.Errorf("instant of 3 days ago: %v", err)
			}
		})
	}
}

// The demo's Mon compte on 10 July: the contract ends in 52 days (the
// warning shows, the renewal is not asked yet), the pre-version can be
// asked, a year of invoices, two keys (the office's enrolled with an
// invitation, as Administration), one invitation pending and one used,
// logins in the journal.
func TestSeedAccount(t *testing.T) {
	ctx := context.Background()
	_, s := seeded(t, time.Date(2027, 7, 10, 10, 0, 0, 0, clock.Paris()))
	a, err := s.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Contract.Warn || a.Contract.DaysLeft != 52 || !a.Version.CanRequest {
		t.Errorf("contract %+v, version %+v: want the warning 52 days before the end and the pre-version offered", a.Contract, a.Version)
	}
	invoices, err := s.Invoices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[backend.InvoiceKind]int{}
	for _, inv := range invoices {
		kinds[inv.Kind]++
	}
	if kinds[backend.KindFacture] != 2 || kinds[backend.KindProForma] != 1 {
		t.Errorf("invoices %+v: want the first one, the renewal's pro-forma and its invoice", invoices)
	}
	keys, err := s.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].Role != backend.RoleSPR || keys[1].Role != backend.RoleAdmin || keys[1].Name != "Secrétariat" {
		t.Errorf("keys %+v: want the head's (SPR) and the office's (Administration)", keys)
	}
	invs, err := s.Invitations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(invs) != 2 || invs[0].State != backend.InvitationPending || invs[0].Name != "Vie scolaire" || invs[1].State != backend.InvitationUsed {
		t.Errorf("invitations %+v: want the vie scolaire's pending and the office's used", invs)
	}
	logins, err := s.Journal(ctx, backend.JournalQuery{Kind: backend.JournalLogins})
	if err != nil {
		t.Fatal(err)
	}
	if len(logins) < 50 {
		t.Errorf("%d logins in the journal, want a year of them", len(logins))
	}
}
