package hostfile_test

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"

	"github.com/hebergement/console/backend/hostfile"
)

// benchFile is a 64 MiB hosting file held in memory.
func benchFile(b *testing.B) []byte {
	b.Helper()
	return build(b, sampleHeader(hostfile.KindBase, 64<<20))
}

// BenchmarkValidate measures the streaming check as an upload sees it:
// 1 MiB writes. Compare with BenchmarkSHA256, its floor.
func BenchmarkValidate(b *testing.B) {
	file := benchFile(b)
	b.SetBytes(int64(len(file)))
	b.ReportAllocs()
	for b.Loop() {
		v := hostfile.NewValidator(hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: testHosting})
		for p := file; len(p) > 0; {
			n := min(len(p), 1<<20)
			if _, err := v.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if _, err := v.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures Verify over a bytes.Reader (one big write).
func BenchmarkVerify(b *testing.B) {
	file := benchFile(b)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, _, err := hostfile.Verify(bytes.NewReader(file), hostfile.Expect{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA256 is the floor BenchmarkValidate is measured against.
func BenchmarkSHA256(b *testing.B) {
	file := benchFile(b)
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		sha256.Sum256(file)
	}
}

// BenchmarkPayload measures the pseudo-random payload stream.
func BenchmarkPayload(b *testing.B) {
	const n = 64 << 20
	buf := make([]byte, 1<<20)
	b.SetBytes(n)
	for b.Loop() {
		r := hostfile.Payload(testBase, n)
		for {
			if _, err := r.Read(buf); err == io.EOF {
				break
			}
		}
	}
}

// BenchmarkWrite measures writing a 64 MiB file from Payload.
func BenchmarkWrite(b *testing.B) {
	h := sampleHeader(hostfile.KindBase, 64<<20)
	b.SetBytes(h.PayloadSize)
	for b.Loop() {
		if _, err := hostfile.Write(io.Discard, h, hostfile.Payload(h.BaseID, h.PayloadSize)); err != nil {
			b.Fatal(err)
		}
	}
}
