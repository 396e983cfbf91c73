package backend

// Files as the back end stores them: names checked, content validated while
// it is written, put in place in the transaction that records it, removed
// once nothing refers to it.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/hebergement/console/backend/filestore"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

// MaxNameBytes bounds the name of a loaded file.
const MaxNameBytes = 255

// splitFileName returns the stem and kind of an uploaded file's name, from a
// local path or a client-supplied name. Any printable or not text is kept (it
// is sanitized where drawn); empty, oversized or invalid UTF-8 names are not.
func splitFileName(name string) (string, hostfile.Kind, error) {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == ".." || len(name) > MaxNameBytes || !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return "", "", ErrInvalidFileName
	}
	kind, ok := hostfile.KindFromName(name)
	if !ok {
		return "", "", ErrWrongExtension
	}
	stem := name[:strings.LastIndexByte(name, '.')]
	if strings.TrimSpace(stem) == "" {
		return "", "", ErrInvalidFileName
	}
	return stem, kind, nil
}

// ingest streams r into the file store through a validator: one pass reads,
// checks, hashes and writes. Reading, hashing and writing run on three
// goroutines, a few chunks apart, so the source, the CPU and the disk work at
// the same time. The file comes back synced but not yet published: the
// caller publishes it in the transaction that records it (see publish), or
// aborts it. On any refusal the temporary file is removed.
func (s *Session) ingest(ctx context.Context, r io.Reader, p Progress, expect hostfile.Expect) (hostfile.Header, *filestore.Pending, int64, error) {
	pending, err := s.b.files.Create()
	if err != nil {
		return hostfile.Header{}, nil, 0, err
	}
	const chunkSize, depth = 1 << 20, 6
	// A chunk goes back to the reader once both the validator and the writer
	// are done with it.
	type chunk struct {
		buf  []byte
		n    int
		err  error
		refs atomic.Int32
	}
	free := make(chan *chunk, depth)
	for range depth {
		free <- &chunk{buf: make([]byte, chunkSize)}
	}
	release := func(c *chunk) {
		if c.refs.Add(-1) == 0 {
			free <- c
		}
	}
	stop := make(chan struct{})
	read := make(chan *chunk, depth)
	go func() { // reader
		defer close(read)
		for {
			var c *chunk
			select {
			case c = <-free:
			case <-stop:
				return
			}
			c.n, c.err = io.ReadFull(r, c.buf)
			if c.err == io.ErrUnexpectedEOF {
				c.err = io.EOF
			}
			c.refs.Store(2)
			select {
			case read <- c:
			case <-stop:
				return
			}
			if c.err != nil {
				return
			}
		}
	}()
	work := make(chan *chunk, depth)
	written := make(chan error, 1)
	go func() { // writer
		var err error
		for c := range work {
			if err == nil {
				_, err = pending.Write(c.buf[:c.n])
			}
			release(c)
		}
		written <- err
	}()
	finish := func() error {
		close(stop)
		close(work)
		return <-written
	}
	fail := func(err error) (hostfile.Header, *filestore.Pending, int64, error) {
		finish()
		pending.Abort()
		return hostfile.Header{}, nil, 0, err
	}
	v := hostfile.NewValidator(expect)
	var done int64
	for c := range read {
		if err := ctx.Err(); err != nil {
			return fail(err)
		}
		work <- c
		_, verr := v.Write(c.buf[:c.n])
		n, cerr := c.n, c.err
		release(c) // c belongs to the reader again: only n and cerr from here
		done += int64(n)
		if verr != nil {
			return fail(verr)
		}
		if p != nil && n > 0 {
			p(done)
		}
		if cerr != nil && cerr != io.EOF {
			return fail(fmt.Errorf("%w: %w", ErrReadFailed, cerr))
		}
	}
	h, err := v.Close()
	if err != nil {
		return fail(err)
	}
	if err := finish(); err != nil {
		pending.Abort()
		return hostfile.Header{}, nil, 0, fmt.Errorf("store file: %w", err)
	}
	if err := pending.Seal(v.Sum()); err != nil {
		return hostfile.Header{}, nil, 0, err
	}
	return h, pending, done, nil
}

// quotaLeft reads how many bytes the establishment may still store.
func (s *Session) quotaLeft(ctx context.Context) (store.Establishment, int64, error) {
	var e store.Establishment
	var used int64
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		var err error
		if e, err = tx.Establishment(s.estID); err != nil {
			return err
		}
		used, err = tx.UsedBytes(s.estID)
		return err
	})
	return e, e.QuotaBytes - used, err
}

