package backend

import (
	"context"
	"errors"
	"io"
	"sync/atomic"

	"github.com/hebergement/console/backend/hostfile"
)

// The labels of the back end's counters, in the order of Stats' arrays.
var (
	// LoginVias are where a password is checked: the console's login form,
	// and the enrollment screen of an SSH key.
	LoginVias = [numVias]string{"console", "ssh_enrollment"}
	// LoginOutcomes are the outcomes of a credentials check.
	LoginOutcomes = [numLoginOutcomes]string{"ok", "bad_credentials", "bad_invoice", "invoice_asked", "locked", "throttled", "refused", "error"}
	// UploadKinds are "Charger une base" and "Compléter la base hébergée".
	UploadKinds = [numUploadKinds]string{"base", "annex"}
	// UploadOutcomes: stored; refused by a rule (format, quota, duplicate,
	// role…); interrupted (the client left or the upload was cancelled); or
	// failed on the server's side.
	UploadOutcomes = [numUploadOutcomes]string{"ok", "refused", "interrupted", "error"}
	// ConnectionOutcomes are the answers to a client connecting to a
	// hosted server: admitted, refused for lack of a licence, refused
	// because the server is not in service, or because it holds
	// seats.MaxConns connections.
	ConnectionOutcomes = [numConnOutcomes]string{"admitted", "no_licence", "not_in_service", "full"}
)

const (
	connAdmitted = iota
	connRefused
	connNotInService
	connFull
	numConnOutcomes
)

const (
	viaConsole = iota
	viaEnrollment
	numVias
)

const (
	loginOK = iota
	loginBadCredentials
	loginBadInvoice
	loginInvoiceAsked
	loginLocked
	loginThrottled
	loginRefused
	loginError
	numLoginOutcomes
)

const (
	uploadBase = iota
	uploadAnnex
	numUploadKinds
)

const (
	uploadOK = iota
	uploadRefused
	uploadInterrupted
	uploadError
	numUploadOutcomes
)

// Stats are the back end's counters since it opened, for the metrics
// listener. Each is counted once, where its outcome is decided (Login,
// Enroll, LoadBase, AttachAnnex).
type Stats struct {
	// Logins counts credentials checks by LoginVias and LoginOutcomes.
	Logins [numVias][numLoginOutcomes]int64
	// Uploads counts loads by UploadKinds and UploadOutcomes.
	Uploads [numUploadKinds][numUploadOutcomes]int64
	// BytesReceived counts the bytes read from uploads by UploadKinds,
	// refused and interrupted ones included.
	BytesReceived [numUploadKinds]int64
	// Connections counts the connection requests by ConnectionOutcomes.
	Connections [numConnOutcomes]int64
	// Changes counts the changes written to bases in service.
	Changes int64
	// Held is the connections held now.
	Held int64
}

// counters are the live, atomic form of Stats.
type counters struct {
	logins  [numVias][numLoginOutcomes]atomic.Int64
	uploads [numUploadKinds][numUploadOutcomes]atomic.Int64
	bytes   [numUploadKinds]atomic.Int64
	conns   [numConnOutcomes]atomic.Int64
	changes atomic.Int64
}

// connection counts the outcome of a connection request; a malformed
// one (unknown number, bad field) is not counted.
func (c *counters) connection(o int) {
	if o >= 0 {
		c.conns[o].Add(1)
	}
}

func connOutcome(err error) int {
	var seat *SeatError
	switch {
	case err == nil:
		return connAdmitted
	case errors.As(err, &seat) && seat.Full:
		return connFull
	case errors.As(err, &seat):
		return connRefused
	case errors.Is(err, ErrNotInService):
		return connNotInService
	}
	return -1
}

// Stats reads the counters.
func (b *Backend) Stats() Stats {
	var s Stats
	for v := range numVias {
		for o := range numLoginOutcomes {
			s.Logins[v][o] = b.stats.logins[v][o].Load()
		}
	}
	for k := range numUploadKinds {
		for o := range numUploadOutcomes {
			s.Uploads[k][o] = b.stats.uploads[k][o].Load()
		}
		s.BytesReceived[k] = b.stats.bytes[k].Load()
	}
	for o := range numConnOutcomes {
		s.Connections[o] = b.stats.conns[o].Load()
	}
	s.Changes = b.stats.changes.Load()
	s.Held = int64(b.seats.Total())
	return s
}

// login counts the outcome of a credentials check.
func (c *counters) login(via int, err error) {
	var locked *LockedError
	o := loginError
	switch {
	case err == nil:
		o = loginOK
	case errors.Is(err, ErrBadCredentials):
		o = loginBadCredentials
	case errors.Is(err, ErrBadInvoice):
		o = loginBadInvoice
	case errors.Is(err, ErrInvoiceRequired):
		o = loginInvoiceAsked
	case errors.As(err, &locked):
		o = loginLocked
	case errors.Is(err, ErrThrottled):
		o = loginThrottled
	case errors.Is(err, ErrKeyTaken), errors.Is(err, ErrInvalidInput):
		o = loginRefused
	}
	c.logins[via][o].Add(1)
}

// upload counts the bytes of *r as they are read, replacing *r, and returns
// the function that counts the outcome *err when the load returns:
//
//	defer s.b.stats.upload(uploadBase, &r, &err)()
func (c *counters) upload(kind int, r *io.Reader, err *error) func() {
	*r = &countingReader{r: *r, n: &c.bytes[kind]}
	return func() { c.uploads[kind][uploadOutcome(*err)].Add(1) }
}

func uploadOutcome(err error) int {
	switch {
	case err == nil:
		return uploadOK
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, ErrReadFailed):
		return uploadInterrupted
	}
	for _, refusal := range uploadRefusals {
		if errors.Is(err, refusal) {
			return uploadRefused
		}
	}
	return uploadError
}

// uploadRefusals are the errors by which a rule refuses a file.
var uploadRefusals = []error{
	hostfile.ErrNotHostingFile, hostfile.ErrUnsupportedVersion, hostfile.ErrWrongKind, hostfile.ErrMalformed,
	hostfile.ErrTruncated, hostfile.ErrChecksum, hostfile.ErrOtherHostingNumber, hostfile.ErrOtherBase,
	hostfile.ErrOverQuota, hostfile.ErrTrailingData, hostfile.ErrInvalidYear, hostfile.ErrInvalidGrid,
	ErrDuplicateBase, ErrNoBaseInService, ErrNotBaseFile, ErrNotAnnex, ErrWrongExtension, ErrInvalidFileName,
	ErrInvalidInput, ErrForbidden, ErrKeyRevoked, ErrNotFound,
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
