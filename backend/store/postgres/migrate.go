package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hebergement/console/backend/store/sqlstore"
)

// Migrations are numbered SQL files (NNNN_what.sql), embedded, each the
// PostgreSQL translation of the SQLite step of the same number
// (backend/store/sqlite/migrations), so that a database of either kind at
// version N has the same tables, columns and indexes. Each is applied in a
// transaction of its own and recorded in schema_migrations, whose columns
// are SQLite's.
//
// Several instances may start together on one database: the whole run
// holds a session advisory lock, so the first applies the pending steps and
// the others, once it has released the lock, find none. DDL is
// transactional in PostgreSQL, so a step that fails changes nothing and is
// tried again at the next start.
//
// We keep this runner rather than pressly/goose, as the SQLite store does:
// it is short, it shares the SQLite runner's file names, numbering and
// refusal of a newer schema, and goose would bring a second bookkeeping
// table and its own locking to reach the same place.

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLockKey is the advisory lock held while migrating ("heb-migr").
// It must differ from every other advisory lock key of the store.
const migrateLockKey int64 = 0x6865622d6d696772

type migration struct {
	version int
	name    string
	sql     string
}

// migrate applies the pending embedded migrations to db.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations(migrations, "migrations")
	if err != nil {
		return err
	}
	return migrateDB(ctx, db, ms)
}

// loadMigrations reads the *.sql files of dir in fsys, ordered by number.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	ms, err := sqlstore.LoadMigrations(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := make([]migration, len(ms))
	for i, m := range ms {
		out[i] = migration{version: m.Version, name: m.Name, sql: m.SQL}
	}
	return out, nil
}

// migrateDB applies the migrations of ms above the database's version, in
// order, under the migration lock.
func migrateDB(ctx context.Context, db *sql.DB, ms []migration) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer func() {
		// The lock belongs to the session: a connection going back to the
		// pool still holding it would block every later migration. When it
		// cannot be released, the connection is dropped, which releases it.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		var released bool
		uerr := conn.QueryRowContext(uctx, `SELECT pg_advisory_unlock($1)`, migrateLockKey).Scan(&released)
		if uerr == nil && !released {
			uerr = errors.New("the lock was not held")
		}
		if uerr != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck
			if err == nil {
				err = fmt.Errorf("migrate: unlock: %w", uerr)
			}
		}
	}()
	// Created under the lock: two sessions creating it at once could both
	// find it missing, and one would fail.
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	pending, err := pendingOn(ctx, conn, ms)
	if err != nil {
		return err
	}
	for _, m := range pending {
		if err := apply(ctx, conn, m); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func apply(ctx context.Context, conn *sql.Conn, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck
	// Without arguments pgx sends the file as one simple query, several
	// statements and dollar-quoted bodies included.
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, m.version, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}

// pendingOn reads the schema version through conn and returns the
// migrations of ms above it; a version above every one of ms is refused, as
// the SQLite store refuses it.
func pendingOn(ctx context.Context, conn *sql.Conn, ms []migration) ([]migration, error) {
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if n := len(ms); n > 0 && current > ms[n-1].version {
		return nil, fmt.Errorf("migrate: the database is at schema version %d, newer than this program knows (%d): use a newer hebergement", current, ms[n-1].version)
	}
	var pending []migration
	for _, m := range ms {
		if m.version > current {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
