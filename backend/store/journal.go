package store

import "time"

// JournalStore holds the journal: who did what, when, with what outcome.
type JournalStore interface {
	AppendJournal(e *JournalEntry) error
	Journal(q JournalQuery) ([]JournalEntry, error)
}

// JournalQuery selects journal entries, newest first.
type JournalQuery struct {
	EstablishmentID int64     // 0: every establishment
	Since           time.Time // zero: from the start
	Limit           int       // 0: all
}

// JournalEntry is a row of journal.
type JournalEntry struct {
	ID              int64
	EstablishmentID int64 // 0: none
	At              time.Time
	Actor           string
	Addr            string
	Action          string
	Detail          string
	OK              bool
}
