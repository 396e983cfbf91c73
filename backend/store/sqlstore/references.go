package sqlstore

import (
	"fmt"
	"strings"

	"github.com/hebergement/console/backend/store"
)

// fileRef is a column that names a stored file by its SHA-256.
type fileRef struct {
	table, column string
	// size is the column of the bytes the row counts against the quota.
	size string
	// owned is the SQL condition selecting the rows of establishment ?1,
	// written to use the indexes.
	owned string
}

// fileRefs is every column of the schema that names a stored file: the one
// list the garbage collection (ObjectReferenced) and the quota (UsedBytes)
// are built from. TestEveryFileReferenceIsKnown fails when a migration adds
// a column named sha256 (or *_sha256) that is not listed here.
var fileRefs = []fileRef{
	{table: "bases", column: "sha256", size: "size", owned: "establishment_id = ?1"},
	{table: "annexes", column: "sha256", size: "size", owned: "base_id IN (SELECT id FROM bases WHERE establishment_id = ?1)"},
	{table: "backup_annexes", column: "sha256", size: "size", owned: "backup_id IN (SELECT id FROM backups WHERE establishment_id = ?1)"},
}

// storedRows are the rows that count against the quota without naming a
// stored file: the change log of the bases (SPEC §17: changes count in the
// storage quota), by the bytes of their text, as change_totals keeps them.
var storedRows = []fileRef{
	{table: "change_totals", size: "bytes", owned: "establishment_id = ?1"},
}

// The queries built once from fileRefs and storedRows.
var usedBytesQuery, referencedQuery = buildReferenceQueries(fileRefs, storedRows)

func buildReferenceQueries(refs, rows []fileRef) (used, referenced string) {
	// A file counts once however many rows name it: a base opened from a
	// backup shares its file with the base it came from.
	var files, sums, exists []string
	for _, r := range refs {
		files = append(files, fmt.Sprintf("SELECT %s AS sha, %s AS size FROM %s WHERE %s", r.column, r.size, r.table, r.owned))
		exists = append(exists, fmt.Sprintf("EXISTS (SELECT 1 FROM %s WHERE %s = ?1)", r.table, r.column))
	}
	sums = append(sums, "COALESCE((SELECT SUM(size) FROM (SELECT MAX(size) AS size FROM ("+strings.Join(files, " UNION ALL ")+") f GROUP BY sha) s), 0)")
	for _, r := range rows {
		sums = append(sums, fmt.Sprintf("COALESCE((SELECT SUM(%s) FROM %s WHERE %s), 0)", r.size, r.table, r.owned))
	}
	return "SELECT " + strings.Join(sums, " + "), "SELECT " + strings.Join(exists, " OR ")
}

func (t *tx) UsedBytes(estID int64) (int64, error) {
	var n int64
	err := t.queryRow(usedBytesQuery, estID).Scan(&n)
	return n, mapErr(err)
}

func (t *tx) ObjectReferenced(sha string) (bool, error) {
	var referenced bool
	err := t.queryRow(referencedQuery, sha).Scan(&referenced)
	return referenced, mapErr(err)
}

func (t *tx) FileCheck(object string) (store.FileCheck, error) {
	var c store.FileCheck
	err := t.queryRow(`SELECT size, mod_time, inode, change_time FROM checked_files WHERE object = ?`, object).
		Scan(&c.Size, &c.ModTime, &c.Inode, &c.ChangeTime)
	return c, mapErr(err)
}

func (t *tx) SetFileCheck(object string, c store.FileCheck) error {
	_, err := t.exec(`INSERT INTO checked_files (object, size, mod_time, inode, change_time) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (object) DO UPDATE SET size = excluded.size, mod_time = excluded.mod_time, inode = excluded.inode,
		change_time = excluded.change_time`, object, c.Size, c.ModTime, c.Inode, c.ChangeTime)
	return err
}

func (t *tx) DeleteFileCheck(object string) error {
	_, err := t.exec(`DELETE FROM checked_files WHERE object = ?`, object)
	return err
}

// FileRefColumns lists the table.column pairs of fileRefs, for the
// migrations' tests that look for a file reference missing from it.
func FileRefColumns() []string {
	out := make([]string, len(fileRefs))
	for i, r := range fileRefs {
		out[i] = r.table + "." + r.column
	}
	return out
}
