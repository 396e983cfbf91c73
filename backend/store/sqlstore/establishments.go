package sqlstore

import (
	"strconv"

	"github.com/hebergement/console/backend/store"
)

const establishmentCols = `id, hosting_number, name, uai, email, phone, admin_seats, reserved_seats, teacher_seats, quota_bytes,
	password_hash, first_login_done, failed_logins, locked_until, server_state, COALESCE(opened_base_id, 0),
	version, revision, created_at, retention_days, retention_weeks, contract_from, contract_until`

func scanEstablishment(s scanner) (store.Establishment, error) {
	var e store.Establishment
	var locked, created int64
	var from, until string
	err := s.Scan(&e.ID, &e.HostingNumber, &e.Name, &e.UAI, &e.Email, &e.Phone, &e.AdminSeats, &e.ReservedSeats, &e.TeacherSeats,
		&e.QuotaBytes, &e.PasswordHash, &e.FirstLoginDone, &e.FailedLogins, &locked, &e.ServerState,
		&e.OpenedBaseID, &e.Version, &e.Revision, &created, &e.RetentionDays, &e.RetentionWeeks, &from, &until)
	e.LockedUntil, e.CreatedAt = fromMS(locked), fromMS(created)
	e.ContractFrom, e.ContractUntil = fromDay(from), fromDay(until)
	return e, mapErr(err)
}

func (t *tx) CreateEstablishment(e *store.Establishment) error {
	id, err := t.insertID(`INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
		quota_bytes, password_hash, server_state, version, created_at, contract_from, contract_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'stopped', ?, ?, ?, ?)`,
		e.HostingNumber, e.Name, e.UAI, e.Email, e.Phone, e.AdminSeats, e.TeacherSeats, e.QuotaBytes, e.PasswordHash,
		e.Version, ms(e.CreatedAt), day(e.ContractFrom), day(e.ContractUntil))
	if err != nil {
		return err
	}
	e.ID, e.ServerState = id, "stopped"
	return nil
}

func (t *tx) Establishment(id int64) (store.Establishment, error) {
	return scanEstablishment(t.queryRow(`SELECT `+establishmentCols+` FROM establishments WHERE id = ?`, id))
}

func (t *tx) EstablishmentByNumber(n string) (store.Establishment, error) {
	return scanEstablishment(t.queryRow(`SELECT `+establishmentCols+` FROM establishments WHERE hosting_number = ?`, n))
}

func (t *tx) Establishments() ([]store.Establishment, error) {
	rows, err := t.query(`SELECT ` + establishmentCols + ` FROM establishments ORDER BY id`)
	if err != nil {
		return nil, err
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

func (t *tx) BumpRevision(id int64) (int64, error) {
	var rev int64
	err := t.queryRow(`UPDATE establishments SET revision = revision + 1 WHERE id = ? RETURNING revision`, id).Scan(&rev)
	if err != nil || t.d.Notify == "" {
		return rev, t.d.mapErr(err)
	}
	_, err = t.exec(t.d.Notify, strconv.FormatInt(id, 10)+":"+strconv.FormatInt(rev, 10))
	return rev, err
}

func (t *tx) SetVersion(id int64, version int) error {
	return t.execOne(`UPDATE establishments SET version = ? WHERE id = ?`, version, id)
}

func (t *tx) Revisions() (map[int64]int64, error) {
	rows, err := t.query(`SELECT id, revision FROM establishments`)
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
