package sqlite

import (
	"database/sql"

	"github.com/hebergement/console/backend/store/sqlstore"
)

// OpenWith opens a database with the migrations of dir in fsys.
var OpenWith = openWith

// FileRefColumns lists the table.column pairs of the file references.
var FileRefColumns = sqlstore.FileRefColumns

// BaseRefColumns lists the table.column pairs of the references to bases.
var BaseRefColumns = sqlstore.BaseRefColumns

// Raw is the database handle, for tests that look at the schema.
func (d *DB) Raw() *sql.DB { return d.raw }
