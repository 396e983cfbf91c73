package ssh

// SFTP uploads: each file written to depot streams, reassembled in order, to
// the back end, which validates and stores it in the same pass (rules at the
// top of files.go).

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
)

// errAborted and errInterrupted end the back end's read of an upload, so it
// refuses the file and removes its temporary copy.
var (
	errAborted     = errors.New("upload refused by the transfer layer")
	errInterrupted = errors.New("upload interrupted")
)

// sftpUpload is one file being written to depot over SFTP: the WriterAt (and
// ReaderAt, for handles opened read-write) pkg/sftp writes to. Writes are
// reassembled in order and streamed through a pipe to a goroutine that runs
// LoadBase or AttachAnnex.
type sftpUpload struct {
	t      *fileTree
	name   string
	pw     *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{} // closed when the back end has finished

	// set by the back-end goroutine before done is closed
	okMsg  string
	outErr error

	mu sync.Mutex
	re reassembler
	// moved, made by the first write that waits for the frontier, is
	// closed when the frontier moves.
	moved     chan struct{}
	announced int64 // size announced by SETSTAT, -1 if none
	failed    error // first refusal; sticky
	closed    bool
	closeErr  error

	aborting atomic.Bool // set before the pipe is closed by TransferError
	reported atomic.Bool // the notifier has been told the outcome
}

func (t *fileTree) startUpload(name string, kind hostfile.Kind) (*sftpUpload, error) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(t.ctx)
	u := &sftpUpload{t: t, name: name, pw: pw, cancel: cancel, done: make(chan struct{}), announced: -1}
	u.re = reassembler{sink: pw, maxHeld: maxOutOfOrder, window: rewriteWindow}
	if err := t.register(u); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(u.done)
		msg, err := t.store(ctx, name, kind, pr)
		if err == nil {
			err = errAborted // nothing more may be written
		} else {
			u.outErr = err
		}
		u.okMsg = msg
		pr.CloseWithError(err) // a write blocked on the pipe returns err
	}()
	return u, nil
}

// report tells the notifier the outcome, once.
func (u *sftpUpload) report(ok bool, msg string) {
	if u.reported.CompareAndSwap(false, true) {
		u.t.tell(ok, msg)
	}
}

// failLocked records the first refusal of the upload and returns it with the
// sentence to report (empty when an earlier refusal was already recorded).
func (u *sftpUpload) failLocked(msg string) (string, error) {
	if u.failed != nil {
		return "", u.failed
	}
	u.failed = &refusal{msg: msg, code: sftp.ErrSSHFxFailure}
	return msg, u.failed
}

// abort makes the back end give up: nothing will be stored.
func (u *sftpUpload) abort(cause error) {
	u.cancel()
	u.pw.CloseWithError(cause)
}

// WriteAt takes one write of the client; pkg/sftp calls it from several
// goroutines, in any order, and reuses p afterwards.
func (u *sftpUpload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	u.awaitTurn(off)
	if u.failed != nil {
		err := u.failed
		u.mu.Unlock()
		return 0, err
	}
	if u.closed {
		u.mu.Unlock()
		return 0, quiet(sftp.ErrSSHFxFailure, "« %s » : transfert déjà terminé.", shown(u.name))
	}
	before := u.re.frontier
	_, werr := u.re.WriteAt(p, off)
	if u.re.frontier != before && u.moved != nil {
		close(u.moved) // the writes waiting for it look again
		u.moved = nil
	}
	if werr == nil {
		u.mu.Unlock()
		return len(p), nil
	}
	msg, err := u.failLocked(u.explain(werr))
	u.mu.Unlock()
	if msg != "" {
		u.abort(errAborted)
		u.report(false, msg)
	}
	return 0, err
}

// Out of order, a little: pkg/sftp hands the writes of one file to
// several workers at once, in the order they came, so that a write just
// ahead of the frontier usually has the one before it being handed over at
// the same moment. Waiting for it (a few milliseconds at most) streams the
// write straight from the client's buffer, where holding it would copy it
// aside and allocate; a write that waits longer, or comes from far ahead, is
// held as before. The worker with the write at the frontier always gets
// the lock, since waiting releases it, so nothing waits on itself.
const (
	turnAhead = 1 << 20
	turnWait  = 5 * time.Millisecond
)

