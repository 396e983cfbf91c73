package hostfile_test

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/hostfile"
)

func TestWriteVerifyRoundTrip(t *testing.T) {
	hostile := sampleHeader(hostfile.KindBase, 10)
	hostile.Establishment = "\x1b[31mÉcole\u202e\x7f\r\t ☃"
	hostile.Grid = hostfile.Grid{Start: 7*60 + 45, End: 16*60 + 55, Slot: 55, Days: []time.Weekday{time.Monday, time.Wednesday, time.Saturday, time.Sunday}}
	cases := map[string]hostfile.Header{
		"base":               sampleHeader(hostfile.KindBase, 1000),
		"letters":            sampleHeader(hostfile.KindLetters, 3),
		"attachments":        sampleHeader(hostfile.KindAttachments, 4096),
		"photos, empty":      sampleHeader(hostfile.KindPhotos, 0),
		"spans write buffer": sampleHeader(hostfile.KindBase, 1<<20+17),
		"trailer alone":      sampleHeader(hostfile.KindBase, 1<<20-300),
		"hostile name":       hostile,
	}
	for name, h := range cases {
		t.Run(name, func(t *testing.T) {
			file := build(t, h)
			got, sum, err := hostfile.Verify(bytes.NewReader(file), hostfile.Expect{Kind: h.Kind, HostingNumber: testHosting, BaseID: testBase, MaxSize: int64(len(file))})
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !reflect.DeepEqual(got, h) {
				t.Errorf("header\n got %+v\nwant %+v", got, h)
			}
			if sum != sha256.Sum256(file) {
				t.Error("Sum is not the SHA-256 of the whole file")
			}
			// Through a reader without WriteTo, so the buffered path runs too.
			if _, _, err := hostfile.Verify(io.MultiReader(bytes.NewReader(file)), hostfile.Expect{}); err != nil {
				t.Errorf("Verify through io.Copy: %v", err)
			}
		})
	}
}

func TestWriteVersionZeroAndLocalTime(t *testing.T) {
	h := sampleHeader(hostfile.KindBase, 5)
	h.Version = 0
	h.Generated = time.Date(2026, 6, 30, 16, 5, 0, 999, time.FixedZone("CEST", 2*3600))
	got, _, err := hostfile.Verify(bytes.NewReader(build(t, h)), hostfile.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1 || !got.Generated.Equal(time.Date(2026, 6, 30, 14, 5, 0, 0, time.UTC)) || got.Generated.Location() != time.UTC {
		t.Errorf("got version %d, generated %v", got.Version, got.Generated)
	}
}

func TestWriteRefusals(t *testing.T) {
	bad := func(f func(*hostfile.Header)) hostfile.Header {
		h := sampleHeader(hostfile.KindBase, 10)
		f(&h)
		return h
	}
	cases := []struct {
		name string
		h    hostfile.Header
		want error
	}{
		{"version 2", bad(func(h *hostfile.Header) { h.Version = 2 }), hostfile.ErrUnsupportedVersion},
		{"kind", bad(func(h *hostfile.Header) { h.Kind = "HNOT2" }), hostfile.ErrMalformed},
		{"hosting", bad(func(h *hostfile.Header) { h.HostingNumber = "12345" }), hostfile.ErrMalformed},
		{"year", bad(func(h *hostfile.Header) { h.Year = 1999 }), hostfile.ErrInvalidYear},
		{"base id", bad(func(h *hostfile.Header) { h.BaseID = strings.ToUpper(testBase) }), hostfile.ErrMalformed},
		{"establishment newline", bad(func(h *hostfile.Header) { h.Establishment = "a\nkind=HNOT" }), hostfile.ErrMalformed},
		{"establishment empty", bad(func(h *hostfile.Header) { h.Establishment = "" }), hostfile.ErrMalformed},
		{"establishment too long", bad(func(h *hostfile.Header) { h.Establishment = strings.Repeat("é", 40000) }), hostfile.ErrMalformed},
		{"generated zero", bad(func(h *hostfile.Header) { h.Generated = time.Time{} }), hostfile.ErrMalformed},
		{"students negative", bad(func(h *hostfile.Header) { h.Students = -1 }), hostfile.ErrMalformed},
		{"grid", bad(func(h *hostfile.Header) { h.Grid.End = h.Grid.Start }), hostfile.ErrInvalidGrid},
		{"annex with grid", func() hostfile.Header {
			h := sampleHeader(hostfile.KindPhotos, 1)
			h.Grid = hostfile.DefaultGrid()
			return h
		}(), hostfile.ErrMalformed},
		{"payload negative", bad(func(h *hostfile.Header) { h.PayloadSize = -1 }), hostfile.ErrMalformed},
		{"payload too big", bad(func(h *hostfile.Header) { h.PayloadSize = hostfile.MaxPayloadSize + 1 }), hostfile.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := hostfile.Write(&buf, c.h, hostfile.Payload("x", 10))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if n != 0 || buf.Len() != 0 {
				t.Errorf("wrote %d bytes before refusing", buf.Len())
			}
			if !errors.Is(c.h.Validate(), c.want) {
				t.Errorf("Validate disagrees with Write")
			}
		})
	}
	t.Run("short payload", func(t *testing.T) {
		_, err := hostfile.Write(io.Discard, sampleHeader(hostfile.KindBase, 100), strings.NewReader("short"))
		if !errors.Is(err, hostfile.ErrTruncated) {
			t.Fatalf("err = %v, want ErrTruncated", err)
		}
	})
	t.Run("reader error", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := hostfile.Write(io.Discard, sampleHeader(hostfile.KindBase, 100), io.MultiReader(strings.NewReader("a"), errReader{boom}))
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	})
	t.Run("writer error", func(t *testing.T) {
		boom := errors.New("disk full")
		_, err := hostfile.Write(errWriter{boom}, sampleHeader(hostfile.KindBase, 100), hostfile.Payload("x", 100))
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want disk full", err)
		}
	})
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

