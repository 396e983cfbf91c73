package backend_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
)

func paris(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, clock.Paris())
}

// The first invoice bills the contract from the creation day to the
// 31 August at the full yearly prices, and its number is the one the first
// login asks for.
func TestCreationDrawsAPricedFirstInvoiceAndTheContract(t *testing.T) {
	e := newEnv(t) // 10 March 2026
	s, est := e.session(t, "Lycée Victor Hugo")
	if !est.ContractFrom.Equal(paris(2026, 3, 10)) || !est.ContractUntil.Equal(paris(2026, 8, 31)) {
		t.Errorf("contract = %s .. %s", est.ContractFrom, est.ContractUntil)
	}
	l, err := s.Invoices(context.Background())
	ok(t, err)
	if len(l) != 1 || l[0].Number != est.Invoice || l[0].Kind != backend.KindFacture {
		t.Fatalf("invoices = %+v", l)
	}
	inv := l[0]
	// 540 + 4 × 24 + 50 × 6 = 936,00 HT; VAT 187,20; 1 123,20 TTC.
	if !inv.Priced || inv.TotalHT != 93600 || inv.VAT != 18720 || inv.Total != 112320 || len(inv.Lines) != 3 {
		t.Errorf("first invoice = %+v", inv)
	}
	if inv.Lines[0].Label != "Hébergement PRONOTE, année scolaire 2025-2026" {
		t.Errorf("hosting line = %q", inv.Lines[0].Label)
	}
}

func TestRenewContract(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	p, err := s.RenewContract(ctx)
	ok(t, err)
	if p.Kind != backend.KindProForma || !p.PeriodFrom.Equal(paris(2026, 9, 1)) || !p.PeriodTo.Equal(paris(2027, 8, 31)) {
		t.Errorf("pro-forma = %+v", p)
	}
	if p.Lines[0].Label != "Hébergement PRONOTE, année scolaire 2026-2027" || p.Lines[1].Quantity != 4 || p.Lines[2].Quantity != 50 {
		t.Errorf("lines = %+v", p.Lines)
	}
	if p.TotalHT != 93600 || p.VAT != 18720 || p.Total != 112320 || p.FileName() != "proforma-"+p.Number+".pdf" {
		t.Errorf("pro-forma = %+v", p)
	}
	// Asked again with nothing changed: the same pro-forma.
	again, err := s.RenewContract(ctx)
	ok(t, err)
	if again.Number != p.Number {
		t.Errorf("a second renewal drew %s, want %s again", again.Number, p.Number)
	}
	// A pro-forma is never the number the first login asks for.
	got, err := e.b.EstablishmentByNumber(ctx, est.HostingNumber)
	ok(t, err)
	if got.Invoice != est.Invoice {
		t.Errorf("latest invoice = %s, want the facture %s", got.Invoice, est.Invoice)
	}
	// New prices: a new pro-forma; the old one keeps its amounts and PDF.
	before, data, err := s.InvoicePDF(ctx, p.FileName())
	ok(t, err)
	ok(t, backend.SavePrices(e.dir, backend.Prices{Hosting: 60000, AdminSeat: 2400, TeacherSeat: 600, TeacherUnlimited: 39000}))
	p2, err := s.RenewContract(ctx)
	ok(t, err)
	if p2.Number == p.Number || p2.TotalHT != 99600 {
		t.Errorf("after a change of prices: %+v", p2)
	}
	after, data2, err := s.InvoicePDF(ctx, p.FileName())
	ok(t, err)
	if !bytes.Equal(data, data2) || before.Size != after.Size {
		t.Error("the old pro-forma's PDF changed with the prices")
	}
	if j := e.journal(t, est.ID); count(j, "contract.renew", true) != 3 {
		t.Errorf("journal: %d contract.renew", count(j, "contract.renew", true))
	}
	l, err := s.Invoices(ctx)
	ok(t, err)
	if len(l) != 3 || l[0].Number != p2.Number {
		t.Errorf("invoices, newest first = %+v", l)
	}
}

// Renewal is the SPR's: refused in the back end for the groupe
// Administration, which still reads the invoices.
func TestRenewContractRefusedForAdministration(t *testing.T) {
	e := newEnv(t)
	_, est := e.session(t, "Lycée")
	a := backend.AdminKeySession(t, e.b, est.ID, "SHA256:admin")
	if _, err := a.RenewContract(context.Background()); !errors.Is(err, backend.ErrForbidden) {
		t.Fatalf("RenewContract as Administration: %v, want ErrForbidden", err)
	}
	l, err := a.Invoices(context.Background())
	if err != nil || len(l) != 1 {
		t.Errorf("Invoices as Administration = %+v, %v", l, err)
	}
	if j := e.journal(t, est.ID); count(j, "contract.renew", false) != 1 {
		t.Error("the refusal is not journaled")
	}
}

