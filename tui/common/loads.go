package common

import "time"

// LoadTimeout bounds one read of the back end made for a screen (a tab's
// data, the header's status).
const LoadTimeout = 30 * time.Second

// Loads orders a tab's reads: each read asked takes the next number, and an
// answer older than the one shown is dropped, so that a slow answer never
// replaces a newer one.
type Loads struct {
	asked, shown int
}

// Next is the number of a new read.
func (l *Loads) Next() int {
	l.asked++
	return l.asked
}

// Fresh reports whether the answer of read gen is to be shown (it is not
// older than the one shown), and records it as shown when it is.
func (l *Loads) Fresh(gen int) bool {
	if gen < l.shown {
		return false
	}
	l.shown = gen
	return true
}

// Latest reports whether the answer shown is the one of the last read asked.
func (l *Loads) Latest() bool { return l.shown == l.asked }
