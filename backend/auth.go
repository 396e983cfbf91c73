package backend

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

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
	est, addr, err := b.authenticate(ctx, req, "login", "", nil)
	b.stats.login(viaConsole, err)
	if err != nil {
		return nil, err
	}
	b.journal(ctx, est.ID, "connexion depuis "+addr, addr, "login", "SPR", nil)
	return &Session{b: b, estID: est.ID, role: RoleSPR, actor: "SPR", addr: addr}, nil
}

// authenticate applies every rule of a credentials check (throttling, lockout,
// invoice on the first login) for action, journals refusals, and on success
// runs onSuccess in the transaction that records the login. The
// establishment and address come back with an error only when onSuccess
// refused, for the caller to journal its refusal.
//
// code, when set, is a normalized invitation code typed instead of the
// password (the SSH enrollment screen only): it must be a pending invitation
// of the establishment, no invoice number is asked, and onSuccess gets the
// invitation to mark used; when it returns errInvitationGone (another key
// used the code meanwhile) the attempt fails. Every refusal of a code is
// ErrBadCode and counts for the lockout exactly as a wrong password.
func (b *Backend) authenticate(ctx context.Context, req LoginRequest, action, code string, onSuccess func(tx store.Tx, est store.Establishment, inv store.Invitation) error) (store.Establishment, string, error) {
	addr := req.Addr
	if addr == "" {
		addr = "local"
	}
	bad := ErrBadCredentials
	if code != "" {
		bad = ErrBadCode
	}
	number, ok := NormalizeHostingNumber(req.HostingNumber)
	actor := "connexion depuis " + addr
	if !b.guard.allowed(addr) {
		b.journal(ctx, 0, actor, addr, action, "numéro "+safeNumber(req.HostingNumber), ErrThrottled)
		return store.Establishment{}, "", ErrThrottled
	}
	if !ok {
		b.guard.fail(addr)
		b.journal(ctx, 0, actor, addr, action, "numéro d'hébergement mal formé", bad)
		return store.Establishment{}, "", bad
	}
	var est store.Establishment
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		est, err = tx.EstablishmentByNumber(number)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// Spend the same time as a real check so that timing does not tell
		// which numbers exist (a code is checked without argon2 either way).
		if code == "" {
			password.Verify(req.Password, dummyHash(b.hashing)) //nolint:errcheck
		}
		b.guard.fail(addr)
		b.journal(ctx, 0, actor, addr, action, "numéro inconnu "+number, bad)
		return store.Establishment{}, "", bad
	}
	if err != nil {
		return store.Establishment{}, "", err
	}
	now := b.clock.Now()
	if now.Before(est.LockedUntil) {
		b.journal(ctx, est.ID, actor, addr, action, "", &LockedError{Until: est.LockedUntil})
		return store.Establishment{}, "", &LockedError{Until: est.LockedUntil}
	}
	var cause error
	var inv store.Invitation
	if code != "" {
		var pending bool
		err := b.store.Read(ctx, func(tx store.Tx) error {
			var err error
			inv, pending, err = pendingInvitation(tx, est.ID, code, now)
			return err
		})
		if err != nil {
			return store.Establishment{}, "", err
		}
		if !pending {
			cause = bad
		}
	} else {
		good, err := password.Verify(req.Password, est.PasswordHash)
		if err != nil {
			return store.Establishment{}, "", fmt.Errorf("login: %w", err)
		}
		switch {
		case !good:
			cause = ErrBadCredentials
		case !est.FirstLoginDone && strings.TrimSpace(req.Invoice) == "":
			// Not a failure: the console now asks for the invoice number.
			b.journal(ctx, est.ID, actor, addr, action, "numéro de facture demandé", ErrInvoiceRequired)
			return store.Establishment{}, "", ErrInvoiceRequired
		case !est.FirstLoginDone:
			var last store.Invoice
			err := b.store.Read(ctx, func(tx store.Tx) error {
				var err error
				last, err = tx.LatestInvoice(est.ID)
				return err
			})
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return store.Establishment{}, "", err
			}
			if strings.ReplaceAll(strings.TrimSpace(req.Invoice), " ", "") != last.Number || last.Number == "" {
				cause = ErrBadInvoice
			}
		}
	}
	if cause != nil {
		return b.failedLogin(ctx, est, actor, addr, action, now, cause)
	}
	var lockErr *LockedError
	err = b.store.Write(ctx, func(tx store.Tx) error {
		cur, err := tx.Establishment(est.ID)
		if err != nil {
			return err
		}
		if now.Before(cur.LockedUntil) { // locked by a parallel attempt meanwhile
			lockErr = &LockedError{Until: cur.LockedUntil}
			return nil
		}
		// A code does not count as the establishment's first login: the
		// SPR's still asks for the invoice number.
		if err := tx.UpdateLogin(est.ID, 0, time.Time{}, cur.FirstLoginDone || code == ""); err != nil {
			return err
		}
		if onSuccess != nil {
			return onSuccess(tx, cur, inv)
		}
		return nil
	})
	if errors.Is(err, errInvitationGone) {
		return b.failedLogin(ctx, est, actor, addr, action, now, bad)
	}
	if err != nil {
		// The credentials were right and onSuccess refused (Enroll:
		// ErrKeyTaken): the caller journals that refusal for this
		// establishment and address.
		return est, addr, err
	}
	if lockErr != nil {
		b.journal(ctx, est.ID, actor, addr, action, "", lockErr)
		return store.Establishment{}, "", lockErr
	}
	return est, addr, nil
}

// errInvitationGone is a code that was pending when read and is no longer
// when marked used: another key won the race for it.
var errInvitationGone = errors.New("the invitation was used meanwhile")

// failedLogin counts a failed attempt of est for the lockout, journals it
// and returns the refusal: cause, or the lock when this attempt locks.
func (b *Backend) failedLogin(ctx context.Context, est store.Establishment, actor, addr, action string, now time.Time, cause error) (store.Establishment, string, error) {
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
	b.journal(ctx, est.ID, actor, addr, action, fmt.Sprintf("échec %d sur %d", failed, MaxFailures), cause)
	if lockErr != nil {
		b.log.Warn("hosting number locked", "establishment", est.ID, "until", lockErr.Until)
		return store.Establishment{}, "", lockErr
	}
	return store.Establishment{}, "", cause
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
		b.journal(ctx, 0, actor, addr, "credentials.request", "", ErrThrottled)
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
		b.journal(ctx, 0, actor, addr, "credentials.request", "numéro inconnu "+safeNumber(hostingNumber), nil)
		return nil
	}
	if err != nil {
		return err
	}
	return b.sendNewCredentials(ctx, est, actor, addr, "credentials.request", nil)
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
	return b.sendNewCredentials(ctx, est, operator, "", "credentials.reset", nil)
}

// sendNewCredentials draws a new password, records it and the journal
// entry (check, when set, runs first in the same transaction: the key of a
// session that asks), then delivers the credentials.
func (b *Backend) sendNewCredentials(ctx context.Context, est store.Establishment, actor, addr, action string, check func(store.Tx) error) error {
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
		if check != nil {
			if err := check(tx); err != nil {
				return err
			}
		}
		if err := tx.SetPasswordHash(est.ID, hash); err != nil {
			return err
		}
		inv, err = tx.LatestInvoice(est.ID)
		if err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: est.ID, At: b.clock.Now(), Actor: actor, Addr: addr, Action: action,
			Detail: "nouveau mot de passe envoyé par SMS, numéros par e-mail", OK: true})
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

func mapStoreErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
