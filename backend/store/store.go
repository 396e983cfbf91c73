// Package store is the persistent state of the back end behind interfaces, so
// that the embedded SQLite implementation can be joined later by a PostgreSQL
// one serving several console instances. Rows go down, domain types stay up in
// package backend: nothing here knows about the console.
package store

import (
	"context"
	"errors"
	"time"
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

// Tx is every query of the back end, run inside one transaction.
type Tx interface {
	CreateEstablishment(e *Establishment) error
	Establishment(id int64) (Establishment, error)
	EstablishmentByNumber(hostingNumber string) (Establishment, error)
	Establishments() ([]Establishment, error)
	UpdateLogin(id int64, failed int, lockedUntil time.Time, firstLoginDone bool) error
	SetPasswordHash(id int64, hash string) error
	SetServer(id int64, state string, openedBaseID int64) error
	// BumpRevision marks a change of the establishment, which other
	// processes watch to refresh their consoles.
	BumpRevision(id int64) (int64, error)
	Revisions() (map[int64]int64, error)

	AddInvoice(inv *Invoice) error
	LatestInvoice(establishmentID int64) (Invoice, error)

	InsertBase(b *Base) error
	Base(establishmentID, id int64) (Base, error)
	Bases(establishmentID int64) ([]Base, error)
	DeleteBase(establishmentID, id int64) error
	BaseBySHA256(establishmentID int64, sha string) (Base, error)
	UsedBytes(establishmentID int64) (int64, error)
	// ObjectReferenced reports whether any base or annex, of any
	// establishment, still uses the stored file.
	ObjectReferenced(sha string) (bool, error)

	// PutAnnex attaches an annex, replacing one of the same kind on that base;
	// it returns the file the replaced annex used ("" if none).
	PutAnnex(a *Annex) (replaced string, err error)
	Annexes(establishmentID int64) ([]Annex, error)

	StartPeriod(baseID int64, at time.Time) error
	EndOpenPeriods(establishmentID int64, at time.Time) error
	Periods(establishmentID int64) ([]Period, error)

	// PutKey enrolls a key, or enrolls again a revoked one (same
	// fingerprint): the row is updated and no longer revoked.
	PutKey(k *Key) error
	KeyByFingerprint(fingerprint string) (Key, error)
	Keys(establishmentID int64) ([]Key, error)
	TouchKey(id int64, at time.Time) error
	RevokeKey(fingerprint string, at time.Time) error
	RenameKey(fingerprint, name string) error

	AppendJournal(e *JournalEntry) error
	Journal(q JournalQuery) ([]JournalEntry, error)
}

// Establishment is a row of establishments.
type Establishment struct {
	ID             int64
	HostingNumber  string
	Name           string
	UAI            string
	Email          string
	Phone          string
	AdminSeats     int
	TeacherSeats   int
	QuotaBytes     int64
	PasswordHash   string
	FirstLoginDone bool
	FailedLogins   int
	LockedUntil    time.Time
	ServerState    string
	OpenedBaseID   int64 // 0: none
	Version        int
	Revision       int64
	CreatedAt      time.Time
}

// Invoice is a row of invoices.
type Invoice struct {
	ID              int64
	EstablishmentID int64
	Number          string
	IssuedAt        time.Time
	Label           string
}

// Base is a row of bases.
type Base struct {
	ID              int64
	EstablishmentID int64
	Name            string
	SchoolYear      int
	Origin          string
	SHA256          string
	Size            int64
	BaseUID         string
	Students        int
	Teachers        int
	Classes         int
	Grid            string
	LoadedBy        string
	LoadedAt        time.Time
}

// Annex is a row of annexes.
type Annex struct {
	ID       int64
	BaseID   int64
	Kind     string
	Name     string
	SHA256   string
	Size     int64
	LoadedBy string
	LoadedAt time.Time
}

// Period is a row of service_periods; To is zero while open.
type Period struct {
	ID     int64
	BaseID int64
	From   time.Time
	To     time.Time
}

// JournalEntry is a row of journal.
type JournalEntry struct {
	ID              int64
	EstablishmentID int64 // 0: none
	At              time.Time
	Actor           string
	Action          string
	Detail          string
	OK              bool
}

// JournalQuery selects journal entries, newest first.
type JournalQuery struct {
	EstablishmentID int64     // 0: every establishment
	Since           time.Time // zero: from the start
	Limit           int       // 0: all
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
