package backend

import (
	"errors"
	"fmt"
	"time"

	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/seats"
)

// Refusals the back end returns; the console maps each to a French sentence
// with Message.
var (
	ErrBadCredentials  = errors.New("wrong hosting number or password")
	ErrInvoiceRequired = errors.New("invoice number required on the first login")
	ErrBadInvoice      = errors.New("wrong invoice number")
	ErrThrottled       = errors.New("too many login attempts from this address")
	ErrForbidden       = errors.New("not allowed for this role")
	ErrNotFound        = errors.New("not found")
	ErrServerRunning   = errors.New("the server must be stopped first")
	ErrServerStopped   = errors.New("the server is already stopped")
	ErrAlreadyRunning  = errors.New("the server is already in service")
	ErrNoOpenedBase    = errors.New("no base is opened")
	ErrNoBaseInService = errors.New("no base is in service")
	ErrBaseOpened      = errors.New("the base is the opened base")
	ErrAlreadyOpened   = errors.New("the base is already opened")
	ErrInvalidFileName = errors.New("invalid file name")
	ErrInvalidInput    = errors.New("invalid input")
	ErrNotAnnex        = errors.New("not an annex file")
	ErrNotBaseFile     = errors.New("not a base file")
)

// LockedError says a hosting number is locked after too many failed logins.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("hosting number locked until %s", e.Until.Format(time.RFC3339))
}

// More refusals of the bases tab.
var (
	ErrWrongExtension = errors.New("the file must end in .HNOT, .HCOURRIERS, .HDOCJOINTS or .HPHOTOS")
	ErrDuplicateBase  = errors.New("this base is already loaded")
	ErrReadFailed     = errors.New("reading the file failed")
	ErrFileMissing    = errors.New("the stored file of this base is missing")
	// ErrUnknownKey is returned for an SSH key that is not enrolled, or
	// revoked: the console shows the enrollment screen.
	ErrUnknownKey = errors.New("this SSH key is not enrolled")
	// ErrKeyRevoked refuses every call of a session whose SSH key was
	// revoked (or enrolled again with another role) after it opened.
	ErrKeyRevoked = errors.New("this SSH key was revoked")
	// ErrKeyTaken refuses to enroll a key that is enrolled, and valid, for
	// another establishment.
	ErrKeyTaken = errors.New("this SSH key is enrolled for another establishment")
	// ErrAlreadyRevoked is RevokeKey on a key already revoked.
	ErrAlreadyRevoked = errors.New("this SSH key is already revoked")
)

// What was not found, each with its own sentence; all of them are
// ErrNotFound.
var (
	ErrBaseNotFound          = fmt.Errorf("base %w", ErrNotFound)
	ErrKeyNotFound           = fmt.Errorf("SSH key %w", ErrNotFound)
	ErrEstablishmentNotFound = fmt.Errorf("establishment %w", ErrNotFound)
)

// Refusals of the hosted server's connections.
var (
	// ErrNotInService refuses a connection or a change while the server
	// does not serve.
	ErrNotInService = errors.New("the server is not in service")
	// ErrConnectionNotFound is a connection that is not held (never was,
	// disconnected, expired, server stopped).
	ErrConnectionNotFound = fmt.Errorf("connection %w", ErrNotFound)
	// ErrNoSeat is a connection refused for lack of a licence; the error
	// is a *SeatError with the figures.
	ErrNoSeat = seats.ErrNoSeat
	// ErrStorageFull refuses a change that would pass the storage quota.
	ErrStorageFull = errors.New("the storage quota is reached")
	// ErrHostedElsewhere is a request for a hosted server that another
	// instance holds (several instances on one database): the stand-in
	// relays it there, and answers 503 when it cannot.
	ErrHostedElsewhere = errors.New("another instance holds this hosted server")
)

// Refusals of the backups and of the previous years (SPEC §6).
var (
	ErrBackupNotFound = fmt.Errorf("backup %w", ErrNotFound)
	// ErrBackupCorrupt is a backup whose stored file no longer matches its
	// checksum: it is neither opened nor served.
	ErrBackupCorrupt = errors.New("the stored file of this backup is corrupt")
	// ErrInstantOutOfRange is an instant in the future or past the 7 days
	// of "Ouvrir l'état à une date".
	ErrInstantOutOfRange = errors.New("the instant is outside the last 7 days")
	// ErrNothingAtInstant is an instant at which no base was in service.
	ErrNothingAtInstant = errors.New("no base was in service at that instant")
	// ErrYearMismatch is a base of another school year for a year of the
	// grid; the error says both years.
	ErrYearMismatch = errors.New("the base is of another school year")
	// ErrNotPreviousYear is a year outside the grid of previous years.
	ErrNotPreviousYear = errors.New("not a previous school year of the establishment")
	// ErrNothingToBackUp is "Sauvegarder maintenant" with no opened base.
	ErrNothingToBackUp = errors.New("no opened base to back up")
	// ErrInvalidRetention is a retention policy out of bounds.
	ErrInvalidRetention = errors.New("invalid retention policy")
)

