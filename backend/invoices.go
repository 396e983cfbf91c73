package backend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/invoicepdf"
	"github.com/hebergement/console/backend/outbox"
	"github.com/hebergement/console/backend/store"
)

// Invoices (SPEC §10). Rules chosen where the spec is silent:
//
//   - Two kinds: the invoice proper (facture), drawn at creation and then
//     issued by the operators (`hebergement admin invoice issue`), and the
//     pro-forma a renewal draws ("Renouveler mon contrat d'hébergement",
//     SPR only). Establishment.Invoice, the number the first login asks
//     for, is the latest facture: a pro-forma never counts there.
//   - Numbers are 10 digits drawn at random, unique across establishments.
//   - A renewal prices the next period (contract.go) at the prices in force
//     (prices.go) for the establishment's licences: hosting × 1, licences
//     mode administratif × L, licences mode enseignant × T (or the flat
//     unlimited line). Renewing again for the same period with the same
//     lines returns the pro-forma already drawn rather than another; a
//     change of prices or licences draws a new one.
//   - Issuing prices the next period from the latest pro-forma of that
//     period when there is one (same lines and amounts: what the school was
//     shown), else at today's prices; it extends the contract to the end of
//     the period and tells the school by e-mail. One facture per period.
//   - A stored invoice keeps its lines and amounts: its PDF (factures/ of
//     the sftp tree) is rendered from the row each time it is read, and
//     never changes.

// InvoiceKind is an invoice proper or a pro-forma.
type InvoiceKind string

const (
	// KindFacture is an invoice proper.
	KindFacture InvoiceKind = store.InvoiceFacture
	// KindProForma is a renewal's pro-forma.
	KindProForma InvoiceKind = store.InvoiceProForma
)

// French is the kind as the invoices list shows it.
func (k InvoiceKind) French() string {
	if k == KindProForma {
		return "Pro forma"
	}
	return "Facture"
}

// InvoiceLine is one line of an invoice; amounts in euro cents HT.
type InvoiceLine struct {
	Label     string
	Quantity  int
	UnitCents int64
	Cents     int64
}

// Invoice is one invoice of the establishment; amounts in euro cents.
// Priced is false for the invoices drawn before invoices had amounts,
// whose amounts read "—".
type Invoice struct {
	Number               string
	Kind                 InvoiceKind
	IssuedAt             time.Time
	PeriodFrom, PeriodTo time.Time
	Lines                []InvoiceLine
	Priced               bool
	TotalHT, VAT, Total  int64
}

// FileName is the invoice's PDF in factures/: facture-NUMBER.pdf or
// proforma-NUMBER.pdf.
func (inv Invoice) FileName() string {
	if inv.Kind == KindProForma {
		return "proforma-" + inv.Number + ".pdf"
	}
	return "facture-" + inv.Number + ".pdf"
}

// InvoicesDir is the folder of the sftp tree where the invoices are.
const InvoicesDir = "factures"

// ErrInvoiceNotFound is a file of factures/ that is not one of the
// establishment's invoices.
var ErrInvoiceNotFound = fmt.Errorf("invoice %w", ErrNotFound)

// ErrInvoiceIssued refuses to issue a second invoice for one period.
var ErrInvoiceIssued = errors.New("an invoice was already issued for this period")

func toInvoice(r store.Invoice) Invoice {
	inv := Invoice{Number: r.Number, Kind: InvoiceKind(r.Kind), IssuedAt: r.IssuedAt, PeriodFrom: r.PeriodFrom, PeriodTo: r.PeriodTo,
		Priced: r.Priced, TotalHT: r.TotalHT, VAT: r.VAT, Total: r.Total}
	for _, l := range r.Lines {
		inv.Lines = append(inv.Lines, InvoiceLine(l))
	}
	return inv
}

func toInvoices(rows []store.Invoice) []Invoice {
	out := make([]Invoice, len(rows))
	for i, r := range rows {
		out[i] = toInvoice(r)
	}
	return out
}

// Invoices lists the establishment's invoices and pro-formas, newest first
// (every role).
func (s *Session) Invoices(ctx context.Context) ([]Invoice, error) {
	var rows []store.Invoice
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		var err error
		rows, err = tx.Invoices(s.estID)
		return err
	})
	return toInvoices(rows), err
}

// RenewContract is "Renouveler mon contrat d'hébergement" (SPR only): a
// pro-forma for the next period, or the one already drawn for it when
// nothing changed. Journaled contract.renew with its number and total.
func (s *Session) RenewContract(ctx context.Context) (Invoice, error) {
	var out store.Invoice
	err := s.act(ctx, PermContract, TopicAccount, "contract.renew", "", func(tx store.Tx, e store.Establishment) (string, error) {
		now := s.b.clock.Now()
		from, to, err := renewable(e, now)
		if err != nil {
			return "", err
		}
		p, err := s.b.Prices()
		if err != nil {
			return "", err
		}
		want := priced(e, p, from, to)
		list, err := tx.Invoices(e.ID)
		if err != nil {
			return "", err
		}
		for _, inv := range list {
			if inv.Kind == store.InvoiceProForma && inv.PeriodFrom.Equal(from) && sameAmounts(inv, want) {
				out = inv
				return fmt.Sprintf("pro forma n° %s, %s TTC (déjà établie, inchangée)", inv.Number, fr.Euros(inv.Total)), nil
			}
		}
		want.Kind, want.IssuedAt = store.InvoiceProForma, now
		if err := addInvoice(tx, &want); err != nil {
			return "", err
		}
		out = want
		return fmt.Sprintf("pro forma n° %s, %s TTC, du %s au %s", want.Number, fr.Euros(want.Total), fr.Date(from), fr.Date(to)), nil
	})
	if err != nil {
		return Invoice{}, err
	}
	return toInvoice(out), nil
}

