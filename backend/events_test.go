package backend_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

// quiet is how long a subscriber must hear nothing: many poll intervals.
const quiet = 15 * 20 * time.Millisecond

// waitEvent returns the next event or fails after a generous timeout.
func waitEvent(t *testing.T, sub *backend.Subscription, what string) backend.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		if ev, ok := sub.Take(); ok {
			return ev
		}
		select {
		case _, open := <-sub.Ready():
			if !open {
				t.Fatalf("%s: the subscription closed", what)
			}
		case <-deadline:
			t.Fatalf("%s: no event within 5 s", what)
		}
	}
}

// waitAction waits for the event of a journal action, skipping the events of
// the store watcher (no action), whose timing the test does not control.
func waitAction(t *testing.T, sub *backend.Subscription, action, what string) backend.Event {
	t.Helper()
	for {
		ev := waitEvent(t, sub, what)
		if len(ev.Actions) > 0 {
			return ev
		}
	}
}

// noEvent fails if an event arrives within quiet.
func noEvent(t *testing.T, sub *backend.Subscription, what string) {
	t.Helper()
	select {
	case <-sub.Ready():
		ev, _ := sub.Take()
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

	ch := console1.Subscribe()
	defer ch.Close()
	if _, err := console2.CreateBase(ctx, console2.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	ev := waitAction(t, ch, "base.create", "another console of the same establishment creates a base")
	if ev.EstablishmentID != est.ID || !slices.Equal(ev.Actions, []string{"base.create"}) || !ev.Topics.Has(backend.TopicBases) || ev.Own {
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
	ch := s.Subscribe()
	defer ch.Close()
	noEvent(t, ch, "nothing changed")
}

func TestEventsFromAnotherProcess(t *testing.T) {
	server := newEnv(t)
	ctx := context.Background()
	est, pw := server.establish(t, school("Lycée A"))
	s := server.login(t, est, pw)
	ch := s.Subscribe()
	defer ch.Close()
	// One change seen by this process first.
	if err := s.StopServer(ctx); err == nil {
		t.Fatal("StopServer of a stopped server succeeded")
	}
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if ev := waitAction(t, ch, "base.create", "own change"); !slices.Equal(ev.Actions, []string{"base.create"}) || !ev.Own {
		t.Fatalf("event = %+v, want base.create", ev)
	}

	// The CLI, another process on the same data folder.
	cli := openEnv(t, server.dir, server.clock)
	cliSession := cli.login(t, est, pw)
	if err := cliSession.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, ch, "a change made by another process")
	if ev.EstablishmentID != est.ID || ev.Topics != backend.AllTopics {
		t.Errorf("event = %+v, want every topic", ev)
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
	ch := s.Subscribe()
	ch.Close()
	ch.Close() // twice is fine
	if _, open := <-ch.Ready(); open {
		t.Error("the subscription is still open after Close")
	}
	ch2 := s.Subscribe()
	defer ch2.Close()
	if err := e.b.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case _, open := <-ch2.Ready():
		if open {
			t.Error("an event instead of the end of the subscription")
		}
	case <-time.After(5 * time.Second):
		t.Error("Close does not end the subscription")
	}
	ch2.Close() // after Close: no panic
}

// A console that does not read for a while gets one event with every change
// merged: the topics of all of them, every action, the notices (the oldest
// counted when there are too many), never a silent drop.
func TestSlowSubscriberGetsEverythingMerged(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée A"))
	actor := e.login(t, est, pw)
	slow := e.login(t, est, pw).Subscribe()
	defer slow.Close()
	if _, err := actor.CreateBase(ctx, actor.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := actor.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 40 {
		actor.Announce(i%2 == 0, fmt.Sprintf("message %d", i))
	}
	if err := actor.StopServer(ctx); err != nil {
		t.Fatal(err)
	}
	ev := waitEvent(t, slow, "after a burst")
	want := []string{"base.create", "server.start", "server.stop"}
	if !slices.Equal(ev.Actions, want) {
		t.Errorf("actions = %v, want %v", ev.Actions, want)
	}
	if !ev.Topics.Has(backend.TopicBases) || !ev.Topics.Has(backend.TopicServer) || ev.Topics.Has(backend.TopicKeys) {
		t.Errorf("topics = %b, want bases and server only", ev.Topics)
	}
	if n := len(ev.Notices); n == 0 || ev.Notices[n-1].Text != "message 39" || ev.Missed+n != 40 {
		t.Errorf("notices = %d (last %+v), missed %d; want the latest kept and the rest counted", n, ev.Notices, ev.Missed)
	}
	if ev.Own {
		t.Error("another session's changes are marked as the subscriber's own")
	}
	noEvent(t, slow, "everything was merged into one event")
}