// awaitTurn waits, with u.mu held (released while waiting), until the
// frontier reaches off, for a write at most turnAhead ahead and up to
// turnWait.
func (u *sftpUpload) awaitTurn(off int64) {
	ahead := off - u.re.frontier
	if ahead <= 0 || ahead > turnAhead {
		return
	}
	timer := time.NewTimer(turnWait)
	defer timer.Stop()
	for off > u.re.frontier && u.failed == nil && !u.closed && u.re.err == nil {
		if u.moved == nil {
			u.moved = make(chan struct{})
		}
		moved := u.moved
		u.mu.Unlock()
		select {
		case <-moved:
		case <-timer.C:
			u.mu.Lock()
			return
		}
		u.mu.Lock()
	}
}

// explain turns an error of the reassembler or of the pipe into the sentence
// the user reads.
func (u *sftpUpload) explain(err error) string {
	name := shown(u.name)
	switch {
	case u.aborting.Load():
		return fmt.Sprintf("Transfert de « %s » interrompu : rien n'a été enregistré.", name)
	case errors.Is(err, errRewrite):
		return fmt.Sprintf("« %s » refusé : le client a envoyé deux contenus différents pour une même partie du fichier ; rien n'a été enregistré.", name)
	case errors.Is(err, errTooFar):
		return fmt.Sprintf("« %s » refusé : les données arrivent trop en désordre (plus de %s en attente) ; rien n'a été enregistré.", name, fr.Size(maxOutOfOrder))
	case errors.Is(err, errBadOffset):
		return fmt.Sprintf("« %s » refusé : position d'écriture invalide ; rien n'a été enregistré.", name)
	}
	// The back end closed the pipe with its refusal.
	return refusedMessage(u.name, err)
}

// ReadAt refuses reads on a handle opened read-write.
func (u *sftpUpload) ReadAt([]byte, int64) (int, error) {
	return 0, quiet(sftp.ErrSSHFxPermissionDenied, "« %s » est en cours de transfert et ne peut pas être lu.", shown(u.name))
}

// announce records the size a SETSTAT gives to the upload.
func (u *sftpUpload) announce(size uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if size == 0 && u.re.frontier == 0 && u.re.held == 0 && u.announced < 0 {
		return // truncating a new, empty file
	}
	if size > math.MaxInt64 {
		size = math.MaxInt64
	}
	u.announced = int64(size)
}

// received is how many bytes arrived in order so far.
func (u *sftpUpload) received() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.re.frontier
}

// TransferError is called by pkg/sftp when the connection drops with the
// upload open: the back end gives up, Close then reports the interruption.
func (u *sftpUpload) TransferError(err error) {
	u.aborting.Store(true)
	u.abort(errInterrupted)
	u.mu.Lock()
	var msg string
	if !u.closed {
		msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » interrompu : rien n'a été enregistré.", shown(u.name)))
	}
	u.mu.Unlock()
	if msg != "" {
		u.report(false, msg)
	}
}

// Close ends the upload (SSH_FXP_CLOSE): the back end reads the end of the
// file, checks it and stores it, and its verdict is the status of CLOSE.
func (u *sftpUpload) Close() error {
	u.mu.Lock()
	if u.closed {
		err := u.closeErr
		u.mu.Unlock()
		return err
	}
	u.closed = true
	var msg string
	if u.failed == nil {
		switch {
		case u.re.held > 0:
			msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » incomplet : des parties du fichier manquent ; rien n'a été enregistré.", shown(u.name)))
		case u.announced >= 0 && u.announced != u.re.frontier:
			msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » incomplet : %d octets reçus sur %d annoncés ; rien n'a été enregistré.",
				shown(u.name), u.re.frontier, u.announced))
		}
	}
	failed := u.failed
	u.mu.Unlock()

	if failed != nil {
		u.abort(errAborted)
		<-u.done
		if msg != "" {
			u.report(false, msg)
		}
		return u.finish(failed)
	}
	u.pw.Close() // end of file for the back end
	<-u.done
	u.cancel()
	if u.outErr != nil {
		msg := refusedMessage(u.name, u.outErr)
		u.report(false, msg)
		return u.finish(&refusal{msg: msg, code: sftp.ErrSSHFxFailure})
	}
	u.report(true, u.okMsg)
	return u.finish(nil)
}

func (u *sftpUpload) finish(err error) error {
	u.mu.Lock()
	u.closeErr = err
	u.mu.Unlock()
	u.t.forget(u)
	return err
}

// ---------- reassembly ----------

var (
	errRewrite   = errors.New("a rewrite differs from the bytes already received")
	errTooFar    = errors.New("too much out-of-order data")
	errBadOffset = errors.New("invalid write offset")
)

