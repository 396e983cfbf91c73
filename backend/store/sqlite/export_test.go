package sqlite

import "database/sql"

// OpenWith opens a database with the migrations of dir in fsys.
var OpenWith = openWith

// FileRefColumns lists the table.column pairs of fileRefs.
func FileRefColumns() []string {
	out := make([]string, len(fileRefs))
	for i, r := range fileRefs {
		out[i] = r.table + "." + r.column
	}
	return out
}

// Raw is the database handle, for tests that look at the schema.
func (d *DB) Raw() *sql.DB { return d.db }

// BaseRefColumns lists the table.column pairs of baseReferences.
func BaseRefColumns() []string {
	out := make([]string, 0, len(baseReferences))
	for k := range baseReferences {
		out = append(out, k)
	}
	return out
}
