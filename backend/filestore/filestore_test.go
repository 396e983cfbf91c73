package filestore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/filestore"
)

func open(t *testing.T) (*filestore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := filestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestPutOpenRoundTrip(t *testing.T) {
	s, dir := open(t)
	for _, content := range [][]byte{nil, []byte("bonjour"), bytes.Repeat([]byte("0123456789"), 300_000)} {
		name, n, err := s.Put(bytes.NewReader(content))
		if err != nil {
			t.Fatal(err)
		}
		if name != sum(content) || n != int64(len(content)) {
			t.Errorf("Put = %s, %d; want %s, %d", name, n, sum(content), len(content))
		}
		if size, err := s.Stat(name); err != nil || size != n {
			t.Errorf("Stat = %d, %v", size, err)
		}
		r, err := s.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, content) {
			t.Errorf("read back %d bytes, err %v; want %d bytes", len(got), err, len(content))
		}
	}
	// The same content twice is stored once.
	before := len(entries(t, dir))
	if _, _, err := s.Put(strings.NewReader("bonjour")); err != nil {
		t.Fatal(err)
	}
	if after := len(entries(t, dir)); after != before {
		t.Errorf("storing the same content again: %d files → %d", before, after)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestCorruptFileFailsAtTheEnd(t *testing.T) {
	s, _ := open(t)
	content := bytes.Repeat([]byte("PRONOTE "), 100_000)
	name, _, err := s.Put(bytes.NewReader(content))
	if err != nil {
		t.Fatal(err)
	}
	path, err := s.Path(name)
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(content)
	bad[len(bad)/2] ^= 0x20
	if err := os.WriteFile(path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := io.ReadAll(r)
	if !errors.Is(err, filestore.ErrCorrupt) {
		t.Fatalf("reading a corrupt file: err = %v, want ErrCorrupt", err)
	}
	if len(got) != len(content) {
		t.Errorf("ErrCorrupt after %d bytes, want at the end (%d)", len(got), len(content))
	}
	// A truncated file too.
	if err := os.WriteFile(path, content[:len(content)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	r2, _ := s.Open(name)
	defer r2.Close()
	if _, err := io.ReadAll(r2); !errors.Is(err, filestore.ErrCorrupt) {
		t.Errorf("reading a truncated file: err = %v, want ErrCorrupt", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	s, dir := open(t)
	for _, hashed := range []bool{false, true} {
		var p *filestore.Pending
		var err error
		if hashed {
			p, err = s.CreateHashed()
		} else {
			p, err = s.Create()
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write([]byte("half an upload")); err != nil {
			t.Fatal(err)
		}
		if p.Size() != 14 {
			t.Errorf("Size = %d", p.Size())
		}
		p.Abort()
		p.Abort() // twice is fine
		if _, err := p.Commit(); err == nil {
			t.Error("Commit after Abort succeeded")
		}
	}
	if left := entries(t, dir); len(left) != 0 {
		t.Errorf("files left after Abort: %v", left)
	}
}

func TestCommitSumUsesTheGivenName(t *testing.T) {
	s, dir := open(t)
	p, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	p.Write([]byte("abc"))
	name, err := p.CommitSum(sha256.Sum256([]byte("abc")))
	if err != nil || name != sum([]byte("abc")) {
		t.Fatalf("CommitSum = %s, %v", name, err)
	}
	if _, err := p.CommitSum([32]byte{}); err == nil {
		t.Error("a second CommitSum succeeded")
	}
	p.Abort() // after a commit: keeps the file
	if _, err := s.Stat(name); err != nil {
		t.Errorf("Abort after Commit removed the file: %v", err)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	// Created without hashing, Commit refuses and leaves nothing.
	p2, _ := s.Create()
	p2.Write([]byte("x"))
	if _, err := p2.Commit(); err == nil {
		t.Error("Commit without hashing succeeded")
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestRemoveAndBadNames(t *testing.T) {
	s, _ := open(t)
	name, _, err := s.Put(strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(name); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(name); err == nil {
		t.Error("the file is still there")
	}
	if err := s.Remove(name); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if _, err := s.Open(name); err == nil {
		t.Error("Open of a removed file succeeded")
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63), strings.Repeat("g", 64)} {
		if _, err := s.Path(bad); !errors.Is(err, filestore.ErrBadSum) {
			t.Errorf("Path(%q): err = %v, want ErrBadSum", bad, err)
		}
		if _, err := s.Open(bad); !errors.Is(err, filestore.ErrBadSum) {
			t.Errorf("Open(%q): err = %v, want ErrBadSum", bad, err)
		}
		if err := s.Remove(bad); !errors.Is(err, filestore.ErrBadSum) {
			t.Errorf("Remove(%q): err = %v, want ErrBadSum", bad, err)
		}
	}
}

func TestOpenSweepsOldTemporaryFiles(t *testing.T) {
	_, dir := open(t)
	old := filepath.Join(dir, "tmp", "up-old")
	fresh := filepath.Join(dir, "tmp", "up-fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(old, past, past); err != nil {
		t.Fatal(err)
	}
	if _, err := filestore.Open(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Error("a temporary file left by a crash two hours ago is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a temporary file of an upload in progress was removed")
	}
}
