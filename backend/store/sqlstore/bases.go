package sqlstore

import (
	"database/sql"

	"github.com/hebergement/console/backend/store"
)

const baseCols = `id, establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers, classes, grid, loaded_by, loaded_at, COALESCE(deleted_at, 0)`

func scanBase(s scanner) (store.Base, error) {
	var b store.Base
	var at, deleted int64
	err := s.Scan(&b.ID, &b.EstablishmentID, &b.Name, &b.SchoolYear, &b.Origin, &b.SHA256, &b.Size, &b.BaseUID,
		&b.Students, &b.Teachers, &b.Classes, &b.Grid, &b.LoadedBy, &at, &deleted)
	b.LoadedAt, b.DeletedAt = fromMS(at), fromMS(deleted)
	return b, mapErr(err)
}

func (t *tx) InsertBase(b *store.Base) error {
	id, err := t.insertID(`INSERT INTO bases (establishment_id, name, school_year, origin, sha256, size, base_uid, students,
		teachers, classes, grid, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.EstablishmentID, b.Name, b.SchoolYear, b.Origin, b.SHA256, b.Size, b.BaseUID, b.Students, b.Teachers,
		b.Classes, b.Grid, b.LoadedBy, ms(b.LoadedAt))
	if err != nil {
		return err
	}
	b.ID = id
	return nil
}

func (t *tx) Base(estID, id int64) (store.Base, error) {
	return scanBase(t.queryRow(`SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND id = ? AND deleted_at IS NULL`, estID, id))
}

func (t *tx) BaseBySHA256(estID int64, sha string) (store.Base, error) {
	return scanBase(t.queryRow(`SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND sha256 = ? AND deleted_at IS NULL LIMIT 1`, estID, sha))
}

func (t *tx) Bases(estID int64) ([]store.Base, error) {
	return t.queryBases(`SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND deleted_at IS NULL ORDER BY loaded_at DESC, id DESC`, estID)
}

func (t *tx) AllBases(estID int64) ([]store.Base, error) {
	return t.queryBases(`SELECT `+baseCols+` FROM bases WHERE establishment_id = ? ORDER BY loaded_at DESC, id DESC`, estID)
}

func (t *tx) AnyBase(estID, id int64) (store.Base, error) {
	return scanBase(t.queryRow(`SELECT `+baseCols+` FROM bases WHERE establishment_id = ? AND id = ?`, estID, id))
}

func (t *tx) queryBases(q string, args ...any) ([]store.Base, error) {
	rows, err := t.query(q, args...)
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

func (t *tx) PutAnnex(a *store.Annex) (string, error) {
	var replaced string
	err := t.queryRow(`SELECT sha256 FROM annexes WHERE base_id = ? AND kind = ?`, a.BaseID, a.Kind).Scan(&replaced)
	if err != nil && err != sql.ErrNoRows {
		return "", mapErr(err)
	}
	if _, err := t.exec(`DELETE FROM annexes WHERE base_id = ? AND kind = ?`, a.BaseID, a.Kind); err != nil {
		return "", err
	}
	id, err := t.insertID(`INSERT INTO annexes (base_id, kind, name, sha256, size, loaded_by, loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		a.BaseID, a.Kind, a.Name, a.SHA256, a.Size, a.LoadedBy, ms(a.LoadedAt))
	if err != nil {
		return "", err
	}
	a.ID = id
	return replaced, nil
}

func (t *tx) Annexes(estID int64) ([]store.Annex, error) {
	return t.queryAnnexes(`SELECT a.id, a.base_id, a.kind, a.name, a.sha256, a.size, a.loaded_by, a.loaded_at
		FROM annexes a JOIN bases b ON b.id = a.base_id WHERE b.establishment_id = ? ORDER BY a.base_id, a.kind`, estID)
}

func (t *tx) AnnexesOf(baseID int64) ([]store.Annex, error) {
	return t.queryAnnexes(`SELECT id, base_id, kind, name, sha256, size, loaded_by, loaded_at
		FROM annexes WHERE base_id = ? ORDER BY kind`, baseID)
}

func (t *tx) queryAnnexes(q string, args ...any) ([]store.Annex, error) {
	rows, err := t.query(q, args...)
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