func TestIssueInvoice(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	p, err := s.RenewContract(ctx)
	ok(t, err)
	// Prices change after the pro-forma: the invoice keeps what the school
	// was shown.
	ok(t, backend.SavePrices(e.dir, backend.Prices{Hosting: 99900, AdminSeat: 1, TeacherSeat: 1, TeacherUnlimited: 1}))
	inv, err := e.b.IssueInvoice(ctx, est.HostingNumber)
	ok(t, err)
	if inv.Kind != backend.KindFacture || inv.Total != p.Total || !inv.PeriodFrom.Equal(p.PeriodFrom) || inv.Number == p.Number {
		t.Errorf("issued = %+v, pro-forma %+v", inv, p)
	}
	a, err := s.Account(ctx)
	ok(t, err)
	if !a.Contract.Until.Equal(paris(2027, 8, 31)) || a.Establishment.Invoice != inv.Number {
		t.Errorf("after issue: until %s, latest invoice %s", a.Contract.Until, a.Establishment.Invoice)
	}
	// Twice: refused, nothing changes.
	if _, err := e.b.IssueInvoice(ctx, est.HostingNumber); !errors.Is(err, backend.ErrContractRenewed) {
		t.Errorf("second issue: %v, want ErrContractRenewed", err)
	}
	if _, err := s.RenewContract(ctx); !errors.Is(err, backend.ErrContractRenewed) {
		t.Errorf("renewal of a renewed contract: %v", err)
	}
	_, l, err := e.b.InvoicesOf(ctx, est.HostingNumber)
	ok(t, err)
	if len(l) != 3 {
		t.Errorf("invoices = %d, want 3", len(l))
	}
	j := e.journal(t, est.ID)
	if count(j, "invoice.issue", true) != 1 || j[0].Actor != backend.OperatorActor && j[1].Actor != backend.OperatorActor {
		t.Errorf("journal = %+v", j[:2])
	}
	var mail bool
	for _, m := range e.outboxMessages(t) {
		if m.channel == "email" && strings.Contains(m.body, "Votre facture n° "+inv.Number+" est disponible dans factures/") {
			mail = true
		}
	}
	if !mail {
		t.Error("no e-mail for the invoice")
	}
	// Without a pro-forma, at today's prices; one year later.
	e.clock.Set(time.Date(2027, 6, 1, 10, 0, 0, 0, clock.Paris()))
	inv2, err := e.b.IssueInvoice(ctx, est.HostingNumber)
	ok(t, err)
	if !inv2.PeriodFrom.Equal(paris(2027, 9, 1)) || inv2.TotalHT != 99900+4+50 {
		t.Errorf("second year = %+v", inv2)
	}
}

// A contract that ended years ago is renewed for the school year under
// way, never for a year already past: the school pays for what it gets, and
// once the invoice is issued its contract runs again.
func TestRenewalOfALapsedContract(t *testing.T) {
	e := newEnv(t) // 10 March 2026: the contract runs to 31 August 2026
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	e.clock.Set(time.Date(2028, 10, 5, 10, 0, 0, 0, clock.Paris()))
	p, err := s.RenewContract(ctx)
	ok(t, err)
	if !p.PeriodFrom.Equal(paris(2028, 9, 1)) || !p.PeriodTo.Equal(paris(2029, 8, 31)) ||
		p.Lines[0].Label != "Hébergement PRONOTE, année scolaire 2028-2029" {
		t.Errorf("renewal of a contract ended on 31/08/2026, in October 2028: %s .. %s, %q", p.PeriodFrom, p.PeriodTo, p.Lines[0].Label)
	}
	inv, err := e.b.IssueInvoice(ctx, est.HostingNumber)
	ok(t, err)
	if !inv.PeriodFrom.Equal(paris(2028, 9, 1)) || inv.Total != p.Total {
		t.Errorf("issued = %+v", inv)
	}
	a, err := s.Account(ctx)
	ok(t, err)
	if !a.Contract.Until.Equal(paris(2029, 8, 31)) || a.Contract.Warn {
		t.Errorf("after the invoice: %+v", a.Contract)
	}
	// Ended a few days ago: the next period still starts the day after.
	e2 := newEnv(t)
	s2, _ := e2.session(t, "Collège Colette")
	e2.clock.Set(time.Date(2026, 9, 5, 10, 0, 0, 0, clock.Paris()))
	p2, err := s2.RenewContract(ctx)
	ok(t, err)
	if !p2.PeriodFrom.Equal(paris(2026, 9, 1)) || !p2.PeriodTo.Equal(paris(2027, 8, 31)) {
		t.Errorf("renewal five days after the end: %s .. %s", p2.PeriodFrom, p2.PeriodTo)
	}
}

func TestInvoiceFilesAreTheEstablishments(t *testing.T) {
	e := newEnv(t)
	s, _ := e.session(t, "Lycée A")
	other, _ := e.session(t, "Lycée B")
	ctx := context.Background()
	p, err := s.RenewContract(ctx)
	ok(t, err)
	files, err := s.InvoiceFiles(ctx)
	ok(t, err)
	if len(files) != 2 || files[0].Name != p.FileName() || files[0].Size == 0 {
		t.Errorf("files = %+v", files)
	}
	for _, name := range []string{p.FileName(), "facture-" + p.Number + ".pdf", "proforma-12.pdf", "../x", ""} {
		if _, _, err := other.InvoicePDF(ctx, name); !errors.Is(err, backend.ErrInvoiceNotFound) {
			t.Errorf("InvoicePDF(%q) from another establishment: %v", name, err)
		}
	}
}

func TestHostingNumberChosen(t *testing.T) {
	e := newEnv(t)
	n := school("Lycée")
	n.HostingNumber = "123 456 789 012"
	est, _ := e.establish(t, n)
	if est.HostingNumber != "123456789012" {
		t.Errorf("hosting number = %s", est.HostingNumber)
	}
	for _, bad := range []string{"123456789012", "12345", "abcdefghijkl"} {
		n.HostingNumber = bad
		if _, _, err := e.b.CreateEstablishment(context.Background(), n); !errors.Is(err, backend.ErrInvalidInput) {
			t.Errorf("hosting number %q: %v", bad, err)
		}
	}
}
