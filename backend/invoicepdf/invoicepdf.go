// Package invoicepdf renders an invoice or a pro-forma as a PDF (go-pdf/fpdf)
// from its stored row, so that the file downloaded from factures/ is the
// same every time: an invoice never changes once drawn, whatever the prices
// become.
//
// The bytes are deterministic: creation and modification dates are the
// issue time, the catalog is sorted, and the content is not compressed, so
// that the totals can be found in the raw file ("648,00 €"). Amounts are
// French style with a plain space as the thousands separator (fr.Euros),
// drawn with the core Helvetica font through the cp1252 translator, which
// has the accents of French and the euro sign.
package invoicepdf

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// Line is one line of the invoice; amounts in euro cents HT.
type Line struct {
	Label     string
	Quantity  int
	UnitCents int64
	Cents     int64
}

// Invoice is what the PDF shows.
type Invoice struct {
	// ProForma titles the document "Facture pro forma" instead of
	// "Facture".
	ProForma bool
	Number   string
	IssuedAt time.Time
	// The establishment billed.
	EstablishmentName, UAI, HostingNumber string
	// PeriodFrom and PeriodTo are the contract period billed; zero when
	// unknown (invoices drawn before they had amounts).
	PeriodFrom, PeriodTo time.Time
	Lines                []Line
	// Priced is false for an invoice without amounts, whose totals read "—".
	Priced              bool
	TotalHT, VAT, Total int64
}

// Title is the document's title: "Facture" or "Facture pro forma".
func (inv Invoice) Title() string {
	if inv.ProForma {
		return "Facture pro forma"
	}
	return "Facture"
}

// Render draws the invoice.
func Render(inv Invoice) ([]byte, error) {
	// The same instant gives the same bytes whatever its location and
	// sub-second part (the store keeps milliseconds, in UTC).
	at := inv.IssuedAt.In(clock.Paris()).Truncate(time.Second)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.SetProducer("Console d'hébergement PRONOTE", true)
	pdf.SetTitle(inv.Title()+" n° "+inv.Number, true)
	pdf.SetAutoPageBreak(true, 20)
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252
	text := func(s string) string { return tr(sanitize.Line(s)) }
	money := func(c int64) string {
		if !inv.Priced {
			return "—"
		}
		return fr.Euros(c)
	}
	pdf.AddPage()

	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, text(inv.Title()), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, text("Numéro : "+inv.Number), "", 1, "L", false, 0, "")
	pdf.CellFormat(0, 6, text("Date : "+fr.Date(inv.IssuedAt)), "", 1, "L", false, 0, "")
	pdf.Ln(4)

	pdf.SetFont("Helvetica", "B", 11)
	pdf.MultiCell(0, 6, text(inv.EstablishmentName), "", "L", false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.CellFormat(0, 6, text("UAI : "+inv.UAI), "", 1, "L", false, 0, "")
	pdf.CellFormat(0, 6, text("Numéro d'hébergement : "+inv.HostingNumber), "", 1, "L", false, 0, "")
	period := "—"
	if !inv.PeriodFrom.IsZero() {
		period = fmt.Sprintf("du %s au %s", fr.Date(inv.PeriodFrom), fr.Date(inv.PeriodTo))
	}
	pdf.CellFormat(0, 6, text("Période : "+period), "", 1, "L", false, 0, "")
	pdf.Ln(6)

	widths := []float64{95, 20, 35, 35}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.SetFillColor(230, 230, 230)
	for i, h := range []string{"Désignation", "Quantité", "Prix unitaire HT", "Montant HT"} {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(widths[i], 8, text(h), "1", 0, align, true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range inv.Lines {
		pdf.CellFormat(widths[0], 7, text(l.Label), "1", 0, "L", false, 0, "")
		pdf.CellFormat(widths[1], 7, fr.Count(l.Quantity), "1", 0, "R", false, 0, "")
		pdf.CellFormat(widths[2], 7, text(fr.Euros(l.UnitCents)), "1", 0, "R", false, 0, "")
		pdf.CellFormat(widths[3], 7, text(fr.Euros(l.Cents)), "1", 1, "R", false, 0, "")
	}
	if len(inv.Lines) == 0 {
		pdf.CellFormat(widths[0]+widths[1]+widths[2]+widths[3], 7, text("Facture sans détail des lignes"), "1", 1, "L", false, 0, "")
	}
	pdf.Ln(2)
	label := widths[0] + widths[1] + widths[2]
	for i, row := range [][2]string{{"Total HT", money(inv.TotalHT)}, {"TVA 20 %", money(inv.VAT)}, {"Total TTC", money(inv.Total)}} {
		if i == 2 {
			pdf.SetFont("Helvetica", "B", 10)
		}
		pdf.CellFormat(label, 7, text(row[0]), "", 0, "R", false, 0, "")
		pdf.CellFormat(widths[3], 7, text(row[1]), "1", 1, "R", false, 0, "")
	}
	if inv.ProForma {
		pdf.Ln(6)
		pdf.SetFont("Helvetica", "I", 9)
		pdf.MultiCell(0, 5, text("Facture pro forma : ce document n'est pas une facture. La facture est émise par l'hébergeur "+
			"à réception du règlement ; elle prolonge alors le contrat d'hébergement."), "", "L", false)
	}
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("invoice pdf: %w", err)
	}
	return buf.Bytes(), nil
}
