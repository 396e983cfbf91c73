// Package filestore keeps files by the SHA-256 of their content. A file is
// written to a temporary name, synced, then renamed into place, so the store
// never holds a partial file under a real name, and the database only ever
// references files that are fully written. Reads are verified against the name.
package filestore

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ErrCorrupt is returned at the end of a read whose content no longer matches
// its name.
var ErrCorrupt = errors.New("filestore: stored file is corrupt")

// ErrBadSum is returned for a name that is not 64 lowercase hex digits.
var ErrBadSum = errors.New("filestore: invalid SHA-256")

// Store is a folder of content-addressed files: objects/ab/abcdef… and tmp/.
type Store struct {
	dir string
}

// Open prepares the store under dir and removes the temporary files of
// uploads whose writer is gone (a crash, a kill -9), whatever their age. The
// temporary file of an upload still being written by this or another process
// (the CLI, another server on the same data folder) is kept: its writer holds
// a lock on it (see Create).
func Open(dir string) (*Store, error) {
	for _, sub := range []string{"objects", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
	}
	s := &Store{dir: dir}
	s.sweep()
	return s, nil
}

// sweep removes every temporary file no live writer holds.
func (s *Store) sweep() {
	tmp := filepath.Join(s.dir, "tmp")
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			removeAbandoned(filepath.Join(tmp, e.Name()))
		}
	}
}

// Path is where the file named sum lives.
func (s *Store) Path(sum string) (string, error) {
	if !ValidSum(sum) {
		return "", ErrBadSum
	}
	return filepath.Join(s.dir, "objects", sum[:2], sum), nil
}

