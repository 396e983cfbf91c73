package store

import "time"

// ConnectionStore holds what the hosted servers' connections leave behind
// (the live connections themselves are in memory, see backend/seats): the
// reserved seats, the changes clients write to the base in service, and the
// history of simultaneous connections and refusals.
type ConnectionStore interface {
	// SetSeats sets the licences of an establishment: administratif,
	// reserved for the groupe Administration, enseignant (0: unlimited).
	SetSeats(establishmentID int64, admin, reserved, teacher int) error
	// AppendChanges appends changes to the log of their base, filling
	// their IDs. The log is append-only (SPEC §17).
	AppendChanges(cs []*Change) error
	// ChangeCount is how many changes the log of a base holds.
	ChangeCount(baseID int64) (int64, error)
	// Changes are the changes of a base after the change afterID, oldest
	// first, at most limit (0: all).
	Changes(baseID, afterID int64, limit int) ([]Change, error)
	// UpsertHistory stores history samples, keeping per bucket the highest
	// peaks and refusal count seen.
	UpsertHistory(samples []HistorySample) error
	// History are an establishment's samples from since, oldest first.
	History(establishmentID int64, since time.Time) ([]HistorySample, error)
	// AppendRefusals stores refusals and keeps only the latest keep of each
	// establishment they belong to.
	AppendRefusals(rs []Refusal, keep int) error
	// Refusals are an establishment's latest refusals, newest first.
	Refusals(establishmentID int64, limit int) ([]Refusal, error)
	// PruneHistory deletes the samples older than before.
	PruneHistory(before time.Time) error
}

// Change is a row of changes: one write of a connected client to the base
// in service.
type Change struct {
	ID              int64
	EstablishmentID int64
	BaseID          int64
	At              time.Time
	ConnectionID    string
	Author          string
	What            string
}

// HistorySample is a row of connection_history: one 5-minute bucket.
type HistorySample struct {
	EstablishmentID int64
	At              time.Time
	Admin           int
	Teacher         int
	VieScolaire     int
	Espaces         int
	Refused         int
}

// Refusal is a row of connection_refusals.
type Refusal struct {
	ID              int64
	EstablishmentID int64
	At              time.Time
	User            string
	Group           string
	Mode            string
	Addr            string
	Reason          string
}
