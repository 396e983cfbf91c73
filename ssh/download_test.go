package ssh

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
)

// ---------- a generated stream, as BackupExport.Open gives ----------

// genTable repeats through the generated file: a prime length, so no read
// of a power-of-two size lines up with it.
var genTable = func() []byte {
	b := make([]byte, 65521)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}()

// genFill writes the generated file's bytes from off into p.
func genFill(p []byte, off int64) {
	for len(p) > 0 {
		i := off % int64(len(genTable))
		k := copy(p, genTable[i:])
		p, off = p[k:], off+int64(k)
	}
}

func genBytes(off, n int64) []byte {
	b := make([]byte, n)
	genFill(b, off)
	return b
}

// fakeExport opens streams of a size-byte generated file. A stream hands
// out uneven pieces; it may fail with failErr once it reaches failAt (-1:
// never), end early (cut > 0: after cut bytes) or go on past the size
// (extra bytes).
type fakeExport struct {
	size    int64
	failAt  int64
	failErr error
	cut     int64
	extra   int64

	mu      sync.Mutex
	offsets []int64 // where each stream was opened
	open    int     // streams not closed yet
}

func newFake(size int64) *fakeExport { return &fakeExport{size: size, failAt: -1} }

func (f *fakeExport) Open(off int64) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.offsets = append(f.offsets, off)
	f.open++
	end := f.size + f.extra
	if f.cut > 0 {
		end = f.cut
	}
	return &fakeStream{f: f, pos: off, end: end, rng: rand.New(rand.NewPCG(uint64(off), 7))}, nil
}

func (f *fakeExport) opens() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int64(nil), f.offsets...)
}

func (f *fakeExport) stillOpen() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open
}

type fakeStream struct {
	f      *fakeExport
	pos    int64
	end    int64
	rng    *rand.Rand
	closed bool
}

func (s *fakeStream) Read(p []byte) (int, error) {
	if s.closed {
		return 0, errors.New("read after close")
	}
	if s.f.failAt >= 0 && s.pos >= s.f.failAt {
		return 0, s.f.failErr
	}
	if s.pos >= s.end {
		return 0, io.EOF
	}
	n := min(int64(len(p)), s.end-s.pos, 1+s.rng.Int64N(40<<10))
	if s.f.failAt >= 0 {
		n = min(n, max(s.f.failAt-s.pos, 0))
	}
	genFill(p[:n], s.pos)
	s.pos += n
	return int(n), nil
}

func (s *fakeStream) Close() error {
	if !s.closed {
		s.closed = true
		s.f.mu.Lock()
		s.f.open--
		s.f.mu.Unlock()
	}
	return nil
}

// readAll reads [off, off+n) through ReadAt, failing the test on an error.
func readRange(t *testing.T, r io.ReaderAt, off, n int64) []byte {
	t.Helper()
	p := make([]byte, n)
	k, err := r.ReadAt(p, off)
	if err != nil && !(err == io.EOF && int64(k) == n) {
		t.Fatalf("ReadAt(%d bytes at %d) = %d, %v", n, off, k, err)
	}
	return p[:k]
}

// ---------- streamReaderAt ----------

