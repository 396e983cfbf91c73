package sqlite

import (
	"github.com/hebergement/console/backend/store"
)

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
