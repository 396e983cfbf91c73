package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/store"
)

var accountTests = []test{
	{"InvoicesRoundTrip", testInvoicesRoundTrip},
}

// Invoices keep their kind, period, lines and amounts; the latest invoice
// is the latest facture, never a pro-forma; one facture per period; a
// number is unique across establishments.
func testInvoicesRoundTrip(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	e := es[0]
	from, to := time.Date(2027, 9, 1, 0, 0, 0, 0, clock.Paris()), time.Date(2028, 8, 31, 0, 0, 0, 0, clock.Paris())
	lines := []store.InvoiceLine{{Label: "Hébergement", Quantity: 1, UnitCents: 54000, Cents: 54000}}
	write(t, s, func(tx store.Tx) error {
		if err := tx.AddInvoice(&store.Invoice{EstablishmentID: e.ID, Number: "1000000001", IssuedAt: at, Label: "x"}); err != nil {
			return err
		}
		return tx.AddInvoice(&store.Invoice{EstablishmentID: e.ID, Number: "1000000002", Kind: store.InvoiceProForma, IssuedAt: at.Add(time.Hour),
			PeriodFrom: from, PeriodTo: to, Lines: lines, Priced: true, TotalHT: 54000, VAT: 10800, Total: 64800})
	})
	read(t, s, func(tx store.Tx) error {
		if inv, err := tx.LatestInvoice(e.ID); err != nil || inv.Number != "1000000001" || inv.Kind != store.InvoiceFacture {
			t.Errorf("latest = %+v, %v; want the facture, not the newer pro-forma", inv, err)
		}
		l, err := tx.Invoices(e.ID)
		if err != nil || len(l) != 2 || l[0].Number != "1000000002" {
			t.Fatalf("invoices = %+v, %v", l, err)
		}
		p := l[0]
		if !p.PeriodFrom.Equal(from) || !p.PeriodTo.Equal(to) || !p.Priced || p.TotalHT != 54000 || p.VAT != 10800 || p.Total != 64800 ||
			len(p.Lines) != 1 || p.Lines[0] != lines[0] || p.Kind != store.InvoiceProForma || !p.IssuedAt.Equal(at.Add(time.Hour)) {
			t.Errorf("pro-forma = %+v", p)
		}
		if f := l[1]; f.Priced || len(f.Lines) != 0 || !f.PeriodFrom.IsZero() || f.Label != "x" || f.EstablishmentID != e.ID {
			t.Errorf("unpriced facture = %+v", f)
		}
		if inv, err := tx.InvoiceByNumber(e.ID, "1000000002"); err != nil || inv.ID != p.ID {
			t.Errorf("by number = %+v, %v", inv, err)
		}
		if _, err := tx.InvoiceByNumber(es[1].ID, "1000000002"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another establishment's invoice: %v", err)
		}
		if l, err := tx.Invoices(es[1].ID); err != nil || len(l) != 0 {
			t.Errorf("another establishment's invoices: %+v, %v", l, err)
		}
		return nil
	})
	cases := []struct {
		name string
		invs []store.Invoice
	}{
		{"two factures for one period", []store.Invoice{
			{EstablishmentID: e.ID, Number: "1000000003", IssuedAt: at, PeriodFrom: from, PeriodTo: to, Priced: true},
			{EstablishmentID: e.ID, Number: "1000000004", IssuedAt: at, PeriodFrom: from, PeriodTo: to, Priced: true}}},
		{"a number taken by another establishment", []store.Invoice{
			{EstablishmentID: es[1].ID, Number: "1000000001", IssuedAt: at}}},
	}
	for _, c := range cases {
		err := s.Write(ctx, func(tx store.Tx) error {
			for _, inv := range c.invs {
				if err := tx.AddInvoice(&inv); err != nil {
					return err
				}
			}
			return nil
		})
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", c.name, err)
		}
	}
}
