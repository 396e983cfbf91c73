package hostfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hebergement/console/backend/hostfile"
)

// corpusDir is the seed corpus of FuzzVerify, where go test finds it.
const corpusDir = "testdata/fuzz/FuzzVerify"

var writeCorpus = flag.Bool("write-corpus", false, "rewrite the FuzzVerify seed corpus in "+corpusDir)

// sentinels are every error Verify may wrap; anything else is a bug.
var sentinels = []error{
	hostfile.ErrNotHostingFile, hostfile.ErrUnsupportedVersion, hostfile.ErrWrongKind, hostfile.ErrMalformed,
	hostfile.ErrTruncated, hostfile.ErrChecksum, hostfile.ErrOtherHostingNumber, hostfile.ErrOtherBase,
	hostfile.ErrOverQuota, hostfile.ErrTrailingData,
}

// FuzzVerify feeds arbitrary bytes to Verify: it must never panic, refuse
// with one of its sentinels, give the same answer whatever the chunking,
// and, when it accepts, Write of the returned header and payload must
// reproduce the input byte for byte.
func FuzzVerify(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, sum, err := hostfile.Verify(bytes.NewReader(data), hostfile.Expect{})
		if got := feed(data, hostfile.Expect{}, 7); (got.err == "") != (err == nil) || (err != nil && got.err != err.Error()) || got.sum != sum {
			t.Fatalf("chunks of 7 give %q, one write %v", got.err, err)
		}
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			if sum != ([32]byte{}) {
				t.Fatal("sum set on a refused file")
			}
			return
		}
		if sum != sha256.Sum256(data) {
			t.Fatal("sum is not the SHA-256 of the file")
		}
		end := int64(len(data)) - hostfile.TrailerSize
		payload := data[end-h.PayloadSize : end]
		var out bytes.Buffer
		if _, err := hostfile.Write(&out, h, bytes.NewReader(payload)); err != nil {
			t.Fatalf("accepted header does not write back: %v\n%+v", err, h)
		}
		if !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("re-Write differs:\n got %q\nwant %q", out.Bytes(), data)
		}
	})
}

// isSentinel reports whether err wraps one of sentinels.
func isSentinel(err error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// seed is one corpus file: valid-* files must be accepted, the others refused.
type seed struct {
	name string
	data []byte
}

// seeds builds the seed corpus: small valid files of each kind and broken
// variants of them, each well under 4 KB once encoded.
func seeds(t testing.TB) []seed {
	base := build(t, sampleHeader(hostfile.KindBase, 48))
	hostile := sampleHeader(hostfile.KindLetters, 5)
	hostile.Establishment = "\x1b]0;pwn\x07\u202eÉcole\r"
	g := hostfile.Grid{Start: 7*60 + 45, End: 16*60 + 55, Slot: 55, Days: hostfile.DefaultGrid().Days[:3]}
	odd := sampleHeader(hostfile.KindBase, 16)
	odd.Grid = g
	hdr, payload, trailer := split(t, base)
	flip := func(at int) []byte { c := bytes.Clone(base); c[at] ^= 1; return c }
	return []seed{
		{"valid-base", base},
		{"valid-letters-hostile-name", build(t, hostile)},
		{"valid-attachments", build(t, sampleHeader(hostfile.KindAttachments, 32))},
		{"valid-photos-empty", build(t, sampleHeader(hostfile.KindPhotos, 0))},
		{"valid-base-55min-grid", build(t, odd)},
		{"broken-empty", []byte{}},
		{"broken-magic-prefix", []byte("HEBPRO")},
		{"broken-magic-flip", flip(3)},
		{"broken-header-flip", flip(len(hostfile.Magic) + 20)},
		{"broken-payload-flip", flip(len(hdr) + 5)},
		{"broken-trailer-flip", flip(len(base) - 1)},
		{"broken-truncated", base[:len(base)-10]},
		{"broken-trailing", append(bytes.Clone(base), 0)},
		{"broken-version-2", rewrite(t, base, "format=1", "format=2")},
		{"broken-grid-backwards", rewrite(t, base, "08:00-18:00", "18:00-08:00")},
		{"broken-year-backwards", rewrite(t, base, "2026-2027", "2026-2020")},
		{"broken-duplicate-key", rewrite(t, base, "year=2026-2027\n", "year=2026-2027\nyear=2026-2027\n")},
		{"broken-leading-zero", rewrite(t, base, "payload=48", "payload=048")},
		{"broken-no-trailer", append([]byte(hdr), payload...)},
		{"broken-zero-trailer", append(append([]byte(hdr), payload...), make([]byte, len(trailer))...)},
	}
}

// encodeCorpus renders data in the "go test fuzz v1" file format.
func encodeCorpus(data []byte) []byte {
	return fmt.Appendf(nil, "go test fuzz v1\n[]byte(%q)\n", data)
}

// decodeCorpus reads a one-[]byte "go test fuzz v1" file.
func decodeCorpus(b []byte) ([]byte, error) {
	s, ok := strings.CutPrefix(string(b), "go test fuzz v1\n[]byte(")
	if !ok {
		return nil, errors.New("not a go test fuzz v1 []byte file")
	}
	s, ok = strings.CutSuffix(strings.TrimRight(s, "\n"), ")")
	if !ok {
		return nil, errors.New("unterminated []byte(...)")
	}
	u, err := strconv.Unquote(s)
	if err != nil {
		return nil, fmt.Errorf("unquoting: %w", err)
	}
	return []byte(u), nil
}

// TestSeedCorpus keeps the checked-in corpus meaningful: it must hold every
// seed, valid-* accepted and the others refused. Run with -write-corpus to
// regenerate it after a format change.
func TestSeedCorpus(t *testing.T) {
	ss := seeds(t)
	if *writeCorpus {
		if err := os.MkdirAll(corpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if err := os.WriteFile(filepath.Join(corpusDir, s.name), encodeCorpus(s.data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, s := range ss {
		raw, err := os.ReadFile(filepath.Join(corpusDir, s.name))
		if err != nil {
			t.Fatalf("%v (run go test -run TestSeedCorpus -write-corpus)", err)
		}
		if len(raw) > 4096 {
			t.Errorf("%s: %d bytes, keep seeds under 4 KB", s.name, len(raw))
		}
		data, err := decodeCorpus(raw)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if !bytes.Equal(data, s.data) {
			t.Errorf("%s is stale (run go test -run TestSeedCorpus -write-corpus)", s.name)
		}
		_, _, err = hostfile.Verify(bytes.NewReader(data), hostfile.Expect{})
		if valid := strings.HasPrefix(s.name, "valid-"); valid != (err == nil) {
			t.Errorf("%s: err = %v", s.name, err)
		}
	}
}