// renewable is the next period of e's contract, or ErrContractRenewed when
// e already runs to the end of the next school year.
func renewable(e store.Establishment, now time.Time) (from, to time.Time, err error) {
	limit := ContractEnd(now).AddDate(1, 0, 0)
	if !e.ContractUntil.Before(limit) {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: it runs to %s", ErrContractRenewed, e.ContractUntil.Format(time.DateOnly))
	}
	from, to = nextPeriod(e.ContractUntil, now)
	return from, to, nil
}

func sameAmounts(a, b store.Invoice) bool {
	return a.Priced && a.TotalHT == b.TotalHT && a.VAT == b.VAT && a.Total == b.Total && slices.Equal(a.Lines, b.Lines)
}

// addInvoice inserts inv under a number drawn at random, drawing again
// when the number is taken.
func addInvoice(tx store.Tx, inv *store.Invoice) error {
	for attempt := 0; ; attempt++ {
		n, err := drawNumber(10)
		if err != nil {
			return err
		}
		inv.Number = n
		err = tx.AddInvoice(inv)
		if errors.Is(err, store.ErrConflict) && attempt < 5 && numberTaken(tx, n) {
			continue
		}
		return err
	}
}

// numberTaken reports whether an invoice of any establishment has number
// n (the conflict was the number, not the period).
func numberTaken(tx store.Tx, n string) bool {
	ests, err := tx.Establishments()
	if err != nil {
		return false
	}
	for _, e := range ests {
		if _, err := tx.InvoiceByNumber(e.ID, n); err == nil {
			return true
		}
	}
	return false
}

// InvoiceFile is one PDF of factures/.
type InvoiceFile struct {
	Name    string
	Size    int64
	ModTime time.Time
	Invoice Invoice
}

// InvoiceFiles lists factures/: one PDF per invoice, newest first (every
// role).
func (s *Session) InvoiceFiles(ctx context.Context) ([]InvoiceFile, error) {
	var e store.Establishment
	var rows []store.Invoice
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		var err error
		if e, err = tx.Establishment(s.estID); err != nil {
			return err
		}
		rows, err = tx.Invoices(s.estID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]InvoiceFile, 0, len(rows))
	for _, r := range rows {
		data, err := renderInvoice(e, r)
		if err != nil {
			return nil, err
		}
		inv := toInvoice(r)
		out = append(out, InvoiceFile{Name: inv.FileName(), Size: int64(len(data)), ModTime: r.IssuedAt, Invoice: inv})
	}
	return out, nil
}

// InvoicePDF reads the file name of factures/ (every role); a name that is
// not one of the establishment's invoices is ErrInvoiceNotFound.
func (s *Session) InvoicePDF(ctx context.Context, name string) (InvoiceFile, []byte, error) {
	kind, number, ok := parseInvoiceFile(name)
	if !ok {
		return InvoiceFile{}, nil, ErrInvoiceNotFound
	}
	var e store.Establishment
	var r store.Invoice
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		var err error
		if e, err = tx.Establishment(s.estID); err != nil {
			return err
		}
		r, err = tx.InvoiceByNumber(s.estID, number)
		return err
	})
	if errors.Is(err, ErrNotFound) || err == nil && r.Kind != kind {
		return InvoiceFile{}, nil, ErrInvoiceNotFound
	}
	if err != nil {
		return InvoiceFile{}, nil, err
	}
	data, err := renderInvoice(e, r)
	if err != nil {
		return InvoiceFile{}, nil, err
	}
	inv := toInvoice(r)
	return InvoiceFile{Name: inv.FileName(), Size: int64(len(data)), ModTime: r.IssuedAt, Invoice: inv}, data, nil
}

// parseInvoiceFile reads facture-NUMBER.pdf or proforma-NUMBER.pdf.
func parseInvoiceFile(name string) (kind, number string, ok bool) {
	rest, ok := strings.CutSuffix(name, ".pdf")
	if !ok {
		return "", "", false
	}
	switch {
	case strings.HasPrefix(rest, "facture-"):
		kind, number = store.InvoiceFacture, rest[len("facture-"):]
	case strings.HasPrefix(rest, "proforma-"):
		kind, number = store.InvoiceProForma, rest[len("proforma-"):]
	default:
		return "", "", false
	}
	return kind, number, len(number) == 10 && allDigits(number)
}

