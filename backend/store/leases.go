package store

import "time"

// LeaseStore holds the leases several instances on one database share out
// (the scheduler, each hosted server's connections) and the scheduler's
// last runs. A lease is a row with a holder and an expiry: its holder
// renews it well before it expires; when the holder dies, it expires and
// another instance takes it. Instants are wall-clock time, the instances'
// clocks being kept in step (NTP) far closer than a lease lasts.
type LeaseStore interface {
	// TakeLease gives the lease l.Name to l.Holder, with l.Address and
	// until l.Expires, when it is free, expired at now, or already
	// l.Holder's (a renewal, which keeps its Since). It returns the lease
	// as it stands afterwards, and whether l.Holder holds it: when it does
	// not, the row is the other holder's.
	TakeLease(l Lease, now time.Time) (Lease, bool, error)
	// RenewLeases moves to until the expiry of every lease of holder whose
	// name starts with prefix, and returns their names: a lease the holder
	// believed its own and is not among them was taken by another.
	RenewLeases(holder, prefix string, until time.Time) ([]string, error)
	// ReleaseLease gives up the lease name if holder holds it; nothing
	// happens otherwise.
	ReleaseLease(name, holder string) error
	// Lease is the lease name as it stands, expired or not; ErrNotFound
	// when it was never taken or was released.
	Lease(name string) (Lease, error)
	// JobRuns is when each scheduled job's last successful run started.
	JobRuns() (map[string]time.Time, error)
	// SetJobRun records the start of a job's last successful run.
	SetJobRun(job string, at time.Time) error
}

// Lease is a row of leases.
type Lease struct {
	Name   string
	Holder string // the instance's own id: host, pid and a random part
	// Address is where the holder can be reached by the other instances
	// (its HTTP base URL), "" when not needed.
	Address string
	Since   time.Time // when the holder took it
	Expires time.Time
}
