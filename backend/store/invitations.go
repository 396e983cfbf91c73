package store

import "time"

// InvitationStore holds the invitations of users of the groupe
// Administration (SPEC §3). The code itself is never stored: only its
// SHA-256 and its first group, the label lists and cancellations show.
type InvitationStore interface {
	// PutInvitation records a new invitation and sets its ID.
	PutInvitation(inv *Invitation) error
	// Invitations lists the establishment's invitations, newest first.
	Invitations(establishmentID int64) ([]Invitation, error)
	// InvitationByHash is the establishment's invitation whose code has
	// that SHA-256 (hex), whatever its state.
	InvitationByHash(establishmentID int64, codeHash string) (Invitation, error)
	// InvitationsByLabel lists the establishment's invitations with that
	// label, newest first: a label is unique among the pending ones only.
	InvitationsByLabel(establishmentID int64, label string) ([]Invitation, error)
	// UseInvitation marks an invitation used by the key fingerprint, only
	// if at that instant it is still pending (neither used nor cancelled
	// nor expired): otherwise ErrNotFound and nothing changes, so that of
	// two keys racing for one code exactly one wins.
	UseInvitation(id int64, at time.Time, fingerprint string) error
	// CancelInvitation marks a pending invitation cancelled; ErrNotFound
	// when it is not pending any more.
	CancelInvitation(id int64, at time.Time) error
}

// Invitation is a row of invitations.
type Invitation struct {
	ID              int64
	EstablishmentID int64
	Label           string // the code's first group, 4 characters
	CodeHash        string // SHA-256 of the normalized code, hex
	Name            string // the name the key will get; may be empty
	CreatedAt       time.Time
	CreatedBy       string // the journal's actor who created it
	ExpiresAt       time.Time
	UsedAt          time.Time // zero while unused
	UsedBy          string    // fingerprint of the key enrolled with it
	CancelledAt     time.Time // zero unless cancelled
}
