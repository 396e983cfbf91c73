package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/backend/store"
)

// Key is an enrolled SSH key: it logs straight in with its role.
type Key struct {
	Fingerprint     string // SHA256:… as OpenSSH prints it
	Name            string
	Role            Role
	EstablishmentID int64
	AddedAt         time.Time
	LastUsedAt      time.Time
	RevokedAt       time.Time // zero while valid
}

// EnrollKey is the key being enrolled from the enrollment screen.
type EnrollKey struct {
	Fingerprint string
	PublicKey   string // authorized_keys form
	Name        string // typed by the user; defaults to a short fingerprint
}

// MaxKeyName bounds a key's name.
const MaxKeyName = 60

func roleFromStore(s string) Role {
	if s == "admin" {
		return RoleAdmin
	}
	return RoleSPR
}

// KeySession opens a session for an enrolled SSH key, with the role it was
// enrolled with. The fingerprint must be that of the key that signed the
// authentication, never of a key merely offered. Unknown and revoked keys
// get ErrUnknownKey.
func (b *Backend) KeySession(ctx context.Context, fingerprint, addr string) (*Session, error) {
	var k store.Key
	err := b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.KeyByFingerprint(fingerprint); err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return store.ErrNotFound
		}
		return tx.TouchKey(k.ID, b.clock.Now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	b.journal(ctx, k.EstablishmentID, k.Name, "login.key", fmt.Sprintf("%s from %s", fingerprint, addr), nil)
	return &Session{b: b, estID: k.EstablishmentID, role: roleFromStore(k.Role), actor: k.Name, addr: addr}, nil
}

// Enroll checks the hosting credentials exactly as Login does (same lockout,
// throttling and first-login invoice rule), then enrolls the key as SPR of
// that establishment and returns its session.
func (b *Backend) Enroll(ctx context.Context, req LoginRequest, key EnrollKey) (*Session, error) {
	if key.Fingerprint == "" || key.PublicKey == "" {
		return nil, fmt.Errorf("%w: no key to enroll", ErrInvalidInput)
	}
	name := strings.TrimSpace(sanitize.Line(key.Name))
	if name == "" {
		name = "Clé " + shortFingerprint(key.Fingerprint)
	}
	if utf8.RuneCountInString(name) > MaxKeyName {
		name = string([]rune(name)[:MaxKeyName])
	}
	est, addr, err := b.authenticate(ctx, req, "key.enroll", func(tx store.Tx, est store.Establishment) error {
		return tx.PutKey(&store.Key{EstablishmentID: est.ID, Fingerprint: key.Fingerprint, PublicKey: key.PublicKey,
			Name: name, Role: "spr", AddedAt: b.clock.Now()})
	})
	if err != nil {
		return nil, err
	}
	b.journal(ctx, est.ID, name, "key.enroll", fmt.Sprintf("%s enrolled as SPR from %s", key.Fingerprint, addr), nil)
	return &Session{b: b, estID: est.ID, role: RoleSPR, actor: name, addr: addr}, nil
}

func shortFingerprint(fp string) string {
	fp = strings.TrimPrefix(fp, "SHA256:")
	if len(fp) > 8 {
		fp = fp[:8]
	}
	return fp
}

// Keys lists the keys of an establishment, revoked ones included, for the
// operator's "admin keys list".
func (b *Backend) Keys(ctx context.Context, hostingNumber string) ([]Key, error) {
	e, err := b.EstablishmentByNumber(ctx, hostingNumber)
	if err != nil {
		return nil, err
	}
	var rows []store.Key
	err = b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		rows, err = tx.Keys(e.ID)
		return err
	})
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = Key{Fingerprint: r.Fingerprint, Name: r.Name, Role: roleFromStore(r.Role), EstablishmentID: r.EstablishmentID,
			AddedAt: r.AddedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	}
	return out, err
}

// RevokeKey revokes a key: its next connection gets the enrollment screen.
// Sessions already open go on until they end.
func (b *Backend) RevokeKey(ctx context.Context, fingerprint, actor string) error {
	var k store.Key
	err := b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.KeyByFingerprint(fingerprint); err != nil {
			return err
		}
		if err := tx.RevokeKey(fingerprint, b.clock.Now()); err != nil {
			return fmt.Errorf("%w: already revoked", ErrInvalidInput)
		}
		if _, err := tx.BumpRevision(k.EstablishmentID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: k.EstablishmentID, At: b.clock.Now(), Actor: actor,
			Action: "key.revoke", Detail: fingerprint, OK: true})
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no key has the fingerprint %s", ErrNotFound, fingerprint)
	}
	return err
}
