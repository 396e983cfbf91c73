package backend_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/postgres"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
)

// sharedLeaseTTL is the instances' lease in these tests: renewed every
// 300 ms.
const sharedLeaseTTL = 900 * time.Millisecond

// openInstance opens one instance on the shared database dsn and folder
// dir, with short leases.
func openInstance(t *testing.T, dir, dsn string, c *clock.Fake) *env {
	t.Helper()
	logs := &syncBuffer{}
	b, err := backend.Open(context.Background(), backend.Options{DataDir: dir, DB: dsn, Clock: c, Logger: log.New(logs),
		Hashing: password.Fast, PollInterval: 20 * time.Millisecond, LeaseTTL: sharedLeaseTTL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return &env{b: b, clock: c, dir: dir, logs: logs}
}

// The hosted lease's life with several instances: a school held by an
// instance that died is taken once its lease expires; an instance whose
// school was taken from it closes that school's connections at its next
// renewal; a school without a connection for a whole lease is released.
func TestHostedLeaseAcrossInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	c := clock.NewFake(start)
	first := openInstance(t, dir, dsn, c)
	second := openInstance(t, dir, dsn, c)
	raw, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	_, est := first.inService(t, 4, 30)
	lease := "hosted:" + strconv.FormatInt(est.ID, 10)
	ctx := context.Background()
	take := func(holder string, d time.Duration) {
		t.Helper()
		storeWrite(t, raw, func(tx store.Tx) error {
			now := time.Now()
			if _, ok, err := tx.TakeLease(store.Lease{Name: lease, Holder: holder, Address: "http://127.0.0.1:9", Expires: now.Add(d)}, now); err != nil || !ok {
				t.Fatalf("take %s: %v %v", holder, ok, err)
			}
			return nil
		})
	}

	// Held by an instance that died (nobody renews its lease).
	take("a dead instance", 600*time.Millisecond)
	if here, addr, err := second.b.HostedHere(ctx, est.HostingNumber); err != nil || here || addr != "http://127.0.0.1:9" {
		t.Fatalf("before the dead one's lease expired: here %v, address %q, %v", here, addr, err)
	}
	if _, err := connect(second.b, est.HostingNumber, "M. DUPONT", "Administration", "administratif"); !errors.Is(err, backend.ErrHostedElsewhere) {
		t.Fatalf("admitted on an instance that does not hold the school: %v", err)
	}
	waitUntil(t, "the dead instance's school taken", func() bool {
		here, _, err := second.b.HostedHere(ctx, est.HostingNumber)
		return err == nil && here
	})
	conn, err := connect(second.b, est.HostingNumber, "M. DUPONT", "Administration", "administratif")
	if err != nil {
		t.Fatal(err)
	}

	// Taken from it (its lease lapsed while it could not renew, say).
	storeWrite(t, raw, func(tx store.Tx) error { return tx.ReleaseLease(lease, second.b.Instance()) })
	take("another instance", time.Minute)
	waitUntil(t, "the lost school's connections closed", func() bool {
		return strings.Contains(second.logs.String(), "hosted server taken over by another instance")
	})
	if err := second.b.Heartbeat(ctx, est.HostingNumber, conn.ID); !errors.Is(err, backend.ErrHostedElsewhere) {
		t.Errorf("heartbeat on the instance that lost the school: %v", err)
	}

	// Released when idle: the first instance takes a school nobody uses.
	storeWrite(t, raw, func(tx store.Tx) error { return tx.ReleaseLease(lease, "another instance") })
	if here, _, err := first.b.HostedHere(ctx, est.HostingNumber); err != nil || !here {
		t.Fatalf("a free school not taken: %v %v", here, err)
	}
	waitUntil(t, "the idle school released", func() bool {
		var err error
		if rerr := raw.Read(ctx, func(tx store.Tx) error {
			_, err = tx.Lease(lease)
			return nil
		}); rerr != nil {
			t.Fatal(rerr)
		}
		return errors.Is(err, store.ErrNotFound)
	})
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitFor(t, what, 10*time.Second, cond)
}

// storeWrite runs fn in a write transaction of s.
func storeWrite(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}
