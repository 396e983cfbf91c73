package backend

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/outbox"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/store"
)

// Login rules (SPEC §3).
const (
	// MaxFailures failed logins in a row lock a hosting number...
	MaxFailures = 5
	// ...for LockDuration.
	LockDuration = 15 * time.Minute
	// AddrMaxAttempts failed attempts from one client address within
	// AddrWindow throttle that address, whatever the numbers tried.
	AddrMaxAttempts = 20
	// AddrWindow is the window of AddrMaxAttempts.
	AddrWindow = 10 * time.Minute
	// DefaultQuota is the storage quota of a new establishment.
	DefaultQuota int64 = 20 << 30
)

// guard throttles login attempts per client address, in memory: a restart
// forgets it, the per-number lockout (in the store) does not.
type guard struct {
	clock clock.Clock
	mu    sync.Mutex
	fails map[string][]time.Time
}

func newGuard(c clock.Clock) *guard { return &guard{clock: c, fails: map[string][]time.Time{}} }

func (g *guard) prune(addr string) []time.Time {
	cut := g.clock.Now().Add(-AddrWindow)
	kept := g.fails[addr][:0]
	for _, t := range g.fails[addr] {
		if t.After(cut) {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(g.fails, addr)
		return nil
	}
	g.fails[addr] = kept
	return kept
}

func (g *guard) allowed(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.prune(addr)) < AddrMaxAttempts
}

func (g *guard) fail(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.prune(addr)
	g.fails[addr] = append(g.fails[addr], g.clock.Now())
}

var (
	reHosting = regexp.MustCompile(`^[0-9]{12}$`)
	reInvoice = regexp.MustCompile(`^[0-9]{10}$`)
	reUAI     = regexp.MustCompile(`^[0-9]{7}[A-Z]$`)
)

// NormalizeHostingNumber drops the spaces a person types in a hosting number
// ("1234 5678 9012") and says whether what is left has the right form.
func NormalizeHostingNumber(s string) (string, bool) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '.' {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	return s, reHosting.MatchString(s)
}

// Login checks a hosting number, password and (first time) invoice number,
// applies the lockout and throttling rules, journals the attempt and returns
// an SPR session.
func (b *Backend) Login(ctx context.Context, req LoginRequest) (*Session, error) {
	est, addr, err := b.authenticate(ctx, req, "login", nil)
	b.stats.login(viaConsole, err)
	if err != nil {
		return nil, err
	}
	b.journal(ctx, est.ID, "connexion depuis "+addr, "login", "SPR", nil)
	return &Session{b: b, estID: est.ID, role: RoleSPR, actor: "SPR", addr: addr}, nil
}

