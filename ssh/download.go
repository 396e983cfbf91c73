package ssh

// Downloads of sauvegardes/: a backup is not a file on disk but a stream the
// back end generates (BackupExport.Open: the base's header, its payload and
// its changes up to the backup, the trailing SHA-256), and it is sent as it
// is generated, without a temporary copy (rules at the top of files.go).

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
)

const (
	// readWindow is how many of the last bytes generated a download keeps,
	// to serve the reads that arrive out of order. pkg/sftp's server caps a
	// read at 32 KiB and serves up to 8 at once; a client keeps up to 64
	// reads in flight (OpenSSH's sftp and scp, pkg/sftp's client), and a
	// worker that is slow to run can find the others 2 MiB ahead of it (seen
	// in TestSFTPBackupDownloadLoadsBack). 4 MiB covers 128 such reads.
	readWindow = 4 << 20
	// maxSkip is how far ahead of the stream a read may start and always be
	// served by reading on. Past it, the stream is opened again at the read
	// when that is cheaper: opening at X generates and hashes X bytes
	// without sending them, about 1.8 times as fast as reading them through
	// (BenchmarkSFTPDownloadBackup's figures: 256 MiB skipped in 0.48 s,
	// read in 0.85 s), so it pays when the stream is less than halfway to
	// the read.
	maxSkip = 16 << 20
	// maxDownloads bounds the SFTP downloads one session has open at once
	// (each holds a stream and up to readWindow bytes).
	maxDownloads = 4
)

var (
	// errShortStream and errLongStream are a stream that does not end at
	// the size the listing announced: the file would not be the one listed.
	errShortStream = errors.New("the backup's stream ended before its announced size")
	errLongStream  = errors.New("the backup's stream goes on past its announced size")
	// errReadClosed is a read on a download already closed.
	errReadClosed = errors.New("read on a closed download")
	errNegative   = errors.New("negative read offset")
)

// exactStream reads a stream that must hold exactly left bytes. Its last
// bytes are held back until the stream's end has been seen: an error there
// (ErrBackupCorrupt, however late the back end reports it) or extra bytes
// fail the read that would have completed the file, so a client never gets
// a complete-looking file from a stream that failed.
type exactStream struct {
	rc   io.ReadCloser
	left int64
}

func (s *exactStream) Read(p []byte) (int, error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.rc.Read(p)
	s.left -= int64(n)
	if s.left > 0 {
		if err == io.EOF {
			err = errShortStream
		}
		return n, err
	}
	if err == nil {
		err = s.probeEnd()
	}
	if err != nil && err != io.EOF {
		return 0, err
	}
	return n, nil
}

// probeEnd checks that the stream ends here.
func (s *exactStream) probeEnd() error {
	var one [1]byte
	for range 100 {
		n, err := s.rc.Read(one[:])
		switch {
		case n > 0:
			return errLongStream
		case err != nil:
			return err
		}
	}
	return io.ErrNoProgress
}

// streamReaderAt is the io.ReaderAt pkg/sftp reads a download through, over
// a stream that can be opened at any offset and only read forward.
//
// Why it is written here: pkg/sftp serves a file by calling ReadAt from up
// to eight workers at once, so even a client reading in order (OpenSSH's
// sftp, get and scp; pkg/sftp's client) has its reads arrive concurrently
// and slightly out of order, and `reget` or a range starts anywhere. Over an
// *os.File that costs nothing; a backup is generated, and opening it at an
// offset regenerates and hashes every byte before it (O(offset)). Opening
// the stream again for each read would make a download quadratic, and
// keeping the whole file to serve reads from would be the temporary copy
// the spec forbids. The standard library and pkg/sftp adapt only in the
// other direction (io.SectionReader, io.NewOffsetWriter need a ReaderAt or a
// Seeker underneath), and no library we know turns a regenerable
// forward-only stream into a ReaderAt, hence this type:
//
//   - the stream is opened lazily, at the first read's offset less half the
//     window (so `reget` from offset X costs what generating X bytes costs,
//     once, and the reads just behind the first one, which other workers
//     hold, are in the window);
//   - a read at or just past the stream's position reads on; the bytes go
//     through a ring that keeps the last readWindow of them;
//   - a read slightly behind (an out-of-order worker) is served from the
//     ring, and a read a little ahead reads on, keeping what it skips in
//     the ring for the reads that will ask for it;
//   - a read behind the ring opens the stream again at its offset, less
//     half the window (a jump back: another range, a second pass); so does
//     a read more than maxSkip ahead, when the stream is less than halfway
//     to it (then opening again costs less than reading on);
//   - an error of the stream is sticky: every later read fails with it, so
//     no read after a corruption can hand out the end of the file.
//
// Reads are serialized by a mutex: the stream is one sequential generator
// anyway. It is safe for concurrent use.
type streamReaderAt struct {
	open func(off int64) (io.ReadCloser, error)
	size int64
	// window and skip are readWindow and maxSkip (smaller in tests).
	window, skip int64

	mu     sync.Mutex
	s      *exactStream // nil until the first read and after the end
	pos    int64        // offset of the stream's next byte
	ring   []byte       // the last held bytes before pos, byte i at i % len(ring)
	held   int64
	err    error
	closed bool
	opens  int // how many times the stream was opened (tests, benchmarks)
}

func newStreamReaderAt(size int64, open func(off int64) (io.ReadCloser, error)) *streamReaderAt {
	return &streamReaderAt{open: open, size: size, window: readWindow, skip: maxSkip}
}