// YearMismatchError is ErrYearMismatch with the two years.
type YearMismatchError struct {
	Base, Want hostfile.SchoolYear
}

func (e *YearMismatchError) Error() string {
	return fmt.Sprintf("%s: the base is of %s, not %s", ErrYearMismatch, e.Base, e.Want)
}

// Is makes a YearMismatchError an ErrYearMismatch.
func (e *YearMismatchError) Is(target error) bool { return target == ErrYearMismatch }

// InstantError is ErrInstantOutOfRange with why: in the future, or before
// Earliest.
type InstantError struct {
	Future   bool
	Earliest time.Time
}

func (e *InstantError) Error() string {
	if e.Future {
		return ErrInstantOutOfRange.Error() + ": in the future"
	}
	return fmt.Sprintf("%s: before %s", ErrInstantOutOfRange, e.Earliest.Format(time.RFC3339))
}

// Is makes an InstantError an ErrInstantOutOfRange.
func (e *InstantError) Is(target error) bool { return target == ErrInstantOutOfRange }

// NotPreviousYearError is ErrNotPreviousYear with the grid's years.
type NotPreviousYearError struct {
	First, Last hostfile.SchoolYear
}

func (e *NotPreviousYearError) Error() string {
	return fmt.Sprintf("%s: the grid goes from %s to %s", ErrNotPreviousYear, e.First, e.Last)
}

// Is makes a NotPreviousYearError an ErrNotPreviousYear.
func (e *NotPreviousYearError) Is(target error) bool { return target == ErrNotPreviousYear }

// Refusals of PRONOTE.net (SPEC §9).
var (
	ErrAlreadyPublished         = errors.New("the base is already published")
	ErrPublicationStopped       = errors.New("the publication is already stopped")
	ErrEspaceAlreadyPublished   = errors.New("the Espace is already published")
	ErrEspaceAlreadyUnpublished = errors.New("the Espace is already unpublished")
	// ErrPublished refuses a change of the authentication while the base
	// is published, as the original does.
	ErrPublished = errors.New("the authentication can only change while the publication is stopped")
	// ErrUnknownENT is an ENT that is not in the list.
	ErrUnknownENT = errors.New("unknown ENT")
	// ErrInvalidCASURL is a CAS server URL refused; the error is a
	// *CASURLError with the reason.
	ErrInvalidCASURL = errors.New("invalid CAS server URL")
)

// ErrPreVersionClosed is a pre-version asked for outside its window; the
// error is a *PreVersionError with the dates.
var ErrPreVersionClosed = errors.New("the pre-version cannot be asked for now")

// Refusals of the invitations (SPEC §3).
var (
	// ErrBadCode refuses an enrollment with an invitation code: a wrong
	// hosting number or a code that is not pending (unknown, used, expired,
	// cancelled), told alike so that the screen tells nothing about codes.
	// It is an ErrBadCredentials: a failed attempt of the lockout.
	ErrBadCode error = badCodeError{}
	// ErrInvitationNotFound is no invitation of the establishment with that
	// code or label.
	ErrInvitationNotFound = fmt.Errorf("invitation %w", ErrNotFound)
	// ErrInvitationUsed refuses to cancel an invitation already used.
	ErrInvitationUsed = errors.New("the invitation was already used")
	// ErrInvitationExpired refuses to cancel an invitation past its 24 hours.
	ErrInvitationExpired = errors.New("the invitation has expired")
	// ErrInvitationCancelled refuses to cancel an invitation twice.
	ErrInvitationCancelled = errors.New("the invitation is already cancelled")
	// ErrTooManyInvitations refuses a new invitation while
	// MaxPendingInvitations are pending.
	ErrTooManyInvitations = errors.New("too many pending invitations")
)

type badCodeError struct{}

func (badCodeError) Error() string { return "wrong hosting number or invitation code" }

// Is makes ErrBadCode an ErrBadCredentials.
func (badCodeError) Is(target error) bool { return target == ErrBadCredentials }
