package store

import "time"

// AccountStore holds the hosting contract's invoices and period (Mon
// compte).
type AccountStore interface {
	AddInvoice(inv *Invoice) error
	// LatestInvoice is the establishment's latest invoice of kind
	// InvoiceFacture: the number the first login asks for. Pro-formas never
	// count there.
	LatestInvoice(establishmentID int64) (Invoice, error)
	// Invoices lists the establishment's invoices of both kinds, newest
	// first.
	Invoices(establishmentID int64) ([]Invoice, error)
	// InvoiceByNumber is one invoice of the establishment; another
	// establishment's is ErrNotFound.
	InvoiceByNumber(establishmentID int64, number string) (Invoice, error)
	// SetContractUntil moves the last day of the hosting contract.
	SetContractUntil(establishmentID int64, until time.Time) error
}

// The kinds of invoices.
const (
	// InvoiceFacture is an invoice proper, issued by the operators.
	InvoiceFacture = "facture"
	// InvoiceProForma is the pro-forma a renewal draws.
	InvoiceProForma = "pro-forma"
)

// Invoice is a row of invoices. Amounts are in euro cents, excluding tax
// (HT) but VAT and Total; Priced is false for the rows written before
// invoices had amounts (migration 0008), whose lines are empty.
type Invoice struct {
	ID              int64
	EstablishmentID int64
	Number          string
	Kind            string
	IssuedAt        time.Time
	Label           string
	// PeriodFrom and PeriodTo are the first and last days (Paris dates at
	// midnight) of the contract period invoiced; zero when unknown.
	PeriodFrom, PeriodTo time.Time
	Lines                []InvoiceLine
	Priced               bool
	TotalHT, VAT, Total  int64
}

// InvoiceLine is one line of an invoice, stored as JSON.
type InvoiceLine struct {
	Label     string `json:"label"`
	Quantity  int    `json:"quantity"`
	UnitCents int64  `json:"unit_cents"`
	Cents     int64  `json:"amount_cents"`
}
