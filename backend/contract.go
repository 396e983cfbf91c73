package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/store"
)

// The hosting contract (SPEC §10). Rules chosen where the spec is silent:
//
//   - A contract runs from ContractFrom to ContractUntil, two Paris dates,
//     both included. At creation it runs from the day of creation to the
//     31 August ending the school year under way (1 September to
//     31 August), and the first invoice bills that period at the full
//     yearly prices (no proration). The rows that existed before migration
//     0008 got the same rule from their creation time.
//   - The next period starts the day after ContractUntil and ends on the
//     31 August ending the school year it starts in: normally 1 September
//     to 31 August. A contract that ended before the school year under way
//     began is renewed from that school year's 1 September: a year gone by
//     is never billed.
//   - Only an invoice proper (kind facture, issued by an operator)
//     extends the contract, to the end of the period it bills; a
//     pro-forma changes nothing.
//   - A contract may run at most to the end of the next school year: once
//     the invoice of the next school year is issued, neither a renewal nor
//     another invoice is possible before that school year begins
//     (ErrContractRenewed), so that issuing twice never bills a year ahead.
//   - The warning: from ContractWarningDays days before ContractUntil, and
//     after it while it is not renewed (ContractNotice).

// ContractWarningDays is how long before its end the contract's warning
// shows on every tab's status line.
const ContractWarningDays = 60

// ErrContractRenewed refuses a renewal or an invoice past the end of the
// next school year: that school year is already invoiced.
var ErrContractRenewed = errors.New("the contract already runs to the end of the next school year")

// Contract is the hosting contract's period as Mon compte shows it.
type Contract struct {
	// From and Until are the first and last days (Paris dates, midnight).
	From, Until time.Time
	// DaysLeft is how many days from today to Until (0 on the last day,
	// negative once it is over).
	DaysLeft int
	// Warn is whether the end is due: within ContractWarningDays, or past;
	// Notice is then the warning's sentence (ContractNotice), else "".
	Warn   bool
	Notice string
}

// day is the Paris date of t, at midnight Paris.
func day(t time.Time) time.Time {
	t = t.In(clock.Paris())
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, clock.Paris())
}

// ContractEnd is the 31 August ending the school year under way at t.
func ContractEnd(t time.Time) time.Time {
	return time.Date(int(CurrentSchoolYear(t))+1, time.August, 31, 0, 0, 0, 0, clock.Paris())
}

// nextPeriod is the contract period that follows one ending on until, at
// now: from the day after until, or from the 1 September that began the
// school year under way when the contract ended before it (a lapsed
// contract is renewed for the year under way, never for a year past).
func nextPeriod(until, now time.Time) (from, to time.Time) {
	from = day(until).AddDate(0, 0, 1)
	if begun := time.Date(int(CurrentSchoolYear(now)), time.September, 1, 0, 0, 0, 0, clock.Paris()); from.Before(begun) {
		from = begun
	}
	return from, ContractEnd(from)
}

