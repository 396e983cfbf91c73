package demo_test

import (
	"context"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/demo"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/standin"
)

// tuesday10 is a school day at 10 h in Paris: the staff's busiest hour.
var tuesday10 = time.Date(2026, 10, 6, 10, 0, 0, 0, clock.Paris())

// world is the demo establishment behind a real stand-in on loopback.
type world struct {
	b      *backend.Backend
	s      *backend.Session // the SPR's console
	est    backend.Establishment
	baseID int64
	srv    *httptest.Server
}

func newWorld(t *testing.T, now time.Time) *world {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	res, err := demo.Seed(ctx, demo.Config{DataDir: filepath.Join(dir, "data"), FilesDir: filepath.Join(dir, "files"), Now: now,
		Hashing: password.Fast, From: now.AddDate(0, 0, -3)})
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
		t.Fatal(err)
	}
	st, err := s.Status(ctx)
	if err != nil || st.InService == nil {
		t.Fatalf("demo status: %+v, %v", st, err)
	}
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.Handler = standin.New(standin.Config{Backend: b, BaseURL: "http://" + srv.Listener.Addr().String()})
	srv.Start()
	t.Cleanup(srv.Close)
	b.HoldConnections(true)
	return &world{b: b, s: s, est: res.Establishment, baseID: st.InService.ID, srv: srv}
}

