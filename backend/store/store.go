// Package store is the persistent state of the back end behind interfaces, so
// that the embedded SQLite implementation can be joined later by a PostgreSQL
// one serving several console instances. Rows go down, domain types stay up in
// package backend: nothing here knows about the console.
package store

import (
	"context"
	"errors"
)

// ErrNotFound is returned when a row does not exist (or belongs to another
// establishment, which is the same thing to the caller).
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a uniqueness rule is broken.
var ErrConflict = errors.New("store: conflict")

// Store runs transactions. The back end owns them: it decides what belongs
// together, the store only runs queries inside them.
type Store interface {
	// Read runs fn in a read-only transaction.
	Read(ctx context.Context, fn func(Tx) error) error
	// Write runs fn in an immediate write transaction, committed if fn
	// returns nil.
	Write(ctx context.Context, fn func(Tx) error) error
	// Close releases the database.
	Close() error
}

// Tx is every query of the back end, run inside one transaction, composed of
// one interface per domain (one file each here and in each implementation).
// A new domain adds its interface here.
type Tx interface {
	EstablishmentStore
	CredentialStore
	AccountStore
	BaseStore
	ServerStore
	KeyStore
	JournalStore
	ReferenceStore
	ConnectionStore
	BackupStore
	CheckStore
	PublicationStore
	InvitationStore
	LeaseStore
}

// Listener is a store that tells when changes commit (PostgreSQL's
// LISTEN/NOTIFY), so that an instance learns of another's change at once
// instead of at its next poll of the revisions.
type Listener interface {
	// Listen calls changed after each commit that bumped a revision, and
	// whenever what was missed cannot be known (a reconnection), until ctx
	// ends; logErr hears of the failures it recovers from.
	Listen(ctx context.Context, changed func(), logErr func(error)) error
}
