package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var leaseTests = []test{
	{"LeaseTakenRenewedAndReleased", testLeaseLifecycle},
	{"LeasesRenewedByPrefix", testLeasesRenewedByPrefix},
	{"JobRunsKept", testJobRuns},
}

func takeLease(t *testing.T, s store.Store, l store.Lease, now time.Time) (store.Lease, bool) {
	t.Helper()
	var got store.Lease
	var ok bool
	write(t, s, func(tx store.Tx) error {
		var err error
		got, ok, err = tx.TakeLease(l, now)
		return err
	})
	return got, ok
}

// A lease is held until it expires or is released; its holder renews it
// keeping its Since; another takes it once it has expired, or at once once
// released; a release by another holder changes nothing.
func testLeaseLifecycle(t *testing.T, s store.Store) {
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.Lease("scheduler"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("lease never taken: err %v, want ErrNotFound", err)
		}
		return nil
	})
	a := store.Lease{Name: "scheduler", Holder: "a", Address: "http://a:8080", Expires: at.Add(30 * time.Second)}
	got, ok := takeLease(t, s, a, at)
	if !ok || got.Holder != "a" || !got.Since.Equal(at) || !got.Expires.Equal(a.Expires) || got.Address != a.Address {
		t.Fatalf("first take: %+v %v", got, ok)
	}
	b := store.Lease{Name: "scheduler", Holder: "b", Address: "http://b:8080", Expires: at.Add(40 * time.Second)}
	if got, ok := takeLease(t, s, b, at.Add(10*time.Second)); ok || got.Holder != "a" || got.Address != "http://a:8080" {
		t.Fatalf("b took a's lease before it expired: %+v %v", got, ok)
	}
	a.Expires = at.Add(50 * time.Second)
	if got, ok := takeLease(t, s, a, at.Add(20*time.Second)); !ok || !got.Since.Equal(at) || !got.Expires.Equal(a.Expires) {
		t.Fatalf("renewal: %+v %v (Since must stay %v)", got, ok, at)
	}
	// Expired at 50 s: b takes it, with a Since of its own.
	b.Expires = at.Add(80 * time.Second)
	if got, ok := takeLease(t, s, b, at.Add(50*time.Second)); !ok || got.Holder != "b" || !got.Since.Equal(at.Add(50*time.Second)) {
		t.Fatalf("take over an expired lease: %+v %v", got, ok)
	}
	write(t, s, func(tx store.Tx) error { return tx.ReleaseLease("scheduler", "a") })
	read(t, s, func(tx store.Tx) error {
		l, err := tx.Lease("scheduler")
		if err != nil || l.Holder != "b" {
			t.Errorf("a released b's lease: %+v %v", l, err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.ReleaseLease("scheduler", "b") })
	if got, ok := takeLease(t, s, a, at.Add(51*time.Second)); !ok || got.Holder != "a" {
		t.Fatalf("take after release: %+v %v", got, ok)
	}
}

// RenewLeases moves only the holder's leases of the prefix, a prefix being
// compared as text (its % and _ are no wildcards).
func testLeasesRenewedByPrefix(t *testing.T, s store.Store) {
	exp := at.Add(time.Minute)
	for _, l := range []store.Lease{
		{Name: "hosted:1", Holder: "a"}, {Name: "hosted:2", Holder: "a"}, {Name: "hosted:3", Holder: "b"},
		{Name: "scheduler", Holder: "a"}, {Name: "hostedX", Holder: "a"},
	} {
		l.Expires = exp
		if _, ok := takeLease(t, s, l, at); !ok {
			t.Fatalf("take %s", l.Name)
		}
	}
	until := at.Add(5 * time.Minute)
	var names, wild []string
	write(t, s, func(tx store.Tx) error {
		var err error
		if names, err = tx.RenewLeases("a", "hosted:", until); err != nil {
			return err
		}
		wild, err = tx.RenewLeases("a", "host_d%", until)
		return err
	})
	slices.Sort(names)
	if !slices.Equal(names, []string{"hosted:1", "hosted:2"}) || len(wild) != 0 {
		t.Fatalf("renewed %q (want hosted:1 and hosted:2), with wildcards %q (want none)", names, wild)
	}
	read(t, s, func(tx store.Tx) error {
		for name, want := range map[string]time.Time{"hosted:1": until, "hosted:2": until, "hosted:3": exp, "scheduler": exp, "hostedX": exp} {
			l, err := tx.Lease(name)
			if err != nil || !l.Expires.Equal(want) {
				t.Errorf("%s: expires %v (%v), want %v", name, l.Expires, err, want)
			}
		}
		return nil
	})
}

// Job runs are kept per job, the latest write winning.
func testJobRuns(t *testing.T, s store.Store) {
	write(t, s, func(tx store.Tx) error {
		for _, r := range []struct {
			job string
			at  time.Time
		}{{"nightly-backup", at}, {"switch", at.Add(time.Hour)}, {"nightly-backup", at.Add(24 * time.Hour)}} {
			if err := tx.SetJobRun(r.job, r.at); err != nil {
				return err
			}
		}
		if err := tx.SetJobRun("", at); err == nil {
			t.Error("a job run without a name was recorded")
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		runs, err := tx.JobRuns()
		if err != nil {
			return err
		}
		if len(runs) != 2 || !runs["nightly-backup"].Equal(at.Add(24*time.Hour)) || !runs["switch"].Equal(at.Add(time.Hour)) {
			t.Errorf("job runs %v", runs)
		}
		return nil
	})
}

// A store that listens (store.Listener) tells of a committed revision bump
// and not of a rolled-back one. Stores without a listener skip.
func testListener(t *testing.T, s store.Store) {
	l, ok := s.(store.Listener)
	if !ok {
		if sp, isSpread := s.(*spread); isSpread {
			l, ok = sp.stores[0].(store.Listener)
		}
	}
	if !ok {
		t.Skip("this store has no listener: the back end polls it")
	}
	e := establishments(t, s, 1)[0]
	var calls atomic.Int64
	heard := make(chan struct{}, 64)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Listen(lctx, func() { //nolint:errcheck // ends with lctx
			calls.Add(1)
			heard <- struct{}{}
		}, func(err error) { t.Log("listener:", err) })
	}()
	defer func() { cancel(); <-done }()
	wait := func(what string) {
		t.Helper()
		select {
		case <-heard:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: nothing heard in 10 s", what)
		}
	}
	wait("the connection's own call") // made once listening
	// A rolled-back bump says nothing; the committed one after it does.
	rollback := errors.New("rolled back")
	if err := s.Write(ctx, func(tx store.Tx) error {
		if _, err := tx.BumpRevision(e.ID); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatal(err)
	}
	write(t, s, func(tx store.Tx) error { _, err := tx.BumpRevision(e.ID); return err })
	wait("a committed bump")
	time.Sleep(200 * time.Millisecond) // a stray call for the rollback would be in by now
	if n := calls.Load(); n != 2 {
		t.Errorf("%d calls, want 2 (the connection's, the commit's)", n)
	}
}

// Instances racing for a free lease: exactly one takes it, and the others
// are told who did.
func testLeaseOneHolder(t *testing.T, s store.Store) {
	const n = 12
	won := make([]bool, n)
	seen := make([]string, n)
	errs := parallel(n, func(i int) error {
		return s.Write(ctx, func(tx store.Tx) error {
			l, ok, err := tx.TakeLease(store.Lease{Name: "scheduler", Holder: fmt.Sprint("instance-", i), Expires: at.Add(time.Minute)}, at)
			won[i], seen[i] = ok, l.Holder
			return err
		})
	})
	noErrors(t, "take", errs)
	winners := 0
	var holder string
	for i := range n {
		if won[i] {
			winners++
			holder = seen[i]
		}
	}
	if winners != 1 {
		t.Fatalf("%d instances hold the lease", winners)
	}
	for i := range n {
		if seen[i] != holder {
			t.Errorf("instance %d was told %q holds it, not %q", i, seen[i], holder)
		}
	}
}
