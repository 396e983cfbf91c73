package backend_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
)

func TestStateSurvivesRestart(t *testing.T) {
	first := newEnv(t)
	ctx := context.Background()
	est, pw := first.establish(t, school("Lycée Victor Hugo"))
	s := first.login(t, est, pw)
	old := generate(t, est.HostingNumber, "HUGO-2024", fileSize)
	cur := generate(t, est.HostingNumber, "HUGO-2025", fileSize)
	a := load(t, s, old[0])
	b := load(t, s, cur[0])
	ok(t, s.OpenBase(ctx, a.ID))
	ok(t, s.PutInService(ctx))
	first.clock.Advance(24 * time.Hour)
	ok(t, s.StopServer(ctx))
	_, err := s.CreateBase(ctx, s.DefaultCreateBase())
	ok(t, err)
	ok(t, s.OpenBase(ctx, b.ID))
	first.clock.Advance(time.Hour)
	ok(t, s.PutInService(ctx))
	_, err = attach(s, cur[2])
	ok(t, err)
	// A second establishment, locked out.
	other, otherPW := first.establish(t, school("Collège Jean Moulin"))
	first.login(t, other, otherPW)
	for i := 0; i < backend.MaxFailures; i++ {
		first.b.Login(ctx, loginReq(other, "wrong", "", "a")) //nolint:errcheck
	}

	wantStatus := mustStatus(t, s)
	wantBases := mustBases(t, s)
	wantJournal := first.journal(t, est.ID)
	if wantStatus.State != backend.ServerRunning || len(wantBases.PreviouslyInService) != 2 || len(wantBases.Uploaded) != 1 {
		t.Fatalf("setup: status %+v, bases %+v", wantStatus, wantBases)
	}
	ok(t, first.b.Close())

	second := openEnv(t, first.dir, first.clock)
	// No invoice asked: the first login was done before the restart.
	s2, err := second.b.Login(ctx, loginReq(est, pw, "", "b"))
	ok(t, err)
	if got := mustStatus(t, s2); !reflect.DeepEqual(got, wantStatus) {
		t.Errorf("status after restart:\n got %+v\nwant %+v", got, wantStatus)
	}
	if got := mustBases(t, s2); !reflect.DeepEqual(got, wantBases) {
		t.Errorf("bases after restart:\n got %+v\nwant %+v", got, wantBases)
	}
	if got := second.journal(t, est.ID); len(got) != len(wantJournal)+1 { // + the new login
		t.Errorf("journal after restart holds %d entries, want %d", len(got), len(wantJournal)+1)
	}
	// The lockout survives the restart.
	var locked *backend.LockedError
	if _, err := second.b.Login(ctx, loginReq(other, otherPW, "", "c")); !errors.As(err, &locked) {
		t.Errorf("locked number after restart: err = %v, want *LockedError", err)
	}
	// And the state keeps working.
	ok(t, s2.StopServer(ctx))
	l := mustBases(t, s2)
	for _, base := range l.PreviouslyInService {
		if base.LastPeriod().To.IsZero() {
			t.Errorf("base %s still has an open period after stop", base.Name)
		}
	}
}

func TestReopenKeepsMigrations(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 3; i++ {
		e := openEnv(t, dir, clock.NewFake(start))
		if i == 0 {
			e.establish(t, school("Lycée Victor Hugo"))
		}
		list, err := e.b.Establishments(context.Background())
		ok(t, err)
		if len(list) != 1 {
			t.Fatalf("open %d: %d establishments, want 1", i+1, len(list))
		}
		ok(t, e.b.Close())
	}
}
