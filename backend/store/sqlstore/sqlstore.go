// Package sqlstore is the one implementation of store.Store over
// database/sql, shared by the embedded SQLite database (package sqlite) and
// PostgreSQL (package postgres): each opens its database, applies its own
// migrations and hands the connection here with its Dialect.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/hebergement/console/backend/store"
)

// DB runs the store's transactions on a migrated database.
type DB struct {
	db *sql.DB
	d  *Dialect
	// wmu queues this process's write transactions in Go, first come first
	// served, instead of in the database: SQLite's busy handler polls with
	// growing sleeps and lets a steady writer (the change log's group
	// commit) starve an occasional one (a console's action) for seconds;
	// PostgreSQL would hold a connection per writer waiting on the lock.
	// Other processes still meet the database's own queue. A channel of
	// one, whose waiting senders queue in order, rather than a mutex: a
	// writer whose context ends stops waiting (a lease's renewal must not
	// wait past the lease behind a write that hangs).
	wsem chan struct{}

	// open counts the transactions running, so that Close waits for them:
	// database/sql closes a connection in use only when it is given back,
	// after DB.Close has returned, and SQLite then writes the database and
	// removes its WAL — after the caller may have removed the folder.
	mu     sync.Mutex
	idle   *sync.Cond
	open   int
	closed bool
}

// errClosed is a transaction begun after Close.
var errClosed = errors.New("store: closed")

var _ store.Store = (*DB)(nil)

// New is the store on db, migrated, speaking dialect d; Close closes db.
func New(db *sql.DB, d *Dialect) *DB {
	s := &DB{db: db, d: d, wsem: make(chan struct{}, 1)}
	s.idle = sync.NewCond(&s.mu)
	return s
}

// Close waits for the transactions running, refuses new ones, and closes
// the database.
func (s *DB) Close() error {
	s.mu.Lock()
	s.closed = true
	for s.open > 0 {
		s.idle.Wait()
	}
	s.mu.Unlock()
	return s.db.Close()
}

// Read runs fn in a read-only transaction.
func (s *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return s.run(ctx, s.d.ReadOptions, "", fn)
}

// Write runs fn in a write transaction, one at a time.
func (s *DB) Write(ctx context.Context, fn func(store.Tx) error) error {
	select {
	case s.wsem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.wsem }()
	return s.run(ctx, s.d.WriteOptions, s.d.WriteLock, fn)
}

func (s *DB) run(ctx context.Context, opts *sql.TxOptions, lock string, fn func(store.Tx) error) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.open++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.open--; s.open == 0 {
			s.idle.Broadcast()
		}
		s.mu.Unlock()
	}()
	sqlTx, err := s.db.BeginTx(ctx, opts)
	if err != nil {
		return s.d.mapErr(err)
	}
	if lock != "" {
		if _, err := sqlTx.ExecContext(ctx, lock); err != nil {
			sqlTx.Rollback() //nolint:errcheck
			return s.d.mapErr(err)
		}
	}
	t := &tx{ctx: ctx, tx: sqlTx, d: s.d}
	if err := fn(t); err != nil {
		sqlTx.Rollback() //nolint:errcheck
		return err
	}
	return s.d.mapErr(sqlTx.Commit())
}

// Times are stored as Unix milliseconds; 0 means none.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// flag is a boolean column's value: INTEGER 0 or 1 in both databases
// (pgx will not write a Go bool into an integer column; reading 0 or 1
// into a bool works in both).
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}
