package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
)

// inService creates an establishment with L admin seats and T teacher
// seats, logs in as its SPR, creates a base and puts it in service.
func (e *env) inService(t testing.TB, admin, teacher int) (*backend.Session, backend.Establishment) {
	t.Helper()
	n := school("Lycée Victor Hugo")
	n.AdminSeats, n.TeacherSeats = admin, teacher
	est, pw := e.establish(t, n)
	s := e.login(t, est, pw)
	ctx := context.Background()
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	ok(t, s.PutInService(ctx))
	return s, est
}

func connect(b *backend.Backend, number, user, group, mode string) (backend.Connection, error) {
	return b.Connect(context.Background(), number, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: "198.51.100.7"})
}

// TestSeatRules: L administratif seats, R of them kept for the groupe
// Administration, T enseignant seats; vie scolaire and the Espaces
// unlimited (SPEC §7).
func TestSeatRules(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 3, 30)
	ctx := context.Background()
	ok(t, s.SetReservedSeats(ctx, 1))
	n := est.HostingNumber
	// Two non-Administration users take the 2 = L − R open seats; the third
	// is refused by the reservation, an Administration user still gets the
	// last seat, then nobody does.
	for i := range 2 {
		if _, err := connect(e.b, n, fmt.Sprintf("M. P%d", i), "Professeurs", "administratif"); err != nil {
			t.Fatalf("seat %d: %v", i, err)
		}
	}
	_, err := connect(e.b, n, "M. DURAND", "Vie scolaire", "administratif")
	var seat *seats.SeatError
	if !errors.As(err, &seat) || seat.Reserved != 1 {
		t.Fatalf("third non-admin: %v, want a refusal by the reservation", err)
	}
	if msg := backend.Message(err); msg == "" || msg[0] != 'L' {
		t.Fatalf("message %q", msg)
	}
	// A look-alike of the group is not the group; an invisible character
	// is dropped, so the group is what it looks like.
	if _, err := connect(e.b, n, "M. FAUX", "Adminiſtration", "administratif"); !errors.As(err, &seat) || seat.Reserved != 1 {
		t.Fatalf("a look-alike group on a reserved seat: %v", err)
	}
	c, err := connect(e.b, n, "Mme ADMIN", "Adm\u200binistration", "administratif")
	if err != nil || c.Group != "Administration" {
		t.Fatalf("admin on the reserved seat: %+v, %v", c, err)
	}
	if _, err := connect(e.b, n, "Mme ADMIN2", " administration ", "administratif"); !errors.Is(err, backend.ErrNoSeat) {
		t.Fatalf("fourth: %v, want ErrNoSeat", err)
	}
	for i := range 50 {
		if _, err := connect(e.b, n, fmt.Sprintf("Parent %d", i), "", "parent"); err != nil {
			t.Fatalf("parents are unlimited: %v", err)
		}
	}
	v, err := s.Connections(ctx)
	ok(t, err)
	if v.Usage.Admin != 3 || v.Usage.AdminByAdminGroup != 1 || v.Usage.Espaces != 50 || len(v.Conns) != 53 {
		t.Fatalf("usage %+v, %d conns", v.Usage, len(v.Conns))
	}
	if len(v.Refusals) != 3 || v.RefusedToday != 3 {
		t.Fatalf("refusals %d, today %d", len(v.Refusals), v.RefusedToday)
	}
	// R out of 0…L is refused and changes nothing.
	if err := s.SetReservedSeats(ctx, 4); !errors.Is(err, backend.ErrInvalidInput) {
		t.Fatalf("R = 4 > L: %v", err)
	}
}

// TestStopClosesConnections: "Arrêter le serveur" closes every connection;
// heartbeats then get ErrConnectionNotFound, and the count said before is
// the number closed.
func TestStopClosesConnections(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 4, 0)
	ctx := context.Background()
	c, err := connect(e.b, est.HostingNumber, "M. DUPONT", "Professeurs", "enseignant")
	ok(t, err)
	_, err = connect(e.b, est.HostingNumber, "Mme MARTIN", "Administration", "administratif")
	ok(t, err)
	ok(t, e.b.Heartbeat(ctx, est.HostingNumber, c.ID))
	if n, err := s.ConnectedUsers(ctx); err != nil || n != 2 {
		t.Fatalf("ConnectedUsers = %d, %v", n, err)
	}
	ok(t, s.StopServer(ctx))
	if err := e.b.Heartbeat(ctx, est.HostingNumber, c.ID); !errors.Is(err, backend.ErrConnectionNotFound) {
		t.Fatalf("heartbeat after stop: %v", err)
	}
	if _, err := connect(e.b, est.HostingNumber, "M. DUPONT", "", "enseignant"); !errors.Is(err, backend.ErrNotInService) {
		t.Fatalf("connect while stopped: %v", err)
	}
	ok(t, s.PutInService(ctx))
	if n, _ := s.ConnectedUsers(ctx); n != 0 {
		t.Fatalf("%d connections survived a stop", n)
	}
}

