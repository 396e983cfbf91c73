package sqlite

import (
	"context"
	"database/sql"

	"github.com/hebergement/console/backend/store"
)

// tx runs the queries of one transaction; its methods live in one file per
// domain of store.Tx (establishments.go, bases.go, keys.go…).
type tx struct {
	ctx context.Context
	tx  *sql.Tx
}

var _ store.Tx = (*tx)(nil)

func (t *tx) exec(q string, args ...any) (sql.Result, error) {
	r, err := t.tx.ExecContext(t.ctx, q, args...)
	return r, mapErr(err)
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

type scanner interface{ Scan(...any) error }
