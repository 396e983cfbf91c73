package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
)

// TestAugustSwitch steps the calendar through July and August 2026 for
// three establishments: one with last year's base in service (archived,
// replaced by a new base put in service), one already on the new year's
// base (kept), one with nothing in service (a new base created and opened).
func TestAugustSwitch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	old, _ := e.inService(t, 5, 30) // a base of 2025-2026 in service
	kept, _ := e.session(t, "Collège Jean Moulin")
	b, err := kept.CreateBase(ctx, backend.CreateBaseRequest{Year: 2026, Grid: hostfile.DefaultGrid()})
	ok(t, err)
	ok(t, kept.PutInService(ctx))
	empty, _ := e.session(t, "École Jules Ferry")

	for _, s := range []*backend.Session{old, kept, empty} {
		v, err := s.Version(ctx)
		ok(t, err)
		if v.Version != 2025 || v.Next != 2026 || v.SwitchAt.Month() != time.August || v.SwitchAt.Day() < 21 || v.SwitchAt.Day() > 24 {
			t.Fatalf("version before the switch: %+v", v)
		}
	}
	// Before any drawn day: nothing switches.
	e.clock.Set(time.Date(2026, 8, 20, 12, 0, 0, 0, clock.Paris()))
	if n, err := e.b.SwitchVersions(ctx, e.clock.Now()); n != 0 || err != nil {
		t.Fatalf("20 August: %d switched, %v", n, err)
	}
	// After every drawn day, one run (a catch-up) switches them all, once.
	e.clock.Set(time.Date(2026, 8, 25, 3, 30, 0, 0, clock.Paris()))
	if n, err := e.b.SwitchVersions(ctx, e.clock.Now()); n != 3 || err != nil {
		t.Fatalf("25 August: %d switched, %v", n, err)
	}
	if n, _ := e.b.SwitchVersions(ctx, e.clock.Now()); n != 0 {
		t.Fatalf("again: %d switched", n)
	}

	st := mustStatus(t, old)
	if st.Version != "PRONOTE 2026" || st.InService == nil || st.InService.Year != 2026 {
		t.Errorf("last year's base in service: after the switch %s, in service %+v", st.Version, st.InService)
	}
	if y, _ := old.Years(ctx); len(y) == 0 || y[0].Year != 2025 || y[0].Base == nil {
		t.Errorf("last year's base is not archived: %+v", y)
	}
	if v := mustBackups(t, old); len(v.Backups) == 0 || v.Backups[0].Kind != backend.BackupSwitch {
		t.Errorf("no switch backup: %+v", v.Backups)
	}
	if st := mustStatus(t, kept); st.InService == nil || st.InService.ID != b.ID || st.Version != "PRONOTE 2026" {
		t.Errorf("the base of 2026-2027 was not kept: %+v", st.InService)
	}
	if st := mustStatus(t, empty); st.Opened == nil || st.Opened.Year != 2026 || st.State != backend.ServerStopped {
		t.Errorf("no base in service: opened %+v, state %s", st.Opened, st.State)
	}
}

// TestPreVersion: asked for from 6 to 20 July, the switch happens at once;
// outside, refused with the dates.
func TestPreVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	s, _ := e.inService(t, 5, 30)
	e.clock.Set(time.Date(2026, 7, 5, 12, 0, 0, 0, clock.Paris()))
	err := s.RequestPreVersion(ctx)
	if !errors.Is(err, backend.ErrPreVersionClosed) || !strings.Contains(backend.Message(err), "du 06/07/2026 au 20/07/2026") {
		t.Fatalf("5 July: %v (%s)", err, backend.Message(err))
	}
	e.clock.Set(time.Date(2026, 7, 10, 9, 0, 0, 0, clock.Paris()))
	if v, _ := s.Version(ctx); !v.CanRequest {
		t.Fatalf("10 July: %+v", v)
	}
	ok(t, s.RequestPreVersion(ctx))
	if st := mustStatus(t, s); st.Version != "PRONOTE 2026" || st.InService == nil || st.InService.Year != 2026 {
		t.Fatalf("after the pre-version: %s, %+v", st.Version, st.InService)
	}
	// The August run leaves it as it is.
	e.clock.Set(time.Date(2026, 8, 25, 4, 0, 0, 0, clock.Paris()))
	if n, _ := e.b.SwitchVersions(ctx, e.clock.Now()); n != 0 {
		t.Errorf("August after the pre-version: %d switched", n)
	}
	e.clock.Set(time.Date(2027, 7, 21, 9, 0, 0, 0, clock.Paris()))
	if err := s.RequestPreVersion(ctx); !errors.Is(err, backend.ErrPreVersionClosed) {
		t.Errorf("21 July: %v", err)
	}
}