// reassembler turns writes at arbitrary offsets into the in-order byte stream
// written to sink. Data past a gap waits in memory (maxHeld bytes at most);
// rewrites of bytes already received must be identical: data still waiting
// is compared directly, data already streamed against the last window bytes
// kept in a ring. Any error is sticky. It is not safe for concurrent use.
type reassembler struct {
	sink    io.Writer
	maxHeld int64
	window  int

	frontier int64     // bytes streamed to sink
	pending  []segment // sorted, disjoint, all at or after frontier
	held     int64     // bytes in pending
	ring     []byte    // the last window bytes streamed, at offset % window
	err      error
}

type segment struct {
	off  int64
	data []byte
}

func (s segment) end() int64 { return s.off + int64(len(s.data)) }

// WriteAt takes the bytes p at offset off; p is not kept.
func (r *reassembler) WriteAt(p []byte, off int64) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n := len(p)
	if off < 0 || off > math.MaxInt64-int64(n) {
		r.err = errBadOffset
		return 0, r.err
	}
	end := off + int64(n)
	if off < r.frontier { // already streamed: must be identical
		k := min(end, r.frontier) - off
		if !r.seen(off, p[:k]) {
			r.err = errRewrite
			return 0, r.err
		}
		p, off = p[k:], off+k
		if len(p) == 0 {
			return n, nil
		}
	}
	// Pending segments that overlap [off, end) must agree with p; the gaps
	// between them are what p adds.
	first := sort.Search(len(r.pending), func(i int) bool { return r.pending[i].end() > off })
	type gap struct{ lo, hi int64 }
	var gaps []gap
	cur := off
	for _, s := range r.pending[first:] {
		if s.off >= end {
			break
		}
		lo, hi := max(s.off, off), min(s.end(), end)
		if string(s.data[lo-s.off:hi-s.off]) != string(p[lo-off:hi-off]) {
			r.err = errRewrite
			return 0, r.err
		}
		if s.off > cur {
			gaps = append(gaps, gap{cur, s.off})
		}
		cur = max(cur, hi)
	}
	if cur < end {
		gaps = append(gaps, gap{cur, end})
	}
	var add int64
	for _, g := range gaps {
		if g.lo != r.frontier {
			add += g.hi - g.lo
		}
	}
	if r.held+add > r.maxHeld {
		r.err = errTooFar
		return 0, r.err
	}
	for _, g := range gaps {
		piece := p[g.lo-off : g.hi-off]
		if g.lo == r.frontier { // in order: straight to the sink, no copy
			if err := r.deliver(piece); err != nil {
				return 0, err
			}
			continue
		}
		i := sort.Search(len(r.pending), func(i int) bool { return r.pending[i].off > g.lo })
		r.pending = slices.Insert(r.pending, i, segment{off: g.lo, data: slices.Clone(piece)})
		r.held += int64(len(piece))
	}
	for len(r.pending) > 0 && r.pending[0].off == r.frontier {
		s := r.pending[0]
		r.pending = slices.Delete(r.pending, 0, 1)
		r.held -= int64(len(s.data))
		if err := r.deliver(s.data); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// deliver streams p, which starts at the frontier.
func (r *reassembler) deliver(p []byte) error {
	if _, err := r.sink.Write(p); err != nil {
		r.err = err
		return err
	}
	r.remember(p)
	r.frontier += int64(len(p))
	return nil
}

// remember keeps p, about to be streamed at the frontier, in the ring.
func (r *reassembler) remember(p []byte) {
	if r.window <= 0 {
		return
	}
	if r.ring == nil {
		r.ring = make([]byte, r.window)
	}
	pos := r.frontier
	if len(p) > r.window {
		pos += int64(len(p) - r.window)
		p = p[len(p)-r.window:]
	}
	for len(p) > 0 {
		k := copy(r.ring[pos%int64(r.window):], p)
		p, pos = p[k:], pos+int64(k)
	}
}

// seen reports whether q, at offset off below the frontier, equals the bytes
// streamed there; false when they are no longer in the ring.
func (r *reassembler) seen(off int64, q []byte) bool {
	if r.ring == nil || off < r.frontier-int64(r.window) {
		return false
	}
	for len(q) > 0 {
		i := int(off % int64(r.window))
		k := min(len(q), r.window-i)
		if string(r.ring[i:i+k]) != string(q[:k]) {
			return false
		}
		q, off = q[k:], off+int64(k)
	}
	return true
}
