package sqlite

import (
	"github.com/hebergement/console/backend/store"
)

func (t *tx) AppendJournal(e *store.JournalEntry) error {
	r, err := t.exec(`INSERT INTO journal (establishment_id, at, actor, addr, action, detail, ok) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(e.EstablishmentID), ms(e.At), e.Actor, e.Addr, e.Action, e.Detail, e.OK)
	if err != nil {
		return err
	}
	e.ID, err = r.LastInsertId()
	return err
}

func (t *tx) Journal(jq store.JournalQuery) ([]store.JournalEntry, error) {
	q := `SELECT id, COALESCE(establishment_id, 0), at, actor, addr, action, detail, ok FROM journal WHERE at >= ?`
	args := []any{ms(jq.Since)}
	if jq.EstablishmentID != 0 {
		q += ` AND establishment_id = ?`
		args = append(args, jq.EstablishmentID)
	}
	limit := jq.Limit
	if limit <= 0 {
		limit = -1 // 0 means all; SQLite reads a negative LIMIT as none
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := t.tx.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.JournalEntry
	for rows.Next() {
		var e store.JournalEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.EstablishmentID, &at, &e.Actor, &e.Addr, &e.Action, &e.Detail, &e.OK); err != nil {
			return nil, mapErr(err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}