type errWriter struct{ err error }

func (w errWriter) Write([]byte) (int, error) { return 0, w.err }

func TestGenerate(t *testing.T) {
	for _, size := range []int64{0, 1, 500, 1234, 10000, 10001, 3 << 20} {
		dir := t.TempDir()
		now := time.Date(2026, 7, 1, 9, 30, 15, 123, time.UTC)
		paths, err := hostfile.Generate(dir, hostfile.GenerateOptions{
			HostingNumber: testHosting, Name: "CLG-MOULIN", Establishment: "Collège Jean Moulin",
			Year: 2026, Students: 812, Teachers: 64, Classes: 31, Size: size, Now: now,
		})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if len(paths) != 4 {
			t.Fatalf("got %d paths", len(paths))
		}
		var baseID string
		for i, p := range paths {
			kind, ok := hostfile.KindFromName(p)
			if !ok || kind != allKinds[i] || filepath.Base(p) != "CLG-MOULIN."+string(kind) || filepath.Dir(p) != dir {
				t.Fatalf("path %d = %s", i, p)
			}
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			h, _, err := hostfile.Verify(f, hostfile.Expect{Kind: kind, HostingNumber: testHosting, BaseID: baseID})
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			fi, _ := os.Stat(p)
			switch {
			case i == 0:
				baseID = h.BaseID
				if h.Students != 812 || h.Teachers != 64 || h.Classes != 31 || !reflect.DeepEqual(h.Grid, hostfile.DefaultGrid()) {
					t.Errorf("base header %+v", h)
				}
				if min := fi.Size() - h.PayloadSize; size >= min && fi.Size() != size && fi.Size() != size-1 {
					t.Errorf("base of %d bytes, want %d", fi.Size(), size)
				}
				if !h.Generated.Equal(now.Truncate(time.Second)) {
					t.Errorf("generated %v", h.Generated)
				}
			case h.BaseID != baseID:
				t.Errorf("%s: base id %s, want %s", kind, h.BaseID, baseID)
			case fi.Size() < 2<<10 || (size > 1<<20 && fi.Size() > size/50):
				t.Errorf("%s: %d bytes for a base of %d", kind, fi.Size(), size)
			}
		}
		left, _ := os.ReadDir(dir)
		if len(left) != 4 {
			t.Errorf("dir holds %d entries, want 4 (temp files left?)", len(left))
		}
	}
}

func TestGenerateExactSize(t *testing.T) {
	// Sizes around a change in the payload's digit count, where exactness is hardest.
	dir := t.TempDir()
	opts := hostfile.GenerateOptions{HostingNumber: testHosting, Name: "x", Establishment: "E", Year: 2026, BaseID: testBase}
	for size := int64(280); size < 1400; size++ {
		opts.Size = size
		paths, err := hostfile.Generate(dir, opts)
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(paths[0])
		if fi.Size() != size && fi.Size() != size-1 && !(fi.Size() > size && fi.Size() == overheadOf(t, paths[0])) {
			t.Fatalf("size %d gave %d", size, fi.Size())
		}
	}
}

