package hostfile_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/hebergement/console/backend/hostfile"
)

// refusal is one file the validator must refuse, with the error it must give.
type refusal struct {
	name   string
	file   []byte
	expect hostfile.Expect
	want   []error // every one must match with errors.Is
}

// refusals builds the table of refused files from a few valid ones.
func refusals(t testing.TB) []refusal {
	base := build(t, sampleHeader(hostfile.KindBase, 300))
	photos := build(t, sampleHeader(hostfile.KindPhotos, 100))
	hdr, payload, trailer := split(t, base)
	hl := len(hdr)
	flip := func(f []byte, at int) []byte {
		c := bytes.Clone(f)
		c[at] ^= 0x20
		return c
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	r := func(old, new string) []byte { return rewrite(t, base, old, new) }
	ra := func(old, new string) []byte { return rewrite(t, photos, old, new) }
	e := hostfile.Expect{}
	M := []error{hostfile.ErrMalformed}
	return []refusal{
		// Not this format.
		{"empty", nil, e, []error{hostfile.ErrNotHostingFile}},
		{"other file", []byte("PK\x03\x04 a zip file"), e, []error{hostfile.ErrNotHostingFile}},
		{"lowercase magic", []byte("hebpronote\nformat=1\n"), e, []error{hostfile.ErrNotHostingFile}},
		{"flip magic first", flip(base, 0), e, []error{hostfile.ErrNotHostingFile}},
		{"flip magic last letter", flip(base, 9), e, []error{hostfile.ErrNotHostingFile}},
		{"magic without newline", []byte("HEBPRONOTE format=1\n"), e, []error{hostfile.ErrNotHostingFile}},
		// Cut short.
		{"magic prefix", []byte("HEBPRO"), e, []error{hostfile.ErrTruncated}},
		{"magic only", []byte("HEBPRONOTE\n"), e, []error{hostfile.ErrTruncated}},
		{"mid header", base[:40], e, []error{hostfile.ErrTruncated}},
		{"header without empty line", base[:hl-1], e, []error{hostfile.ErrTruncated}},
		{"no payload", base[:hl], e, []error{hostfile.ErrTruncated}},
		{"mid payload", base[:hl+150], e, []error{hostfile.ErrTruncated}},
		{"no trailer", base[:len(base)-32], e, []error{hostfile.ErrTruncated}},
		{"half trailer", base[:len(base)-16], e, []error{hostfile.ErrTruncated}},
		{"last byte", base[:len(base)-1], e, []error{hostfile.ErrTruncated}},
		// Altered content.
		{"flip payload first", flip(base, hl), e, []error{hostfile.ErrChecksum}},
		{"flip payload last", flip(base, len(base)-33), e, []error{hostfile.ErrChecksum}},
		{"flip trailer first", flip(base, len(base)-32), e, []error{hostfile.ErrChecksum}},
		{"flip trailer last", flip(base, len(base)-1), e, []error{hostfile.ErrChecksum}},
		{"flip header kind", flip(base, strings.Index(hdr, "kind=")+6), e, M},
		{"flip header hosting digit", cat([]byte(strings.Replace(hdr, "=123456789012", "=123456789013", 1)), payload, trailer), e, []error{hostfile.ErrChecksum}},
		{"flip header newline", flip(base, strings.Index(hdr, "\nyear")), e, M},
		{"wrong trailer", cat([]byte(hdr), payload, make([]byte, 32)), e, []error{hostfile.ErrChecksum}},
		// Past the end.
		{"trailing byte", cat(base, []byte{0}), e, []error{hostfile.ErrTrailingData}},
		{"two files", cat(base, base), e, []error{hostfile.ErrTrailingData}},
		{"trailing newline", cat(base, []byte("\n")), e, []error{hostfile.ErrTrailingData}},
		// Against Expect.
		{"wrong kind", photos, hostfile.Expect{Kind: hostfile.KindBase}, []error{hostfile.ErrWrongKind}},
		{"wrong kind base", base, hostfile.Expect{Kind: hostfile.KindLetters}, []error{hostfile.ErrWrongKind}},
		{"other hosting number", base, hostfile.Expect{HostingNumber: "999999999999"}, []error{hostfile.ErrOtherHostingNumber}},
		{"annex of another base", photos, hostfile.Expect{BaseID: otherBase}, []error{hostfile.ErrOtherBase}},
		{"over quota declared", base, hostfile.Expect{MaxSize: int64(len(base) - 1)}, []error{hostfile.ErrOverQuota}},
		{"over quota actual", cat(base[:hl-1], []byte("garbage that keeps coming")), hostfile.Expect{MaxSize: int64(hl)}, []error{hostfile.ErrOverQuota}},
		{"over quota in header", base, hostfile.Expect{MaxSize: 20}, []error{hostfile.ErrOverQuota}},
		// Header rules.
		{"format 2", r("format=1", "format=2"), e, []error{hostfile.ErrUnsupportedVersion}},
		{"format 01", r("format=1", "format=01"), e, M},
		{"format x", r("format=1", "format=x"), e, M},
		{"format missing", r("format=1\n", ""), e, M},
		{"kind lowercase", r("kind=HNOT", "kind=hnot"), e, M},
		{"kind unknown", r("kind=HNOT", "kind=HZIP"), e, M},
		{"hosting 11 digits", r("hosting=123456789012", "hosting=12345678901"), e, M},
		{"hosting letters", r("hosting=123456789012", "hosting=12345678901a"), e, M},
		{"hosting spaces", r("hosting=123456789012", "hosting= 123456789012"), e, M},
		{"year backwards", r("year=2026-2027", "year=2026-2020"), e, []error{hostfile.ErrMalformed, hostfile.ErrInvalidYear}},
		{"year padded", r("year=2026-2027", "year= 2026-2027"), e, M},
		{"year out of range", r("year=2026-2027", "year=1999-2000"), e, []error{hostfile.ErrInvalidYear}},
		{"base uppercase", r("base="+testBase, "base="+strings.ToUpper(testBase)), e, M},
		{"base short", r("base="+testBase, "base="+testBase[1:]), e, M},
		{"establishment empty", r("establishment=Collège Jean Moulin", "establishment="), e, M},
		{"establishment NUL", r("Jean", "Je\x00an"), e, M},
		{"establishment bad UTF-8", r("Jean", "Je\xffan"), e, M},
		{"generated offset", r("2026-06-30T14:05:00Z", "2026-06-30T16:05:00+02:00"), e, M},
		{"generated fraction", r("2026-06-30T14:05:00Z", "2026-06-30T14:05:00.5Z"), e, M},
		{"generated garbage", r("2026-06-30T14:05:00Z", "yesterday"), e, M},
		{"generated 1999", r("2026-06-30T14:05:00Z", "1999-06-30T14:05:00Z"), e, M},
		{"students negative", r("students=812", "students=-1"), e, M},
		{"students plus", r("students=812", "students=+812"), e, M},
		{"students leading zero", r("students=812", "students=0812"), e, M},
		{"students huge", r("students=812", "students=99999999999"), e, M},
		{"teachers empty", r("teachers=64", "teachers="), e, M},
		{"classes float", r("classes=31", "classes=31.0"), e, M},
		{"grid ends before start", r("grid=08:00-18:00", "grid=18:00-08:00"), e, []error{hostfile.ErrMalformed, hostfile.ErrInvalidGrid}},
		{"grid bad slot", r("/60/", "/7/"), e, []error{hostfile.ErrInvalidGrid}},
		{"grid duplicate day", r("1,2,3,4,5", "1,2,2,4,5"), e, []error{hostfile.ErrInvalidGrid}},
		{"grid no days", r("/1,2,3,4,5", "/"), e, []error{hostfile.ErrInvalidGrid}},
		{"grid missing", r("grid=08:00-18:00/60/1,2,3,4,5\n", ""), e, M},
		{"grid in annex", ra("payload=", "grid=08:00-18:00/60/1,2,3,4,5\npayload="), e, M},
		{"payload negative", r("payload=300", "payload=-300"), e, M},
		{"payload leading zero", r("payload=300", "payload=0300"), e, M},
		{"payload too big", r("payload=300", "payload=1099511627777"), e, M},
		{"payload bigger than file", r("payload=300", "payload=301"), e, []error{hostfile.ErrTruncated}},
		{"payload smaller than file", r("payload=300", "payload=299"), e, []error{hostfile.ErrChecksum}},
		{"unknown key", r("students=", "color=blue\nstudents="), e, M},
		{"duplicate key", r("year=2026-2027\n", "year=2026-2027\nyear=2026-2027\n"), e, M},
		{"keys out of order", r("students=812\nteachers=64", "teachers=64\nstudents=812"), e, M},
		{"key after payload", r("payload=300\n", "payload=300\nextra=1\n"), e, M},
		{"line without equals", r("classes=31", "classes 31"), e, M},
		{"CRLF", r("format=1\n", "format=1\r\n"), e, M},
		{"empty line early", r("teachers=64\n", "\nteachers=64\n"), e, M},
		{"header over 64 KiB", r("Jean", strings.Repeat("x", 70000)), e, M},
		{"endless line", cat([]byte("HEBPRONOTE\nformat=1\nkind="), bytes.Repeat([]byte("A"), 70000)), e, M},
	}
}

func TestVerifyRefusals(t *testing.T) {
	for _, c := range refusals(t) {
		t.Run(c.name, func(t *testing.T) {
			_, sum, err := hostfile.Verify(bytes.NewReader(c.file), c.expect)
			for _, w := range c.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want %v", err, w)
				}
			}
			if sum != ([32]byte{}) {
				t.Error("Sum set on a refused file")
			}
		})
	}
}