// daysBetween counts the calendar days from a to b (Paris dates).
func daysBetween(a, b time.Time) int {
	da, db := day(a), day(b)
	ua := time.Date(da.Year(), da.Month(), da.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(db.Year(), db.Month(), db.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

// ContractOf is the contract of a contract period at now, its Notice
// worded for the SPR.
func ContractOf(from, until, now time.Time) Contract {
	c := Contract{From: from, Until: until}
	if until.IsZero() {
		return c
	}
	c.DaysLeft = daysBetween(now, until)
	c.Warn = c.DaysLeft <= ContractWarningDays
	c.Notice = contractNotice(c, RoleSPR)
	return c
}

// ContractNotice is the French warning of a contract ending on until, at
// now, for a session of role r: "" while the end is more than
// ContractWarningDays days away. The SPR is told to renew it in Mon
// compte, the groupe Administration that the SPR may.
func ContractNotice(until, now time.Time, r Role) string {
	return contractNotice(ContractOf(time.Time{}, until, now), r)
}

// contractNotice words c's warning for role r, each sentence short enough
// for one line of an 80-column status line.
func contractNotice(c Contract, r Role) string {
	until := c.Until
	todo := "renouvelez-le dans Mon compte."
	if r != RoleSPR {
		todo = "à renouveler par le SPR."
	}
	switch {
	case until.IsZero() || !c.Warn:
		return ""
	case c.DaysLeft < 0:
		return fmt.Sprintf("Contrat terminé le %s : %s", fr.Date(until), todo)
	case c.DaysLeft == 0:
		return fmt.Sprintf("Fin du contrat aujourd'hui (%s) : %s", fr.Date(until), todo)
	case c.DaysLeft == 1:
		return fmt.Sprintf("Fin du contrat demain (%s) : %s", fr.Date(until), todo)
	}
	return fmt.Sprintf("Fin du contrat le %s (dans %d jours) : %s", fr.Date(until), c.DaysLeft, todo)
}

// Account is what Mon compte's "Compte" view and the compte command show.
type Account struct {
	Establishment Establishment
	// MaskedEmail and MaskedPhone are the contacts, partly masked.
	MaskedEmail, MaskedPhone string
	Contract                 Contract
	UsedBytes                int64
	Version                  VersionView
}

// Account reads the establishment, its contract, its storage and its
// version (every role).
func (s *Session) Account(ctx context.Context) (Account, error) {
	var a Account
	now := s.b.clock.Now()
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		a.Establishment = toEstablishment(e)
		a.MaskedEmail, a.MaskedPhone = MaskEmail(e.Email), MaskPhone(e.Phone)
		a.Contract = ContractOf(e.ContractFrom, e.ContractUntil, now)
		a.Contract.Notice = contractNotice(a.Contract, s.role)
		a.Version = versionView(e, now)
		if a.UsedBytes, err = tx.UsedBytes(s.estID); err != nil {
			return err
		}
		switch inv, err := tx.LatestInvoice(s.estID); {
		case err == nil:
			a.Establishment.Invoice = inv.Number
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return nil
	})
	return a, err
}

// priced draws the lines of the period from..to for an establishment's
// licences at prices p, with their totals: HT the sum of the lines, VAT
// 20 % of HT rounded half up to the cent, Total HT + VAT.
func priced(e store.Establishment, p Prices, from, to time.Time) store.Invoice {
	year := CurrentSchoolYear(from)
	lines := []store.InvoiceLine{
		{Label: "Hébergement PRONOTE, année scolaire " + year.String(), Quantity: 1, UnitCents: p.Hosting},
		{Label: "Licences mode administratif", Quantity: e.AdminSeats, UnitCents: p.AdminSeat},
	}
	if e.TeacherSeats == 0 {
		lines = append(lines, store.InvoiceLine{Label: "Licences mode enseignant illimitées", Quantity: 1, UnitCents: p.TeacherUnlimited})
	} else {
		lines = append(lines, store.InvoiceLine{Label: "Licences mode enseignant", Quantity: e.TeacherSeats, UnitCents: p.TeacherSeat})
	}
	inv := store.Invoice{EstablishmentID: e.ID, PeriodFrom: from, PeriodTo: to, Lines: lines, Priced: true,
		Label: "Contrat d'hébergement " + year.String()}
	for i := range inv.Lines {
		inv.Lines[i].Cents = int64(inv.Lines[i].Quantity) * inv.Lines[i].UnitCents
		inv.TotalHT += inv.Lines[i].Cents
	}
	inv.VAT = VAT(inv.TotalHT)
	inv.Total = inv.TotalHT + inv.VAT
	return inv
}

// VAT is the 20 % VAT of an amount HT in cents, rounded half up to the
// cent.
func VAT(ht int64) int64 { return (ht*20 + 50) / 100 }
