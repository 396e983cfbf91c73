package sqlstore

import (
	"context"
	"database/sql"

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
	r, err := t.tx.ExecContext(t.ctx, t.d.rebind(q), args...)
	return r, t.d.mapErr(err)
}

func (t *tx) query(q string, args ...any) (*sql.Rows, error) {
	rows, err := t.tx.QueryContext(t.ctx, t.d.rebind(q), args...)
	return rows, t.d.mapErr(err)
}

// queryRow runs a query whose errors come with Scan; a caller whose query
// writes (INSERT … RETURNING) maps them with t.d.mapErr, which knows the
// database's conflicts; the others with mapErr.
func (t *tx) queryRow(q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(t.ctx, t.d.rebind(q), args...)
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

// insertID runs an INSERT … RETURNING id and gives the new row's id
// (portable where LastInsertId is not: pgx's driver has none).
func (t *tx) insertID(q string, args ...any) (int64, error) {
	var id int64
	err := t.queryRow(q+` RETURNING id`, args...).Scan(&id)
	return id, t.d.mapErr(err)
}

type scanner interface{ Scan(...any) error }