// Stored files and the rows that refer to them. A file is shared by every
// row with the same content, so deleting one row must not remove the file
// under a row another session is recording. Both sides run in the store's
// write transaction, which one writer at a time holds (across processes:
// SQLite's immediate transactions): publish puts the file in place in the
// transaction that inserts its row, and dropUnreferenced looks for a
// reference and removes the file in one. Either the drop comes first and the
// publish puts the file back, or the publish comes first and the drop sees
// its row.

// publish moves a sealed upload into the file store; it is called in the
// write transaction that records the row referring to it. A file it puts
// in place was hashed as it was written: it is recorded as checked, as it
// is on disk now (verifyStored).
func publish(tx store.Tx, p *filestore.Pending) error {
	sum, err := p.Publish()
	if err != nil || !p.Placed() {
		return err
	}
	return recordCheck(tx, p.Store(), sum)
}

// recordCheck records a stored file as checked, with its fingerprint now.
func recordCheck(tx store.Tx, files *filestore.Store, sum string) error {
	fp, err := files.Info(sum)
	if err != nil {
		return err
	}
	return tx.SetFileCheck(sum, checkOf(fp))
}

func checkOf(fp filestore.Fingerprint) store.FileCheck {
	return store.FileCheck{Size: fp.Size, ModTime: fp.ModTime, Inode: fp.Inode, ChangeTime: fp.Changed}
}

// verifyStored checks stored files against their SHA-256 before a backup
// is opened (SPEC §6): a file unchanged on disk since it was last checked
// (filestore.Fingerprint: size, modification time, inode, status-change
// time) is trusted, any other is read in full, so an opening costs the same
// for 1 MB and 1 GB while a file rewritten since is caught. A missing file
// is ErrFileMissing, one that no longer matches ErrBackupCorrupt.
func (b *Backend) verifyStored(ctx context.Context, sums ...string) error {
	for _, sum := range sums {
		fp, err := b.files.Info(sum)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrFileMissing, err)
		}
		var last store.FileCheck
		err = b.store.Read(ctx, func(tx store.Tx) error {
			var err error
			last, err = tx.FileCheck(sum)
			return err
		})
		if err == nil && last == checkOf(fp) {
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := b.files.Verify(sum); err != nil {
			if errors.Is(err, filestore.ErrCorrupt) {
				b.log.Error("stored file does not match its checksum", "file", sum)
				return fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
			}
			return fmt.Errorf("%w: %w", ErrFileMissing, err)
		}
		if err := b.store.Write(ctx, func(tx store.Tx) error { return tx.SetFileCheck(sum, checkOf(fp)) }); err != nil {
			return err
		}
	}
	return nil
}

// dropHook, when set by a test, runs between finding a file unreferenced
// and removing it.
var dropHook func(sum string)

// dropUnreferenced removes a stored file nothing refers to any more.
func (b *Backend) dropUnreferenced(sum string) (removed bool) {
	err := b.store.Write(context.Background(), func(tx store.Tx) error {
		used, err := tx.ObjectReferenced(sum)
		if err != nil || used {
			return err
		}
		if dropHook != nil {
			dropHook(sum)
		}
		if err := b.files.Remove(sum); err != nil {
			return err
		}
		if err := tx.DeleteFileCheck(sum); err != nil {
			return err
		}
		b.headers.Delete(sum)
		removed = true
		return nil
	})
	if err != nil {
		b.log.Warn("remove stored file", "err", err)
		return false
	}
	return removed
}

// sweepObjects removes the stored files nothing refers to: those of a load
// that a crash (or a kill -9) stopped between putting its file in place and
// committing its row. One read finds the candidates; each is then checked
// again and removed in a write transaction (dropUnreferenced), so a load
// committing meanwhile in another process keeps its file.
func (b *Backend) sweepObjects(ctx context.Context) {
	sums, err := b.files.List()
	if err != nil {
		b.log.Warn("list stored files", "err", err)
		return
	}
	var orphans []string
	err = b.store.Read(ctx, func(tx store.Tx) error {
		for _, sum := range sums {
			used, err := tx.ObjectReferenced(sum)
			if err != nil {
				return err
			}
			if !used {
				orphans = append(orphans, sum)
			}
		}
		return nil
	})
	if err != nil {
		b.log.Warn("sweep stored files", "err", err)
		return
	}
	for _, sum := range orphans {
		b.dropUnreferenced(sum)
	}
}
