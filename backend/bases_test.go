package backend_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

const fileSize = 64 << 10

func sha(t testing.TB, path string) (string, int64) {
	t.Helper()
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(body)
	return hex.EncodeToString(s[:]), int64(len(body))
}

func TestLoadBaseListsItWithItsDetails(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	paths := generate(t, est.HostingNumber, "HUGO-2025", fileSize)
	wantSum, wantSize := sha(t, paths[0])

	var progress []int64
	f, err := os.Open(paths[0])
	ok(t, err)
	defer f.Close()
	b, err := s.LoadBase(context.Background(), "C:\\Users\\spr\\Bureau\\HUGO-2025.HNOT", f, func(n int64) { progress = append(progress, n) })
	ok(t, err)

	if len(progress) == 0 || progress[len(progress)-1] != wantSize || !slices.IsSorted(progress) {
		t.Errorf("progress %v, want increasing up to %d", progress, wantSize)
	}
	l := mustBases(t, s)
	if len(l.Uploaded) != 1 || len(l.PreviouslyInService) != 0 {
		t.Fatalf("lists = %+v, want one uploaded base", l)
	}
	got := l.Uploaded[0]
	if got.ID != b.ID {
		t.Errorf("listed base %d, loaded %d", got.ID, b.ID)
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"name", got.Name, "HUGO-2025"},
		{"year", got.Year, hostfile.SchoolYear(2025)},
		{"origin", got.Origin, backend.OriginUploaded},
		{"size", got.Size, wantSize},
		{"SHA-256", got.SHA256, wantSum},
		{"students", got.Students, 812},
		{"teachers", got.Teachers, 64},
		{"classes", got.Classes, 31},
		{"grid", got.Grid.String(), hostfile.DefaultGrid().String()},
		{"loaded by", got.LoadedBy, "SPR"},
		{"loaded at", got.LoadedAt.Equal(start), true},
		{"opened", got.Opened, false},
		{"in service", got.InService, false},
		{"annexes", len(got.Annexes), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if len(got.BaseUID) != 32 {
		t.Errorf("base id %q", got.BaseUID)
	}
	// Loading does not touch the server.
	st := mustStatus(t, s)
	if st.State != backend.ServerStopped || st.Opened != nil || st.UsedBytes != wantSize {
		t.Errorf("status after a load = %+v", st)
	}
	// The stored file is the uploaded file, under its SHA-256.
	stored, err := os.ReadFile(filepath.Join(e.dir, "files", "objects", wantSum[:2], wantSum))
	ok(t, err)
	orig, _ := os.ReadFile(paths[0])
	if !bytes.Equal(stored, orig) {
		t.Error("the stored file differs from the upload")
	}
	if tmp := e.tmp(t); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if count(e.journal(t, est.ID), "base.load", true) != 1 {
		t.Error("the load is not journaled")
	}
}

// errReader fails after giving some bytes, like a dropped connection.
type errReader struct {
	r io.Reader
	n int
}

func (r *errReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("connection reset by peer")
	}
	if len(p) > r.n {
		p = p[:r.n]
	}
	n, err := r.r.Read(p)
	r.n -= n
	return n, err
}

