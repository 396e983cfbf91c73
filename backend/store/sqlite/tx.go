package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/hebergement/console/backend/store"
)

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

const establishmentCols = `id, hosting_number, name, uai, email, phone, admin_seats, teacher_seats, quota_bytes,
	password_hash, first_login_done, failed_logins, locked_until, server_state, COALESCE(opened_base_id, 0),
	version, revision, created_at`

type scanner interface{ Scan(...any) error }

func scanEstablishment(s scanner) (store.Establishment, error) {
	var e store.Establishment
	var locked, created int64
	err := s.Scan(&e.ID, &e.HostingNumber, &e.Name, &e.UAI, &e.Email, &e.Phone, &e.AdminSeats, &e.TeacherSeats,
		&e.QuotaBytes, &e.PasswordHash, &e.FirstLoginDone, &e.FailedLogins, &locked, &e.ServerState,
		&e.OpenedBaseID, &e.Version, &e.Revision, &created)
	e.LockedUntil, e.CreatedAt = fromMS(locked), fromMS(created)
	return e, mapErr(err)
}

func (t *tx) CreateEstablishment(e *store.Establishment) error {
	r, err := t.exec(`INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
		quota_bytes, password_hash, server_state, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'stopped', ?, ?)`,
		e.HostingNumber, e.Name, e.UAI, e.Email, e.Phone, e.AdminSeats, e.TeacherSeats, e.QuotaBytes, e.PasswordHash,
		e.Version, ms(e.CreatedAt))
	if err != nil {
		return err
	}
	e.ID, err = r.LastInsertId()
	e.ServerState = "stopped"
	return err
}

func (t *tx) Establishment(id int64) (store.Establishment, error) {
	return scanEstablishment(t.tx.QueryRowContext(t.ctx, `SELECT `+establishmentCols+` FROM establishments WHERE id = ?`, id))
}

func (t *tx) EstablishmentByNumber(n string) (store.Establishment, error) {
	return scanEstablishment(t.tx.QueryRowContext(t.ctx, `SELECT `+establishmentCols+` FROM establishments WHERE hosting_number = ?`, n))
}

func (t *tx) Establishments() ([]store.Establishment, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+establishmentCols+` FROM establishments ORDER BY id`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Establishment
	for rows.Next() {
		e, err := scanEstablishment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) UpdateLogin(id int64, failed int, lockedUntil time.Time, firstLoginDone bool) error {
	return t.execOne(`UPDATE establishments SET failed_logins = ?, locked_until = ?, first_login_done = ? WHERE id = ?`,
		failed, ms(lockedUntil), firstLoginDone, id)
}

func (t *tx) SetPasswordHash(id int64, hash string) error {
	return t.execOne(`UPDATE establishments SET password_hash = ? WHERE id = ?`, hash, id)
}

func (t *tx) SetServer(id int64, state string, openedBaseID int64) error {
	return t.execOne(`UPDATE establishments SET server_state = ?, opened_base_id = ? WHERE id = ?`, state, nullID(openedBaseID), id)
}

func (t *tx) BumpRevision(id int64) (int64, error) {
	var rev int64
	err := t.tx.QueryRowContext(t.ctx, `UPDATE establishments SET revision = revision + 1 WHERE id = ? RETURNING revision`, id).Scan(&rev)
	return rev, mapErr(err)
}

func (t *tx) Revisions() (map[int64]int64, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id, revision FROM establishments`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, rev int64
		if err := rows.Scan(&id, &rev); err != nil {
			return nil, mapErr(err)
		}
		out[id] = rev
	}
	return out, mapErr(rows.Err())
}

func (t *tx) AddInvoice(inv *store.Invoice) error {
	r, err := t.exec(`INSERT INTO invoices (establishment_id, number, issued_at, label) VALUES (?, ?, ?, ?)`,
		inv.EstablishmentID, inv.Number, ms(inv.IssuedAt), inv.Label)
	if err != nil {
		return err
	}
	inv.ID, err = r.LastInsertId()
	return err
}

func (t *tx) LatestInvoice(estID int64) (store.Invoice, error) {
	var inv store.Invoice
	var at int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT id, establishment_id, number, issued_at, label FROM invoices
		WHERE establishment_id = ? ORDER BY issued_at DESC, id DESC LIMIT 1`, estID).
		Scan(&inv.ID, &inv.EstablishmentID, &inv.Number, &at, &inv.Label)
	inv.IssuedAt = fromMS(at)
	return inv, mapErr(err)
}

