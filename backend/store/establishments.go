package store

import "time"

// EstablishmentStore holds the tenants and their revision, which other
// processes watch to refresh their consoles.
type EstablishmentStore interface {
	CreateEstablishment(e *Establishment) error
	Establishment(id int64) (Establishment, error)
	EstablishmentByNumber(hostingNumber string) (Establishment, error)
	Establishments() ([]Establishment, error)
	// BumpRevision marks a change of the establishment.
	BumpRevision(id int64) (int64, error)
	// SetVersion records the PRONOTE version an establishment runs.
	SetVersion(id int64, version int) error
	Revisions() (map[int64]int64, error)
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
	ReservedSeats  int // R of SPEC §7, 0 ≤ R ≤ AdminSeats
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
	// RetentionDays and RetentionWeeks are the backup policy.
	RetentionDays  int
	RetentionWeeks int
	// ContractFrom and ContractUntil are the first and last days of the
	// hosting contract (Paris dates at midnight).
	ContractFrom, ContractUntil time.Time
}