func TestLoadBaseRefusalsLeaveNothingBehind(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	n := school("Petite école")
	n.QuotaBytes = 10_000
	small, smallPW := e.establish(t, n)
	sSmall := e.login(t, small, smallPW)

	good := generate(t, est.HostingNumber, "HUGO", fileSize)
	load(t, s, good[0]) // for the duplicate case
	goodBytes, err := os.ReadFile(good[0])
	ok(t, err)
	other := generate(t, "999999999999", "AUTRE", fileSize)
	smallFile := generate(t, small.HostingNumber, "PETITE", fileSize)

	flipped := bytes.Clone(goodBytes)
	flipped[len(flipped)/2] ^= 0x01
	trailing := append(bytes.Clone(goodBytes), '\n')
	photos, _ := os.ReadFile(good[3])
	otherBytes, _ := os.ReadFile(other[0])
	dupName := bytes.Clone(goodBytes)

	readFile := func(p string) []byte { b, _ := os.ReadFile(p); return b }
	ctxDone, cancel := context.WithCancel(context.Background())
	cancel()

	cases := []struct {
		name    string
		s       *backend.Session
		ctx     context.Context
		file    string
		content io.Reader
		want    error
	}{
		{"not a hosting file", s, nil, "NOTES.HNOT", strings.NewReader("PK\x03\x04 a zip file, not a base"), hostfile.ErrNotHostingFile},
		{"empty file", s, nil, "VIDE.HNOT", strings.NewReader(""), hostfile.ErrNotHostingFile},
		{"truncated", s, nil, "COUPE.HNOT", bytes.NewReader(goodBytes[:len(goodBytes)-100]), hostfile.ErrTruncated},
		{"truncated in the header", s, nil, "COUPE.HNOT", bytes.NewReader(goodBytes[:40]), hostfile.ErrTruncated},
		{"one byte flipped in the payload", s, nil, "ABIME.HNOT", bytes.NewReader(flipped), hostfile.ErrChecksum},
		{"data after the end", s, nil, "LONG.HNOT", bytes.NewReader(trailing), hostfile.ErrTrailingData},
		{"another hosting number", s, nil, "AUTRE.HNOT", bytes.NewReader(otherBytes), hostfile.ErrOtherHostingNumber},
		{"photos renamed to .HNOT", s, nil, "PHOTOS.HNOT", bytes.NewReader(photos), hostfile.ErrWrongKind},
		{"annex given as a base", s, nil, "HUGO.HDOCJOINTS", bytes.NewReader(readFile(good[2])), backend.ErrNotBaseFile},
		{"wrong extension", s, nil, "HUGO.zip", bytes.NewReader(goodBytes), backend.ErrWrongExtension},
		{"no extension", s, nil, "HUGO", bytes.NewReader(goodBytes), backend.ErrWrongExtension},
		{"empty stem", s, nil, ".HNOT", bytes.NewReader(goodBytes), backend.ErrInvalidFileName},
		{"name not UTF-8", s, nil, "HUG\xff.HNOT", bytes.NewReader(goodBytes), backend.ErrInvalidFileName},
		{"name too long", s, nil, strings.Repeat("A", 300) + ".HNOT", bytes.NewReader(goodBytes), backend.ErrInvalidFileName},
		{"duplicate load", s, nil, "HUGO-COPIE.HNOT", bytes.NewReader(dupName), backend.ErrDuplicateBase},
		{"over quota", sSmall, nil, "PETITE.HNOT", bytes.NewReader(readFile(smallFile[0])), hostfile.ErrOverQuota},
		{"read error", s, nil, "RESEAU.HNOT", &errReader{r: bytes.NewReader(otherFor(t, est.HostingNumber)), n: 5000}, backend.ErrReadFailed},
		{"cancelled", s, ctxDone, "ANNULE.HNOT", bytes.NewReader(otherFor(t, est.HostingNumber)), context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := mustBases(t, c.s)
			objects := e.objects(t)
			ctx := c.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := c.s.LoadBase(ctx, c.file, c.content, nil)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if msg := backend.Message(err); strings.Contains(msg, "inattendue") {
				t.Errorf("the user reads the generic message for %v", err)
			}
			after := mustBases(t, c.s)
			if len(allBases(after)) != len(allBases(before)) {
				t.Errorf("bases %d → %d", len(allBases(before)), len(allBases(after)))
			}
			if got := e.objects(t); !slices.Equal(got, objects) {
				t.Errorf("stored files %v → %v", objects, got)
			}
			if tmp := e.tmp(t); len(tmp) != 0 {
				t.Errorf("temporary files left: %v", tmp)
			}
		})
	}
	if got := count(e.journal(t, est.ID), "base.load", false); got < len(cases)-2 {
		t.Errorf("%d refused loads journaled, want %d (over quota is another establishment's, cancelled may not be)", got, len(cases)-2)
	}
}

// otherFor generates a fresh base for hosting and returns its bytes.
func otherFor(t testing.TB, hosting string) []byte {
	t.Helper()
	p := generate(t, hosting, "X", fileSize)
	b, err := os.ReadFile(p[0])
	ok(t, err)
	return b
}