func TestQuotaExact(t *testing.T) {
	file := build(t, sampleHeader(hostfile.KindBase, 300))
	if _, _, err := hostfile.Verify(bytes.NewReader(file), hostfile.Expect{MaxSize: int64(len(file))}); err != nil {
		t.Fatalf("a file exactly the quota: %v", err)
	}
}

func TestBaseIgnoresExpectedBaseID(t *testing.T) {
	// A new base has a new id; Expect.BaseID binds annexes only.
	file := build(t, sampleHeader(hostfile.KindBase, 10))
	if _, _, err := hostfile.Verify(bytes.NewReader(file), hostfile.Expect{BaseID: otherBase}); err != nil {
		t.Fatal(err)
	}
}

// TestEveryFlippedByte flips each bit pattern at every offset of a small
// file: nothing may be accepted, and the error must match the region.
func TestEveryFlippedByte(t *testing.T) {
	for _, k := range allKinds {
		file := build(t, sampleHeader(k, 64))
		hl := len(file) - 64 - 32
		for at := range file {
			for _, mask := range []byte{0x01, 0x20, 0x80, 0xff} {
				c := bytes.Clone(file)
				c[at] ^= mask
				_, _, err := hostfile.Verify(bytes.NewReader(c), hostfile.Expect{})
				var want error
				switch {
				case at < len(hostfile.Magic):
					want = hostfile.ErrNotHostingFile
				case at >= hl:
					want = hostfile.ErrChecksum
				}
				if err == nil || (want != nil && !errors.Is(err, want)) {
					t.Fatalf("%s: byte %d ^ %#x: err = %v, want %v", k, at, mask, err, want)
				}
			}
		}
	}
}

