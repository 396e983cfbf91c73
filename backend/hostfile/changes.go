package hostfile

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ChangesMagic opens the footer of a changes block.
const ChangesMagic = "HEBSAISIES/v1\x00\x00\x00"

// ChangesFooterSize is the length of the footer of a changes block.
const ChangesFooterSize = 32

// changeRecordFixed is a record's size without its three texts.
const changeRecordFixed = 8 + 3*4

// ChangeRecordSize is the length of a change's record in a changes block.
// The store keeps the sum per base with every append, which makes a
// backup's size known without reading its changes.
func ChangeRecordSize(connection, author, what string) int64 {
	return changeRecordFixed + int64(len(connection)+len(author)+len(what))
}

// Change is a change as a changes block records it.
type Change struct {
	At         time.Time
	Connection string
	Author     string
	What       string
}

// AppendChange appends c's record to dst.
func AppendChange(dst []byte, c Change) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(c.At.UnixMilli()))
	for _, s := range []string{c.Connection, c.Author, c.What} {
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(s)))
		dst = append(dst, s...)
	}
	return dst
}

// AppendChangesFooter appends the footer of a block that follows a
// generated payload of payload bytes and holds count changes.
func AppendChangesFooter(dst []byte, payload, count int64) []byte {
	dst = append(dst, ChangesMagic...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(payload))
	return binary.BigEndian.AppendUint64(dst, uint64(count))
}

// ErrNoChangesBlock is a payload that does not end with a changes block.
var ErrNoChangesBlock = errors.New("hostfile: no changes block")

// ReadChanges reads the changes block at the end of a whole payload: the
// generated payload's length and the changes, oldest first.
func ReadChanges(payload []byte) (int64, []Change, error) {
	if len(payload) < ChangesFooterSize || string(payload[len(payload)-ChangesFooterSize:][:16]) != ChangesMagic {
		return 0, nil, ErrNoChangesBlock
	}
	foot := payload[len(payload)-ChangesFooterSize+16:]
	base, count := binary.BigEndian.Uint64(foot), binary.BigEndian.Uint64(foot[8:])
	end := uint64(len(payload) - ChangesFooterSize)
	if base > end {
		return 0, nil, fmt.Errorf("%w: generated payload of %d bytes in %d", ErrNoChangesBlock, base, end)
	}
	b := payload[base:end]
	var out []Change
	for len(b) > 0 {
		if len(b) < changeRecordFixed {
			return 0, nil, fmt.Errorf("%w: record cut short", ErrNoChangesBlock)
		}
		c := Change{At: time.UnixMilli(int64(binary.BigEndian.Uint64(b))).UTC()}
		b = b[8:]
		for _, dst := range []*string{&c.Connection, &c.Author, &c.What} {
			if len(b) < 4 || uint64(len(b)-4) < uint64(binary.BigEndian.Uint32(b)) {
				return 0, nil, fmt.Errorf("%w: record cut short", ErrNoChangesBlock)
			}
			n := binary.BigEndian.Uint32(b)
			*dst, b = string(b[4:4+n]), b[4+n:]
		}
		out = append(out, c)
	}
	if uint64(len(out)) != count {
		return 0, nil, fmt.Errorf("%w: %d records, the footer says %d", ErrNoChangesBlock, len(out), count)
	}
	return int64(base), out, nil
}

// AppendHeader appends h's magic and header, as Write writes them, after
// validating h; a changes block's export writes its header this way.
func AppendHeader(dst []byte, h Header) ([]byte, error) {
	if h.Version == 0 {
		h.Version = Version
	}
	if err := h.Validate(); err != nil {
		return dst, err
	}
	return h.appendHeader(dst), nil
}

// ReadHeader reads the magic and header at the start of r, without the
// payload; it returns the header and its length in bytes (magic and empty
// line included). The bytes after the header are not read further than the
// buffer of one read.
func ReadHeader(r io.Reader, e Expect) (Header, int64, error) {
	v := NewValidator(e)
	buf := make([]byte, 4096)
	for read := 0; read < MaxHeaderSize+len(buf); {
		n, err := r.Read(buf)
		read += n
		if _, werr := v.Write(buf[:n]); werr != nil {
			if h, ok := v.Header(); ok && errors.Is(werr, ErrChecksum) {
				return h, int64(len(h.appendHeader(nil))), nil
			}
			return Header{}, 0, werr
		}
		if h, ok := v.Header(); ok {
			return h, int64(len(h.appendHeader(nil))), nil
		}
		if err != nil {
			_, cerr := v.Close()
			if cerr == nil {
				cerr = err
			}
			return Header{}, 0, cerr
		}
	}
	return Header{}, 0, fmt.Errorf("%w: header too long", ErrMalformed)
}