func TestLoadBaseQuotaCountsWhatIsStored(t *testing.T) {
	e := newEnv(t)
	n := school("Petite école")
	n.QuotaBytes = 3*fileSize - 1
	est, pw := e.establish(t, n)
	s := e.login(t, est, pw)
	load(t, s, generate(t, est.HostingNumber, "A", fileSize)[0])
	b := load(t, s, generate(t, est.HostingNumber, "B", fileSize)[0])
	third := generate(t, est.HostingNumber, "C", fileSize)[0]
	if _, err := loadErr(s, "C.HNOT", third); !errors.Is(err, hostfile.ErrOverQuota) {
		t.Fatalf("third base: err = %v, want ErrOverQuota", err)
	}
	// Deleting a base frees its room.
	ok(t, s.DeleteBase(context.Background(), b.ID))
	load(t, s, third)
}

func TestAttachAnnex(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	hugo := generate(t, est.HostingNumber, "HUGO", fileSize)
	autre := generate(t, est.HostingNumber, "AUTRE", fileSize)
	base := load(t, s, hugo[0])
	load(t, s, autre[0])

	// Needs a base in service: loaded, then opened, is not enough.
	if _, err := attach(s, hugo[2]); !errors.Is(err, backend.ErrNoBaseInService) {
		t.Fatalf("no base in service: err = %v", err)
	}
	ok(t, s.OpenBase(ctx, base.ID))
	if _, err := attach(s, hugo[2]); !errors.Is(err, backend.ErrNoBaseInService) {
		t.Fatalf("opened but stopped: err = %v", err)
	}
	ok(t, s.PutInService(ctx))

	objects := e.objects(t)
	refusals := []struct {
		name, path string
		want       error
	}{
		{"annex of another base", autre[2], hostfile.ErrOtherBase},
		{"a base given as annex", autre[0], backend.ErrNotAnnex},
	}
	for _, r := range refusals {
		if _, err := attach(s, r.path); !errors.Is(err, r.want) {
			t.Errorf("%s: err = %v, want %v", r.name, err, r.want)
		}
	}
	if got := e.objects(t); !slices.Equal(got, objects) {
		t.Errorf("refused annexes left files: %v → %v", objects, got)
	}
	if tmp := e.tmp(t); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}

	a, err := attach(s, hugo[2])
	ok(t, err)
	wantSum, wantSize := sha(t, hugo[2])
	if a.Kind != hostfile.KindAttachments || a.Name != "HUGO.HDOCJOINTS" || a.SHA256 != wantSum || a.Size != wantSize {
		t.Errorf("annex = %+v", a)
	}
	_, err = attach(s, hugo[3])
	ok(t, err)
	got, err := s.Base(ctx, base.ID)
	ok(t, err)
	if len(got.Annexes) != 2 {
		t.Fatalf("annexes = %+v, want documents joints and photos", got.Annexes)
	}

	// A new HDOCJOINTS of the same base replaces the first; the old file goes.
	regen, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: "HUGO-V2",
		Establishment: "Lycée Victor Hugo", Year: 2025, Size: 2 * fileSize, BaseID: base.BaseUID, Now: start})
	ok(t, err)
	a2, err := attach(s, regen[2])
	ok(t, err)
	got, err = s.Base(ctx, base.ID)
	ok(t, err)
	var docs []backend.Annex
	for _, x := range got.Annexes {
		if x.Kind == hostfile.KindAttachments {
			docs = append(docs, x)
		}
	}
	if len(docs) != 1 || docs[0].SHA256 != a2.SHA256 || docs[0].Name != "HUGO-V2.HDOCJOINTS" {
		t.Errorf("documents joints after replacement = %+v", docs)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "files", "objects", a.SHA256[:2], a.SHA256)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the replaced annex's file is still stored (err %v)", err)
	}
	// Used bytes count the base and its current annexes.
	_, photosSize := sha(t, hugo[3])
	st := mustStatus(t, s)
	want := 2*got.Size + a2.Size + photosSize // two bases of the same size
	if st.UsedBytes != want {
		t.Errorf("used %d bytes, want %d", st.UsedBytes, want)
	}
}