// TestExpiry: no heartbeat for 5 minutes and the connection is gone.
func TestExpiry(t *testing.T) {
	e := newEnv(t)
	_, est := e.inService(t, 1, 30)
	ctx := context.Background()
	c, err := connect(e.b, est.HostingNumber, "M. DUPONT", "", "administratif")
	ok(t, err)
	e.clock.Advance(4 * time.Minute)
	ok(t, e.b.Heartbeat(ctx, est.HostingNumber, c.ID))
	e.clock.Advance(5 * time.Minute)
	if err := e.b.Heartbeat(ctx, est.HostingNumber, c.ID); !errors.Is(err, backend.ErrConnectionNotFound) {
		t.Fatalf("heartbeat after 5 min: %v", err)
	}
	// The seat is free again.
	_, err = connect(e.b, est.HostingNumber, "Mme MARTIN", "", "administratif")
	ok(t, err)
}

// TestChangesAreDurable: a change is in the log of the base in service
// once RecordChange returns, and survives a restart.
func TestChangesAreDurable(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 4, 30)
	ctx := context.Background()
	c, err := connect(e.b, est.HostingNumber, "M. DUPONT", "Professeurs", "enseignant")
	ok(t, err)
	ch, err := e.b.RecordChange(ctx, est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: "note de maths 3e B"})
	ok(t, err)
	if _, err := e.b.RecordChange(ctx, "999999999999", backend.ChangeRequest{Connection: c.ID, What: "x"}); err == nil {
		t.Fatal("a change through another number was taken")
	}
	st := mustStatus(t, s)
	if st.Changes != 1 {
		t.Fatalf("the status counts %d changes of the base in service, want 1", st.Changes)
	}
	ok(t, e.b.Close())
	e2 := openEnv(t, e.dir, e.clock)
	got, err := e2.b.Changes(ctx, st.InService.ID, 0, 0)
	ok(t, err)
	if len(got) != 1 || got[0].ID != ch.ID || got[0].What != "note de maths 3e B" || got[0].Author != "M. DUPONT" {
		t.Fatalf("changes %+v", got)
	}
}

// TestSeatInvariantUnderRace: hundreds of clients race for the last seats;
// never more held than the seats, never a non-Administration user in a
// reserved seat. Run with -race.
func TestSeatInvariantUnderRace(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 5, 30)
	ctx := context.Background()
	ok(t, s.SetReservedSeats(ctx, 2))
	var admins, others, teachers atomic.Int64
	var wg sync.WaitGroup
	for i := range 400 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			group, mode := "Professeurs", "administratif"
			switch i % 4 {
			case 0:
				group = "Administration"
			case 1:
				mode = "enseignant"
			}
			c, err := connect(e.b, est.HostingNumber, fmt.Sprintf("U%d", i), group, mode)
			switch {
			case errors.Is(err, backend.ErrNoSeat):
				return
			case err != nil:
				t.Error(err)
				return
			}
			switch {
			case mode == "enseignant":
				teachers.Add(1)
			case group == "Administration":
				admins.Add(1)
			default:
				others.Add(1)
			}
			if i%7 == 0 { // some leave, freeing a seat for another racer
				if err := e.b.Disconnect(ctx, est.HostingNumber, c.ID); err != nil {
					t.Error(err)
				}
				switch {
				case mode == "enseignant":
					teachers.Add(-1)
				case group == "Administration":
					admins.Add(-1)
				default:
					others.Add(-1)
				}
			}
		}()
	}
	wg.Wait()
	v, err := s.Connections(ctx)
	ok(t, err)
	if v.Usage.Admin > 5 || v.Usage.Admin-v.Usage.AdminByAdminGroup > 3 || v.Usage.Teacher > 30 {
		t.Fatalf("seat invariant broken: %+v", v.Usage)
	}
	if int64(v.Usage.Admin) != admins.Load()+others.Load() || int64(v.Usage.Teacher) != teachers.Load() {
		t.Fatalf("usage %+v, clients hold %d admins %d others %d teachers", v.Usage, admins.Load(), others.Load(), teachers.Load())
	}
	// Departures may leave a seat free once the others have given up; the
	// seats were contended, so some were held.
	if v.Usage.Admin == 0 || v.Usage.Teacher == 0 {
		t.Fatalf("no seat held under contention: %+v", v.Usage)
	}
}

