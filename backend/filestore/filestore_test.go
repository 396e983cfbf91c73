package filestore_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
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

func TestOpenSweepsAbandonedTemporaryFilesWhateverTheirAge(t *testing.T) {
	_, dir := open(t)
	// Files no writer holds: left by a crash two hours ago, or a second ago.
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
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files of dead writers survived Open: %v", tmp)
	}
}

func TestLivePendingSurvivesASweep(t *testing.T) {
	s, dir := open(t)
	content := bytes.Repeat([]byte("HNOT"), 1000)
	for _, seal := range []bool{false, true} {
		p, err := s.Create()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Write(content); err != nil {
			t.Fatal(err)
		}
		if seal {
			if err := p.Seal(sha256.Sum256(content)); err != nil {
				t.Fatal(err)
			}
		}
		// Another Open (another server, the CLI) sweeps tmp/ meanwhile. The
		// lock belongs to the open file description, so this process's sweep
		// meets it as another process's would.
		if _, err := filestore.Open(dir); err != nil {
			t.Fatal(err)
		}
		if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 1 {
			t.Fatalf("sealed=%v: a sweep removed the file of a live upload: tmp holds %v", seal, tmp)
		}
		var name string
		if seal {
			name, err = p.Publish()
		} else {
			name, err = p.CommitSum(sha256.Sum256(content))
		}
		if err != nil || name != sum(content) {
			t.Fatalf("sealed=%v: publishing after a sweep = %s, %v", seal, name, err)
		}
		if err := s.Remove(name); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeadWriterHelper is the child process of TestKilledWriterLeavesNothing:
// it starts an upload, says so, and waits to be killed.
func TestDeadWriterHelper(t *testing.T) {
	dir := os.Getenv("FILESTORE_DEAD_WRITER_DIR")
	if dir == "" {
		t.Skip("child process of TestKilledWriterLeavesNothing")
	}
	s, err := filestore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.Fatal(err)
	}
	os.Stdout.WriteString("writing\n")
	time.Sleep(time.Minute)
}

func TestKilledWriterLeavesNothing(t *testing.T) {
	_, dir := open(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeadWriterHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FILESTORE_DEAD_WRITER_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || line != "writing\n" {
		t.Fatalf("child: %q, %v", line, err)
	}
	tmp := filepath.Join(dir, "tmp")
	// While the other process writes, a sweep leaves its file alone.
	if _, err := filestore.Open(dir); err != nil {
		t.Fatal(err)
	}
	if left := entries(t, tmp); len(left) != 1 {
		t.Fatalf("a sweep removed the file of another process's live upload: tmp holds %v", left)
	}
	// kill -9, then a restart: nothing of the upload is left.
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := filestore.Open(dir); err != nil {
		t.Fatal(err)
	}
	if left := entries(t, tmp); len(left) != 0 {
		t.Errorf("a restart after kill -9 left the upload's temporary file: %v", left)
	}
}

func TestCreateSurvivesASweepBeforeItsLock(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows the creator's open handle protects the file from its creation")
	}
	s, dir := open(t)
	swept := 0
	restore := filestore.SetAfterCreate(func() {
		// The new file exists but is not locked yet: the first time, a sweep
		// of another Open takes its lock and removes it.
		if swept++; swept == 1 {
			if _, err := filestore.Open(dir); err != nil {
				t.Error(err)
			}
		}
	})
	defer restore()
	p, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if swept < 2 {
		t.Fatalf("Create did not retry after its file was swept (%d attempts)", swept)
	}
	p.Write([]byte("abc"))
	if _, err := filestore.Open(dir); err != nil { // the new file is locked
		t.Fatal(err)
	}
	if name, err := p.CommitSum(sha256.Sum256([]byte("abc"))); err != nil || name != sum([]byte("abc")) {
		t.Fatalf("CommitSum = %s, %v", name, err)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestCreateAndSweepConcurrently(t *testing.T) {
	s, dir := open(t)
	stop := make(chan struct{})
	var sweeps sync.WaitGroup
	for range 2 {
		sweeps.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := filestore.Open(dir); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Go(func() {
			for i := range 50 {
				content := fmt.Appendf(nil, "writer %d file %d", w, i)
				name, _, err := s.Put(bytes.NewReader(content))
				if err != nil || name != sum(content) {
					t.Errorf("Put during sweeps = %s, %v", name, err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	sweeps.Wait()
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestSealPublishAbort(t *testing.T) {
	s, dir := open(t)
	tmp := filepath.Join(dir, "tmp")
	abc := sha256.Sum256([]byte("abc"))

	// Seal syncs and names the file but leaves it in tmp/ until Publish.
	p, _ := s.Create()
	p.Write([]byte("abc"))
	if p.Sum() != "" {
		t.Errorf("Sum before Seal = %q", p.Sum())
	}
	if _, err := p.Publish(); err == nil {
		t.Error("Publish before Seal succeeded")
	}
	if err := p.Seal(abc); err != nil {
		t.Fatal(err)
	}
	if p.Sum() != sum([]byte("abc")) {
		t.Errorf("Sum after Seal = %q", p.Sum())
	}
	if _, err := p.Write([]byte("more")); err == nil {
		t.Error("Write after Seal succeeded")
	}
	if err := p.Seal(abc); err == nil {
		t.Error("a second Seal succeeded")
	}
	if _, err := s.Stat(p.Sum()); err == nil {
		t.Error("the file is published before Publish")
	}
	if left := entries(t, tmp); len(left) != 1 {
		t.Errorf("after Seal tmp holds %v, want the sealed file", left)
	}
	name, err := p.Publish()
	if err != nil || name != sum([]byte("abc")) {
		t.Fatalf("Publish = %s, %v", name, err)
	}
	if _, err := p.Publish(); !errors.Is(err, filestore.ErrFinished) {
		t.Errorf("a second Publish: err = %v, want ErrFinished", err)
	}
	p.Abort() // after Publish: keeps the file
	if _, err := s.Stat(name); err != nil {
		t.Errorf("Abort after Publish removed the file: %v", err)
	}

	// The same content again: Publish drops the new copy.
	p2, _ := s.Create()
	p2.Write([]byte("abc"))
	if err := p2.Seal(abc); err != nil {
		t.Fatal(err)
	}
	if name2, err := p2.Publish(); err != nil || name2 != name {
		t.Errorf("publishing stored content again = %s, %v", name2, err)
	}

	// Abort after Seal drops the temporary file; nothing can follow.
	p3, _ := s.Create()
	p3.Write([]byte("xyz"))
	if err := p3.Seal(sha256.Sum256([]byte("xyz"))); err != nil {
		t.Fatal(err)
	}
	p3.Abort()
	if _, err := p3.Publish(); !errors.Is(err, filestore.ErrFinished) {
		t.Errorf("Publish after Abort: err = %v, want ErrFinished", err)
	}
	if err := p3.Seal(abc); !errors.Is(err, filestore.ErrFinished) {
		t.Errorf("Seal after Abort: err = %v, want ErrFinished", err)
	}
	if _, err := s.Stat(sum([]byte("xyz"))); err == nil {
		t.Error("an aborted file was published")
	}

	// A hashed file refuses a sum that is not its content's.
	p4, _ := s.CreateHashed()
	p4.Write([]byte("abc"))
	if err := p4.Seal(sha256.Sum256([]byte("abd"))); err == nil {
		t.Error("Seal of a hashed file with a wrong sum succeeded")
	}
	if left := entries(t, tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if got := entries(t, filepath.Join(dir, "objects")); len(got) != 1 {
		t.Errorf("objects: %v, want only abc", got)
	}
}
