package backend

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/store"
)

// CreateEstablishment is the operator's "establishment create": it draws the
// hosting number, the password and the first invoice, and sends them through
// the outbox. The clear password is also returned, for the demo and tests
// only: the CLI never prints it.
func (b *Backend) CreateEstablishment(ctx context.Context, n NewEstablishment) (Establishment, string, error) {
	if err := validateNew(&n); err != nil {
		return Establishment{}, "", err
	}
	pw, err := password.Generate()
	if err != nil {
		return Establishment{}, "", err
	}
	hash, err := password.Hash(pw, b.hashing)
	if err != nil {
		return Establishment{}, "", err
	}
	prices, err := b.Prices()
	if err != nil {
		return Establishment{}, "", err
	}
	now := b.clock.Now()
	// The contract runs from today to the 31 August ending the school
	// year under way; the first invoice bills it at the full yearly prices
	// (contract.go).
	row := store.Establishment{Name: n.Name, UAI: n.UAI, Email: n.Email, Phone: n.Phone, AdminSeats: n.AdminSeats,
		TeacherSeats: n.TeacherSeats, QuotaBytes: n.QuotaBytes, PasswordHash: hash, Version: CurrentVersion(now), CreatedAt: now,
		ContractFrom: day(now), ContractUntil: ContractEnd(now),
	}
	var inv store.Invoice
	for attempt := 0; ; attempt++ {
		row.HostingNumber = n.HostingNumber
		if row.HostingNumber == "" {
			if row.HostingNumber, err = drawNumber(12); err != nil {
				return Establishment{}, "", err
			}
		}
		inv = priced(row, prices, row.ContractFrom, row.ContractUntil)
		inv.Kind, inv.IssuedAt = store.InvoiceFacture, now
		if inv.Number, err = drawNumber(10); err != nil {
			return Establishment{}, "", err
		}
		err = b.store.Write(ctx, func(tx store.Tx) error {
			if n.HostingNumber != "" {
				switch _, err := tx.EstablishmentByNumber(n.HostingNumber); {
				case err == nil:
					return fmt.Errorf("%w: the hosting number %s is taken", ErrInvalidInput, n.HostingNumber)
				case !errors.Is(err, store.ErrNotFound):
					return err
				}
			}
			if err := tx.CreateEstablishment(&row); err != nil {
				return err
			}
			inv.EstablishmentID = row.ID
			if err := tx.AddInvoice(&inv); err != nil {
				return err
			}
			return tx.AppendJournal(&store.JournalEntry{EstablishmentID: row.ID, At: now, Actor: "operator",
				Action: "establishment.create", Detail: row.Name, OK: true})
		})
		if errors.Is(err, store.ErrConflict) && attempt < 5 {
			continue
		}
		if err != nil {
			return Establishment{}, "", err
		}
		break
	}
	if err := b.deliver(row, inv.Number, pw); err != nil {
		return Establishment{}, "", fmt.Errorf("establishment created but credentials not sent (run credentials reset): %w", err)
	}
	e := toEstablishment(row)
	e.Invoice = inv.Number
	return e, pw, nil
}

func drawNumber(n int) (string, error) {
	for {
		s, err := password.Digits(n)
		if err != nil || s[0] != '0' {
			return s, err
		}
	}
}