const baseCols = `id, establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers, classes, grid, loaded_by, loaded_at`

func scanBase(s scanner) (store.Base, error) {
	var b store.Base
	var at int64
	err := s.Scan(&b.ID, &b.EstablishmentID, &b.Name, &b.SchoolYear, &b.Origin, &b.SHA256, &b.Size, &b.BaseUID,
		&b.Students, &b.Teachers, &b.Classes, &b.Grid, &b.LoadedBy, &at)
	b.LoadedAt = fromMS(at)
	return b, mapErr(err)
}

func (t *tx) InsertBase(b *store.Base) error {
	r, err := t.exec(`INSERT INTO bases (establishment_id, name, school_year, origin, sha256, size, base_uid, students,
		teachers, classes, grid, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.EstablishmentID, b.Name, b.SchoolYear, b.Origin, b.SHA256, b.Size, b.BaseUID, b.Students, b.Teachers,
		b.Classes, b.Grid, b.LoadedBy, ms(b.LoadedAt))
	if err != nil {
		return err
	}
	b.ID, err = r.LastInsertId()
	return err
}

func (t *tx) Base(estID, id int64) (store.Base, error) {
	return scanBase(t.tx.QueryRowContext(t.ctx, `SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND id = ?`, estID, id))
}

func (t *tx) BaseBySHA256(estID int64, sha string) (store.Base, error) {
	return scanBase(t.tx.QueryRowContext(t.ctx, `SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND sha256 = ? LIMIT 1`, estID, sha))
}

func (t *tx) Bases(estID int64) ([]store.Base, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+baseCols+` FROM bases WHERE establishment_id = ? ORDER BY loaded_at DESC, id DESC`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Base
	for rows.Next() {
		b, err := scanBase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) DeleteBase(estID, id int64) error {
	return t.execOne(`DELETE FROM bases WHERE establishment_id = ? AND id = ?`, estID, id)
}

func (t *tx) UsedBytes(estID int64) (int64, error) {
	var n int64
	err := t.tx.QueryRowContext(t.ctx, `SELECT
		COALESCE((SELECT SUM(size) FROM bases WHERE establishment_id = ?1), 0) +
		COALESCE((SELECT SUM(a.size) FROM annexes a JOIN bases b ON b.id = a.base_id WHERE b.establishment_id = ?1), 0)`,
		estID).Scan(&n)
	return n, mapErr(err)
}

func (t *tx) ObjectReferenced(sha string) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT EXISTS (SELECT 1 FROM bases WHERE sha256 = ?1) OR EXISTS (SELECT 1 FROM annexes WHERE sha256 = ?1)`, sha).Scan(&n)
	return n != 0, mapErr(err)
}