func TestEveryTruncation(t *testing.T) {
	file := build(t, sampleHeader(hostfile.KindBase, 64))
	for n := range len(file) {
		_, _, err := hostfile.Verify(bytes.NewReader(file[:n]), hostfile.Expect{})
		want := hostfile.ErrTruncated
		if n == 0 {
			want = hostfile.ErrNotHostingFile
		}
		if !errors.Is(err, want) {
			t.Fatalf("first %d bytes: err = %v, want %v", n, err, want)
		}
	}
}

// TestChunking checks that the outcome does not depend on how the stream
// is cut: 1, 7 and 64 KiB chunks give what one write gives.
func TestChunking(t *testing.T) {
	files := []refusal{
		{"base", build(t, sampleHeader(hostfile.KindBase, 200000)), hostfile.Expect{}, nil},
		{"photos", build(t, sampleHeader(hostfile.KindPhotos, 0)), hostfile.Expect{Kind: hostfile.KindPhotos}, nil},
	}
	files = append(files, refusals(t)...)
	for _, f := range files {
		want := feed(f.file, f.expect, 0)
		if f.want == nil && (want.err != "" || want.sum != sha256.Sum256(f.file)) {
			t.Fatalf("%s: %s", f.name, want.err)
		}
		for _, n := range []int{1, 7, 64 << 10} {
			if got := feed(f.file, f.expect, n); !reflect.DeepEqual(got, want) {
				t.Errorf("%s in chunks of %d:\n got %q at %d\nwant %q at %d", f.name, n, got.err, got.written, want.err, want.written)
			}
		}
	}
}

