package store

import "time"

// AccountStore holds the hosting contract's invoices (Mon compte).
type AccountStore interface {
	AddInvoice(inv *Invoice) error
	LatestInvoice(establishmentID int64) (Invoice, error)
}

// Invoice is a row of invoices.
type Invoice struct {
	ID              int64
	EstablishmentID int64
	Number          string
	IssuedAt        time.Time
	Label           string
}