func TestServerLifecycle(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	a := load(t, s, generate(t, est.HostingNumber, "A", fileSize)[0])
	b := load(t, s, generate(t, est.HostingNumber, "B", fileSize)[0])

	if err := s.PutInService(ctx); !errors.Is(err, backend.ErrNoOpenedBase) {
		t.Fatalf("PutInService with nothing opened: %v", err)
	}
	if err := s.StopServer(ctx); !errors.Is(err, backend.ErrServerStopped) {
		t.Fatalf("StopServer when stopped: %v", err)
	}
	ok(t, s.OpenBase(ctx, a.ID))
	if err := s.OpenBase(ctx, a.ID); !errors.Is(err, backend.ErrAlreadyOpened) {
		t.Errorf("OpenBase of the opened base: %v", err)
	}
	st := mustStatus(t, s)
	if st.Opened == nil || st.Opened.ID != a.ID || st.State != backend.ServerStopped || st.InService != nil {
		t.Fatalf("status after open = %+v", st)
	}

	from := e.clock.Now()
	ok(t, s.PutInService(ctx))
	if err := s.PutInService(ctx); !errors.Is(err, backend.ErrAlreadyRunning) {
		t.Errorf("PutInService twice: %v", err)
	}
	if err := s.OpenBase(ctx, b.ID); !errors.Is(err, backend.ErrServerRunning) {
		t.Errorf("OpenBase while running: %v", err)
	}
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); !errors.Is(err, backend.ErrServerRunning) {
		t.Errorf("CreateBase while running: %v", err)
	}
	if err := s.DeleteBase(ctx, a.ID); !errors.Is(err, backend.ErrBaseOpened) {
		t.Errorf("DeleteBase of the base in service: %v", err)
	}
	st = mustStatus(t, s)
	if st.State != backend.ServerRunning || st.InService == nil || st.InService.ID != a.ID || !st.InService.InService {
		t.Fatalf("status in service = %+v", st)
	}
	if l := mustBases(t, s); len(l.PreviouslyInService) != 1 || l.PreviouslyInService[0].LastPeriod().To != (time.Time{}) {
		t.Errorf("a base in service is listed with an open period: %+v", l.PreviouslyInService)
	}

	e.clock.Advance(3 * time.Hour)
	to := e.clock.Now()
	ok(t, s.StopServer(ctx))
	l := mustBases(t, s)
	if len(l.PreviouslyInService) != 1 || len(l.Uploaded) != 1 || l.Uploaded[0].ID != b.ID {
		t.Fatalf("lists after stop = %+v", l)
	}
	p := l.PreviouslyInService[0]
	if p.ID != a.ID || !p.Opened || p.InService || len(p.Periods) != 1 || !p.Periods[0].From.Equal(from) || !p.Periods[0].To.Equal(to) {
		t.Errorf("previously in service = %+v, want one period %v–%v, still opened", p, from, to)
	}
	st = mustStatus(t, s)
	if st.State != backend.ServerStopped || st.InService != nil || st.Opened == nil || st.Opened.ID != a.ID {
		t.Errorf("status after stop = %+v", st)
	}

	// B goes in service later: most recent service first.
	ok(t, s.OpenBase(ctx, b.ID))
	e.clock.Advance(time.Hour)
	ok(t, s.PutInService(ctx))
	l = mustBases(t, s)
	if len(l.PreviouslyInService) != 2 || l.PreviouslyInService[0].ID != b.ID || l.PreviouslyInService[1].ID != a.ID {
		t.Errorf("previously in service order = %v, want B then A", ids(l.PreviouslyInService))
	}
	j := e.journal(t, est.ID)
	if count(j, "server.start", true) != 2 || count(j, "server.stop", true) != 1 || count(j, "server.start", false) != 2 {
		t.Errorf("journal does not record the starts, stop and refusals: %+v", j)
	}
}

func ids(bases []backend.Base) []int64 {
	var out []int64
	for _, b := range bases {
		out = append(out, b.ID)
	}
	return out
}