// RenderInvoice draws the PDF of one invoice of an establishment, as
// factures/ serves it.
func RenderInvoice(e Establishment, inv Invoice) ([]byte, error) {
	doc := invoicepdf.Invoice{ProForma: inv.Kind == KindProForma, Number: inv.Number, IssuedAt: inv.IssuedAt,
		EstablishmentName: e.Name, UAI: e.UAI, HostingNumber: e.HostingNumber, PeriodFrom: inv.PeriodFrom, PeriodTo: inv.PeriodTo,
		Priced: inv.Priced, TotalHT: inv.TotalHT, VAT: inv.VAT, Total: inv.Total}
	for _, l := range inv.Lines {
		doc.Lines = append(doc.Lines, invoicepdf.Line(l))
	}
	return invoicepdf.Render(doc)
}

func renderInvoice(e store.Establishment, r store.Invoice) ([]byte, error) {
	return RenderInvoice(toEstablishment(e), toInvoice(r))
}

// OperatorActor is who the journal says did what an operator did from the
// command line, in the school's words.
const OperatorActor = "opérateur"

// InvoicesOf lists the invoices of the establishment with that hosting
// number, newest first (operators).
func (b *Backend) InvoicesOf(ctx context.Context, hostingNumber string) (Establishment, []Invoice, error) {
	e, err := b.EstablishmentByNumber(ctx, hostingNumber)
	if err != nil {
		return Establishment{}, nil, err
	}
	var rows []store.Invoice
	err = b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		rows, err = tx.Invoices(e.ID)
		return err
	})
	return e, toInvoices(rows), err
}

// IssueInvoice issues the invoice proper of the next period of the
// establishment with that hosting number (operators): with the lines and
// amounts of the latest pro-forma of that period, else at today's prices.
// The contract then runs to the end of that period; journaled
// invoice.issue, and the school is told by e-mail. Refused with
// ErrContractRenewed when the next school year is already invoiced.
func (b *Backend) IssueInvoice(ctx context.Context, hostingNumber string) (Invoice, error) {
	est, err := b.EstablishmentByNumber(ctx, hostingNumber)
	if err != nil {
		return Invoice{}, err
	}
	p, err := b.Prices()
	if err != nil {
		return Invoice{}, err
	}
	now := b.clock.Now()
	var inv store.Invoice
	var row store.Establishment
	var rev int64
	err = b.store.Write(ctx, func(tx store.Tx) error {
		e, err := tx.Establishment(est.ID)
		if err != nil {
			return err
		}
		row = e
		from, to, err := renewable(e, now)
		if err != nil {
			return err
		}
		list, err := tx.Invoices(e.ID)
		if err != nil {
			return err
		}
		inv = priced(e, p, from, to)
		for _, l := range list { // newest first
			if !l.PeriodFrom.Equal(from) {
				continue
			}
			if l.Kind == store.InvoiceFacture {
				return fmt.Errorf("%w: n° %s, %s to %s", ErrInvoiceIssued, l.Number, from.Format(time.DateOnly), to.Format(time.DateOnly))
			}
			if l.Priced {
				inv.Lines, inv.TotalHT, inv.VAT, inv.Total, inv.Label = l.Lines, l.TotalHT, l.VAT, l.Total, l.Label
				break
			}
		}
		inv.Kind, inv.IssuedAt, inv.PeriodTo = store.InvoiceFacture, now, to
		if err := addInvoice(tx, &inv); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("%w: %s to %s", ErrInvoiceIssued, from.Format(time.DateOnly), to.Format(time.DateOnly))
			}
			return err
		}
		if err := tx.SetContractUntil(e.ID, to); err != nil {
			return err
		}
		if rev, err = tx.BumpRevision(e.ID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: e.ID, At: now, Actor: OperatorActor, Action: "invoice.issue",
			Detail: fmt.Sprintf("facture n° %s, %s TTC, du %s au %s", inv.Number, fr.Euros(inv.Total), fr.Date(from), fr.Date(to)), OK: true})
	})
	if err != nil {
		return Invoice{}, err
	}
	b.bus.observe(est.ID, rev, "invoice.issue", TopicAccount, nil)
	b.revised(est.ID, rev)
	out := toInvoice(inv)
	if err := b.outbox.Send(outbox.Message{
		Channel: outbox.Email,
		To:      row.Email,
		Subject: "Votre facture d'hébergement PRONOTE n° " + inv.Number,
		Body: fmt.Sprintf("Bonjour,\n\nVotre facture n° %s est disponible dans factures/ (%s) : connectez-vous par sftp à la console "+
			"d'hébergement de %s.\n\nPériode : du %s au %s\nTotal TTC : %s\n\nVotre contrat d'hébergement court désormais jusqu'au %s.\n",
			inv.Number, out.FileName(), row.Name, fr.Date(inv.PeriodFrom), fr.Date(inv.PeriodTo), fr.Euros(inv.Total), fr.Date(inv.PeriodTo)),
	}); err != nil {
		return out, fmt.Errorf("invoice %s issued but the e-mail was not sent: %w", inv.Number, err)
	}
	return out, nil
}
