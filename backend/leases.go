package backend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hebergement/console/backend/scheduler"
	"github.com/hebergement/console/backend/store"
)

// Several instances on one database (SPEC §14) share out what one process
// did alone through leases, rows with a holder and an expiry in the store
// (store.LeaseStore): the scheduler, and each hosted server's connections
// (hostedlease.go). Their expiry is on the wall clock, whatever the back
// end's clock reads (a demo or a test may set it to another year): the
// instances' clocks are kept in step far closer than a lease lasts.

// DefaultLeaseTTL is how long a lease lasts unless renewed: its holder
// renews it every third of it, so that one that dies is replaced within
// this much and one more third (40 s: "within a minute").
const DefaultLeaseTTL = 30 * time.Second

// newInstanceID names this process among the instances: its pid and host,
// which the operators read, and a random part, since a pid comes back.
func newInstanceID() string {
	host, _ := os.Hostname()
	var r [3]byte
	rand.Read(r[:]) //nolint:errcheck // never fails (crypto/rand)
	return fmt.Sprintf("pid %d on %s (%s)", os.Getpid(), host, hex.EncodeToString(r[:]))
}

// Instance is this process's name among the instances sharing the
// database, as the leases it holds give it.
func (b *Backend) Instance() string { return b.instance }

// Shared reports whether the state is in a database several instances may
// share (PostgreSQL), rather than in the data folder's SQLite file.
func (b *Backend) Shared() bool { return b.shared }

// SchedulerCoordinator is where the scheduler's lease and last runs live:
// the data folder's lock and state file on SQLite (one host), the
// database's lease row on PostgreSQL (several instances), lasting ttl
// (0: Options.LeaseTTL).
func (b *Backend) SchedulerCoordinator(ttl time.Duration) scheduler.Coordinator {
	if !b.shared {
		return scheduler.FileCoordinator(b.dataDir)
	}
	return b.LeaseCoordinator(ttl)
}

// LeaseCoordinator is the scheduler's coordinator on the database's lease
// row, whichever the database (SchedulerCoordinator picks it for
// PostgreSQL; tests use it on SQLite as well).
func (b *Backend) LeaseCoordinator(ttl time.Duration) scheduler.Coordinator {
	if ttl <= 0 {
		ttl = b.leaseTTL
	}
	return &leaseCoordinator{b: b, ttl: ttl}
}

// schedulerLease is the scheduler's lease row.
const schedulerLease = "scheduler"

type leaseCoordinator struct {
	b   *Backend
	ttl time.Duration
}

func (c *leaseCoordinator) Acquire(ctx context.Context, _ time.Time) (bool, string, error) {
	now := time.Now()
	var l store.Lease
	var ok bool
	err := c.b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		l, ok, err = tx.TakeLease(store.Lease{Name: schedulerLease, Holder: c.b.instance, Expires: now.Add(c.ttl)}, now)
		return err
	})
	if err != nil || ok {
		return ok, "", err
	}
	return false, fmt.Sprintf("%s since %s, until %s", l.Holder, l.Since.Format(time.RFC3339), l.Expires.Format(time.RFC3339)), nil
}

func (c *leaseCoordinator) Release() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.Renewal())
	defer cancel()
	return c.b.store.Write(ctx, func(tx store.Tx) error {
		return tx.ReleaseLease(schedulerLease, c.b.instance)
	})
}

func (c *leaseCoordinator) LastRuns(ctx context.Context) (map[string]time.Time, error) {
	var runs map[string]time.Time
	err := c.b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		runs, err = tx.JobRuns()
		return err
	})
	return runs, err
}

// Record writes the run only while the lease is this instance's and has
// not expired, in the transaction that checks it: once another instance
// may have taken it, its record wins.
func (c *leaseCoordinator) Record(ctx context.Context, job string, at time.Time) error {
	return c.b.store.Write(ctx, func(tx store.Tx) error {
		l, err := tx.Lease(schedulerLease)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (l.Holder != c.b.instance || !l.Expires.After(time.Now()))) {
			return scheduler.ErrLeaseLost
		}
		if err != nil {
			return err
		}
		return tx.SetJobRun(job, at)
	})
}

func (c *leaseCoordinator) Renewal() time.Duration { return c.ttl / 3 }

func (c *leaseCoordinator) Where() string { return `lease "scheduler" in the database` }