func TestCreateBase(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()

	if _, err := hostfile.ParseSchoolYear("2026-2020"); !errors.Is(err, hostfile.ErrInvalidYear) {
		t.Errorf("ParseSchoolYear(2026-2020): %v", err)
	}
	badGrid := hostfile.DefaultGrid()
	badGrid.Start, badGrid.End = 18*60, 8*60
	noDays := hostfile.DefaultGrid()
	noDays.Days = nil
	oddSlot := hostfile.DefaultGrid()
	oddSlot.Slot = 35
	refusals := []struct {
		name string
		req  backend.CreateBaseRequest
		want error
	}{
		{"year before 2000", backend.CreateBaseRequest{Year: 1999, Grid: hostfile.DefaultGrid()}, hostfile.ErrInvalidYear},
		{"year after 2098", backend.CreateBaseRequest{Year: 2099, Grid: hostfile.DefaultGrid()}, hostfile.ErrInvalidYear},
		{"no year", backend.CreateBaseRequest{Grid: hostfile.DefaultGrid()}, hostfile.ErrInvalidYear},
		{"grid end before start", backend.CreateBaseRequest{Year: 2026, Grid: badGrid}, hostfile.ErrInvalidGrid},
		{"grid without days", backend.CreateBaseRequest{Year: 2026, Grid: noDays}, hostfile.ErrInvalidGrid},
		{"grid slot of 35 minutes", backend.CreateBaseRequest{Year: 2026, Grid: oddSlot}, hostfile.ErrInvalidGrid},
		{"zero grid", backend.CreateBaseRequest{Year: 2026}, hostfile.ErrInvalidGrid},
	}
	for _, r := range refusals {
		if _, err := s.CreateBase(ctx, r.req); !errors.Is(err, r.want) {
			t.Errorf("%s: err = %v, want %v", r.name, err, r.want)
		}
	}
	if l := mustBases(t, s); len(allBases(l)) != 0 {
		t.Errorf("refused forms created bases: %+v", l)
	}
	if o := e.objects(t); len(o) != 0 {
		t.Errorf("refused forms stored files: %v", o)
	}

	// The default form: in March 2026, school year 2025-2026, 8h-18h grid.
	req := s.DefaultCreateBase()
	if req.Year != 2025 || req.Grid.String() != hostfile.DefaultGrid().String() {
		t.Errorf("default form = %+v", req)
	}
	req.Year = 2026
	req.Grid.Slot = 30
	b, err := s.CreateBase(ctx, req)
	ok(t, err)
	if b.Origin != backend.OriginCreated || !b.Opened || b.InService || b.Year != 2026 || b.Grid.Slot != 30 ||
		b.Students != 0 || b.Name != "Nouvelle base 2026-2027" {
		t.Errorf("created base = %+v", b)
	}
	st := mustStatus(t, s)
	if st.Opened == nil || st.Opened.ID != b.ID || st.State != backend.ServerStopped {
		t.Errorf("status after create = %+v", st)
	}
	// The stored file is a valid empty base of the establishment.
	f, err := os.Open(filepath.Join(e.dir, "files", "objects", b.SHA256[:2], b.SHA256))
	ok(t, err)
	defer f.Close()
	h, _, err := hostfile.Verify(f, hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: est.HostingNumber, BaseID: b.BaseUID})
	if err != nil || h.Year != 2026 || h.PayloadSize != 0 || h.Establishment != est.Name {
		t.Errorf("stored created base: header %+v, err %v", h, err)
	}
	ok(t, s.PutInService(ctx))
	if st := mustStatus(t, s); st.InService == nil || st.InService.ID != b.ID {
		t.Errorf("created base not in service: %+v", st)
	}
}

func TestDefaultSchoolYear(t *testing.T) {
	cases := []struct {
		at   time.Time
		want hostfile.SchoolYear
	}{
		{time.Date(2026, 6, 30, 21, 0, 0, 0, time.UTC), 2025}, // 30 June 23:00 in Paris
		{time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC), 2026}, // 1 July 01:00 in Paris
		{time.Date(2026, 12, 31, 8, 0, 0, 0, time.UTC), 2026},
		{time.Date(2027, 1, 5, 8, 0, 0, 0, time.UTC), 2026},
	}
	for _, c := range cases {
		if got := backend.DefaultSchoolYear(c.at); got != c.want {
			t.Errorf("DefaultSchoolYear(%v) = %v, want %v", c.at, got, c.want)
		}
	}
}