// ReadAt reads len(p) bytes at off, or up to the end of the file with
// io.EOF.
func (r *streamReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errNegative
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.err != nil:
		return 0, r.err
	case r.closed:
		return 0, errReadClosed
	case off >= r.size:
		return 0, io.EOF
	}
	want := p
	if rest := r.size - off; int64(len(p)) > rest {
		want = p[:rest]
	}
	n := 0
	for n < len(want) {
		at := off + int64(n)
		if at < r.pos && at >= r.pos-r.held {
			n += r.copyOut(want[n:], at)
			continue
		}
		var err error
		if r.s == nil || at < r.pos || at-r.pos > max(r.skip, r.window) && r.pos < at/2 {
			err = r.reopen(at)
		} else {
			err = r.advance(off + int64(len(want)))
		}
		if err != nil {
			r.err = err
			r.drop()
			return 0, err
		}
	}
	if len(want) < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// copyOut copies the bytes from at (in the ring) into dst.
func (r *streamReaderAt) copyOut(dst []byte, at int64) int {
	w := int64(len(r.ring))
	k := min(int64(len(dst)), r.pos-at)
	i := at % w
	c := copy(dst[:k], r.ring[i:min(i+k, w)])
	copy(dst[c:k], r.ring[:k-int64(c)])
	return int(k)
}

// reopen starts the stream again a little before at: at less half the
// window, so that the reads just behind at are served too.
func (r *streamReaderAt) reopen(at int64) error {
	r.drop()
	off := max(0, at-r.window/2)
	rc, err := r.open(off)
	if err != nil {
		return err
	}
	r.opens++
	r.s = &exactStream{rc: rc, left: r.size - off}
	r.pos, r.held = off, 0
	if r.ring == nil {
		r.ring = make([]byte, min(r.window, r.size))
	}
	return nil
}

// advance reads the stream's next bytes into the ring, not past end (the
// end of the read being served), so the ring keeps as much as it can of
// what is behind.
func (r *streamReaderAt) advance(end int64) error {
	w := int64(len(r.ring))
	i := r.pos % w
	n, err := r.s.Read(r.ring[i:min(w, i+end-r.pos)])
	r.pos += int64(n)
	r.held = min(r.held+int64(n), w)
	if r.pos == r.size { // verified by exactStream: the stream can go
		r.drop()
	}
	if err == io.EOF { // only past the end, which ReadAt never asks for
		err = errShortStream
	}
	return err
}

// drop closes the stream, if open.
func (r *streamReaderAt) drop() {
	if r.s != nil {
		r.s.rc.Close() //nolint:errcheck // a stream only read from
		r.s = nil
	}
}

// Close ends the download: the stream is closed and the ring freed.
func (r *streamReaderAt) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.drop()
	r.ring = nil
	return nil
}

// opened says how many times the stream was opened.
func (r *streamReaderAt) opened() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opens
}

// downloadFailure is the sentence for a download the stream ended with err.
func downloadFailure(name string, err error) string {
	var why string
	switch {
	case errors.Is(err, backend.ErrBackupCorrupt), errors.Is(err, backend.ErrForbidden), errors.Is(err, backend.ErrNotFound):
		why = backend.Message(err)
	case errors.Is(err, errShortStream), errors.Is(err, errLongStream), errors.Is(err, io.ErrNoProgress):
		why = "le fichier produit n'a pas la taille annoncée."
	default: // a disk failure, the back end closing
		why = "la sauvegarde n'a pas pu être lue jusqu'au bout ; réessayez, et contactez l'hébergeur si cela se reproduit."
	}
	return fmt.Sprintf("Téléchargement de « %s » interrompu : %s Le fichier reçu est incomplet : ne l'utilisez pas.", shown(name), why)
}

// sftpDownload is one backup open for reading over SFTP.
type sftpDownload struct {
	*streamReaderAt
	t       *fileTree
	name    string
	release func()
	told    atomic.Bool
}

var _ sftp.TransferError = (*sftpDownload)(nil)

// ReadAt reads the backup; a failure of the stream ends the download with
// the French reason, told once to the notifier.
func (d *sftpDownload) ReadAt(p []byte, off int64) (int, error) {
	n, err := d.streamReaderAt.ReadAt(p, off)
	if err == nil || err == io.EOF || errors.Is(err, errReadClosed) || errors.Is(err, errNegative) {
		return n, err
	}
	msg := downloadFailure(d.name, err)
	if d.told.CompareAndSwap(false, true) {
		d.t.tell(false, msg)
	}
	return n, &refusal{msg: msg, code: sftp.ErrSSHFxFailure}
}

// TransferError is the connection lost with the download open: its stream
// goes at once (Close follows).
func (d *sftpDownload) TransferError(error) { d.streamReaderAt.Close() } //nolint:errcheck

// Close ends the download and frees its slot.
func (d *sftpDownload) Close() error {
	d.streamReaderAt.Close() //nolint:errcheck
	d.release()
	return nil
}

// scpDownload is the content of one backup for `scp -f`: wish describes
// every file before sending the first, so the stream is opened only when
// the file's turn comes, and closed as soon as it ends.
type scpDownload struct {
	name string
	size int64
	open func(off int64) (io.ReadCloser, error)
	s    *exactStream
	err  error
}

func (d *scpDownload) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.s == nil {
		rc, err := d.open(0)
		if err != nil {
			return 0, d.fail(err)
		}
		d.s = &exactStream{rc: rc, left: d.size}
	}
	n, err := d.s.Read(p)
	switch {
	case err == io.EOF:
		d.err = io.EOF
		d.close()
	case err != nil:
		return 0, d.fail(err)
	}
	return n, d.err
}

func (d *scpDownload) fail(err error) error {
	d.err = errors.New(downloadFailure(d.name, err) + "\n")
	d.close()
	return d.err
}

func (d *scpDownload) close() error {
	if d.s != nil {
		d.s.rc.Close() //nolint:errcheck
		d.s = nil
	}
	return nil
}
