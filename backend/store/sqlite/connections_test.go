package sqlite_test

import (
	"path/filepath"
	"testing"

	"github.com/hebergement/console/backend/store"
)

// TestChangesAreAppendOnly: the schema itself refuses to rewrite the change
// log (SPEC §17), whatever the Go code does.
func TestChangesAreAppendOnly(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a := est("111111111111")
	b := base(0, 'a')
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		b.EstablishmentID = a.ID
		if err := tx.InsertBase(b); err != nil {
			return err
		}
		return tx.AppendChanges([]*store.Change{{EstablishmentID: a.ID, BaseID: b.ID, At: at, ConnectionID: "c1", Author: "M. DUPONT", What: "note"}})
	})
	if _, err := db.Raw().Exec(`UPDATE changes SET what = 'falsifié'`); err == nil {
		t.Fatal("a change was rewritten")
	}
}