// overheadOf returns the size of a file's header and trailer.
func overheadOf(t *testing.T, path string) int64 {
	f, _ := os.Open(path)
	defer f.Close()
	h, _, err := hostfile.Verify(f, hostfile.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	return fi.Size() - h.PayloadSize
}

func TestGenerateRefusals(t *testing.T) {
	ok := hostfile.GenerateOptions{HostingNumber: testHosting, Name: "BASE", Establishment: "E", Year: 2026, Size: 1000}
	cases := []struct {
		name string
		edit func(*hostfile.GenerateOptions)
		want error
	}{
		{"empty name", func(o *hostfile.GenerateOptions) { o.Name = "" }, hostfile.ErrInvalidName},
		{"dot", func(o *hostfile.GenerateOptions) { o.Name = "." }, hostfile.ErrInvalidName},
		{"dotdot", func(o *hostfile.GenerateOptions) { o.Name = ".." }, hostfile.ErrInvalidName},
		{"slash", func(o *hostfile.GenerateOptions) { o.Name = "../evil" }, hostfile.ErrInvalidName},
		{"backslash", func(o *hostfile.GenerateOptions) { o.Name = `a\b` }, hostfile.ErrInvalidName},
		{"control", func(o *hostfile.GenerateOptions) { o.Name = "a\x1bb" }, hostfile.ErrInvalidName},
		{"negative size", func(o *hostfile.GenerateOptions) { o.Size = -1 }, hostfile.ErrInvalidSize},
		{"year", func(o *hostfile.GenerateOptions) { o.Year = 0 }, hostfile.ErrInvalidYear},
		{"grid", func(o *hostfile.GenerateOptions) {
			o.Grid = hostfile.Grid{Start: 600, End: 480, Slot: 60, Days: []time.Weekday{1}}
		}, hostfile.ErrInvalidGrid},
		{"hosting", func(o *hostfile.GenerateOptions) { o.HostingNumber = "1" }, hostfile.ErrMalformed},
		{"base id", func(o *hostfile.GenerateOptions) { o.BaseID = "xyz" }, hostfile.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			o := ok
			c.edit(&o)
			if _, err := hostfile.Generate(dir, o); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if left, _ := os.ReadDir(dir); len(left) != 0 {
				t.Errorf("left %d files behind", len(left))
			}
		})
	}
	if _, err := hostfile.Generate(filepath.Join(t.TempDir(), "missing"), ok); err == nil {
		t.Error("Generate into a missing directory succeeded")
	}
}

func TestKind(t *testing.T) {
	// PRONOTE writes NAME.HNOT, but any case is accepted on purpose: schools
	// copy files through Windows and macOS file systems, which ignore case,
	// and the kind that counts is the header's, which is verified.
	for name, want := range map[string]hostfile.Kind{
		"a.hnot": hostfile.KindBase, "B.HNOT": hostfile.KindBase, "dir/x.HCourriers": hostfile.KindLetters,
		"x.hdocjoints": hostfile.KindAttachments, "x.y.HPHOTOS": hostfile.KindPhotos,
		"lycee.hnot": hostfile.KindBase, "X.HnOt": hostfile.KindBase, "X.hphotos": hostfile.KindPhotos,
	} {
		if got, ok := hostfile.KindFromName(name); !ok || got != want {
			t.Errorf("KindFromName(%q) = %q, %v", name, got, ok)
		}
	}
	for _, name := range []string{"", "hnot", "a.hnot.bak", "a.zip", "a.", "X.HNOT.txt", "X.HNO", "X.HNOTE", "X HNOT"} {
		if got, ok := hostfile.KindFromName(name); ok {
			t.Errorf("KindFromName(%q) = %q", name, got)
		}
	}
	labels := map[hostfile.Kind]string{hostfile.KindBase: "base", hostfile.KindLetters: "courriers", hostfile.KindAttachments: "documents joints", hostfile.KindPhotos: "photos"}
	for k, l := range labels {
		if k.Label() != l || k.IsAnnex() == (k == hostfile.KindBase) {
			t.Errorf("%s: label %q annex %v", k, k.Label(), k.IsAnnex())
		}
	}
}