// ValidSum reports whether sum is 64 lowercase hex digits.
func ValidSum(sum string) bool {
	if len(sum) != 64 {
		return false
	}
	for i := 0; i < len(sum); i++ {
		c := sum[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Pending is a file being written. Write to it, then either CommitSum (or
// Commit), or Seal it and Publish it later, for example inside the database
// transaction that records it; Abort drops it. Until it is published its
// temporary file stays open and locked, so that a sweep by another Open (in
// this process or another one sharing the data folder) leaves it alone. A
// Pending is not safe for concurrent use.
type Pending struct {
	s     *Store
	f     *os.File
	h     hash.Hash // nil when the caller supplies the sum
	n     int64
	state pendingState
	sum   [32]byte // set by Seal
	// flushed is how much of the file writeback was started for.
	flushed int64
	// placed: Publish put this file at its address.
	placed bool
}

type pendingState int

const (
	writing pendingState = iota
	sealed
	finished // published or aborted
)

// ErrFinished is returned by the methods of a Pending that was already
// published or aborted.
var ErrFinished = errors.New("filestore: pending file already finished")

// writebackEvery is how often a large pending file asks the kernel to start
// writing it out.
const writebackEvery = 8 << 20

// createAttempts bounds the retries of Create when a sweep removes the new
// temporary file before its lock is taken.
const createAttempts = 10

// afterCreate runs between creating a temporary file and locking it; tests
// use it to sweep in that window.
var afterCreate func()

// Create starts a file whose SHA-256 the caller computes itself (for example
// a validator that already hashes every byte), given to Seal or CommitSum.
// The temporary file is locked before Create returns; a sweep that removed it
// in between (it took the lock first) is detected and a new file is made.
func (s *Store) Create() (*Pending, error) {
	dir := filepath.Join(s.dir, "tmp")
	for range createAttempts {
		f, err := os.CreateTemp(dir, "up-*")
		if err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
		if afterCreate != nil {
			afterCreate()
		}
		ok, err := lockOwn(f)
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			return nil, fmt.Errorf("filestore: lock: %w", err)
		}
		if ok {
			return &Pending{s: s, f: f}, nil
		}
		// A sweep holds or held the lock and removes (or removed) the path:
		// the file is not ours to remove.
		f.Close()
	}
	return nil, errors.New("filestore: could not create a temporary file: swept repeatedly")
}

// CreateHashed starts a file that hashes its own content, for Commit.
func (s *Store) CreateHashed() (*Pending, error) {
	p, err := s.Create()
	if err == nil {
		p.h = sha256.New()
	}
	return p, err
}

// Write appends to the pending file; it fails once the file is sealed.
func (p *Pending) Write(b []byte) (int, error) {
	if p.state != writing {
		return 0, errors.New("filestore: write to a sealed or finished file")
	}
	n, err := p.f.Write(b)
	p.n += int64(n)
	if p.h != nil {
		p.h.Write(b[:n])
	}
	if p.n-p.flushed >= writebackEvery {
		startWriteback(p.f, p.flushed, p.n-p.flushed)
		p.flushed = p.n
	}
	return n, err
}

// Size is the number of bytes written so far.
func (p *Pending) Size() int64 { return p.n }

// Sum is the hex SHA-256 the file will be published under, known once it is
// sealed; it is empty before.
func (p *Pending) Sum() string {
	if p.state == writing {
		return ""
	}
	return hex.EncodeToString(p.sum[:])
}

// Seal makes the written bytes durable (fsync) and fixes the name the file
// will be published under. The caller vouches that sum is the SHA-256 of
// exactly the bytes written (reads verify it); a file created by
// CreateHashed checks it. The temporary file stays open and locked until
// Publish or Abort. On failure other than misuse the file is dropped.
func (p *Pending) Seal(sum [32]byte) error {
	switch p.state {
	case sealed:
		return errors.New("filestore: pending file already sealed")
	case finished:
		return ErrFinished
	}
	if p.h != nil {
		var got [32]byte
		copy(got[:], p.h.Sum(nil))
		if got != sum {
			p.Abort()
			return errors.New("filestore: seal: the given SHA-256 is not the content's")
		}
	}
	if err := p.f.Sync(); err != nil {
		p.Abort()
		return fmt.Errorf("filestore: sync: %w", err)
	}
	p.sum = sum
	p.state = sealed
	return nil
}

// Publish moves a sealed file to its content address, or drops it when the
// same content is already stored, syncs the folder and returns the hex name.
// Publish does not guard against a concurrent Remove of the same content (a
// collection of unreferenced files): the delete could fall between "already
// stored" and the reference being recorded, losing the file. Where such a
// delete is possible, call Publish while holding the store's write
// transaction that records the reference, and delete only under a write
// transaction that finds no reference. After a failure nothing is left in
// tmp/ and the Pending is finished.
func (p *Pending) Publish() (_ string, err error) {
	switch p.state {
	case writing:
		return "", errors.New("filestore: publish before seal")
	case finished:
		return "", ErrFinished
	}
	p.state = finished
	name := hex.EncodeToString(p.sum[:])
	tmp := p.f.Name()
	dst, _ := p.s.Path(name)
	// On Unix the lock is kept until the file has left tmp/, so no sweep can
	// remove it in between; Windows cannot rename or remove an open file.
	if closeBeforeRename {
		if err := p.f.Close(); err != nil {
			os.Remove(tmp)
			return "", fmt.Errorf("filestore: close: %w", err)
		}
	} else {
		defer p.f.Close() // synced already: a close error loses nothing
	}
	if _, err := os.Stat(dst); err == nil {
		os.Remove(tmp)
		return name, nil
	}
	defer func() { p.placed = err == nil }()
	if err = os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: %w", err)
	}
	if err = os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return name, nil
}

// Store is the store the file is written to.
func (p *Pending) Store() *Store { return p.s }

// Placed reports whether Publish put this file at its address (rather than
// finding the same content stored already): its content was hashed as it
// was written, so the stored file is known to match its name as it is on
// disk now (Info).
func (p *Pending) Placed() bool { return p.placed }

// Commit stores a file created by CreateHashed and returns its name.
func (p *Pending) Commit() (string, error) {
	if p.state == finished {
		return "", ErrFinished
	}
	if p.h == nil {
		p.Abort()
		return "", errors.New("filestore: Commit on a file created without hashing")
	}
	var sum [32]byte
	copy(sum[:], p.h.Sum(nil))
	return p.CommitSum(sum)
}

// CommitSum seals the file and publishes it at once (Seal, then Publish):
// for callers with no transaction to publish in.
func (p *Pending) CommitSum(sum [32]byte) (string, error) {
	if err := p.Seal(sum); err != nil {
		return "", err
	}
	return p.Publish()
}

// Abort drops the pending file, sealed or not; nothing is left behind. Safe
// to call twice, and a no-op after Publish.
func (p *Pending) Abort() {
	if p.state == finished {
		return
	}
	p.state = finished
	p.f.Close()
	os.Remove(p.f.Name())
}

// Put stores everything r yields and returns its name and size.
func (s *Store) Put(r io.Reader) (string, int64, error) {
	p, err := s.CreateHashed()
	if err != nil {
		return "", 0, err
	}
	if _, err := io.Copy(p, r); err != nil {
		p.Abort()
		return "", 0, fmt.Errorf("filestore: %w", err)
	}
	name, err := p.Commit()
	return name, p.n, err
}

// List returns the names of every stored file.
func (s *Store) List() ([]string, error) {
	var out []string
	err := filepath.WalkDir(filepath.Join(s.dir, "objects"), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && ValidSum(d.Name()) {
			out = append(out, d.Name())
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return out, nil
}

// Fingerprint is how a stored file looks on disk: its size, modification
// time and, where the system has them, its inode and status-change time. A
// file rewritten in place (a byte flipped by hand, a copy or a restore of
// the folder) changes it, even when its modification time is put back.
// Silent corruption of the disk does not: downloads, which read whole
// files, catch that.
type Fingerprint struct {
	Size    int64
	ModTime int64 // Unix nanoseconds
	Inode   int64
	Changed int64 // status-change time, Unix nanoseconds
}

// Info returns a stored file's fingerprint.
func (s *Store) Info(sum string) (Fingerprint, error) {
	path, err := s.Path(sum)
	if err != nil {
		return Fingerprint{}, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return Fingerprint{}, fmt.Errorf("filestore: %w", err)
	}
	fp := Fingerprint{Size: info.Size(), ModTime: info.ModTime().UnixNano()}
	fp.Inode, fp.Changed = sysFingerprint(info)
	return fp, nil
}

// Verify reads a stored file whole and checks it against its name
// (ErrCorrupt when it no longer matches).
func (s *Store) Verify(sum string) error {
	r, err := s.Open(sum)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.CopyBuffer(io.Discard, r, make([]byte, 1<<20))
	return err
}

// Stat returns the size of a stored file.
func (s *Store) Stat(sum string) (int64, error) {
	path, err := s.Path(sum)
	if err != nil {
		return 0, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("filestore: %w", err)
	}
	return info.Size(), nil
}

// Open returns a reader of a stored file that fails with ErrCorrupt at the end
// if the content does not match its name.
func (s *Store) Open(sum string) (io.ReadCloser, error) {
	path, err := s.Path(sum)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return &verifier{f: f, h: sha256.New(), want: sum}, nil
}

// Remove deletes a stored file; a missing file is not an error.
func (s *Store) Remove(sum string) error {
	path, err := s.Path(sum)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("filestore: %w", err)
	}
	return nil
}

type verifier struct {
	f    *os.File
	h    hash.Hash
	want string
}

func (v *verifier) Read(b []byte) (int, error) {
	n, err := v.f.Read(b)
	v.h.Write(b[:n])
	if err == io.EOF && !strings.EqualFold(hex.EncodeToString(v.h.Sum(nil)), v.want) {
		return n, ErrCorrupt
	}
	return n, err
}

func (v *verifier) Close() error { return v.f.Close() }

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() //nolint:errcheck // best effort: not supported everywhere
		d.Close()
	}
}