func TestStreamReaderAtInOrder(t *testing.T) {
	f := newFake(5<<20 + 321)
	r := newStreamReaderAt(f.size, f.Open)
	var got bytes.Buffer
	p := make([]byte, 32<<10)
	for off := int64(0); ; off += int64(len(p)) {
		n, err := r.ReadAt(p, off)
		got.Write(p[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(got.Bytes(), genBytes(0, f.size)) {
		t.Fatalf("%d bytes read differ from the stream's %d", got.Len(), f.size)
	}
	if o := f.opens(); len(o) != 1 || o[0] != 0 {
		t.Errorf("stream opened at %v, want once at 0", o)
	}
	if f.stillOpen() != 0 {
		t.Error("the stream is still open after its end")
	}
	// Past the end: io.EOF, no new stream.
	if n, err := r.ReadAt(p, f.size); n != 0 || err != io.EOF {
		t.Errorf("ReadAt at the end = %d, %v", n, err)
	}
	if n, err := r.ReadAt(p, f.size+1<<30); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past the end = %d, %v", n, err)
	}
	if _, err := r.ReadAt(p, -1); err == nil {
		t.Error("a negative offset was read")
	}
	r.Close()
	if _, err := r.ReadAt(p, 0); err == nil {
		t.Error("read after Close")
	}
}

// Reads shuffled within groups (as pkg/sftp's workers deliver them) are
// served from the window: one stream for the whole file.
func TestStreamReaderAtShuffledReads(t *testing.T) {
	f := newFake(9<<20 + 77)
	r := newStreamReaderAt(f.size, f.Open)
	defer r.Close()
	const chunk = 32 << 10
	var offs []int64
	for off := int64(0); off < f.size; off += chunk {
		offs = append(offs, off)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < len(offs); i += 16 { // 16 × 32 KiB: what pkg/sftp has in flight
		g := offs[i:min(i+16, len(offs))]
		rng.Shuffle(len(g), func(a, b int) { g[a], g[b] = g[b], g[a] })
	}
	got := make([]byte, f.size)
	for _, off := range offs {
		n := min(chunk, f.size-off)
		copy(got[off:], readRange(t, r, off, n))
	}
	if !bytes.Equal(got, genBytes(0, f.size)) {
		t.Fatal("shuffled reads differ from the stream")
	}
	if o := f.opens(); len(o) != 1 {
		t.Errorf("stream opened %d times (%v), want once", len(o), o)
	}
}

// Eight goroutines reading the chunks in turn, as pkg/sftp's workers do:
// every byte right whatever the interleaving (run with -race).
func TestStreamReaderAtConcurrentReads(t *testing.T) {
	f := newFake(6<<20 + 5)
	r := newStreamReaderAt(f.size, f.Open)
	defer r.Close()
	const chunk = 32 << 10
	next := make(chan int64)
	go func() {
		for off := int64(0); off < f.size; off += chunk {
			next <- off
		}
		close(next)
	}()
	got := make([]byte, f.size)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			p := make([]byte, chunk)
			for off := range next {
				n, err := r.ReadAt(p, off)
				if err != nil && err != io.EOF {
					errs <- err
					return
				}
				copy(got[off:], p[:n])
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if !bytes.Equal(got, genBytes(0, f.size)) {
		t.Fatal("concurrent reads differ from the stream")
	}
	t.Logf("%d streams for %d concurrent readers", len(f.opens()), 8)
}

// reget: the first read at X opens the stream once, half a window before X;
// the bytes are the full stream's.
func TestStreamReaderAtResume(t *testing.T) {
	f := newFake(9<<20 + 999)
	r := newStreamReaderAt(f.size, f.Open)
	defer r.Close()
	const from = 5<<20 + 12345
	got := readRange(t, r, from, f.size-from)
	if !bytes.Equal(got, genBytes(from, f.size-from)) {
		t.Fatal("resumed bytes differ")
	}
	if o := f.opens(); len(o) != 1 || o[0] != from-readWindow/2 {
		t.Errorf("stream opened at %v, want once at %d", o, from-readWindow/2)
	}
}

// Arbitrary ranges in any order give the full stream's bytes; jumps back
// past the window, or far ahead of a stream not halfway there, open the
// stream again before the offset.
// (A smaller window and skip than served, so the test stays small.)
func TestStreamReaderAtRandomRanges(t *testing.T) {
	const window, skip = 64 << 10, 1 << 20
	small := func(f *fakeExport) *streamReaderAt {
		r := newStreamReaderAt(f.size, f.Open)
		r.window, r.skip = window, skip
		return r
	}
	f := newFake(12<<20 + 3)
	r := small(f)
	defer r.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		off := rng.Int64N(f.size)
		n := 1 + rng.Int64N(min(200<<10, f.size-off))
		if !bytes.Equal(readRange(t, r, off, n), genBytes(off, n)) {
			t.Fatalf("range [%d, %d) differs", off, off+n)
		}
	}
	// A read larger than the window.
	if !bytes.Equal(readRange(t, r, 17, 5*window+3), genBytes(17, 5*window+3)) {
		t.Fatal("a read larger than the window differs")
	}

	// Jumps: the offsets the stream was opened at.
	f = newFake(12<<20 + 3)
	r = small(f)
	defer r.Close()
	readRange(t, r, 0, 300<<10)                 // opens at 0
	readRange(t, r, 300<<10-window+1, window-1) // behind, in the window
	readRange(t, r, 300<<10+skip-1000, 1000)    // ahead, reads on
	readRange(t, r, 200<<10, 1000)              // behind the window: reopens
	readRange(t, r, 3<<20, 1000)                // far ahead: reopens
	readRange(t, r, 3<<20-window/2, 1000)       // the half window before it
	readRange(t, r, 5<<20, 1000)                // far ahead, but past halfway: reads on
	if o, want := f.opens(), []int64{0, 200<<10 - window/2, 3<<20 - window/2}; !equalInts(o, want) {
		t.Errorf("stream opened at %v, want %v", o, want)
	}
	if f.stillOpen() != 1 {
		t.Errorf("%d streams open, want 1", f.stillOpen())
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// A stream that fails (a corrupt stored file) fails the read that reaches
// the failure and every read after it, even of bytes served before; the
// end of the file is never handed out.
func TestStreamReaderAtCorruption(t *testing.T) {
	for _, at := range []int64{0, 1<<20 + 7, 4<<20 - 32, 4 << 20} {
		f := newFake(4 << 20)
		f.failAt, f.failErr = at, backend.ErrBackupCorrupt
		r := newStreamReaderAt(f.size, f.Open)
		got := make([]byte, 0, f.size)
		p := make([]byte, 32<<10)
		var err error
		for off := int64(0); off < f.size; off += int64(len(p)) {
			var n int
			n, err = r.ReadAt(p, off)
			if err != nil {
				break
			}
			got = append(got, p[:n]...)
		}
		if !errors.Is(err, backend.ErrBackupCorrupt) {
			t.Fatalf("failure at %d: read error %v, want ErrBackupCorrupt", at, err)
		}
		if int64(len(got)) >= f.size {
			t.Fatalf("failure at %d: the whole file was read", at)
		}
		if _, err := r.ReadAt(p[:10], 0); !errors.Is(err, backend.ErrBackupCorrupt) {
			t.Errorf("failure at %d: a later read gave %v", at, err)
		}
		if _, err := r.ReadAt(p, f.size-int64(len(p))); !errors.Is(err, backend.ErrBackupCorrupt) {
			t.Errorf("failure at %d: the end was read: %v", at, err)
		}
		if f.stillOpen() != 0 {
			t.Errorf("failure at %d: stream left open", at)
		}
		r.Close()
	}
}

// A stream that ends before or goes on past the listed size fails the read
// that would complete the file.
func TestStreamReaderAtWrongLength(t *testing.T) {
	short := newFake(1 << 20)
	short.cut = 1<<20 - 10
	long := newFake(1 << 20)
	long.extra = 1
	for _, tc := range []struct {
		f    *fakeExport
		want error
	}{{short, errShortStream}, {long, errLongStream}} {
		r := newStreamReaderAt(tc.f.size, tc.f.Open)
		p := make([]byte, tc.f.size)
		n, err := r.ReadAt(p, 0)
		if !errors.Is(err, tc.want) || n != 0 {
			t.Errorf("ReadAt = %d, %v; want 0, %v", n, err, tc.want)
		}
		// The bytes before the end alone are still refused: the error sticks.
		if _, err := r.ReadAt(p[:100], 0); !errors.Is(err, tc.want) {
			t.Errorf("later read: %v", err)
		}
		r.Close()
	}
}

// The SFTP download says why in French, told once.
func TestSFTPDownloadFailureTold(t *testing.T) {
	f := newFake(2 << 20)
	f.failAt, f.failErr = 1<<20, backend.ErrBackupCorrupt
	notes := &ftNotes{}
	tree := newFileTree(nil, nil, notes.notify)
	released := 0
	d := &sftpDownload{streamReaderAt: newStreamReaderAt(f.size, f.Open), t: tree, name: "HUGO-20260310-0200.HNOT", release: func() { released++ }}
	p := make([]byte, 32<<10)
	var err error
	for off := int64(0); err == nil; off += int64(len(p)) {
		_, err = d.ReadAt(p, off)
	}
	if !errors.Is(err, sftp.ErrSSHFxFailure) || !strings.Contains(err.Error(), backend.Message(backend.ErrBackupCorrupt)) {
		t.Errorf("error %q: want a FAILURE with the reason", err)
	}
	d.ReadAt(p, 0) //nolint:errcheck
	notes.one(t, 0, false, "Téléchargement de « HUGO-20260310-0200.HNOT » interrompu : "+backend.Message(backend.ErrBackupCorrupt))
	d.Close()
	if released != 1 {
		t.Errorf("slot released %d times", released)
	}
}

// scp's reader opens its stream at the first read and closes it at the end.
func TestSCPDownloadReader(t *testing.T) {
	f := newFake(3<<20 + 1)
	d := &scpDownload{name: "X.HNOT", size: f.size, open: f.Open}
	if len(f.opens()) != 0 {
		t.Fatal("opened before the first read")
	}
	got, err := io.ReadAll(d)
	if err != nil || !bytes.Equal(got, genBytes(0, f.size)) {
		t.Fatalf("ReadAll = %d bytes, %v", len(got), err)
	}
	if f.stillOpen() != 0 {
		t.Error("stream still open after the end")
	}

	f = newFake(3 << 20)
	f.failAt, f.failErr = 3<<20, backend.ErrBackupCorrupt // at the very end
	d = &scpDownload{name: "X.HNOT", size: f.size, open: f.Open}
	got, err = io.ReadAll(d)
	if err == nil || !strings.Contains(err.Error(), backend.Message(backend.ErrBackupCorrupt)) {
		t.Fatalf("corrupt stream: err %v", err)
	}
	if int64(len(got)) >= f.size {
		t.Error("the whole file was handed out")
	}
	if f.stillOpen() != 0 {
		t.Error("stream still open after the failure")
	}
}

// The back end's refusals about sauvegardes/ keep their sentence and get
// the SFTP status a client understands (no role lacks PermBackups today, so
// the forbidden case cannot be reached end to end).
func TestBackupRefusalStatus(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code error
	}{
		{backend.ErrForbidden, sftp.ErrSSHFxPermissionDenied},
		{backend.ErrBackupNotFound, sftp.ErrSSHFxNoSuchFile},
		{backend.ErrBackupCorrupt, sftp.ErrSSHFxFailure},
		{errors.New("disk on fire"), sftp.ErrSSHFxFailure},
	} {
		err := backupRefusal(tc.err)
		if !errors.Is(err, tc.code) || err.Error() != backend.Message(tc.err) {
			t.Errorf("backupRefusal(%v) = %q (%v), want %v with %q", tc.err, err, errors.Unwrap(err), tc.code, backend.Message(tc.err))
		}
	}
}
