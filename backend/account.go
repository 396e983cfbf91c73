package backend

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/backend/store"
)

// KeyFingerprint is the fingerprint of the SSH key the session was opened
// with, "" for a login with the hosting credentials.
func (s *Session) KeyFingerprint() string {
	if s.key == nil {
		return ""
	}
	return s.key.fingerprint
}

// Keys lists the establishment's SSH keys, revoked ones included, oldest
// first (SPR only).
func (s *Session) Keys(ctx context.Context) ([]Key, error) {
	var rows []store.Key
	err := s.read(ctx, PermKeys, func(tx store.Tx) error {
		var err error
		rows, err = tx.Keys(s.estID)
		return err
	})
	return keysFromRows(rows), err
}

func keysFromRows(rows []store.Key) []Key {
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = Key{Fingerprint: r.Fingerprint, Name: r.Name, Role: roleFromStore(r.Role), EstablishmentID: r.EstablishmentID,
			AddedAt: r.AddedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
	}
	return out
}

// ownKey reads a key of the session's establishment: another
// establishment's key is ErrKeyNotFound, as a missing one.
func (s *Session) ownKey(tx store.Tx, fingerprint string) (store.Key, error) {
	k, err := tx.KeyByFingerprint(fingerprint)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.EstablishmentID != s.estID {
		return store.Key{}, fmt.Errorf("%w: %s", ErrKeyNotFound, fingerprint)
	}
	return k, err
}

// keyName cleans a key's name as typed: one line, printable, at most
// MaxKeyName characters; "" when nothing is left.
func keyName(name string) string {
	name = strings.TrimSpace(sanitize.Line(name))
	if utf8.RuneCountInString(name) > MaxKeyName {
		name = string([]rune(name)[:MaxKeyName])
	}
	return name
}

// RenameKey gives one of the establishment's keys a new name (SPR only).
func (s *Session) RenameKey(ctx context.Context, fingerprint, name string) error {
	clean := keyName(name)
	return s.act(ctx, PermKeys, TopicKeys, "key.rename", fingerprint, func(tx store.Tx, _ store.Establishment) (string, error) {
		if clean == "" {
			return "", fmt.Errorf("%w: empty key name", ErrInvalidInput)
		}
		if _, err := s.ownKey(tx, fingerprint); err != nil {
			return "", err
		}
		return fingerprint + " → " + clean, tx.RenameKey(fingerprint, clean)
	})
}

// RevokeKey revokes one of the establishment's keys (SPR only): its open
// sessions end within a second, this one too when it is the session's own
// key.
func (s *Session) RevokeKey(ctx context.Context, fingerprint string) error {
	err := s.act(ctx, PermKeys, TopicKeys, "key.revoke", fingerprint, func(tx store.Tx, _ store.Establishment) (string, error) {
		k, err := s.ownKey(tx, fingerprint)
		if err != nil {
			return "", err
		}
		if !k.RevokedAt.IsZero() {
			return "", ErrAlreadyRevoked
		}
		return "", tx.RevokeKey(fingerprint, s.b.clock.Now())
	})
	if err == nil {
		s.b.keys.poke()
	}
	return err
}

// MaskEmail shows enough of an address to recognise it: the first letter of
// the local part and the domain, "c•••@ac-paris.fr".
func MaskEmail(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return "•••"
	}
	first, _ := utf8.DecodeRuneInString(s)
	return string(first) + "•••" + s[at:]
}

// MaskPhone shows the last two digits of a phone number, "•• •• •• •• 78".
func MaskPhone(s string) string {
	var digits []rune
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits = append(digits, r)
		}
	}
	if len(digits) < 4 {
		return "••"
	}
	return "•• •• •• •• " + string(digits[len(digits)-2:])
}
