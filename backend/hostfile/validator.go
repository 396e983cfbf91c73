package hostfile

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Expect says what an upload must be, so a Validator can refuse a wrong file
// while it is still arriving instead of after it has been stored.
type Expect struct {
	Kind          Kind   // required kind (from the file's extension); "" = any
	HostingNumber string // "" = any
	BaseID        string // for annexes only: the base they must belong to; "" = any
	MaxSize       int64  // whole-file limit (storage quota left); 0 = none
}

// stage is where a Validator stands in the file.
type stage int

const (
	stageMagic stage = iota
	stageHeader
	stagePayload
	stageTrailer
	stageDone
)

// Validator checks a hosting file in one streaming pass while it is written
// to it (typically through an io.MultiWriter beside the temp file), hashing
// each byte once, so an upload is verified and content-addressed without a
// second read. Each check fires at the byte that decides it, so the outcome
// does not depend on how the stream is chunked. Write and Close belong to
// one goroutine; Header and Written may be called from any other while they
// run (a progress display, say).
type Validator struct {
	expect  Expect
	stage   stage
	err     error        // sticky: every later Write and Close return it
	written int64        // owned by the writing goroutine
	shown   atomic.Int64 // written, published for Written

	hash      hash.Hash
	headerLen int64  // bytes of magic and header consumed so far
	line      []byte // the partial header line carried over between writes
	keys      []string
	next      int // index in keys of the next expected key
	hdr       Header
	published atomic.Pointer[Header] // set once the header is complete

	remaining int64 // payload bytes still expected
	prefix    [32]byte
	trailer   [32]byte
	trailerN  int
	sum       [32]byte
}

// NewValidator starts checking a new file against e.
func NewValidator(e Expect) *Validator {
	return &Validator{expect: e, hash: sha256.New(), keys: annexKeys}
}

// Write consumes the next bytes of the file. It fails at the first byte
// that makes the file unacceptable (bad magic, a bad header line, the wrong
// kind, hosting number or base, a size over the quota, a checksum mismatch,
// bytes past the trailer) and returns the same error on every later call.
func (v *Validator) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	total := 0
	for len(p) > 0 {
		var n int
		var err error
		switch v.stage {
		case stageMagic, stageHeader:
			n, err = v.writeHeader(p)
		case stagePayload:
			n = int(min(int64(len(p)), v.remaining))
			v.hash.Write(p[:n])
			v.remaining -= int64(n)
			if v.remaining == 0 {
				v.enterTrailer()
			}
		case stageTrailer:
			n = copy(v.trailer[v.trailerN:], p)
			v.hash.Write(p[:n])
			v.trailerN += n
			if v.trailerN == TrailerSize {
				v.stage = stageDone
				v.hash.Sum(v.sum[:0])
				if v.trailer != v.prefix {
					err = fmt.Errorf("%w: trailer %x, content hashes to %x", ErrChecksum, v.trailer[:], v.prefix[:])
				}
			}
		case stageDone:
			err = fmt.Errorf("%w: at offset %d", ErrTrailingData, v.written)
		}
		total += n
		v.written += int64(n)
		p = p[n:]
		if err != nil {
			v.err = err
			v.shown.Store(v.written)
			return total, err
		}
	}
	v.shown.Store(v.written)
	return total, nil
}

// writeHeader consumes magic and header bytes from p, stopping at the end
// of the header, and returns how many it used.
func (v *Validator) writeHeader(p []byte) (int, error) {
	if q := v.expect.MaxSize; q > 0 {
		if v.written >= q {
			return 0, fmt.Errorf("%w: more than the %d bytes allowed before the header ends", ErrOverQuota, q)
		}
		if int64(len(p)) > q-v.written {
			p = p[:q-v.written]
		}
	}
	if room := MaxHeaderSize - v.headerLen; int64(len(p)) > room {
		p = p[:room]
	}
	used := 0
	if v.stage == stageMagic {
		n := min(len(p), len(Magic)-int(v.headerLen))
		for i := range n { // at most 11 bytes, once per file
			if p[i] != Magic[int(v.headerLen)+i] {
				v.hash.Write(p[:i])
				v.headerLen += int64(i)
				return i, fmt.Errorf("%w: the file does not start with %q", ErrNotHostingFile, strings.TrimSpace(Magic))
			}
		}
		v.hash.Write(p[:n])
		v.headerLen += int64(n)
		used = n
		if v.headerLen < int64(len(Magic)) {
			return used, nil
		}
		v.stage = stageHeader
	}
	for used < len(p) {
		rest := p[used:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			v.line = append(v.line, rest...)
			v.hash.Write(rest)
			v.headerLen += int64(len(rest))
			used = len(p)
			break
		}
		line := rest[:i]
		if len(v.line) > 0 {
			v.line = append(v.line, line...)
			line = v.line
		}
		v.hash.Write(rest[:i+1])
		v.headerLen += int64(i + 1)
		used += i + 1
		err := v.headerLine(line)
		v.line = v.line[:0]
		if err != nil {
			return used, err
		}
		if v.stage != stageHeader {
			return used, nil
		}
	}
	if v.headerLen == MaxHeaderSize {
		return used, fmt.Errorf("%w: header longer than %d bytes", ErrMalformed, MaxHeaderSize)
	}
	return used, nil
}