func (t *tx) PutAnnex(a *store.Annex) (string, error) {
	var replaced string
	err := t.tx.QueryRowContext(t.ctx, `SELECT sha256 FROM annexes WHERE base_id = ? AND kind = ?`, a.BaseID, a.Kind).Scan(&replaced)
	if err != nil && err != sql.ErrNoRows {
		return "", mapErr(err)
	}
	if _, err := t.exec(`DELETE FROM annexes WHERE base_id = ? AND kind = ?`, a.BaseID, a.Kind); err != nil {
		return "", err
	}
	r, err := t.exec(`INSERT INTO annexes (base_id, kind, name, sha256, size, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.BaseID, a.Kind, a.Name, a.SHA256, a.Size, a.LoadedBy, ms(a.LoadedAt))
	if err != nil {
		return "", err
	}
	a.ID, err = r.LastInsertId()
	return replaced, err
}

func (t *tx) Annexes(estID int64) ([]store.Annex, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT a.id, a.base_id, a.kind, a.name, a.sha256, a.size, a.loaded_by, a.loaded_at
		FROM annexes a JOIN bases b ON b.id = a.base_id WHERE b.establishment_id = ? ORDER BY a.base_id, a.kind`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Annex
	for rows.Next() {
		var a store.Annex
		var at int64
		if err := rows.Scan(&a.ID, &a.BaseID, &a.Kind, &a.Name, &a.SHA256, &a.Size, &a.LoadedBy, &at); err != nil {
			return nil, mapErr(err)
		}
		a.LoadedAt = fromMS(at)
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) StartPeriod(baseID int64, at time.Time) error {
	_, err := t.exec(`INSERT INTO service_periods (base_id, started_at) VALUES (?, ?)`, baseID, ms(at))
	return err
}

func (t *tx) EndOpenPeriods(estID int64, at time.Time) error {
	_, err := t.exec(`UPDATE service_periods SET ended_at = ? WHERE ended_at IS NULL
		AND base_id IN (SELECT id FROM bases WHERE establishment_id = ?)`, ms(at), estID)
	return err
}

func (t *tx) Periods(estID int64) ([]store.Period, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT p.id, p.base_id, p.started_at, COALESCE(p.ended_at, 0)
		FROM service_periods p JOIN bases b ON b.id = p.base_id WHERE b.establishment_id = ? ORDER BY p.started_at, p.id`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Period
	for rows.Next() {
		var p store.Period
		var from, to int64
		if err := rows.Scan(&p.ID, &p.BaseID, &from, &to); err != nil {
			return nil, mapErr(err)
		}
		p.From, p.To = fromMS(from), fromMS(to)
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) AppendJournal(e *store.JournalEntry) error {
	r, err := t.exec(`INSERT INTO journal (establishment_id, at, actor, action, detail, ok) VALUES (?, ?, ?, ?, ?, ?)`,
		nullID(e.EstablishmentID), ms(e.At), e.Actor, e.Action, e.Detail, e.OK)
	if err != nil {
		return err
	}
	e.ID, err = r.LastInsertId()
	return err
}

func (t *tx) Journal(jq store.JournalQuery) ([]store.JournalEntry, error) {
	q := `SELECT id, COALESCE(establishment_id, 0), at, actor, action, detail, ok FROM journal WHERE at >= ?`
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
		if err := rows.Scan(&e.ID, &e.EstablishmentID, &at, &e.Actor, &e.Action, &e.Detail, &e.OK); err != nil {
			return nil, mapErr(err)
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, mapErr(rows.Err())
}

const keyCols = `id, establishment_id, fingerprint, public_key, name, role, added_at, last_used_at, revoked_at`

func scanKey(s scanner) (store.Key, error) {
	var k store.Key
	var added, used, revoked int64
	err := s.Scan(&k.ID, &k.EstablishmentID, &k.Fingerprint, &k.PublicKey, &k.Name, &k.Role, &added, &used, &revoked)
	k.AddedAt, k.LastUsedAt, k.RevokedAt = fromMS(added), fromMS(used), fromMS(revoked)
	return k, mapErr(err)
}

func (t *tx) PutKey(k *store.Key) error {
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO ssh_keys (establishment_id, fingerprint, public_key, name, role, added_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO UPDATE SET establishment_id = excluded.establishment_id, public_key = excluded.public_key,
			name = excluded.name, role = excluded.role, added_at = excluded.added_at, last_used_at = 0, revoked_at = 0
		RETURNING id`, k.EstablishmentID, k.Fingerprint, k.PublicKey, k.Name, k.Role, ms(k.AddedAt)).Scan(&k.ID)
	return mapErr(err)
}

func (t *tx) KeyByFingerprint(fp string) (store.Key, error) {
	return scanKey(t.tx.QueryRowContext(t.ctx, `SELECT `+keyCols+` FROM ssh_keys WHERE fingerprint = ?`, fp))
}

func (t *tx) Keys(estID int64) ([]store.Key, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+keyCols+` FROM ssh_keys WHERE establishment_id = ? ORDER BY added_at, id`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) TouchKey(id int64, at time.Time) error {
	return t.execOne(`UPDATE ssh_keys SET last_used_at = ? WHERE id = ?`, ms(at), id)
}

func (t *tx) RevokeKey(fp string, at time.Time) error {
	return t.execOne(`UPDATE ssh_keys SET revoked_at = ? WHERE fingerprint = ? AND revoked_at = 0`, ms(at), fp)
}

func (t *tx) RenameKey(fp, name string) error {
	return t.execOne(`UPDATE ssh_keys SET name = ? WHERE fingerprint = ?`, name, fp)
}
