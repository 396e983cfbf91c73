// Package sqlite is the embedded SQLite implementation of store.Store
// (modernc.org/sqlite, pure Go, so the binary cross-compiles).
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/hebergement/console/backend/store"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a SQLite database file holding the whole back-end state.
type DB struct {
	db *sql.DB
	// wmu queues this process's write transactions in Go, first come first
	// served, instead of in SQLite's busy handler, which polls with
	// growing sleeps and lets a steady writer (the change log's group
	// commit) starve an occasional one (a console's action) for seconds.
	// Other processes still meet the busy handler.
	wmu sync.Mutex

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

// Open opens (creating if needed) the database file and applies the pending
// migrations in one transaction. A new file is created readable by its owner
// only, before SQLite opens it: SQLite would create it with 0644 less the
// umask, and gives the -wal and -shm files the mode of the database file.
func Open(ctx context.Context, path string) (*DB, error) {
	return openWith(ctx, path, migrations, "migrations")
}

// openWith is Open with the migrations of dir in fsys (tests bring their
// own).
func openWith(ctx context.Context, path string, fsys fs.FS, dir string) (*DB, error) {
	if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(FULL)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + filepath.ToSlash(path) + "?" + q.Encode()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Keep a few connections open for the readers that come together (the
	// stand-in's clients after a change); database/sql keeps 2 by default
	// and would open and close a SQLite connection for each of the others.
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	d := &DB{db: db}
	d.idle = sync.NewCond(&d.mu)
	ms, err := loadMigrations(fsys, dir)
	if err == nil {
		err = migrateDB(ctx, db, ms)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// createPrivate creates an empty file at path with mode 0600 unless it
// exists; an empty file is an empty SQLite database.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// Close waits for the transactions running, refuses new ones, and closes
// the database.
func (d *DB) Close() error {
	d.mu.Lock()
	d.closed = true
	for d.open > 0 {
		d.idle.Wait()
	}
	d.mu.Unlock()
	return d.db.Close()
}

// Read runs fn in a deferred (read) transaction.
func (d *DB) Read(ctx context.Context, fn func(store.Tx) error) error {
	return d.run(ctx, &sql.TxOptions{ReadOnly: true}, fn)
}

// Write runs fn in an immediate transaction.
func (d *DB) Write(ctx context.Context, fn func(store.Tx) error) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	return d.run(ctx, nil, fn)
}

func (d *DB) run(ctx context.Context, opts *sql.TxOptions, fn func(store.Tx) error) error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return errClosed
	}
	d.open++
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		if d.open--; d.open == 0 {
			d.idle.Broadcast()
		}
		d.mu.Unlock()
	}()
	sqlTx, err := d.db.BeginTx(ctx, opts)
	if err != nil {
		return mapErr(err)
	}
	t := &tx{ctx: ctx, tx: sqlTx}
	if err := fn(t); err != nil {
		sqlTx.Rollback() //nolint:errcheck
		return err
	}
	return mapErr(sqlTx.Commit())
}

// mapErr turns driver errors into the store's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", store.ErrConflict, err)
		}
	}
	return err
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
