package scheduler

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"time"
)

// Coordinator is where the scheduler's lease and its jobs' last runs live:
// files of the data folder when one host runs the back end
// (FileCoordinator), rows of the database when several instances share it
// (the back end's, on PostgreSQL).
type Coordinator interface {
	// Acquire takes the lease, or renews it when this process holds it:
	// true when it holds it now; otherwise the holder's line ("pid 1234 on
	// host since …"), "" when unknown. An error leaves the lease as it was:
	// a holder that cannot renew keeps it until it expires.
	Acquire(ctx context.Context, now time.Time) (bool, string, error)
	// Release gives the lease up; another process may take it at once. It
	// is bounded in time by the coordinator itself.
	Release() error
	// LastRuns reads when each job's last successful run started.
	LastRuns(ctx context.Context) (map[string]time.Time, error)
	// Record writes the start of a job's last successful run, and nothing
	// of the others' (another holder may have recorded them since); it
	// fails with ErrLeaseLost when this process does not hold the lease
	// any more.
	Record(ctx context.Context, job string, at time.Time) error
	// Renewal is how often, on the wall clock, the holder renews the lease
	// and a process standing by tries to take it; 0 for a lease held until
	// released (a file lock, which the system frees when its holder dies).
	Renewal() time.Duration
	// Where says where the lease is, for the health lines.
	Where() string
}

// ErrLeaseLost is a run recorded by a process whose lease expired, or was
// taken by another after it expired: the other one records from then on.
var ErrLeaseLost = errors.New("scheduler: the lease was lost")

// FileCoordinator keeps the lease as an OS file lock on scheduler.lock and
// the last runs in scheduler.json, in the data folder dir: for one host,
// whose processes share the folder.
func FileCoordinator(dir string) Coordinator { return &fileCoordinator{dir: dir} }

type fileCoordinator struct {
	dir   string
	mu    sync.Mutex
	lease *Lease
}

func (f *fileCoordinator) Acquire(_ context.Context, now time.Time) (bool, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lease != nil {
		return true, "", nil
	}
	l, holder, err := TryLease(f.dir, now)
	if err != nil || l == nil {
		return false, holder, err
	}
	f.lease = l
	return true, "", nil
}

func (f *fileCoordinator) Release() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.lease.Release()
	f.lease = nil
	return err
}

func (f *fileCoordinator) LastRuns(context.Context) (map[string]time.Time, error) {
	return readState(f.dir)
}

func (f *fileCoordinator) Record(_ context.Context, job string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.lease == nil {
		return ErrLeaseLost
	}
	// The holder is the state file's only writer.
	runs, err := readState(f.dir)
	if err != nil {
		return err
	}
	runs[job] = at
	return writeState(f.dir, runs)
}

func (f *fileCoordinator) Renewal() time.Duration { return 0 }

func (f *fileCoordinator) Where() string { return "lock " + filepath.Join(f.dir, LockFile) }
