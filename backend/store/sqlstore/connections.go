package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

func (t *tx) SetSeats(id int64, admin, reserved, teacher int) error {
	return t.execOne(`UPDATE establishments SET admin_seats = ?, reserved_seats = ?, teacher_seats = ? WHERE id = ?`,
		admin, reserved, teacher, id)
}

// AppendChanges inserts a group of changes with one statement per
// changesPerInsert rows: the group commit of the stand-in sends dozens at
// once, and one statement costs the driver less than one per row. The rows
// of one INSERT get increasing ids in the order of its VALUES (SQLite's
// rowid, PostgreSQL's sequence, writers being serialized); RETURNING gives
// them in no promised order, so they are sorted.
func (t *tx) AppendChanges(cs []*store.Change) error {
	all := cs
	for len(cs) > 0 {
		n := min(len(cs), changesPerInsert)
		part := cs[:n]
		cs = cs[n:]
		q := strings.Builder{}
		q.WriteString(`INSERT INTO changes (establishment_id, base_id, at, connection_id, author, what) VALUES `)
		args := make([]any, 0, 6*n)
		for i, c := range part {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, ?, ?)")
			args = append(args, c.EstablishmentID, c.BaseID, ms(c.At), c.ConnectionID, c.Author, c.What)
		}
		q.WriteString(" RETURNING id")
		rows, err := t.query(q.String(), args...)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, n)
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return mapErr(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return t.d.mapErr(err)
		}
		if len(ids) != n {
			return fmt.Errorf("append changes: %d ids for %d rows", len(ids), n)
		}
		slices.Sort(ids)
		for i, c := range part {
			c.ID = ids[i]
		}
	}
	return t.addChangeTotals(all)
}

// addChangeTotals adds the bytes and count of cs to their bases' totals.
func (t *tx) addChangeTotals(cs []*store.Change) error {
	type total struct{ est, bytes, records, count int64 }
	totals := map[int64]*total{}
	for _, c := range cs {
		tt := totals[c.BaseID]
		if tt == nil {
			tt = &total{est: c.EstablishmentID}
			totals[c.BaseID] = tt
		}
		tt.bytes += int64(len(c.What))
		tt.records += hostfile.ChangeRecordSize(c.ConnectionID, c.Author, c.What)
		tt.count++
	}
	for base, tt := range totals {
		if _, err := t.exec(`INSERT INTO change_totals (base_id, establishment_id, bytes, count, record_bytes) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (base_id) DO UPDATE SET bytes = change_totals.bytes + excluded.bytes,
			count = change_totals.count + excluded.count, record_bytes = change_totals.record_bytes + excluded.record_bytes`,
			base, tt.est, tt.bytes, tt.count, tt.records); err != nil {
			return err
		}
	}
	return nil
}

// changesPerInsert keeps a statement under SQLite's 32,766 variables.
const changesPerInsert = 256

func (t *tx) ChangeCount(baseID int64) (int64, error) {
	var n int64
	err := t.queryRow(`SELECT COALESCE((SELECT count FROM change_totals WHERE base_id = ?), 0)`, baseID).Scan(&n)
	return n, mapErr(err)
}

func (t *tx) Changes(baseID, afterID int64, limit int) ([]store.Change, error) {
	q := `SELECT id, establishment_id, base_id, at, connection_id, author, what
		FROM changes WHERE base_id = ? AND id > ? ORDER BY id`
	args := []any{baseID, afterID}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Change
	for rows.Next() {
		var c store.Change
		var at int64
		if err := rows.Scan(&c.ID, &c.EstablishmentID, &c.BaseID, &at, &c.ConnectionID, &c.Author, &c.What); err != nil {
			return nil, mapErr(err)
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) UpsertHistory(samples []store.HistorySample) error {
	if len(samples) == 0 {
		return nil
	}
	st, err := t.prepare(upsertHistory)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, s := range samples {
		if _, err := st.ExecContext(t.ctx, s.EstablishmentID, ms(s.At), s.Admin, s.Teacher, s.VieScolaire, s.Espaces, s.Refused); err != nil {
			return t.d.mapErr(err)
		}
	}
	return nil
}

// upsertHistory keeps, for each bucket, the largest sample of each column.
var upsertHistory = `INSERT INTO connection_history
	(establishment_id, bucket, administratif, enseignant, viescolaire, espaces, refused) VALUES (?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (establishment_id, bucket) DO UPDATE SET
	administratif = ` + larger("administratif") + `, enseignant = ` + larger("enseignant") + `,
	viescolaire = ` + larger("viescolaire") + `, espaces = ` + larger("espaces") + `, refused = ` + larger("refused")

// larger is the larger of a history column's stored and excluded values
// (SQLite's scalar max() is PostgreSQL's GREATEST(): CASE is both's).
func larger(col string) string {
	return "CASE WHEN connection_history." + col + " > excluded." + col +
		" THEN connection_history." + col + " ELSE excluded." + col + " END"
}

func (t *tx) History(id int64, since time.Time) ([]store.HistorySample, error) {
	rows, err := t.query(`SELECT bucket, administratif, enseignant, viescolaire, espaces, refused
		FROM connection_history WHERE establishment_id = ? AND bucket >= ? ORDER BY bucket`, id, ms(since))
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.HistorySample
	for rows.Next() {
		s := store.HistorySample{EstablishmentID: id}
		var at int64
		if err := rows.Scan(&at, &s.Admin, &s.Teacher, &s.VieScolaire, &s.Espaces, &s.Refused); err != nil {
			return nil, mapErr(err)
		}
		s.At = fromMS(at)
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) PruneHistory(before time.Time) error {
	_, err := t.exec(`DELETE FROM connection_history WHERE bucket < ?`, ms(before))
	return err
}

func (t *tx) AppendRefusals(rs []store.Refusal, keep int) error {
	seen := map[int64]bool{}
	for _, r := range rs {
		if _, err := t.exec(`INSERT INTO connection_refusals (establishment_id, at, user_name, group_name, mode, addr, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, r.EstablishmentID, ms(r.At), r.User, r.Group, r.Mode, r.Addr, r.Reason); err != nil {
			return err
		}
		seen[r.EstablishmentID] = true
	}
	for id := range seen {
		if _, err := t.exec(`DELETE FROM connection_refusals WHERE establishment_id = ?1 AND id NOT IN
			(SELECT id FROM connection_refusals WHERE establishment_id = ?1 ORDER BY id DESC LIMIT ?2)`, id, keep); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Refusals(id int64, limit int) ([]store.Refusal, error) {
	q := `SELECT id, at, user_name, group_name, mode, addr, reason
		FROM connection_refusals WHERE establishment_id = ? ORDER BY id DESC`
	args := []any{id}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := t.query(q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Refusal
	for rows.Next() {
		r := store.Refusal{EstablishmentID: id}
		var at int64
		if err := rows.Scan(&r.ID, &at, &r.User, &r.Group, &r.Mode, &r.Addr, &r.Reason); err != nil {
			return nil, mapErr(err)
		}
		r.At = fromMS(at)
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}
