package sqlstore

import (
	"strings"

	"github.com/hebergement/console/backend/store"
)

func (t *tx) AppendJournal(e *store.JournalEntry) error {
	id, err := t.insertID(`INSERT INTO journal (establishment_id, at, actor, addr, action, detail, ok) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		nullID(e.EstablishmentID), ms(e.At), e.Actor, e.Addr, e.Action, e.Detail, flag(e.OK))
	if err != nil {
		return err
	}
	e.ID = id
	return nil
}

// Journal reads the entries newest first. With an establishment, the index
// journal_establishment (establishment_id, at) gives them in order without a
// sort; the kind is a condition on action, checked on each row the index
// yields; Keep is asked as the rows are read, and the reading stops at the
// Limit-th entry kept.
func (t *tx) Journal(jq store.JournalQuery) ([]store.JournalEntry, error) {
	q := `SELECT id, COALESCE(establishment_id, 0), at, actor, addr, action, detail, ok FROM journal WHERE at >= ?`
	args := []any{ms(jq.Since)}
	if !jq.Until.IsZero() {
		q += ` AND at < ?`
		args = append(args, ms(jq.Until))
	}
	if jq.EstablishmentID != 0 {
		q += ` AND establishment_id = ?`
		args = append(args, jq.EstablishmentID)
	}
	if m := jq.Actions; m != nil {
		cond, margs := actionCond(m)
		q += ` AND ` + cond
		args = append(args, margs...)
	}
	q += ` ORDER BY at DESC, id DESC`
	if jq.Keep == nil && jq.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, jq.Limit)
	}
	rows, err := t.query(q, args...)
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
		if jq.Keep != nil && !jq.Keep(&e) {
			continue
		}
		out = append(out, e)
		if jq.Limit > 0 && len(out) >= jq.Limit {
			break
		}
	}
	return out, mapErr(rows.Err())
}

// actionCond is m as SQL, as store.ActionMatch.Matches reads it. A prefix
// is compared with substr, not LIKE, for which _ and % are wildcards and
// case does not count.
func actionCond(m *store.ActionMatch) (string, []any) {
	var args []any
	in := func(l []string) string {
		for _, s := range l {
			args = append(args, s)
		}
		return "action IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(l)), ", ") + ")"
	}
	var alts []string
	if len(m.Exact) > 0 {
		alts = append(alts, in(m.Exact))
	}
	if len(m.Prefixes) > 0 {
		var ps []string
		for _, p := range m.Prefixes {
			ps = append(ps, "substr(action, 1, ?) = ?")
			args = append(args, len(p), p)
		}
		c := "(" + strings.Join(ps, " OR ") + ")"
		if len(m.NotExact) > 0 {
			c = "(" + c + " AND NOT " + in(m.NotExact) + ")"
		}
		alts = append(alts, c)
	}
	cond := "1 = 0"
	if len(alts) > 0 {
		cond = "(" + strings.Join(alts, " OR ") + ")"
	}
	if m.Negate {
		cond = "NOT " + cond
	}
	return cond, args
}
