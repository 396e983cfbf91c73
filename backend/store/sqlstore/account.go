package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/store"
)

// day is a date column's text: the Paris day of t, "" for the zero time.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(clock.Paris()).Format(time.DateOnly)
}

// fromDay reads a date column: midnight, Paris, of that day; "" is the zero
// time.
func fromDay(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, clock.Paris())
	if err != nil {
		return time.Time{}
	}
	return t
}

const invoiceCols = `id, establishment_id, number, kind, issued_at, label, period_from, period_to, lines,
	total_ht_cents, vat_cents, total_cents`

func scanInvoice(s scanner) (store.Invoice, error) {
	var inv store.Invoice
	var at int64
	var from, to, lines string
	var ht, vat, total sql.NullInt64
	err := s.Scan(&inv.ID, &inv.EstablishmentID, &inv.Number, &inv.Kind, &at, &inv.Label, &from, &to, &lines, &ht, &vat, &total)
	if err != nil {
		return inv, mapErr(err)
	}
	inv.IssuedAt, inv.PeriodFrom, inv.PeriodTo = fromMS(at), fromDay(from), fromDay(to)
	if err := json.Unmarshal([]byte(lines), &inv.Lines); err != nil {
		return inv, fmt.Errorf("invoice %s: lines: %w", inv.Number, err)
	}
	inv.Priced = ht.Valid && vat.Valid && total.Valid
	inv.TotalHT, inv.VAT, inv.Total = ht.Int64, vat.Int64, total.Int64
	return inv, nil
}

func (t *tx) AddInvoice(inv *store.Invoice) error {
	if inv.Kind == "" {
		inv.Kind = store.InvoiceFacture
	}
	lines := inv.Lines
	if lines == nil {
		lines = []store.InvoiceLine{}
	}
	js, err := json.Marshal(lines)
	if err != nil {
		return err
	}
	var ht, vat, total any
	if inv.Priced {
		ht, vat, total = inv.TotalHT, inv.VAT, inv.Total
	}
	id, err := t.insertID(`INSERT INTO invoices (establishment_id, number, kind, issued_at, label, period_from, period_to, lines,
		total_ht_cents, vat_cents, total_cents) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		inv.EstablishmentID, inv.Number, inv.Kind, ms(inv.IssuedAt), inv.Label, day(inv.PeriodFrom), day(inv.PeriodTo), string(js),
		ht, vat, total)
	if err != nil {
		return err
	}
	inv.ID = id
	return nil
}

func (t *tx) LatestInvoice(estID int64) (store.Invoice, error) {
	return scanInvoice(t.queryRow(`SELECT `+invoiceCols+` FROM invoices
		WHERE establishment_id = ? AND kind = 'facture' ORDER BY issued_at DESC, id DESC LIMIT 1`, estID))
}

func (t *tx) Invoices(estID int64) ([]store.Invoice, error) {
	rows, err := t.query(`SELECT `+invoiceCols+` FROM invoices
		WHERE establishment_id = ? ORDER BY issued_at DESC, id DESC`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) InvoiceByNumber(estID int64, number string) (store.Invoice, error) {
	return scanInvoice(t.queryRow(`SELECT `+invoiceCols+` FROM invoices
		WHERE establishment_id = ? AND number = ?`, estID, number))
}

func (t *tx) SetContractUntil(estID int64, until time.Time) error {
	return t.execOne(`UPDATE establishments SET contract_until = ? WHERE id = ?`, day(until), estID)
}