func TestDeleteBase(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	hugo := generate(t, est.HostingNumber, "HUGO", fileSize)
	a := load(t, s, hugo[0])
	b := load(t, s, generate(t, est.HostingNumber, "B", fileSize)[0])
	ok(t, s.OpenBase(ctx, a.ID))
	ok(t, s.PutInService(ctx))
	annex, err := attach(s, hugo[3])
	ok(t, err)
	ok(t, s.StopServer(ctx))

	if err := s.DeleteBase(ctx, a.ID); !errors.Is(err, backend.ErrBaseOpened) {
		t.Fatalf("DeleteBase of the opened base: %v", err)
	}
	if err := s.DeleteBase(ctx, 9999); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("DeleteBase of an unknown id: %v", err)
	}
	// Open B, then delete A, previously in service with an annex: it leaves
	// the lists, but its backup (taken before B replaced it) keeps it and
	// its files, hidden.
	ok(t, s.OpenBase(ctx, b.ID))
	ok(t, s.DeleteBase(ctx, a.ID))
	l := mustBases(t, s)
	if all := allBases(l); len(all) != 1 || all[0].ID != b.ID {
		t.Errorf("bases after delete = %v", ids(all))
	}
	stored := func(sum string) bool {
		_, err := os.Stat(filepath.Join(e.dir, "files", "objects", sum[:2], sum))
		return err == nil
	}
	for _, sum := range []string{a.SHA256, annex.SHA256} {
		if !stored(sum) {
			t.Errorf("file %s… of the deleted base, that a backup holds, is gone", sum[:8])
		}
	}
	if _, err := s.Base(ctx, a.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("Base of a deleted id: %v", err)
	}
	if err := s.DeleteBase(ctx, a.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}
	// Deleted, the same file can be loaded again; it is stored once.
	load(t, s, hugo[0])
	if st := mustStatus(t, s); st.UsedBytes != 2*b.Size+annex.Size {
		t.Errorf("used bytes %d, want %d", st.UsedBytes, 2*b.Size+annex.Size)
	}
	// A base nothing needs goes at once, with its file.
	c := load(t, s, generate(t, est.HostingNumber, "C", fileSize)[0])
	ok(t, s.DeleteBase(ctx, c.ID))
	if stored(c.SHA256) {
		t.Errorf("file %s… of a deleted base nothing needs is still stored", c.SHA256[:8])
	}
}

func TestOpenBaseWithMissingFile(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	b := load(t, s, generate(t, est.HostingNumber, "A", fileSize)[0])
	ok(t, os.Remove(filepath.Join(e.dir, "files", "objects", b.SHA256[:2], b.SHA256)))
	if err := s.OpenBase(context.Background(), b.ID); !errors.Is(err, backend.ErrFileMissing) {
		t.Errorf("OpenBase without its file: %v, want ErrFileMissing", err)
	}
	if st := mustStatus(t, s); st.Opened != nil {
		t.Errorf("a base without its file was opened: %+v", st.Opened)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	sA, estA := e.session(t, "Lycée A")
	sB, estB := e.session(t, "Lycée B")
	baseA := load(t, sA, generate(t, estA.HostingNumber, "A", fileSize)[0])
	baseB := load(t, sB, generate(t, estB.HostingNumber, "B", fileSize)[0])
	ok(t, sB.OpenBase(ctx, baseB.ID))

	if err := sA.OpenBase(ctx, baseB.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("A opens B's base: %v", err)
	}
	if err := sA.DeleteBase(ctx, baseB.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("A deletes B's base: %v", err)
	}
	if _, err := sA.Base(ctx, baseB.ID); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("A reads B's base: %v", err)
	}
	// B's opened base is not A's: A cannot start a server on it.
	if err := sA.PutInService(ctx); !errors.Is(err, backend.ErrNoOpenedBase) {
		t.Errorf("A puts in service with B's base opened: %v", err)
	}
	l := mustBases(t, sA)
	if all := allBases(l); len(all) != 1 || all[0].ID != baseA.ID {
		t.Errorf("A sees bases %v, want only %d", ids(all), baseA.ID)
	}
	stB := mustStatus(t, sB)
	if stB.Opened == nil || stB.Opened.ID != baseB.ID || len(allBases(mustBases(t, sB))) != 1 {
		t.Errorf("B's state changed: %+v", stB)
	}
	if stA := mustStatus(t, sA); stA.Establishment.ID != estA.ID || stA.Opened != nil || stA.UsedBytes != baseA.Size {
		t.Errorf("A's status = %+v", stA)
	}
	// B's hosting file cannot be loaded by A.
	if _, err := loadErr(sA, "B.HNOT", generate(t, estB.HostingNumber, "B2", fileSize)[0]); !errors.Is(err, hostfile.ErrOtherHostingNumber) {
		t.Errorf("A loads B's file: %v", err)
	}
}

