package hostfile

import (
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Format constants. They are part of the documented format (see the package
// documentation) and change only with a new format version.
const (
	// Version is the format version this package writes and reads.
	Version = 1
	// Magic is the first line of every hosting file.
	Magic = "HEBPRONOTE\n"
	// MaxHeaderSize bounds magic plus header, so a reader never buffers more
	// than this before it knows what the file is.
	MaxHeaderSize = 64 << 10
	// MaxPayloadSize bounds the declared payload (1 TiB), far above any real
	// base, so that sizes never overflow.
	MaxPayloadSize = 1 << 40
	// TrailerSize is the length of the raw SHA-256 trailer.
	TrailerSize = 32
	// maxCount bounds students, teachers and classes.
	maxCount = math.MaxInt32
)

// Header keys, in the order a file must give them.
const (
	keyFormat        = "format"
	keyKind          = "kind"
	keyHosting       = "hosting"
	keyYear          = "year"
	keyBase          = "base"
	keyEstablishment = "establishment"
	keyGenerated     = "generated"
	keyStudents      = "students"
	keyTeachers      = "teachers"
	keyClasses       = "classes"
	keyGrid          = "grid"
	keyPayload       = "payload"
)

// baseKeys and annexKeys give the key order of a base and of an annex
// (annexes have no grid).
var (
	baseKeys  = []string{keyFormat, keyKind, keyHosting, keyYear, keyBase, keyEstablishment, keyGenerated, keyStudents, keyTeachers, keyClasses, keyGrid, keyPayload}
	annexKeys = []string{keyFormat, keyKind, keyHosting, keyYear, keyBase, keyEstablishment, keyGenerated, keyStudents, keyTeachers, keyClasses, keyPayload}
)

// Header is what a hosting file says about itself; the server reads it to
// file the upload under the right contract, base and year before trusting
// the payload.
type Header struct {
	Kind          Kind
	Version       int    // format version; Write treats 0 as Version
	HostingNumber string // 12 digits
	Year          SchoolYear
	BaseID        string // 32 lowercase hex digits; for an annex, its base's id
	Establishment string // any UTF-8 but newline and NUL; untrusted text
	Generated     time.Time
	Students      int
	Teachers      int
	Classes       int
	Grid          Grid // zero for annexes
	PayloadSize   int64
}

// NewBaseID draws a fresh base id (16 random bytes, hex) so that annexes
// can name the base they were generated with; r is usually crypto/rand.Reader.
func NewBaseID(r io.Reader) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("hostfile: drawing a base id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// Validate is the check Write runs before writing anything, so a file this
// package writes is always one it accepts back.
func (h Header) Validate() error {
	v := h.Version
	if v == 0 {
		v = Version
	}
	if v != Version {
		return fmt.Errorf("%w: version %d, this program writes %d", ErrUnsupportedVersion, h.Version, Version)
	}
	if !h.Kind.valid() {
		return malformed(keyKind, fmt.Errorf("unknown kind %s", quote(string(h.Kind))))
	}
	if err := checkHosting(h.HostingNumber); err != nil {
		return malformed(keyHosting, err)
	}
	if err := h.Year.validate(); err != nil {
		return malformed(keyYear, err)
	}
	if err := checkBaseID(h.BaseID); err != nil {
		return malformed(keyBase, err)
	}
	if err := checkEstablishment(h.Establishment); err != nil {
		return malformed(keyEstablishment, err)
	}
	if err := checkGenerated(h.Generated); err != nil {
		return malformed(keyGenerated, err)
	}
	for _, c := range []struct {
		key string
		n   int
	}{{keyStudents, h.Students}, {keyTeachers, h.Teachers}, {keyClasses, h.Classes}} {
		if c.n < 0 || c.n > maxCount {
			return malformed(c.key, fmt.Errorf("%d out of range 0..%d", c.n, maxCount))
		}
	}
	if h.Kind.IsAnnex() {
		if !h.Grid.isZero() {
			return malformed(keyGrid, fmt.Errorf("an annex has no grid"))
		}
	} else if err := h.Grid.Validate(); err != nil {
		return malformed(keyGrid, err)
	}
	if h.PayloadSize < 0 || h.PayloadSize > MaxPayloadSize {
		return malformed(keyPayload, fmt.Errorf("%d out of range 0..%d", h.PayloadSize, int64(MaxPayloadSize)))
	}
	if n := len(h.appendHeader(nil)); n > MaxHeaderSize {
		return fmt.Errorf("%w: header of %d bytes exceeds %d", ErrMalformed, n, MaxHeaderSize)
	}
	return nil
}

// malformed wraps a field error under ErrMalformed, naming the field.
func malformed(key string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformed, key, err)
}

// appendHeader appends magic and header (up to and including the empty
// line) to b, in the canonical form readers require.
func (h Header) appendHeader(b []byte) []byte {
	line := func(k, v string) {
		b = append(b, k...)
		b = append(b, '=')
		b = append(b, v...)
		b = append(b, '\n')
	}
	b = append(b, Magic...)
	line(keyFormat, strconv.Itoa(Version))
	line(keyKind, string(h.Kind))
	line(keyHosting, h.HostingNumber)
	line(keyYear, h.Year.String())
	line(keyBase, h.BaseID)
	line(keyEstablishment, h.Establishment)
	line(keyGenerated, h.Generated.UTC().Format(time.RFC3339))
	line(keyStudents, strconv.Itoa(h.Students))
	line(keyTeachers, strconv.Itoa(h.Teachers))
	line(keyClasses, strconv.Itoa(h.Classes))
	if !h.Kind.IsAnnex() {
		line(keyGrid, h.Grid.String())
	}
	line(keyPayload, strconv.FormatInt(h.PayloadSize, 10))
	return append(b, '\n')
}

// checkHosting requires exactly 12 ASCII digits.
func checkHosting(s string) error {
	if len(s) != 12 || !allDigits(s) {
		return fmt.Errorf("%s: want 12 digits", quote(s))
	}
	return nil
}

// checkBaseID requires exactly 32 lowercase hex digits.
func checkBaseID(s string) error {
	if len(s) != 32 {
		return fmt.Errorf("%s: want 32 lowercase hex digits", quote(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%s: want 32 lowercase hex digits", quote(s))
		}
	}
	return nil
}

// checkEstablishment requires non-empty valid UTF-8 without newline or NUL;
// everything else is kept as is (the console sanitizes it for display).
func checkEstablishment(s string) error {
	if s == "" {
		return fmt.Errorf("empty")
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("not valid UTF-8")
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] == '\n' {
			return fmt.Errorf("holds a NUL or newline")
		}
	}
	return nil
}

// checkGenerated requires a time that RFC 3339 can write with a four-digit
// year, from 2000 on.
func checkGenerated(t time.Time) error {
	if y := t.UTC().Year(); y < 2000 || y > 9999 {
		return fmt.Errorf("year %d out of range 2000..9999", y)
	}
	return nil
}

// parseCount reads a canonical non-negative decimal (no sign, no leading
// zero) not above max.
func parseCount(s string, max int64) (int64, error) {
	if !allDigits(s) || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%s: want a decimal number without sign or leading zero", quote(s))
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > max {
		return 0, fmt.Errorf("%s: above %d", quote(s), max)
	}
	return n, nil
}
