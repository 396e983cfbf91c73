package hostfile

import "errors"

// Sentinel errors. Callers match them with errors.Is and map them to the
// French sentence the user reads; the wrapped message adds the detail
// (field, offset, sizes) that goes to the logs.
var (
	// ErrNotHostingFile means the bytes do not start with this format's
	// magic line, so the upload is some other file altogether.
	ErrNotHostingFile = errors.New("not a hosting file")
	// ErrUnsupportedVersion means the file is a hosting file written by a
	// newer (or unknown) version of the format that this program cannot read.
	ErrUnsupportedVersion = errors.New("unsupported hosting file format version")
	// ErrWrongKind means the file is a valid hosting file of another kind
	// than the one expected (e.g. a .HPHOTOS renamed to .HNOT).
	ErrWrongKind = errors.New("wrong kind of hosting file")
	// ErrMalformed means the header breaks a syntax or value rule; the
	// wrapped message names the field.
	ErrMalformed = errors.New("malformed hosting file header")
	// ErrTruncated means the file ends before the header, payload or
	// checksum trailer is complete (an interrupted upload, typically).
	ErrTruncated = errors.New("truncated hosting file")
	// ErrChecksum means the SHA-256 trailer does not match the content: a
	// byte was altered in the payload or in the trailer itself.
	ErrChecksum = errors.New("hosting file checksum mismatch")
	// ErrOtherHostingNumber means the file was generated for another
	// hosting contract than the one it is uploaded to.
	ErrOtherHostingNumber = errors.New("hosting file belongs to another hosting number")
	// ErrOtherBase means an annex was generated with another base than the
	// one it must complete.
	ErrOtherBase = errors.New("annex belongs to another base")
	// ErrOverQuota means the file (declared or actual size) does not fit in
	// the storage quota left.
	ErrOverQuota = errors.New("hosting file exceeds the storage quota")
	// ErrTrailingData means bytes follow the checksum trailer.
	ErrTrailingData = errors.New("data after the end of the hosting file")
	// ErrInvalidYear means a school year is not of the form "2026-2027"
	// with consecutive years between 2000 and 2099.
	ErrInvalidYear = errors.New("invalid school year")
	// ErrInvalidGrid means a timetable grid is inconsistent or outside the
	// supported values.
	ErrInvalidGrid = errors.New("invalid timetable grid")
	// ErrInvalidName means a file stem given to Generate is not a safe
	// single file name.
	ErrInvalidName = errors.New("invalid file name")
	// ErrInvalidSize means a size given by a person (ParseSize) or to
	// Generate is empty, negative, unparsable or too large.
	ErrInvalidSize = errors.New("invalid size")
)