// TestLoadBaseManyChunks loads a file of many read chunks, delivered in uneven
// pieces, so that reading, hashing and writing overlap: the stored file must
// be byte-identical and the checksum accepted.
func TestLoadBaseManyChunks(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	paths := generate(t, est.HostingNumber, "GRANDE", 24<<20+12345)
	wantSum, _ := sha(t, paths[0])
	f, err := os.Open(paths[0])
	ok(t, err)
	defer f.Close()
	b, err := s.LoadBase(context.Background(), "GRANDE.HNOT", iotest.HalfReader(f), nil)
	ok(t, err)
	if b.SHA256 != wantSum {
		t.Fatalf("stored under %s, want %s", b.SHA256, wantSum)
	}
	stored, err := os.ReadFile(filepath.Join(e.dir, "files", "objects", wantSum[:2], wantSum))
	ok(t, err)
	orig, _ := os.ReadFile(paths[0])
	if !bytes.Equal(stored, orig) {
		t.Error("the stored file differs from the upload")
	}
}

// Two bases created for the same year get names of their own, so that a
// script can name either.
func TestCreatedBasesHaveDistinctNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s, _ := e.session(t, "Lycée A")
	var names []string
	for range 3 {
		b, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2026, Grid: hostfile.DefaultGrid()})
		ok(t, err)
		names = append(names, b.Name)
	}
	want := []string{"Nouvelle base 2026-2027", "Nouvelle base 2026-2027 (2)", "Nouvelle base 2026-2027 (3)"}
	if !slices.Equal(names, want) {
		t.Errorf("names = %q, want %q", names, want)
	}
}

// "Arrêter et ouvrir" / "Arrêter et créer": the stop and the action are one
// transaction. A base deleted meanwhile by another session stops nothing;
// when it goes through, the stop has its own journal line.
func TestStopAndOpenIsOneStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	s, est := e.session(t, "Lycée A")
	served, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2025, Grid: hostfile.DefaultGrid()})
	ok(t, err)
	ok(t, s.PutInService(ctx))
	gone, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2026, Grid: hostfile.DefaultGrid(), StopFirst: true})
	ok(t, err)
	if st := mustStatus(t, s); st.State != backend.ServerStopped || st.Opened == nil || st.Opened.ID != gone.ID {
		t.Fatalf("after create with StopFirst: %s, opened %+v", st.State, st.Opened)
	}
	ok(t, s.OpenBase(ctx, served.ID))
	ok(t, s.PutInService(ctx))
	ok(t, s.DeleteBase(ctx, gone.ID)) // another session's delete, say

	if err := s.StopAndOpenBase(ctx, gone.ID); !errors.Is(err, backend.ErrBaseNotFound) {
		t.Fatalf("StopAndOpenBase of a deleted base: %v, want ErrBaseNotFound", err)
	}
	if st := mustStatus(t, s); st.State != backend.ServerRunning {
		t.Fatalf("a refused StopAndOpenBase stopped the server: %s", st.State)
	}
	if _, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2026, Grid: hostfile.DefaultGrid()}); !errors.Is(err, backend.ErrServerRunning) {
		t.Fatalf("CreateBase while running without StopFirst: %v", err)
	}
	next, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2027, Grid: hostfile.DefaultGrid()})
	if err == nil {
		t.Fatalf("created %v while running", next)
	}
	stops := count(e.journal(t, est.ID), "server.stop", true)
	b2, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2027, Grid: hostfile.DefaultGrid(), StopFirst: true})
	ok(t, err)
	ok(t, s.OpenBase(ctx, served.ID))
	ok(t, s.PutInService(ctx))
	ok(t, s.StopAndOpenBase(ctx, b2.ID))
	st := mustStatus(t, s)
	if st.State != backend.ServerStopped || st.Opened == nil || st.Opened.ID != b2.ID {
		t.Fatalf("after StopAndOpenBase: %s, opened %+v", st.State, st.Opened)
	}
	if got := count(e.journal(t, est.ID), "server.stop", true); got != stops+2 {
		t.Errorf("server.stop journaled %d times, want %d", got, stops+2)
	}
	for _, b := range allBases(mustBases(t, s)) {
		for _, p := range b.Periods {
			if p.To.IsZero() {
				t.Errorf("base %s still has an open service period", b.Name)
			}
		}
	}
}
