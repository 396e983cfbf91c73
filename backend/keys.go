package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

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
	var rev int64
	err := b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		if k, err = tx.KeyByFingerprint(fingerprint); err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return store.ErrNotFound
		}
		e, err := tx.Establishment(k.EstablishmentID)
		if err != nil {
			return err
		}
		rev = e.Revision
		return tx.TouchKey(k.ID, b.clock.Now())
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownKey
	}
	if err != nil {
		return nil, err
	}
	b.journal(ctx, k.EstablishmentID, k.Name, addr, "login.key", fmt.Sprintf("%s depuis %s", fingerprint, addr), nil)
	return b.keySession(k, addr, rev), nil
}

// KnownKey reports whether fingerprint is an enrolled, valid key; the SSH
// server asks it as soon as a key is authenticated, to tell the connections
// of enrolled keys from those that will get the enrollment screen.
func (b *Backend) KnownKey(ctx context.Context, fingerprint string) (bool, error) {
	var k store.Key
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		k, err = tx.KeyByFingerprint(fingerprint)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil && k.RevokedAt.IsZero(), err
}

// Enroll checks the hosting credentials exactly as Login does (same lockout,
// throttling and first-login invoice rule), then enrolls the key as SPR of
// that establishment and returns its session.
//
// When the password field holds an invitation code (NormalizeInvitationCode:
// 12 characters of CodeAlphabet once spaces and dashes are dropped), the
// hosting number and a pending invitation of that establishment enroll the
// key in the groupe Administration instead, with no invoice number, and the
// invitation is marked used by this key in the same transaction; of two
// keys racing for one code exactly one wins. The key is named as typed, or
// else after the invitation's name. A code that is not pending is a failed
// attempt of the lockout (ErrBadCode).
func (b *Backend) Enroll(ctx context.Context, req LoginRequest, key EnrollKey) (*Session, error) {
	if key.Fingerprint == "" || key.PublicKey == "" {
		return nil, fmt.Errorf("%w: no key to enroll", ErrInvalidInput)
	}
	code, isCode := NormalizeInvitationCode(req.Password)
	if !isCode {
		code = ""
	}
	role, action := "spr", "key.enroll"
	if isCode {
		role = "admin"
	}
	name := keyName(key.Name)
	var row store.Key
	var used store.Invitation
	est, addr, err := b.authenticate(ctx, req, action, code, func(tx store.Tx, est store.Establishment, inv store.Invitation) error {
		// The key may have been enrolled since its enrollment screen opened
		// (another screen of the same key): a valid key stays as it is, so
		// that its sessions go on; it cannot move to another establishment.
		// A valid key of the establishment entering a code keeps its role
		// and leaves the invitation pending.
		cur, err := tx.KeyByFingerprint(key.Fingerprint)
		switch {
		case err == nil && cur.RevokedAt.IsZero() && cur.EstablishmentID != est.ID:
			return ErrKeyTaken
		case err == nil && cur.RevokedAt.IsZero() && (cur.Role == "spr" || isCode):
			row = cur
			return nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		}
		if name == "" && isCode {
			name = inv.Name
		}
		if name == "" {
			name = "Clé " + shortFingerprint(key.Fingerprint)
		}
		now := b.clock.Now()
		if isCode {
			if err := tx.UseInvitation(inv.ID, now, key.Fingerprint); errors.Is(err, store.ErrNotFound) {
				return errInvitationGone
			} else if err != nil {
				return err
			}
			used = inv
			if err := tx.AppendJournal(&store.JournalEntry{EstablishmentID: est.ID, At: now, Actor: name, Addr: req.Addr, Action: "invitation.use",
				Detail: invitationDetail(inv.Label, inv.Name) + " par " + key.Fingerprint, OK: true}); err != nil {
				return err
			}
		}
		k := store.Key{EstablishmentID: est.ID, Fingerprint: key.Fingerprint, PublicKey: key.PublicKey,
			Name: name, Role: role, AddedAt: now}
		if err := tx.PutKey(&k); err != nil {
			return err
		}
		// The enrollment opens the key's first session: it is a use.
		if err := tx.TouchKey(k.ID, now); err != nil {
			return err
		}
		if _, err := tx.BumpRevision(est.ID); err != nil { // a role changed: its sessions are checked
			return err
		}
		row, err = tx.KeyByFingerprint(key.Fingerprint) // as stored, to compare with later
		return err
	})
	b.stats.login(viaEnrollment, err)
	if name == "" {
		name = "Clé " + shortFingerprint(key.Fingerprint)
	}
	if errors.Is(err, ErrKeyTaken) {
		b.journal(ctx, est.ID, name, addr, action, key.Fingerprint, err)
	}
	if err != nil {
		return nil, err
	}
	b.keys.poke()
	if row.ID != 0 && used.ID == 0 && isCode {
		// Already enrolled: nothing was written.
		return b.keySession(row, addr, est.Revision), nil
	}
	how := "SPR"
	if row.Role == "admin" {
		how = "Administration, avec l'invitation " + used.Label + "-…"
	}
	b.journal(ctx, est.ID, row.Name, addr, action, fmt.Sprintf("%s enregistrée comme %s depuis %s", key.Fingerprint, how, addr), nil)
	// est.Revision was read before the key was written: a check at a later
	// revision costs nothing, a missed one would keep a revoked session.
	return b.keySession(row, addr, est.Revision), nil
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
	return keysFromRows(rows), err
}

// RevokeKey revokes a key: its open sessions (console, sftp, commands) end
// within a second, every call they make from now on is refused, and its next
// connection gets the enrollment screen.
func (b *Backend) RevokeKey(ctx context.Context, fingerprint, actor string) error {
	err := b.store.Write(ctx, func(tx store.Tx) error {
		k, err := tx.KeyByFingerprint(fingerprint)
		if err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return ErrAlreadyRevoked
		}
		if err := tx.RevokeKey(fingerprint, b.clock.Now()); err != nil {
			return err
		}
		if _, err := tx.BumpRevision(k.EstablishmentID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: k.EstablishmentID, At: b.clock.Now(), Actor: actor,
			Action: "key.revoke", Detail: fingerprint, OK: true})
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no key has the fingerprint %s", ErrKeyNotFound, fingerprint)
	}
	if err == nil {
		b.keys.poke()
	}
	return err
}
