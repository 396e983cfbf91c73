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
	Until           time.Time // exclusive; zero: no end
	Actions         *ActionMatch
	// Keep, when set, is asked of each entry the other conditions select,
	// newest first; Limit counts the entries it keeps.
	Keep  func(e *JournalEntry) bool
	Limit int // 0: all
}

// ActionMatch selects entries by action: those whose action is one of
// Exact, or begins with one of Prefixes without being one of NotExact; with
// Negate, every other entry.
type ActionMatch struct {
	Exact    []string
	Prefixes []string
	NotExact []string
	Negate   bool
}

// Matches reports whether action is selected by m (nil selects every
// action), as the store's query reads m.
func (m *ActionMatch) Matches(action string) bool {
	if m == nil {
		return true
	}
	in := func(l []string) bool {
		for _, s := range l {
			if s == action {
				return true
			}
		}
		return false
	}
	ok := in(m.Exact)
	if !ok && !in(m.NotExact) {
		for _, p := range m.Prefixes {
			if len(action) >= len(p) && action[:len(p)] == p {
				ok = true
				break
			}
		}
	}
	return ok != m.Negate
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