func TestParseSchoolYear(t *testing.T) {
	for in, want := range map[string]hostfile.SchoolYear{"2026-2027": 2026, " 2000-2001\n": 2000, "2098-2099": 2098} {
		got, err := hostfile.ParseSchoolYear(in)
		if err != nil || got != want || got.String() != strings.TrimSpace(in) {
			t.Errorf("ParseSchoolYear(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2026", "2026-2020", "2026-2026", "1999-2000", "2099-2100", "2026–2027", "2026-2027x", "+026-2027", "202a-2027", "2026 - 2027"} {
		if _, err := hostfile.ParseSchoolYear(in); !errors.Is(err, hostfile.ErrInvalidYear) {
			t.Errorf("ParseSchoolYear(%q): err = %v", in, err)
		}
	}
}

func TestGrid(t *testing.T) {
	d := hostfile.DefaultGrid()
	if d.String() != "08:00-18:00/60/1,2,3,4,5" || d.Validate() != nil {
		t.Errorf("default grid %s: %v", d, d.Validate())
	}
	french := map[string]string{
		"08:00-18:00/60/1,2,3,4,5": "8h00–18h00, créneaux de 60 min, du lundi au vendredi",
		"07:45-16:55/55/1,2,4":     "7h45–16h55, créneaux de 55 min, lundi, mardi, jeudi",
		"00:00-24:00/120/3":        "0h00–24h00, créneaux de 120 min, le mercredi",
		"08:30-12:30/30/6,7":       "8h30–12h30, créneaux de 30 min, samedi, dimanche",
		"08:00-12:00/15/5,6,7":     "8h00–12h00, créneaux de 15 min, du vendredi au dimanche",
	}
	for in, want := range french {
		g, err := hostfile.ParseGrid(in)
		if err != nil {
			t.Fatalf("ParseGrid(%q): %v", in, err)
		}
		if g.String() != in || g.French() != want {
			t.Errorf("ParseGrid(%q): String %q, French %q", in, g.String(), g.French())
		}
	}
	for _, in := range []string{
		"18:00-08:00/60/1", "08:00-08:00/60/1", "08:00-18:00/7/1", "08:00-18:00/45/1", "08:00-18:00/60/",
		"08:00-18:00/60/1,1", "08:00-18:00/60/2,1", "08:00-18:00/60/0", "08:00-18:00/60/8", "25:00-26:00/60/1",
		"08:60-18:00/60/1", "8:00-18:00/60/1", "08:00-24:30/30/1", "08:00-18:00/060/1", "08:00-18:00/60", "",
		"08:00-18:00/60/1,", "08:00-18:00/+60/1", "08:00-18:00/60/1 ",
	} {
		if _, err := hostfile.ParseGrid(in); !errors.Is(err, hostfile.ErrInvalidGrid) {
			t.Errorf("ParseGrid(%q): err = %v", in, err)
		}
	}
	for name, g := range map[string]hostfile.Grid{
		"negative start": {Start: -60, End: 60, Slot: 60, Days: []time.Weekday{1}},
		"after midnight": {Start: 0, End: 25 * 60, Slot: 60, Days: []time.Weekday{1}},
		"no days":        {Start: 0, End: 60, Slot: 60},
		"bad weekday":    {Start: 0, End: 60, Slot: 60, Days: []time.Weekday{9}},
		"sunday first":   {Start: 0, End: 60, Slot: 60, Days: []time.Weekday{time.Sunday, time.Monday}},
	} {
		if err := g.Validate(); !errors.Is(err, hostfile.ErrInvalidGrid) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{
		"1024": 1024, "0": 0, "200MB": 200 << 20, "1.5GB": 3 << 29, "512KB": 512 << 10, "512 kb": 512 << 10,
		"2MiB": 2 << 20, "1TB": 1 << 40, "10B": 10, "0.5K": 512, "1.0000001KB": 1024, " 3 G ": 3 << 30,
	} {
		if got, err := hostfile.ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "-1MB", "+1MB", "MB", "1.5", "1..5MB", "1.MB", ".5MB", "1e3", "1 PB", "1.1TB", "1025GB", "abc", "1MB2", "0x10", strings.Repeat("9", 40)} {
		if got, err := hostfile.ParseSize(in); !errors.Is(err, hostfile.ErrInvalidSize) {
			t.Errorf("ParseSize(%q) = %d, %v", in, got, err)
		}
	}
}

func TestNewBaseID(t *testing.T) {
	id, err := hostfile.NewBaseID(bytes.NewReader(bytes.Repeat([]byte{0xab}, 16)))
	if err != nil || id != strings.Repeat("ab", 16) {
		t.Errorf("NewBaseID = %q, %v", id, err)
	}
	if _, err := hostfile.NewBaseID(strings.NewReader("short")); err == nil {
		t.Error("NewBaseID from a short reader succeeded")
	}
}

func TestPayload(t *testing.T) {
	a, _ := io.ReadAll(hostfile.Payload(testBase, 100000))
	b, _ := io.ReadAll(io.LimitReader(hostfile.Payload(testBase, 1<<30), 100000))
	c, _ := io.ReadAll(hostfile.Payload(otherBase, 100000))
	if len(a) != 100000 || !bytes.Equal(a, b) || bytes.Equal(a, c) {
		t.Fatal("Payload is not a deterministic per-seed stream of n bytes")
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.BestCompression)
	w.Write(a)
	w.Close()
	if z.Len() < len(a) {
		t.Errorf("payload compresses to %d of %d bytes", z.Len(), len(a))
	}
	if n, err := hostfile.Payload("x", 0).Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Errorf("empty payload read %d, %v", n, err)
	}
}
