package hostfile

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
)

// writeBufSize is the chunk Write hashes and hands to its writer.
const writeBufSize = 1 << 20

// Write writes a whole hosting file to w: the header, exactly h.PayloadSize
// bytes read from payload, and the SHA-256 trailer. It validates h first so
// nothing unreadable is ever produced, hashes and writes in one buffered
// pass, and returns the number of bytes written. A payload reader that ends
// early gives ErrTruncated (w then holds a partial file); bytes past
// h.PayloadSize are not read. h.Generated is written in UTC, to the second.
func Write(w io.Writer, h Header, payload io.Reader) (int64, error) {
	if h.Version == 0 {
		h.Version = Version
	}
	if err := h.Validate(); err != nil {
		return 0, err
	}
	hdr := h.appendHeader(nil)
	size := min(int64(len(hdr))+h.PayloadSize+TrailerSize, writeBufSize)
	buf := make([]byte, 0, max(size, int64(len(hdr)))) // the header (<= 64 KiB) always fits
	buf = append(buf, hdr...)
	sum := sha256.New()
	remaining := h.PayloadSize
	var written int64
	flush := func() error {
		n, err := w.Write(buf)
		written += int64(n)
		if err != nil {
			return fmt.Errorf("hostfile: writing: %w", err)
		}
		buf = buf[:0]
		return nil
	}
	for {
		if n := min(int64(cap(buf)-len(buf)), remaining); n > 0 {
			k, err := io.ReadFull(payload, buf[len(buf):len(buf)+int(n)])
			buf = buf[:len(buf)+k]
			remaining -= int64(k)
			if err != nil {
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					err = fmt.Errorf("%w: the payload reader gave %d of %d bytes", ErrTruncated, h.PayloadSize-remaining, h.PayloadSize)
				} else {
					err = fmt.Errorf("hostfile: reading the payload: %w", err)
				}
				if ferr := flush(); ferr != nil {
					return written, ferr
				}
				return written, err
			}
		}
		sum.Write(buf)
		if remaining == 0 && cap(buf)-len(buf) >= TrailerSize {
			buf = sum.Sum(buf)
			return written, flush()
		}
		if err := flush(); err != nil {
			return written, err
		}
		if remaining == 0 {
			buf = sum.Sum(buf)
			return written, flush()
		}
	}
}

// Payload returns n deterministic, incompressible pseudo-random bytes
// derived from seed (a base id, usually), so test and demo files of any size
// cost no storage and are reproducible. It streams at about 1 GB/s.
func Payload(seed string, n int64) io.Reader {
	return &payloadReader{rng: mrand.NewChaCha8(sha256.Sum256([]byte("hostfile payload v1\x00" + seed))), left: n}
}

// payloadReader is the reader Payload returns.
type payloadReader struct {
	rng  *mrand.ChaCha8
	left int64
}

// Read fills p from the ChaCha8 stream until n bytes have been given.
func (r *payloadReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, _ := r.rng.Read(p) // ChaCha8.Read always fills p
	r.left -= int64(n)
	return n, nil
}
