package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hebergement/console/backend/store"
)

// tx runs the queries of one transaction; its methods live in one file per
// domain of store.Tx (establishments.go, bases.go, keys.go…). Queries are
// written with ? placeholders and rebound by the dialect.
type tx struct {
	ctx context.Context
	tx  *sql.Tx
	d   *Dialect
}

var _ store.Tx = (*tx)(nil)

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(t.ctx, t.d.rebind(q), t.d.args(args)...)
	return r, t.d.mapErr(err)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(t.ctx, t.d.rebind(q), t.d.args(args)...)
	return rows, t.d.mapErr(err)
}

// queryRow runs a query whose errors come with Scan; a caller whose query
// writes (INSERT … RETURNING) maps them with t.d.mapErr, which knows the
// database's conflicts; the others with mapErr.
func (t *tx) queryRow(q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, t.d.rebind(q), t.d.args(args)...)
}

func (t *tx) prepare(q string) (*sql.Stmt, error) {
	st, err := t.tx.PrepareContext(t.ctx, t.d.rebind(q))
	return st, t.d.mapErr(err)
}

// execOne runs a statement that must touch exactly one row.
func (t *tx) execOne(q string, args ...any) error {
	r, err := t.exec(q, args...)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n != 1 {
		return store.ErrNotFound
	}
	return nil
}

// insertID runs an INSERT and gives the new row's id (RETURNING id:
// pgx's driver has no LastInsertId). A row breaking a uniqueness rule is
// not inserted and is store.ErrConflict, without an error from the
// database: PostgreSQL aborts a transaction at its first failed statement
// where SQLite goes on, and the back end goes on after a conflict (it
// draws another invoice or hosting number in the same transaction).
func (t *tx) insertID(q string, args ...any) (int64, error) {
	var id int64
	err := t.queryRow(q+` ON CONFLICT DO NOTHING RETURNING id`, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errDuplicate
	}
	return id, t.d.mapErr(err)
}

// errDuplicate is a row that insertID did not insert.
var errDuplicate = fmt.Errorf("%w: a row with the same unique key exists", store.ErrConflict)

type scanner interface{ Scan(...any) error }
