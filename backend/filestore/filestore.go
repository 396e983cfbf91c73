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
	"time"
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

// Open prepares the store under dir and removes temporary files left behind
// by a crash more than an hour ago.
func Open(dir string) (*Store, error) {
	for _, sub := range []string{"objects", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("filestore: %w", err)
		}
	}
	s := &Store{dir: dir}
	s.sweep(time.Hour)
	return s, nil
}

func (s *Store) sweep(age time.Duration) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "tmp"))
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.Remove(filepath.Join(s.dir, "tmp", e.Name()))
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

// Pending is a file being written. Write to it, then Commit or Abort.
type Pending struct {
	s    *Store
	f    *os.File
	h    hash.Hash // nil when the caller supplies the sum
	n    int64
	done bool
	// flushed is how much of the file writeback was started for.
	flushed int64
}

// writebackEvery is how often a large pending file asks the kernel to start
// writing it out.
const writebackEvery = 8 << 20

// Create starts a file whose SHA-256 the caller computes itself (for example
// a validator that already hashes every byte), given to CommitSum.
func (s *Store) Create() (*Pending, error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "up-*")
	if err != nil {
		return nil, fmt.Errorf("filestore: %w", err)
	}
	return &Pending{s: s, f: f}, nil
}

// CreateHashed starts a file that hashes its own content, for Commit.
func (s *Store) CreateHashed() (*Pending, error) {
	p, err := s.Create()
	if err == nil {
		p.h = sha256.New()
	}
	return p, err
}

// Write appends to the pending file.
func (p *Pending) Write(b []byte) (int, error) {
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

// Commit stores a file created by CreateHashed and returns its name.
func (p *Pending) Commit() (string, error) {
	if p.h == nil {
		p.Abort()
		return "", errors.New("filestore: Commit on a file created without hashing")
	}
	var sum [32]byte
	copy(sum[:], p.h.Sum(nil))
	return p.CommitSum(sum)
}

// CommitSum syncs the file and moves it to its content address. The caller
// vouches that sum is the SHA-256 of exactly the bytes written; reads verify
// it. If the same content is already stored the new copy is dropped.
func (p *Pending) CommitSum(sum [32]byte) (string, error) {
	if p.done {
		return "", errors.New("filestore: pending file already finished")
	}
	p.done = true
	name := hex.EncodeToString(sum[:])
	tmp := p.f.Name()
	if err := p.f.Sync(); err != nil {
		p.f.Close()
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: sync: %w", err)
	}
	if err := p.f.Close(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: close: %w", err)
	}
	dst, _ := p.s.Path(name)
	if _, err := os.Stat(dst); err == nil {
		os.Remove(tmp)
		return name, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("filestore: %w", err)
	}
	syncDir(filepath.Dir(dst))
	return name, nil
}

// Abort drops the pending file; nothing is left behind. Safe to call twice
// and after a Commit.
func (p *Pending) Abort() {
	if p.done {
		return
	}
	p.done = true
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
