package hostfile_test

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/hostfile"
)

const (
	testHosting = "123456789012"
	testBase    = "0123456789abcdef0123456789abcdef"
	otherBase   = "fedcba9876543210fedcba9876543210"
)

// sampleHeader returns a valid header of kind k with the given payload size.
func sampleHeader(k hostfile.Kind, size int64) hostfile.Header {
	h := hostfile.Header{
		Kind:          k,
		Version:       hostfile.Version,
		HostingNumber: testHosting,
		Year:          2026,
		BaseID:        testBase,
		Establishment: "Collège Jean Moulin",
		Generated:     time.Date(2026, 6, 30, 14, 5, 0, 0, time.UTC),
		PayloadSize:   size,
	}
	if !k.IsAnnex() {
		h.Students, h.Teachers, h.Classes = 812, 64, 31
		h.Grid = hostfile.DefaultGrid()
	}
	return h
}

// build writes a whole file for h with a Payload stream.
func build(t testing.TB, h hostfile.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	n, err := hostfile.Write(&buf, h, hostfile.Payload(h.BaseID, h.PayloadSize))
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n != int64(buf.Len()) {
		t.Fatalf("Write returned %d, wrote %d", n, buf.Len())
	}
	return buf.Bytes()
}

// split returns the header text (magic to empty line), payload and trailer
// of a valid file.
func split(t testing.TB, file []byte) (header string, payload, trailer []byte) {
	t.Helper()
	i := bytes.Index(file, []byte("\n\n"))
	if i < 0 {
		t.Fatal("no end of header")
	}
	return string(file[:i+2]), file[i+2 : len(file)-32], file[len(file)-32:]
}

// seal appends a correct SHA-256 trailer to header+payload, so a test of a
// header rule is not masked by a checksum error.
func seal(header string, payload []byte) []byte {
	b := append([]byte(header), payload...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

// rewrite applies a textual edit to the header of a valid file and reseals it.
func rewrite(t testing.TB, file []byte, old, new string) []byte {
	t.Helper()
	hdr, payload, _ := split(t, file)
	if !strings.Contains(hdr, old) {
		t.Fatalf("header lacks %q", old)
	}
	return seal(strings.Replace(hdr, old, new, 1), payload)
}

// outcome is everything a validation run reports, for comparisons.
type outcome struct {
	header  hostfile.Header
	hasHdr  bool
	err     string
	sum     [32]byte
	written int64
}

// feed runs a Validator over data in chunks of n bytes (0 = one write).
func feed(data []byte, e hostfile.Expect, n int) outcome {
	v := hostfile.NewValidator(e)
	if n <= 0 {
		n = len(data) + 1
	}
	for len(data) > 0 {
		k := min(n, len(data))
		w, err := v.Write(data[:k])
		if err != nil {
			if w > k {
				panic("wrote more than given")
			}
			break
		}
		if w != k {
			panic("short write without error")
		}
		data = data[k:]
	}
	var o outcome
	_, err := v.Close()
	if err != nil {
		o.err = err.Error()
	}
	o.header, o.hasHdr = v.Header()
	o.sum = v.Sum()
	o.written = v.Written()
	return o
}

// allKinds lists the kinds in the order Generate returns them.
var allKinds = []hostfile.Kind{hostfile.KindBase, hostfile.KindLetters, hostfile.KindAttachments, hostfile.KindPhotos}
