package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/hebergement/console/backend/store/sqlstore"
)

// Migrations are numbered SQL files (NNNN_what.sql), embedded, applied in
// order, all pending ones in one transaction, each recorded once in
// schema_migrations.
//
// A file whose first line is "-- migrate: rebuild" may rebuild tables the
// way SQLite requires for changes ALTER TABLE cannot make (a constraint, a
// column type): create the new table, copy, drop the old one, rename. That
// is only safe with foreign keys off — else dropping a parent table deletes
// or breaks its children — and foreign_keys cannot change inside a
// transaction. So the runner works on one connection: foreign keys off
// before the transaction, PRAGMA foreign_key_check before the commit (a
// rebuild that lost a referenced row fails and changes nothing), foreign
// keys on again after.
//
// We keep this runner rather than pressly/goose: goose runs migrations on a
// connection pool, one transaction each, and gives a rebuild no way to turn
// foreign keys off on the connection its transaction uses, nor to check them
// before committing; doing that around goose would be more code than this.

// rebuildMark is the first line of a migration that rebuilds tables.
const rebuildMark = "-- migrate: rebuild"

type migration struct {
	version int
	name    string
	sql     string
	rebuild bool
}

// loadMigrations reads the *.sql files of dir in fsys, ordered by number.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	ms, err := sqlstore.LoadMigrations(fsys, dir)
	if err != nil {
		return nil, err
	}
	out := make([]migration, len(ms))
	for i, m := range ms {
		first, _, _ := strings.Cut(m.SQL, "\n")
		out[i] = migration{version: m.Version, name: m.Name, sql: m.SQL, rebuild: strings.TrimSpace(first) == rebuildMark}
	}
	return out, nil
}

// migrateDB applies the pending migrations of ms to db.
//
// Several processes may open one data folder at once (a console beside a
// serve, an admin command): the version is read again inside the immediate
// transaction, which one writer holds at a time, so that a migration another
// process has just applied is not applied twice. The read before it only
// decides whether foreign keys must be off (they cannot change inside a
// transaction): off when any migration pending then rebuilds, which is
// conservative, since another process can only have applied some meanwhile.
func migrateDB(ctx context.Context, db *sql.DB, ms []migration) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	pending, err := pendingOn(ctx, conn, ms)
	if err != nil || len(pending) == 0 {
		return err
	}
	rebuild := false
	for _, m := range pending {
		rebuild = rebuild || m.rebuild
	}
	if rebuild {
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		defer func() {
			if _, onErr := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); onErr != nil && err == nil {
				err = fmt.Errorf("migrate: foreign keys back on: %w", onErr)
			}
		}()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck
	if pending, err = pendingOn(ctx, tx, ms); err != nil {
		return err
	}
	for _, m := range pending {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if m.rebuild {
			if err := foreignKeyCheck(ctx, tx); err != nil {
				return fmt.Errorf("migrate %s: %w", m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, time.Now().Unix()); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	// With foreign keys off, a plain migration after the last rebuild could
	// leave a dangling reference that it would not have been allowed to
	// write otherwise: the whole run is checked once more.
	if rebuild && len(pending) > 0 {
		if err := foreignKeyCheck(ctx, tx); err != nil {
			return fmt.Errorf("migrate %s: %w", pending[len(pending)-1].name, err)
		}
	}
	return tx.Commit()
}

// querier is a connection or a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// pendingOn reads the schema version through q and returns the migrations
// of ms above it; a version above every one of ms is refused.
func pendingOn(ctx context.Context, q querier, ms []migration) ([]migration, error) {
	var current int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
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

// foreignKeyCheck fails when a row refers to a row that does not exist.
func foreignKeyCheck(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	if rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		return fmt.Errorf("a row of %s (rowid %d) refers to a missing row of %s", table, rowid.Int64, parent)
	}
	return rows.Err()
}