// TestAnotherProcessChangesSeats: the operator's CLI (another back end on
// the same data folder) lowers the seats, and a stop made there closes the
// connections held here, within the watcher's interval; lowering seats
// disconnects nobody.
func TestAnotherProcessChangesSeats(t *testing.T) {
	e := newEnv(t)
	_, est := e.inService(t, 4, 30)
	ctx := context.Background()
	held, err := connect(e.b, est.HostingNumber, "M. DUPONT", "", "administratif")
	ok(t, err)
	_, err = connect(e.b, est.HostingNumber, "Mme MARTIN", "", "administratif")
	ok(t, err)
	cli := openEnv(t, e.dir, e.clock)
	if _, err := cli.b.SetSeats(ctx, est.HostingNumber, 1, 30); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := connect(e.b, est.HostingNumber, "M. DURAND", "", "administratif")
		if errors.Is(err, backend.ErrNoSeat) {
			break
		}
		ok(t, err)
		if time.Now().After(deadline) {
			t.Fatal("the lowered seats never reached this process")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Nobody was disconnected by the lower limit.
	ok(t, e.b.Heartbeat(ctx, est.HostingNumber, held.ID))
	other := cli.login(t, est, cli.lastSMSPassword(t))
	ok(t, other.StopServer(ctx))
	for e.b.Heartbeat(ctx, est.HostingNumber, held.ID) == nil {
		if time.Now().After(deadline) {
			t.Fatal("a stop made by another process left the connections open")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRestartUnderTraffic: clients come and go while the server stops and
// starts again; a connection admitted after the last start is never
// closed by a request that read the state before it.
func TestRestartUnderTraffic(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 1000, 0)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if c, err := connect(e.b, est.HostingNumber, "U", "", "enseignant"); err == nil {
					e.b.Disconnect(ctx, est.HostingNumber, c.ID) //nolint:errcheck // may be gone after a stop
				}
			}
		})
	}
	lost := 0
	for range 40 {
		ok(t, s.StopServer(ctx))
		ok(t, s.PutInService(ctx))
		c, err := connect(e.b, est.HostingNumber, "Sentinelle", "", "administratif")
		ok(t, err)
		if e.b.Heartbeat(ctx, est.HostingNumber, c.ID) != nil {
			lost++
		}
	}
	close(stop)
	wg.Wait()
	if lost > 0 {
		t.Fatalf("%d connections of 40 admitted after a restart were closed by older requests", lost)
	}
}

// TestChangesCountInTheQuota: the change log counts in the storage quota;
// a change that would pass it is refused and not stored.
func TestChangesCountInTheQuota(t *testing.T) {
	e := newEnv(t)
	n := school("Lycée Victor Hugo")
	n.QuotaBytes = 1 << 20
	est, pw := e.establish(t, n)
	s := e.login(t, est, pw)
	ctx := context.Background()
	_, err := s.CreateBase(ctx, s.DefaultCreateBase())
	ok(t, err)
	ok(t, s.PutInService(ctx))
	c, err := connect(e.b, est.HostingNumber, "M. DUPONT", "", "enseignant")
	ok(t, err)
	before := mustStatus(t, s).UsedBytes
	what := strings.Repeat("x", backend.MaxChangeLen)
	stored := 0
	for {
		_, err := e.b.RecordChange(ctx, est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: what})
		if errors.Is(err, backend.ErrStorageFull) {
			break
		}
		ok(t, err)
		stored++
		if stored > 1000 {
			t.Fatal("the quota never stopped the changes")
		}
	}
	after := mustStatus(t, s).UsedBytes
	if after != before+int64(stored*len(what)) || after > n.QuotaBytes {
		t.Fatalf("used %d → %d after %d changes, quota %d", before, after, stored, n.QuotaBytes)
	}
}