// authenticate applies every rule of a credentials check (throttling, lockout,
// invoice on the first login) for action, journals refusals, and on success
// runs onSuccess in the transaction that records the login.
func (b *Backend) authenticate(ctx context.Context, req LoginRequest, action string, onSuccess func(tx store.Tx, est store.Establishment) error) (store.Establishment, string, error) {
	addr := req.Addr
	if addr == "" {
		addr = "local"
	}
	number, ok := NormalizeHostingNumber(req.HostingNumber)
	actor := "connexion depuis " + addr
	if !b.guard.allowed(addr) {
		b.journal(ctx, 0, actor, action, "number "+safeNumber(req.HostingNumber), ErrThrottled)
		return store.Establishment{}, "", ErrThrottled
	}
	if !ok {
		b.guard.fail(addr)
		b.journal(ctx, 0, actor, action, "malformed hosting number", ErrBadCredentials)
		return store.Establishment{}, "", ErrBadCredentials
	}
	var est store.Establishment
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		est, err = tx.EstablishmentByNumber(number)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so that timing does not tell
		// which numbers exist.
		password.Verify(req.Password, dummyHash(b.hashing)) //nolint:errcheck
		b.guard.fail(addr)
		b.journal(ctx, 0, actor, action, "unknown number "+number, ErrBadCredentials)
		return store.Establishment{}, "", ErrBadCredentials
	}
	if err != nil {
		return store.Establishment{}, "", err
	}
	now := b.clock.Now()
	if now.Before(est.LockedUntil) {
		b.journal(ctx, est.ID, actor, action, "", &LockedError{Until: est.LockedUntil})
		return store.Establishment{}, "", &LockedError{Until: est.LockedUntil}
	}
	good, err := password.Verify(req.Password, est.PasswordHash)
	if err != nil {
		return store.Establishment{}, "", fmt.Errorf("login: %w", err)
	}
	var cause error
	switch {
	case !good:
		cause = ErrBadCredentials
	case !est.FirstLoginDone && strings.TrimSpace(req.Invoice) == "":
		// Not a failure: the console now asks for the invoice number.
		b.journal(ctx, est.ID, actor, action, "invoice number asked", ErrInvoiceRequired)
		return store.Establishment{}, "", ErrInvoiceRequired
	case !est.FirstLoginDone:
		var inv store.Invoice
		err := b.store.Read(ctx, func(tx store.Tx) error {
			var err error
			inv, err = tx.LatestInvoice(est.ID)
			return err
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Establishment{}, "", err
		}
		if strings.ReplaceAll(strings.TrimSpace(req.Invoice), " ", "") != inv.Number || inv.Number == "" {
			cause = ErrBadInvoice
		}
	}
	if cause != nil {
		b.guard.fail(addr)
		var lockErr *LockedError
		var failed int
		// Re-read the row in the (immediate) write transaction: parallel
		// attempts are counted one after the other, none is lost.
		if err := b.store.Write(ctx, func(tx store.Tx) error {
			cur, err := tx.Establishment(est.ID)
			if err != nil {
				return err
			}
			if now.Before(cur.LockedUntil) {
				lockErr = &LockedError{Until: cur.LockedUntil}
				return nil
			}
			if failed = cur.FailedLogins; !cur.LockedUntil.IsZero() {
				failed = 0 // the lock has expired: start counting again
			}
			failed++
			var until time.Time
			if failed >= MaxFailures {
				until = now.Add(LockDuration)
				lockErr = &LockedError{Until: until}
			}
			return tx.UpdateLogin(est.ID, failed, until, cur.FirstLoginDone)
		}); err != nil {
			return store.Establishment{}, "", err
		}
		b.journal(ctx, est.ID, actor, action, fmt.Sprintf("failure %d of %d", failed, MaxFailures), cause)
		if lockErr != nil {
			b.log.Warn("hosting number locked", "establishment", est.ID, "until", lockErr.Until)
			return store.Establishment{}, "", lockErr
		}
		return store.Establishment{}, "", cause
	}
	var lockErr *LockedError
	if err := b.store.Write(ctx, func(tx store.Tx) error {
		cur, err := tx.Establishment(est.ID)
		if err != nil {
			return err
		}
		if now.Before(cur.LockedUntil) { // locked by a parallel attempt meanwhile
			lockErr = &LockedError{Until: cur.LockedUntil}
			return nil
		}
		if err := tx.UpdateLogin(est.ID, 0, time.Time{}, true); err != nil {
			return err
		}
		if onSuccess != nil {
			return onSuccess(tx, cur)
		}
		return nil
	}); err != nil {
		return store.Establishment{}, "", err
	}
	if lockErr != nil {
		b.journal(ctx, est.ID, actor, action, "", lockErr)
		return store.Establishment{}, "", lockErr
	}
	return est, addr, nil
}

var (
	dummyOnce sync.Once
	dummy     string
)

func dummyHash(p password.Params) string {
	dummyOnce.Do(func() { dummy, _ = password.Hash("not a password", p) })
	return dummy
}

// safeNumber keeps a typed hosting number short and printable for the journal.
func safeNumber(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}

