package backend

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/hebergement/console/backend/filestore"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

// exportPage is how many changes one read of the log brings while a
// backup's download is generated.
const exportPage = 4096

// openExport streams a backup's *.HNOT from off: the header of the
// download, the stored file's payload, the changes block, and the SHA-256
// of all of it. It is generated as it is read, into a pipe: nothing is
// written to disk, and the bytes before off are generated and hashed but
// not sent.
func (b *Backend) openExport(x export, off int64) (io.ReadCloser, error) {
	if off < 0 || off > x.size {
		return nil, fmt.Errorf("%w: offset %d of %d bytes", ErrInvalidInput, off, x.size)
	}
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		err := b.writeExport(ctx, &skipWriter{ctx: ctx, w: pw, skip: off}, x)
		pw.CloseWithError(err) // nil: EOF
	}()
	return &exportReader{PipeReader: pr, cancel: cancel}, nil
}

type exportReader struct {
	*io.PipeReader
	cancel context.CancelFunc
}

func (r *exportReader) Close() error {
	r.cancel()
	return r.PipeReader.Close()
}

// skipWriter drops the first skip bytes written to it. While it skips,
// nothing reaches the pipe, so it watches ctx itself: a download closed
// during a long skip stops at once.
type skipWriter struct {
	ctx  context.Context
	w    io.Writer
	skip int64
}

func (s *skipWriter) Write(p []byte) (int, error) {
	n := len(p)
	if s.skip > 0 {
		if err := s.ctx.Err(); err != nil {
			return 0, err
		}
	}
	if s.skip >= int64(n) {
		s.skip -= int64(n)
		return n, nil
	}
	p = p[s.skip:]
	s.skip = 0
	if _, err := s.w.Write(p); err != nil {
		return 0, err
	}
	return n, nil
}

// writeExport writes the whole download to w.
func (b *Backend) writeExport(ctx context.Context, w io.Writer, x export) error {
	sum := sha256.New()
	out := io.MultiWriter(sum, w)
	hdr, err := hostfile.AppendHeader(nil, x.header)
	if err != nil {
		return err
	}
	if _, err := out.Write(hdr); err != nil {
		return err
	}
	// The stored file is read whole on a goroutine of its own, its header
	// and trailer through the verifier only, so that its checksum is
	// checked before the download's own is written (a stored file that
	// changed ends the download short); the two SHA-256 run side by side.
	pr, pw := io.Pipe()
	defer pr.Close()
	go func() { pw.CloseWithError(b.readStored(pw, x)) }()
	if _, err := io.CopyBuffer(out, pr, make([]byte, 256<<10)); err != nil {
		return b.goneOr(ctx, x, err)
	}
	var after, count int64
	buf := make([]byte, 0, 256<<10)
	for after < x.point.Seq {
		if err := ctx.Err(); err != nil {
			return err
		}
		var page []store.Change
		if err := b.store.Read(ctx, func(tx store.Tx) error {
			page, err = tx.Changes(x.base.ID, after, exportPage)
			return err
		}); err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			if c.ID > x.point.Seq {
				break
			}
			buf = hostfile.AppendChange(buf, hostfile.Change{At: c.At, Connection: c.ConnectionID, Author: c.Author, What: c.What})
			after = c.ID
			count++
		}
		if _, err := out.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
		if page[len(page)-1].ID > x.point.Seq {
			break
		}
	}
	if count != x.point.Count {
		// Never send a file that would load as a valid but different
		// base.
		return b.goneOr(ctx, x, fmt.Errorf("%w: the log holds %d of the backup's %d changes", ErrBackupCorrupt, count, x.point.Count))
	}
	if _, err := out.Write(hostfile.AppendChangesFooter(buf, x.payload, count)); err != nil {
		return err
	}
	_, err = w.Write(sum.Sum(nil))
	return err
}

// readStored writes the payload of a backup's stored file to w, reading
// its header before and its trailer after through the verifier, whose
// error ends the download before its changes and trailer are written.
func (b *Backend) readStored(w io.Writer, x export) error {
	f, err := b.files.Open(x.base.SHA256)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrFileMissing, err)
	}
	defer f.Close()
	if _, err := io.CopyN(io.Discard, f, x.from); err != nil {
		return b.storedErr(err)
	}
	n, err := io.CopyBuffer(w, io.LimitReader(f, x.payload), make([]byte, 1<<20))
	if err == nil && n < x.payload {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return b.storedErr(err)
	}
	if _, err := io.Copy(io.Discard, f); err != nil {
		return b.storedErr(err)
	}
	return nil
}

// storedErr is a failure reading a backup's stored file.
func (b *Backend) storedErr(err error) error {
	if errors.Is(err, filestore.ErrCorrupt) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		b.log.Error("backup's stored file is corrupt", "err", err)
		return fmt.Errorf("%w: %w", ErrBackupCorrupt, err)
	}
	return err
}

// goneOr is ErrBackupNotFound when the backup's base went meanwhile (a
// pruning took the backup during its download: its file and log go with
// it), else err.
func (b *Backend) goneOr(ctx context.Context, x export, err error) error {
	if errors.Is(err, io.ErrClosedPipe) || ctx.Err() != nil {
		return err
	}
	gone := false
	if rerr := b.store.Read(ctx, func(tx store.Tx) error {
		_, err := anyBase(tx, x.base.EstablishmentID, x.base.ID)
		gone = errors.Is(err, ErrBaseNotFound)
		return nil
	}); rerr == nil && gone {
		return fmt.Errorf("%w: pruned during its download", ErrBackupNotFound)
	}
	return err
}