func (w *world) start(t *testing.T, seed uint64) *demo.Traffic {
	t.Helper()
	tr, err := demo.StartTraffic(context.Background(), demo.TrafficConfig{BaseURL: w.srv.URL, Number: w.est.HostingNumber,
		Clock: w.b.Clock(), Speed: 100, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// waitFor polls cond until it holds, or fails the test after 4 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(4 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settled waits until no more goroutines run than before, and fails with
// their stacks otherwise (a leak check in the manner of goleak).
func settled(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			var sb strings.Builder
			pprof.Lookup("goroutine").WriteTo(&sb, 1) //nolint:errcheck // a test's diagnostics
			t.Fatalf("%d goroutines left, %d before:\n%s", runtime.NumGoroutine(), before, sb.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTrafficThroughTheStandIn: at 10 h on a school day the simulated
// users connect through the real HTTP API, write changes, fill the four
// administratif seats and get refused beyond them, never over them; Stop
// ends every goroutine the simulator started.
func TestTrafficThroughTheStandIn(t *testing.T) {
	w := newWorld(t, tuesday10)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	tr := w.start(t, 1)
	var v backend.ConnectionsView
	var changes []backend.Change
	waitFor(t, "connections, changes and refusals", func() bool {
		var err error
		if v, err = w.s.Connections(ctx); err != nil {
			t.Fatal(err)
		}
		if v.Usage.Admin > w.est.AdminSeats {
			t.Fatalf("%d administratif connections held, over the %d seats", v.Usage.Admin, w.est.AdminSeats)
		}
		if changes, err = w.b.Changes(ctx, w.baseID, 0, 0); err != nil {
			t.Fatal(err)
		}
		// What the server holds, and what the simulated users were told
		// (a beat later: their answers are on their way).
		st := tr.Stats()
		return len(v.Conns) >= 30 && v.Usage.Admin == w.est.AdminSeats && len(v.Refusals) > 0 && len(changes) >= 5 &&
			st.Connected >= 30 && st.Refused > 0 && st.Changes > 0
	})
	modes := map[seats.Mode]bool{}
	for _, c := range v.Conns {
		modes[c.Mode] = true
		if c.Addr != "127.0.0.1" || c.User == "" {
			t.Errorf("connection %+v", c)
		}
	}
	if len(modes) < 5 {
		t.Errorf("modes %v: teachers, staff, vie scolaire and the Espaces should all be there at 10 h", modes)
	}
	if r := v.Refusals[0]; r.Mode != seats.Administratif || !strings.Contains(r.Reason, "licences du mode administratif") {
		t.Errorf("refusal %+v", r)
	}
	for _, c := range changes {
		if c.Author == "" || c.What == "" || c.ConnectionID == "" {
			t.Errorf("change %+v", c)
		}
	}
	tr.Stop()
	st := tr.Stats()
	if st.Failed != 0 || st.Users != 0 {
		t.Errorf("stats after stop %+v", st)
	}
	select {
	case <-tr.Done():
	default:
		t.Error("Done is open after Stop")
	}
	settled(t, before)
}

// TestTrafficOutlivesTheServer: the server stopped from the console (404s
// and 503s), put back in service (users come back), then the listener gone
// (no answer at all): the simulator keeps going, counts it, and stops
// cleanly when its context ends.
func TestTrafficOutlivesTheServer(t *testing.T) {
	w := newWorld(t, tuesday10)
	ctx := context.Background()
	before := runtime.NumGoroutine()
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr, err := demo.StartTraffic(tctx, demo.TrafficConfig{BaseURL: w.srv.URL, Number: w.est.HostingNumber, Clock: w.b.Clock(),
		Speed: 100, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	held := func(n int) func() bool {
		return func() bool {
			c, err := w.s.ConnectedUsers(ctx)
			return err == nil && c >= n
		}
	}
	waitFor(t, "connections", held(20))
	if err := w.s.StopServer(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "lost connections and 503s", func() bool { s := tr.Stats(); return s.Lost > 0 && s.Unavailable > 0 })
	if err := w.s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "users back", held(10))
	if s := tr.Stats(); s.Failed != 0 {
		t.Errorf("a stopped server is not a failure: %+v", s)
	}
	w.srv.Close()
	waitFor(t, "requests failing", func() bool { return tr.Stats().Failed > 0 })
	cancel()
	select {
	case <-tr.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("the simulator did not stop with its context")
	}
	settled(t, before)
}

func TestStartTrafficRefusesABadConfig(t *testing.T) {
	for _, cfg := range []demo.TrafficConfig{
		{BaseURL: "127.0.0.1:8080", Number: "123456789012"},
		{BaseURL: "ftp://127.0.0.1", Number: "123456789012"},
		{BaseURL: "http://127.0.0.1:8080", Number: "12345678901"},
		{BaseURL: "http://127.0.0.1:8080", Number: "../12345678901"},
	} {
		if tr, err := demo.StartTraffic(context.Background(), cfg); err == nil {
			tr.Stop()
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestSeedHistory: the chart of Suivi des connexions is full at start,
// within the seats, busier at 10 h than at 3 h, with refusals.
func TestSeedHistory(t *testing.T) {
	w := newWorld(t, tuesday10)
	ctx := context.Background()
	if err := demo.SeedHistory(ctx, w.b, w.est); err != nil {
		t.Fatal(err)
	}
	v, err := w.s.Connections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.History) != 24*12 {
		t.Fatalf("%d samples, want 288", len(v.History))
	}
	busy, night, filled := 0, 0, 0
	for _, smp := range v.History {
		if smp.Peak[seats.KindAdmin] > w.est.AdminSeats || smp.Peak[seats.KindTeacher] > w.est.TeacherSeats {
			t.Errorf("sample over the seats: %+v", smp)
		}
		total := 0
		for _, n := range smp.Peak {
			total += n
		}
		if total > 0 {
			filled++
		}
		switch smp.At.In(clock.Paris()).Hour() {
		case 10:
			busy += total
		case 3:
			night += total
		}
	}
	if filled < 200 || busy < 10*night || busy == 0 {
		t.Errorf("%d samples with connections, %d at 10 h, %d at 3 h", filled, busy, night)
	}
	if v.RefusedWeek == 0 || len(v.Refusals) == 0 || len(v.Refusals) > seats.KeptRefusals {
		t.Errorf("%d refused this week, %d refusals listed", v.RefusedWeek, len(v.Refusals))
	}
	for _, r := range v.Refusals {
		if !strings.HasPrefix(r.Reason, "Toutes les licences") || r.User == "" || !r.At.Before(tuesday10) {
			t.Errorf("refusal %+v", r)
		}
	}
}
