package sqlstore

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/hebergement/console/backend/store"
)

const backupCols = `id, establishment_id, base_id, at, kind, actor, COALESCE(night, 0), change_seq, change_count, record_bytes, file_name, size`

func scanBackup(s scanner) (store.Backup, error) {
	var b store.Backup
	var at int64
	err := s.Scan(&b.ID, &b.EstablishmentID, &b.BaseID, &at, &b.Kind, &b.Actor, &b.Night, &b.Seq, &b.Count, &b.RecordBytes, &b.FileName, &b.Size)
	b.At = fromMS(at)
	return b, mapErr(err)
}

func (t *tx) InsertBackup(b *store.Backup) error {
	var night any
	if b.Night != 0 {
		night = b.Night
	}
	id, err := t.insertID(`INSERT INTO backups (establishment_id, base_id, at, kind, actor, night, change_seq, change_count, record_bytes,
		file_name, size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, b.EstablishmentID, b.BaseID, ms(b.At), b.Kind, b.Actor, night,
		b.Seq, b.Count, b.RecordBytes, b.FileName, b.Size)
	if err != nil {
		return err
	}
	b.ID = id
	for _, a := range b.Annexes {
		if _, err := t.exec(`INSERT INTO backup_annexes (backup_id, kind, name, sha256, size) VALUES (?, ?, ?, ?, ?)`,
			b.ID, a.Kind, a.Name, a.SHA256, a.Size); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) Backups(estID int64) ([]store.Backup, error) {
	rows, err := t.query(`SELECT `+backupCols+` FROM backups WHERE establishment_id = ? ORDER BY at DESC, id DESC`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Backup
	for rows.Next() {
		b, err := scanBackup(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) Backup(estID, id int64) (store.Backup, error) {
	return t.backupWithAnnexes(`SELECT `+backupCols+` FROM backups WHERE establishment_id = ? AND id = ?`, estID, id)
}

func (t *tx) BackupNamed(estID int64, name string) (store.Backup, error) {
	return t.backupWithAnnexes(`SELECT `+backupCols+` FROM backups WHERE establishment_id = ? AND file_name = ?`, estID, name)
}

func (t *tx) BackupNameTaken(estID int64, name string) (bool, error) {
	var taken bool
	err := t.queryRow(`SELECT EXISTS (SELECT 1 FROM backups WHERE establishment_id = ? AND file_name = ?)`, estID, name).Scan(&taken)
	return taken, mapErr(err)
}

func (t *tx) backupWithAnnexes(q string, args ...any) (store.Backup, error) {
	b, err := scanBackup(t.queryRow(q, args...))
	if err != nil {
		return b, err
	}
	rows, err := t.query(`SELECT kind, name, sha256, size FROM backup_annexes WHERE backup_id = ? ORDER BY kind`, b.ID)
	if err != nil {
		return b, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a store.BackupAnnex
		if err := rows.Scan(&a.Kind, &a.Name, &a.SHA256, &a.Size); err != nil {
			return b, mapErr(err)
		}
		b.Annexes = append(b.Annexes, a)
	}
	return b, mapErr(rows.Err())
}

func (t *tx) DeleteBackups(estID int64, ids []int64) ([]string, error) {
	var files []string
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := []any{estID}
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		in := `(?` + strings.Repeat(", ?", n-1) + `)`
		rows, err := t.query(`SELECT a.sha256 FROM backup_annexes a JOIN backups k ON k.id = a.backup_id
			WHERE k.establishment_id = ? AND k.id IN `+in, args...)
		if err != nil {
			return nil, mapErr(err)
		}
		for rows.Next() {
			var sha string
			if err := rows.Scan(&sha); err != nil {
				rows.Close()
				return nil, mapErr(err)
			}
			files = append(files, sha)
		}
		rows.Close()
		if _, err := t.exec(`DELETE FROM backups WHERE establishment_id = ? AND id IN `+in, args...); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return files, nil
}

func (t *tx) LogPoint(baseID int64) (store.LogPoint, error) {
	var p store.LogPoint
	err := t.queryRow(`SELECT COALESCE((SELECT MAX(id) FROM changes WHERE base_id = ?1), 0),
		COALESCE((SELECT count FROM change_totals WHERE base_id = ?1), 0),
		COALESCE((SELECT record_bytes FROM change_totals WHERE base_id = ?1), 0)`, baseID).Scan(&p.Seq, &p.Count, &p.RecordBytes)
	return p, mapErr(err)
}

// recordBytes is the size of a change's record in a changes block, as
// hostfile.ChangeRecordSize computes it.
const recordBytes = `20 + octet_length(connection_id) + octet_length(author) + octet_length(what)`

func (t *tx) LogPointAt(baseID int64, at time.Time) (store.LogPoint, error) {
	var p store.LogPoint
	// The longest run of the log, in its order, written at or before at: a
	// point is a prefix of the log (CopyLog copies by id), and two changes
	// committed together may carry instants out of order.
	err := t.queryRow(`SELECT COALESCE(MAX(id), 0), COUNT(*), COALESCE(SUM(`+recordBytes+`), 0)
		FROM changes WHERE base_id = ?1 AND id < COALESCE((SELECT MIN(id) FROM changes WHERE base_id = ?1 AND at > ?2), 9223372036854775807)`,
		baseID, ms(at)).Scan(&p.Seq, &p.Count, &p.RecordBytes)
	return p, mapErr(err)
}

func (t *tx) CopyLog(estID, from, to, seq int64) error {
	if _, err := t.exec(`INSERT INTO changes (establishment_id, base_id, at, connection_id, author, what)
		SELECT establishment_id, CAST(? AS BIGINT), at, connection_id, author, what FROM changes
		WHERE base_id = ? AND establishment_id = ? AND id <= ? ORDER BY id`, to, from, estID, seq); err != nil {
		return err
	}
	_, err := t.exec(`INSERT INTO change_totals (base_id, establishment_id, bytes, count, record_bytes)
		SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), COALESCE(SUM(octet_length(what)), 0), COUNT(*), COALESCE(SUM(`+recordBytes+`), 0)
		FROM changes WHERE base_id = ?
		ON CONFLICT (base_id) DO UPDATE SET bytes = excluded.bytes, count = excluded.count, record_bytes = excluded.record_bytes`,
		to, estID, to)
	return err
}

func (t *tx) SetRetention(estID int64, days, weeks int) error {
	return t.execOne(`UPDATE establishments SET retention_days = ?, retention_weeks = ? WHERE id = ?`, days, weeks, estID)
}

func (t *tx) HideBase(estID, id int64, at time.Time) error {
	return t.execOne(`UPDATE bases SET deleted_at = ? WHERE establishment_id = ? AND id = ? AND deleted_at IS NULL`, ms(at), estID, id)
}

// neededBase is the condition under which a base (b) may not be deleted for
// good: every row that needs a base, in one place. TestEveryBaseReferenceIsKnown
// fails when a migration adds a column referring to bases that is not here.
const neededBase = `(b.id IN (SELECT opened_base_id FROM establishments WHERE opened_base_id IS NOT NULL)
	OR EXISTS (SELECT 1 FROM backups k WHERE k.base_id = b.id)
	OR EXISTS (SELECT 1 FROM archives a WHERE a.base_id = b.id)
	OR EXISTS (SELECT 1 FROM service_periods p WHERE p.base_id = b.id AND (p.ended_at IS NULL OR p.ended_at >= ?2)))`

// baseReferences are the columns of the schema that refer to bases, with
// what happens to their rows: "needed" ones keep a hidden base (neededBase),
// "cascade" ones go with it.
var baseReferences = map[string]string{
	"establishments.opened_base_id": "needed",
	"backups.base_id":               "needed",
	"archives.base_id":              "needed",
	"service_periods.base_id":       "needed",
	"annexes.base_id":               "cascade",
	"changes.base_id":               "cascade",
	"change_totals.base_id":         "cascade",
}

func (t *tx) CollectBases(estID int64, keepSince time.Time) (int, []string, error) {
	rows, err := t.query(`SELECT b.id, b.sha256 FROM bases b
		WHERE b.establishment_id = ?1 AND b.deleted_at IS NOT NULL AND NOT `+neededBase, estID, ms(keepSince))
	if err != nil {
		return 0, nil, mapErr(err)
	}
	var ids []int64
	var files []string
	for rows.Next() {
		var id int64
		var sha string
		if err := rows.Scan(&id, &sha); err != nil {
			rows.Close()
			return 0, nil, mapErr(err)
		}
		ids, files = append(ids, id), append(files, sha)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, mapErr(err)
	}
	for _, id := range ids {
		var annexes []string
		r, err := t.query(`SELECT sha256 FROM annexes WHERE base_id = ?`, id)
		if err != nil {
			return 0, nil, mapErr(err)
		}
		for r.Next() {
			var sha string
			if err := r.Scan(&sha); err != nil {
				r.Close()
				return 0, nil, mapErr(err)
			}
			annexes = append(annexes, sha)
		}
		r.Close()
		files = append(files, annexes...)
		// Its annexes, changes, totals and old periods go with it (cascade).
		if err := t.execOne(`DELETE FROM bases WHERE establishment_id = ? AND id = ?`, estID, id); err != nil {
			return 0, nil, err
		}
	}
	return len(ids), files, nil
}

func (t *tx) BackupOnlyBytes(estID int64) (int64, error) {
	var n int64
	// Hidden bases that a backup keeps and no archived year does.
	err := t.queryRow(`WITH hidden AS (SELECT id FROM bases WHERE establishment_id = ?1 AND deleted_at IS NOT NULL
			AND id IN (SELECT base_id FROM backups WHERE establishment_id = ?1)
			AND id NOT IN (SELECT base_id FROM archives WHERE establishment_id = ?1)),
		listed AS (SELECT sha256 FROM bases WHERE establishment_id = ?1 AND deleted_at IS NULL
			UNION SELECT a.sha256 FROM annexes a JOIN bases b ON b.id = a.base_id WHERE b.establishment_id = ?1 AND b.deleted_at IS NULL),
		kept AS (SELECT sha256, MAX(size) AS size FROM (
			SELECT sha256, size FROM bases WHERE id IN (SELECT id FROM hidden)
			UNION ALL SELECT sha256, size FROM annexes WHERE base_id IN (SELECT id FROM hidden)
			UNION ALL SELECT a.sha256, a.size FROM backup_annexes a JOIN backups k ON k.id = a.backup_id WHERE k.establishment_id = ?1) f
			WHERE sha256 NOT IN (SELECT sha256 FROM listed) GROUP BY sha256)
		SELECT COALESCE((SELECT SUM(size) FROM kept), 0) + COALESCE((SELECT SUM(bytes) FROM change_totals WHERE base_id IN (SELECT id FROM hidden)), 0)`,
		estID).Scan(&n)
	return n, mapErr(err)
}

func (t *tx) Archives(estID int64) ([]store.Archive, error) {
	rows, err := t.query(`SELECT establishment_id, school_year, base_id, archived_at, archived_by FROM archives
		WHERE establishment_id = ? ORDER BY school_year DESC`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Archive
	for rows.Next() {
		var a store.Archive
		var at int64
		if err := rows.Scan(&a.EstablishmentID, &a.SchoolYear, &a.BaseID, &at, &a.By); err != nil {
			return nil, mapErr(err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) PutArchive(a *store.Archive) (int64, error) {
	var replaced int64
	err := t.queryRow(`SELECT base_id FROM archives WHERE establishment_id = ? AND school_year = ?`,
		a.EstablishmentID, a.SchoolYear).Scan(&replaced)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, mapErr(err)
	}
	_, err = t.exec(`INSERT INTO archives (establishment_id, school_year, base_id, archived_at, archived_by) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (establishment_id, school_year) DO UPDATE SET base_id = excluded.base_id,
		archived_at = excluded.archived_at, archived_by = excluded.archived_by`,
		a.EstablishmentID, a.SchoolYear, a.BaseID, ms(a.At), a.By)
	return replaced, err
}

// BaseRefColumns lists the table.column pairs of baseReferences, for the
// migrations' tests that look for a reference to bases missing from it.
func BaseRefColumns() []string {
	out := make([]string, 0, len(baseReferences))
	for k := range baseReferences {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