// headerLine checks one complete header line (without its newline) against
// the key the format expects next.
func (v *Validator) headerLine(line []byte) error {
	if v.next == len(v.keys) {
		if len(line) != 0 {
			return v.misplaced(line)
		}
		return v.endHeader()
	}
	want := v.keys[v.next]
	if len(line) == 0 {
		return malformed(want, errors.New("missing (the header ends early)"))
	}
	key, val, ok := bytes.Cut(line, []byte("="))
	if !ok || string(key) != want {
		return v.misplaced(line)
	}
	if err := v.headerValue(want, string(val)); err != nil {
		return err
	}
	v.next++
	return nil
}

// misplaced explains why a line is not the one expected: unknown, repeated,
// out of order or not a key=value line.
func (v *Validator) misplaced(line []byte) error {
	key, _, ok := bytes.Cut(line, []byte("="))
	where := "the empty line ending the header"
	if v.next < len(v.keys) {
		where = "key " + strconv.Quote(v.keys[v.next])
	}
	k := string(key)
	switch i := slices.Index(baseKeys, k); {
	case !ok:
		return fmt.Errorf("%w: line %s is not key=value (expected %s)", ErrMalformed, quote(string(line)), where)
	case i < 0:
		return fmt.Errorf("%w: unknown key %s (expected %s)", ErrMalformed, quote(k), where)
	case k == keyGrid && v.hdr.Kind.IsAnnex():
		return malformed(keyGrid, fmt.Errorf("an annex has no grid"))
	case slices.Contains(v.keys[:v.next], k):
		return malformed(k, fmt.Errorf("duplicate key (expected %s)", where))
	default:
		return malformed(k, fmt.Errorf("out of order (expected %s)", where))
	}
}

// headerValue parses and checks the value of key, then applies Expect as
// soon as the field that decides it is known.
func (v *Validator) headerValue(key, val string) error {
	h := &v.hdr
	switch key {
	case keyFormat:
		n, err := parseCount(val, math32)
		if err != nil {
			return malformed(key, err)
		}
		if n != Version {
			return fmt.Errorf("%w: format %d, this program reads %d", ErrUnsupportedVersion, n, Version)
		}
		h.Version = int(n)
	case keyKind:
		h.Kind = Kind(val)
		if !h.Kind.valid() {
			return malformed(key, fmt.Errorf("unknown kind %s", quote(val)))
		}
		if h.Kind == KindBase {
			v.keys = baseKeys
		}
		if e := v.expect.Kind; e != "" && e != h.Kind {
			return fmt.Errorf("%w: the file holds %s (%s), expected %s (%s)", ErrWrongKind, h.Kind, h.Kind.Label(), e, e.Label())
		}
	case keyHosting:
		if err := checkHosting(val); err != nil {
			return malformed(key, err)
		}
		h.HostingNumber = val
		if e := v.expect.HostingNumber; e != "" && e != val {
			return fmt.Errorf("%w: file for %s, uploaded to %s", ErrOtherHostingNumber, val, quote(e))
		}
	case keyYear:
		y, err := ParseSchoolYear(val)
		if err != nil {
			return malformed(key, err)
		}
		if y.String() != val {
			return malformed(key, fmt.Errorf("%s: not canonical", quote(val)))
		}
		h.Year = y
	case keyBase:
		if err := checkBaseID(val); err != nil {
			return malformed(key, err)
		}
		h.BaseID = val
		if e := v.expect.BaseID; e != "" && h.Kind.IsAnnex() && e != val {
			return fmt.Errorf("%w: %s annex of base %s, expected base %s", ErrOtherBase, h.Kind.Label(), val, quote(e))
		}
	case keyEstablishment:
		if err := checkEstablishment(val); err != nil {
			return malformed(key, err)
		}
		h.Establishment = val
	case keyGenerated:
		t, err := time.Parse(time.RFC3339, val)
		if err != nil {
			return malformed(key, fmt.Errorf("%s: want an RFC 3339 UTC time", quote(val)))
		}
		if err := checkGenerated(t); err != nil {
			return malformed(key, err)
		}
		if t.UTC().Format(time.RFC3339) != val {
			return malformed(key, fmt.Errorf("%s: want UTC, whole seconds, ending in Z", quote(val)))
		}
		h.Generated = t.UTC()
	case keyStudents, keyTeachers, keyClasses:
		n, err := parseCount(val, maxCount)
		if err != nil {
			return malformed(key, err)
		}
		switch key {
		case keyStudents:
			h.Students = int(n)
		case keyTeachers:
			h.Teachers = int(n)
		default:
			h.Classes = int(n)
		}
	case keyGrid:
		g, err := ParseGrid(val)
		if err != nil {
			return malformed(key, err)
		}
		h.Grid = g
	case keyPayload:
		n, err := parseCount(val, MaxPayloadSize)
		if err != nil {
			return malformed(key, err)
		}
		h.PayloadSize = n
	}
	return nil
}