func validateNew(n *NewEstablishment) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidInput}, a...)...)
	}
	n.Name = strings.TrimSpace(n.Name)
	n.UAI = strings.ToUpper(strings.TrimSpace(n.UAI))
	n.Email = strings.TrimSpace(n.Email)
	phone, okPhone := NormalizePhone(n.Phone)
	switch {
	case n.Name == "" || utf8.RuneCountInString(n.Name) > 120:
		return bad("name must have 1 to 120 characters")
	case strings.IndexFunc(n.Name, func(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }) >= 0 || !utf8.ValidString(n.Name):
		return bad("name must not contain control characters")
	case !reUAI.MatchString(n.UAI):
		return bad("UAI must be 7 digits and a letter, like 0751234A")
	case !validEmail(n.Email):
		return bad("invalid e-mail address %q", n.Email)
	case !okPhone:
		return bad("phone must be a French mobile number, like 06 12 34 56 78")
	case n.AdminSeats < 1 || n.AdminSeats > 1000:
		return bad("administrative seats must be between 1 and 1000")
	case n.TeacherSeats != 0 && n.TeacherSeats != 30 && n.TeacherSeats != 50 && n.TeacherSeats != 80:
		return bad("teacher seats must be 30, 50, 80 or unlimited")
	case n.QuotaBytes < 0 || n.QuotaBytes > 1<<40:
		return bad("quota must be between 1 byte and 1 TiB")
	}
	if n.HostingNumber != "" {
		number, ok := NormalizeHostingNumber(n.HostingNumber)
		if !ok {
			return bad("hosting number must be 12 digits")
		}
		n.HostingNumber = number
	}
	n.Phone = phone
	if n.QuotaBytes == 0 {
		n.QuotaBytes = DefaultQuota
	}
	return nil
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at:], ".")
}

// NormalizePhone reads a French mobile number (06…, 07…, +33 6…) and returns it
// as +336XXXXXXXX.
func NormalizePhone(s string) (string, bool) {
	d := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r == '+':
			return r
		case r == ' ' || r == '.' || r == '-':
			return -1
		}
		return 'x'
	}, strings.TrimSpace(s))
	switch {
	case strings.HasPrefix(d, "+33"):
		d = "0" + d[3:]
	case strings.HasPrefix(d, "0033"):
		d = "0" + d[4:]
	}
	if len(d) != 10 || !(strings.HasPrefix(d, "06") || strings.HasPrefix(d, "07")) || strings.ContainsAny(d, "x+") {
		return "", false
	}
	return "+33" + d[1:], true
}

// CurrentVersion is the PRONOTE version serving the school year under way at
// t: version Y serves 1 September Y to 31 August Y+1.
func CurrentVersion(t time.Time) int {
	t = t.In(clock.Paris())
	if t.Month() >= time.September {
		return t.Year()
	}
	return t.Year() - 1
}

// Establishments lists every establishment, for operators.
func (b *Backend) Establishments(ctx context.Context) ([]Establishment, error) {
	var rows []store.Establishment
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		rows, err = tx.Establishments()
		return err
	})
	out := make([]Establishment, len(rows))
	for i, r := range rows {
		out[i] = toEstablishment(r)
	}
	return out, err
}

// EstablishmentByNumber returns one establishment with its latest invoice.
func (b *Backend) EstablishmentByNumber(ctx context.Context, hostingNumber string) (Establishment, error) {
	number, ok := NormalizeHostingNumber(hostingNumber)
	if !ok {
		return Establishment{}, fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	}
	var row store.Establishment
	var inv store.Invoice
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		if row, err = tx.EstablishmentByNumber(number); err != nil {
			return err
		}
		inv, err = tx.LatestInvoice(row.ID)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return Establishment{}, fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, number)
	}
	if err != nil {
		return Establishment{}, err
	}
	e := toEstablishment(row)
	e.Invoice = inv.Number
	return e, nil
}

func toEstablishment(r store.Establishment) Establishment {
	return Establishment{ID: r.ID, HostingNumber: r.HostingNumber, Name: r.Name, UAI: r.UAI, Email: r.Email,
		Phone: r.Phone, AdminSeats: r.AdminSeats, ReservedSeats: r.ReservedSeats, TeacherSeats: r.TeacherSeats, QuotaBytes: r.QuotaBytes,
		CreatedAt: r.CreatedAt, FirstLoginDone: r.FirstLoginDone, Retention: retentionOf(r), ContractFrom: r.ContractFrom,
		ContractUntil: r.ContractUntil, Version: r.Version}
}

// SwitchDayOf is the day of August (21 to 24) of the automatic switch of
// the establishment with that hosting number (SPEC §11): drawn from the
// number, itself drawn at random, so that the days spread evenly, the
// same establishment always gets the same one, and nothing is stored.
func SwitchDayOf(hostingNumber string) int {
	h := fnv.New32a()
	h.Write([]byte(hostingNumber))
	return 21 + int(h.Sum32()%4)
}
