// Package sqlite opens the embedded SQLite database (modernc.org/sqlite,
// pure Go, so the binary cross-compiles), applies its migrations and serves
// the store through the implementation shared with PostgreSQL (sqlstore).
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

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlstore"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is a SQLite database file holding the whole back-end state: the
// shared implementation of the store (sqlstore) on it.
type DB struct {
	*sqlstore.DB
	raw *sql.DB
}

var _ store.Store = (*DB)(nil)

// dialect is SQLite's: ? placeholders; writes begin with BEGIN IMMEDIATE
// (_txlock=immediate in the DSN) and are queued in process by sqlstore.
var dialect = &sqlstore.Dialect{
	Name:        "sqlite",
	Conflict:    conflict,
	ReadOptions: &sql.TxOptions{ReadOnly: true},
}

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
	ms, err := loadMigrations(fsys, dir)
	if err == nil {
		err = migrateDB(ctx, db, ms)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &DB{DB: sqlstore.New(db, dialect), raw: db}, nil
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

// conflict tells whether err breaks a UNIQUE or PRIMARY KEY constraint.
func conflict(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}