// math32 bounds the format version number.
const math32 = 1<<31 - 1

// endHeader is called on the empty line: the header is complete, so the
// declared size is checked against the quota and the payload begins.
func (v *Validator) endHeader() error {
	h := v.hdr
	v.published.Store(&h)
	v.remaining = v.hdr.PayloadSize
	v.stage = stagePayload
	if q := v.expect.MaxSize; q > 0 {
		if total := v.headerLen + v.hdr.PayloadSize + TrailerSize; total > q {
			return fmt.Errorf("%w: the file declares %d bytes, %d allowed", ErrOverQuota, total, q)
		}
	}
	if v.remaining == 0 {
		v.enterTrailer()
	}
	return nil
}

// enterTrailer records the digest of everything before the trailer; Sum on
// the running hash leaves it intact, so the trailer is then hashed on top
// for the whole-file sum.
func (v *Validator) enterTrailer() {
	v.hash.Sum(v.prefix[:0])
	v.stage = stageTrailer
}

// Header returns the parsed header once it is complete, so a caller can
// show what is being uploaded (kind, year, size) before the end.
func (v *Validator) Header() (Header, bool) {
	h := v.published.Load()
	if h == nil {
		return Header{}, false
	}
	return *h, true
}

// Written returns how many bytes were accepted so far, for progress.
func (v *Validator) Written() int64 { return v.shown.Load() }

// Close ends the stream: it reports ErrTruncated if the file stopped short,
// or the error an earlier Write returned. The header comes back whenever it
// was parsed, even with an error, for diagnostics.
func (v *Validator) Close() (Header, error) {
	if v.err == nil {
		switch v.stage {
		case stageMagic:
			if v.written == 0 {
				v.err = fmt.Errorf("%w: empty file", ErrNotHostingFile)
			} else {
				v.err = fmt.Errorf("%w: %d bytes, ends inside the magic line", ErrTruncated, v.written)
			}
		case stageHeader:
			v.err = fmt.Errorf("%w: %d bytes, ends inside the header", ErrTruncated, v.written)
		case stagePayload:
			v.err = fmt.Errorf("%w: payload holds %d of %d bytes", ErrTruncated, v.hdr.PayloadSize-v.remaining, v.hdr.PayloadSize)
		case stageTrailer:
			v.err = fmt.Errorf("%w: checksum trailer holds %d of %d bytes", ErrTruncated, v.trailerN, TrailerSize)
		}
	}
	h, _ := v.Header()
	return h, v.err
}

// Sum returns the SHA-256 of the whole file, trailer included, after a
// successful Close: the content address, computed in the same pass as the
// check. It is zero otherwise.
func (v *Validator) Sum() [32]byte {
	if v.err != nil || v.stage != stageDone {
		return [32]byte{}
	}
	return v.sum
}

// Verify checks a whole file read from r, for callers that already hold it
// (a stored file, a test); it returns the header and the whole-file SHA-256.
func Verify(r io.Reader, e Expect) (Header, [32]byte, error) {
	v := NewValidator(e)
	var err error
	if wt, ok := r.(io.WriterTo); ok { // a bytes.Reader needs no buffer
		_, err = wt.WriteTo(v)
	} else {
		_, err = io.CopyBuffer(v, r, make([]byte, 1<<20))
	}
	if err != nil {
		h, _ := v.Header()
		if v.err != nil {
			return h, [32]byte{}, err
		}
		return h, [32]byte{}, fmt.Errorf("hostfile: reading: %w", err)
	}
	h, err := v.Close()
	return h, v.Sum(), err
}