// RequestCredentials is "Recevoir mes identifiants d'hébergement": for a known
// number it draws a new password (the old one stops working) and sends the
// hosting and invoice numbers by e-mail and the password by SMS. It answers
// the same for unknown numbers, so the screen tells nothing.
func (b *Backend) RequestCredentials(ctx context.Context, hostingNumber, addr string) error {
	if addr == "" {
		addr = "local"
	}
	actor := "connexion depuis " + addr
	if !b.guard.allowed(addr) {
		b.journal(ctx, 0, actor, "credentials.request", "", ErrThrottled)
		return ErrThrottled
	}
	number, ok := NormalizeHostingNumber(hostingNumber)
	var est store.Establishment
	err := store.ErrNotFound
	if ok {
		err = b.store.Read(ctx, func(tx store.Tx) error {
			var err error
			est, err = tx.EstablishmentByNumber(number)
			return err
		})
	}
	if errors.Is(err, store.ErrNotFound) {
		b.guard.fail(addr) // probing numbers counts against the address
		b.journal(ctx, 0, actor, "credentials.request", "unknown number "+safeNumber(hostingNumber), nil)
		return nil
	}
	if err != nil {
		return err
	}
	return b.sendNewCredentials(ctx, est, actor, "credentials.request")
}

// ResetCredentials is the operator's "credentials reset": same effect as a
// re-send requested by the school.
func (b *Backend) ResetCredentials(ctx context.Context, hostingNumber, operator string) error {
	number, ok := NormalizeHostingNumber(hostingNumber)
	if !ok {
		return fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	}
	var est store.Establishment
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		est, err = tx.EstablishmentByNumber(number)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, number)
	}
	if err != nil {
		return err
	}
	return b.sendNewCredentials(ctx, est, operator, "credentials.reset")
}

func (b *Backend) sendNewCredentials(ctx context.Context, est store.Establishment, actor, action string) error {
	pw, err := password.Generate()
	if err != nil {
		return err
	}
	hash, err := password.Hash(pw, b.hashing)
	if err != nil {
		return err
	}
	var inv store.Invoice
	err = b.store.Write(ctx, func(tx store.Tx) error {
		if err := tx.SetPasswordHash(est.ID, hash); err != nil {
			return err
		}
		inv, err = tx.LatestInvoice(est.ID)
		if err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: est.ID, At: b.clock.Now(), Actor: actor, Action: action,
			Detail: "new password sent by SMS, numbers by e-mail", OK: true})
	})
	if err != nil {
		return err
	}
	return b.deliver(est, inv.Number, pw)
}

// deliver sends the credentials the way the original product does: numbers by
// e-mail, password by SMS.
func (b *Backend) deliver(est store.Establishment, invoice, pw string) error {
	err := b.outbox.Send(outbox.Message{
		Channel: outbox.Email,
		To:      est.Email,
		Subject: "Vos identifiants d'hébergement PRONOTE",
		Body: fmt.Sprintf("Bonjour,\n\nVoici les identifiants de la console d'hébergement de %s.\n\n"+
			"Numéro d'hébergement : %s\nNuméro de facture : %s\n\n"+
			"Votre mot de passe vous est envoyé par SMS. Le numéro de facture n'est demandé qu'à la première connexion.\n",
			est.Name, est.HostingNumber, invoice),
	})
	if err != nil {
		return err
	}
	return b.outbox.Send(outbox.Message{
		Channel: outbox.SMS,
		To:      est.Phone,
		Body:    fmt.Sprintf("Console d'hébergement PRONOTE %s : votre mot de passe est %s", est.HostingNumber, pw),
	})
}

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
	now := b.clock.Now()
	row := store.Establishment{Name: n.Name, UAI: n.UAI, Email: n.Email, Phone: n.Phone, AdminSeats: n.AdminSeats,
		TeacherSeats: n.TeacherSeats, QuotaBytes: n.QuotaBytes, PasswordHash: hash, Version: CurrentVersion(now), CreatedAt: now}
	var inv store.Invoice
	for attempt := 0; ; attempt++ {
		if row.HostingNumber, err = drawNumber(12); err != nil {
			return Establishment{}, "", err
		}
		inv = store.Invoice{IssuedAt: now, Label: "Contrat d'hébergement"}
		if inv.Number, err = drawNumber(10); err != nil {
			return Establishment{}, "", err
		}
		err = b.store.Write(ctx, func(tx store.Tx) error {
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
		Phone: r.Phone, AdminSeats: r.AdminSeats, TeacherSeats: r.TeacherSeats, QuotaBytes: r.QuotaBytes,
		CreatedAt: r.CreatedAt, FirstLoginDone: r.FirstLoginDone}
}

func mapStoreErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
