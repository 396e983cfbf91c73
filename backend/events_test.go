package backend_test

import (
	"context"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

// quiet is how long a subscriber must hear nothing: many poll intervals.
const quiet = 15 * 20 * time.Millisecond

// waitEvent returns the next event or fails after a generous timeout.
func waitEvent(t *testing.T, ch <-chan backend.Event, what string) backend.Event {
	t.Helper()
	select {
	case ev, open := <-ch:
		if !open {
			t.Fatalf("%s: the subscription closed", what)
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: no event within 5 s", what)
	}
	return backend.Event{}
}

// waitAction waits for the event of a journal action, skipping the events of
// the store watcher (Action ""), whose timing the test does not control.
func waitAction(t *testing.T, ch <-chan backend.Event, action, what string) backend.Event {
	t.Helper()
	for {
		ev := waitEvent(t, ch, what)
		if ev.Action == action || ev.Action != "" {
			return ev
		}
	}
}

// noEvent fails if an event arrives within quiet.
func noEvent(t *testing.T, ch <-chan backend.Event, what string) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Errorf("%s: unexpected event %+v", what, ev)
	case <-time.After(quiet):
	}
}

func TestEventsReachTheSameEstablishmentOnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée A"))
	console1 := e.login(t, est, pw)
	console2 := e.login(t, est, pw)
	other, _ := e.session(t, "Lycée B")

	ch, stop := console1.Subscribe()
	defer stop()
	if _, err := console2.CreateBase(ctx, console2.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	ev := waitAction(t, ch, "base.create", "another console of the same establishment creates a base")
	if ev.EstablishmentID != est.ID || ev.Action != "base.create" {
		t.Errorf("event = %+v, want base.create of %d", ev, est.ID)
	}
	// What the event announces is already readable.
	if st := mustStatus(t, console1); st.Opened == nil {
		t.Error("after the event, the console does not see the created base")
	}

	if _, err := other.CreateBase(ctx, other.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	noEvent(t, ch, "another establishment creates a base")

	// A refused action changes nothing and announces nothing.
	if err := console2.StopServer(ctx); err == nil {
		t.Fatal("StopServer of a stopped server succeeded")
	}
	noEvent(t, ch, "a refused action")
}

// A console that just subscribed reloads only when something changes.
func TestSubscriberHearsNothingWhenNothingChanges(t *testing.T) {
	e := newEnv(t)
	s, _ := e.session(t, "Lycée A")
	ch, stop := s.Subscribe()
	defer stop()
	noEvent(t, ch, "nothing changed")
}

func TestEventsFromAnotherProcess(t *testing.T) {
	server := newEnv(t)
	ctx := context.Background()
	est, pw := server.establish(t, school("Lycée A"))
	s := server.login(t, est, pw)
	ch, stop := s.Subscribe()
	defer stop()
	// One change seen by this process first.
	if err := s.StopServer(ctx); err == nil {
		t.Fatal("StopServer of a stopped server succeeded")
	}
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if ev := waitAction(t, ch, "base.create", "own change"); ev.Action != "base.create" {
		t.Fatalf("event = %+v, want base.create", ev)
	}

	// The CLI, another process on the same data folder.
	cli := openEnv(t, server.dir, server.clock)
	cliSession := cli.login(t, est, pw)
	if err := cliSession.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, ch, "a change made by another process")
	if ev.EstablishmentID != est.ID {
		t.Errorf("event = %+v", ev)
	}
	if st := mustStatus(t, s); st.State != backend.ServerRunning {
		t.Errorf("after the event the console reads state %s, want running", st.State)
	}
	// One change, one event.
	noEvent(t, ch, "after the change was announced")

	// Another establishment's change in the other process reaches nobody here.
	otherEst, otherPW := cli.establish(t, school("Lycée B"))
	o := cli.login(t, otherEst, otherPW)
	if _, err := o.CreateBase(ctx, o.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	noEvent(t, ch, "another establishment's change in another process")
}

func TestSubscriptionEnds(t *testing.T) {
	e := newEnv(t)
	s, _ := e.session(t, "Lycée A")
	ch, stop := s.Subscribe()
	stop()
	stop() // twice is fine
	if _, open := <-ch; open {
		t.Error("the channel is still open after stop")
	}
	ch2, stop2 := s.Subscribe()
	defer stop2()
	if err := e.b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, open := <-ch2:
		if open {
			t.Error("an event instead of the end of the subscription")
		}
	case <-time.After(5 * time.Second):
		t.Error("Close does not end the subscription")
	}
	stop2() // after Close: no panic
}