// TestFailsEarly checks that each refusal fires at the byte that decides it.
func TestFailsEarly(t *testing.T) {
	base := build(t, sampleHeader(hostfile.KindBase, 1000))
	hdr, _, _ := split(t, base)
	endOf := func(s string) int64 { return int64(strings.Index(hdr, s) + len(s)) }
	cases := []struct {
		name   string
		file   []byte
		expect hostfile.Expect
		at     int64 // bytes accepted when the error fires
		want   error
	}{
		{"bad magic", []byte("HEBX"), hostfile.Expect{}, 3, hostfile.ErrNotHostingFile},
		{"wrong kind", base, hostfile.Expect{Kind: hostfile.KindPhotos}, endOf("kind=HNOT\n"), hostfile.ErrWrongKind},
		{"other hosting", base, hostfile.Expect{HostingNumber: "000000000000"}, endOf("hosting=123456789012\n"), hostfile.ErrOtherHostingNumber},
		{"declared over quota", base, hostfile.Expect{MaxSize: 1000}, int64(len(hdr)), hostfile.ErrOverQuota},
		{"header over quota", base, hostfile.Expect{MaxSize: 30}, 30, hostfile.ErrOverQuota},
		{"trailing", append(bytes.Clone(base), 'x'), hostfile.Expect{}, int64(len(base)), hostfile.ErrTrailingData},
		{"checksum", append(bytes.Clone(base[:len(base)-1]), ^base[len(base)-1]), hostfile.Expect{}, int64(len(base)), hostfile.ErrChecksum},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := hostfile.NewValidator(c.expect)
			var err error
			for i := range c.file {
				if _, err = v.Write(c.file[i : i+1]); err != nil {
					break
				}
			}
			if !errors.Is(err, c.want) || v.Written() != c.at {
				t.Fatalf("err %v after %d bytes, want %v after %d", err, v.Written(), c.want, c.at)
			}
			if n, again := v.Write([]byte("more")); n != 0 || again != err {
				t.Errorf("Write after error = %d, %v; want 0, the same error", n, again)
			}
			if _, cerr := v.Close(); cerr != err {
				t.Errorf("Close = %v, want the same error", cerr)
			}
		})
	}
}

func TestValidatorHeaderAndClose(t *testing.T) {
	h := sampleHeader(hostfile.KindBase, 1000)
	file := build(t, h)
	hdr, _, _ := split(t, file)
	v := hostfile.NewValidator(hostfile.Expect{})
	v.Write(file[:len(hdr)-1])
	if _, ok := v.Header(); ok {
		t.Error("Header available before the header ends")
	}
	v.Write(file[len(hdr)-1 : len(hdr)+10])
	if got, ok := v.Header(); !ok || got.PayloadSize != 1000 {
		t.Errorf("Header() = %+v, %v", got, ok)
	}
	if _, err := v.Close(); !errors.Is(err, hostfile.ErrTruncated) {
		t.Errorf("Close mid-payload: %v", err)
	}
	if _, err := v.Write(file[len(hdr)+10:]); !errors.Is(err, hostfile.ErrTruncated) {
		t.Errorf("Write after a failed Close: %v", err)
	}
	if v.Sum() != ([32]byte{}) {
		t.Error("Sum after a failed Close")
	}

	v = hostfile.NewValidator(hostfile.Expect{})
	v.Write(file)
	got, err := v.Close()
	if err != nil || !equalHeaders(got, h) || v.Sum() != sha256.Sum256(file) || v.Written() != int64(len(file)) {
		t.Fatalf("Close = %+v, %v", got, err)
	}
	if _, err := v.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := v.Write([]byte{0}); !errors.Is(err, hostfile.ErrTrailingData) {
		t.Errorf("Write after Close: %v", err)
	}
}

func equalHeaders(a, b hostfile.Header) bool { return reflect.DeepEqual(a, b) }

// TestProgressFromAnotherGoroutine reads Header and Written while an upload
// is being validated, as a progress display does (run with -race).
func TestProgressFromAnotherGoroutine(t *testing.T) {
	file := build(t, sampleHeader(hostfile.KindBase, 1<<20))
	v := hostfile.NewValidator(hostfile.Expect{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for last := int64(0); last < int64(len(file)); {
			n := v.Written()
			if n < last {
				t.Errorf("Written went back from %d to %d", last, n)
				return
			}
			last = n
			if h, ok := v.Header(); ok && h.PayloadSize != 1<<20 {
				t.Errorf("Header() = %+v", h)
				return
			}
		}
	}()
	for p := file; len(p) > 0; p = p[min(len(p), 4096):] {
		if _, err := v.Write(p[:min(len(p), 4096)]); err != nil {
			t.Fatal(err)
		}
	}
	<-done
	if _, err := v.Close(); err != nil {
		t.Fatal(err)
	}
}
