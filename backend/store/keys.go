package store

import "time"

// KeyStore holds the enrolled SSH keys.
type KeyStore interface {
	// PutKey enrolls a key, or enrolls again a revoked one (same
	// fingerprint): the row is updated and no longer revoked.
	PutKey(k *Key) error
	KeyByFingerprint(fingerprint string) (Key, error)
	Keys(establishmentID int64) ([]Key, error)
	TouchKey(id int64, at time.Time) error
	RevokeKey(fingerprint string, at time.Time) error
	RenameKey(fingerprint, name string) error
}

// Key is a row of ssh_keys.
type Key struct {
	ID              int64
	EstablishmentID int64
	Fingerprint     string
	PublicKey       string
	Name            string
	Role            string // "spr" or "admin"
	AddedAt         time.Time
	LastUsedAt      time.Time
	RevokedAt       time.Time // zero while the key is valid
}
