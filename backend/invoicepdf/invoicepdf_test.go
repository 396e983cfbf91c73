package invoicepdf_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/hebergement/console/backend/invoicepdf"
)

func sample() invoicepdf.Invoice {
	paris, _ := time.LoadLocation("Europe/Paris")
	return invoicepdf.Invoice{ProForma: true, Number: "4821937560", IssuedAt: time.Date(2027, 6, 20, 10, 0, 0, 0, paris),
		EstablishmentName: "Lycée Victor Hugo\x1b[31m\u202e", UAI: "0751234A", HostingNumber: "123456789012",
		PeriodFrom: time.Date(2027, 9, 1, 0, 0, 0, 0, paris), PeriodTo: time.Date(2028, 8, 31, 0, 0, 0, 0, paris),
		Lines: []invoicepdf.Line{
			{Label: "Hébergement PRONOTE, année scolaire 2027-2028", Quantity: 1, UnitCents: 54000, Cents: 54000},
			{Label: "Licences mode administratif", Quantity: 40, UnitCents: 2400, Cents: 96000},
			{Label: "Licences mode enseignant", Quantity: 50, UnitCents: 600, Cents: 30000},
		},
		Priced: true, TotalHT: 180000, VAT: 36000, Total: 216000}
}

// cp1252 is s in Windows-1252, as the PDF holds its text.
func cp1252(s string) []byte {
	var out []byte
	for _, r := range s {
		switch {
		case r == '€':
			out = append(out, 0x80)
		case r < 256:
			out = append(out, byte(r))
		}
	}
	return out
}

func TestRenderShowsTheTotalsAndIsDeterministic(t *testing.T) {
	inv := sample()
	a, err := invoicepdf.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte("%PDF")) {
		t.Fatalf("not a PDF: %q", a[:min(len(a), 16)])
	}
	for _, want := range []string{"Facture pro forma", "4821937560", "1 800,00 €", "360,00 €", "2 160,00 €", "TVA 20 %", "Total TTC",
		"Désignation", "du 01/09/2027 au 31/08/2028", "0751234A", "123456789012", "Lycée Victor Hugo"} {
		if !bytes.Contains(a, cp1252(want)) {
			t.Errorf("the PDF does not contain %q", want)
		}
	}
	if bytes.Contains(a, []byte("\x1b")) {
		t.Error("the establishment's name reached the PDF with its escape character")
	}
	b, err := invoicepdf.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("the same invoice rendered two different files")
	}
	inv.IssuedAt = inv.IssuedAt.UTC().Add(123 * time.Microsecond) // as the store gives it back
	if c, _ := invoicepdf.Render(inv); !bytes.Equal(a, c) {
		t.Error("the same instant in UTC rendered another file")
	}
	inv.ProForma = false
	c, _ := invoicepdf.Render(inv)
	if bytes.Contains(c, []byte("pro forma")) || !bytes.Contains(c, []byte("Facture")) {
		t.Error("an invoice proper is titled pro forma")
	}
}

// An invoice drawn before invoices had amounts shows dashes, not 0,00 €.
func TestRenderUnpriced(t *testing.T) {
	inv := sample()
	inv.Priced, inv.Lines, inv.PeriodFrom, inv.PeriodTo = false, nil, time.Time{}, time.Time{}
	a, err := invoicepdf.Render(inv)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(a, cp1252("0,00 €")) {
		t.Error("an unpriced invoice shows 0,00 €")
	}
}
