package backend_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hebergement/console/backend"
)

// Consoles of one establishment, in this process and in another one on the
// same data folder, press the server buttons at once: each action is applied
// whole or refused with its own error, and the state stays consistent.
func TestConcurrentServerActions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	s := e.login(t, est, pw)
	a := load(t, s, generate(t, est.HostingNumber, "A", fileSize)[0])
	b := load(t, s, generate(t, est.HostingNumber, "B", fileSize)[0])
	ok(t, s.OpenBase(ctx, a.ID))
	cli := openEnv(t, e.dir, e.clock)

	sessions := []*backend.Session{s, e.login(t, est, pw), cli.login(t, est, pw)}
	expected := []error{backend.ErrAlreadyRunning, backend.ErrServerStopped, backend.ErrServerRunning, backend.ErrAlreadyOpened}

	const workers, rounds = 8, 12
	var mu sync.Mutex
	done := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sess := sessions[w%len(sessions)]
			for r := 0; r < rounds; r++ {
				var op string
				var err error
				switch (w + r) % 4 {
				case 0:
					op, err = "start", sess.PutInService(ctx)
				case 1:
					op, err = "stop", sess.StopServer(ctx)
				case 2:
					op, err = "open A", sess.OpenBase(ctx, a.ID)
				case 3:
					op, err = "open B", sess.OpenBase(ctx, b.ID)
				}
				if err != nil {
					known := false
					for _, x := range expected {
						known = known || errors.Is(err, x)
					}
					if !known {
						t.Errorf("%s: unexpected error %v", op, err)
					}
					continue
				}
				mu.Lock()
				done[op]++
				mu.Unlock()
				e.clock.Advance(1)
			}
		}()
	}
	wg.Wait()

	st := mustStatus(t, s)
	l := mustBases(t, s)
	open, closed := 0, 0
	var openOn int64
	for _, base := range allBases(l) {
		for _, p := range base.Periods {
			if p.To.IsZero() {
				open++
				openOn = base.ID
			} else {
				closed++
			}
		}
	}
	if open+closed != done["start"] || closed != done["stop"] {
		t.Errorf("%d open and %d closed periods for %d starts and %d stops", open, closed, done["start"], done["stop"])
	}
	switch st.State {
	case backend.ServerRunning:
		if open != 1 || st.InService == nil || openOn != st.InService.ID || done["start"] != done["stop"]+1 {
			t.Errorf("running on %v with %d open periods (on %d), %d starts, %d stops", st.InService, open, openOn, done["start"], done["stop"])
		}
	case backend.ServerStopped:
		if open != 0 || st.InService != nil || done["start"] != done["stop"] {
			t.Errorf("stopped with %d open periods, %d starts, %d stops", open, done["start"], done["stop"])
		}
	default:
		t.Errorf("state %q", st.State)
	}
	if st.Opened == nil {
		t.Error("no opened base")
	}
	j := e.journal(t, est.ID)
	if got := count(j, "server.start", true); got != done["start"] {
		t.Errorf("journal: %d starts, %d done", got, done["start"])
	}
	if got := count(j, "base.open", true); got != done["open A"]+done["open B"]+1 {
		t.Errorf("journal: %d opens, %d done", got, done["open A"]+done["open B"]+1)
	}
	t.Logf("done %v", fmt.Sprint(done))
}

// Loads of the same file at once: one base, one stored file, the others told
// it is a duplicate.
func TestConcurrentDuplicateLoads(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	path := generate(t, est.HostingNumber, "HUGO", fileSize)[0]
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = loadErr(s, fmt.Sprintf("HUGO-%d.HNOT", i), path)
		}()
	}
	wg.Wait()
	loaded := 0
	for _, err := range errs {
		switch {
		case err == nil:
			loaded++
		case !errors.Is(err, backend.ErrDuplicateBase):
			t.Errorf("unexpected error %v", err)
		}
	}
	if loaded != 1 {
		t.Errorf("%d loads succeeded, want 1", loaded)
	}
	if all := allBases(mustBases(t, s)); len(all) != 1 {
		t.Errorf("%d bases", len(all))
	}
	if o := e.objects(t); len(o) != 1 {
		t.Errorf("stored files %v, want one", o)
	}
	if tmp := e.tmp(t); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}
