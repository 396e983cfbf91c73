package backend_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// The benchmarks share fixtures that are costly to build (256 MiB files), in
// one folder under os.TempDir removed by TestMain. A benchmark function runs
// more than once (b.N = 1 first), so each fixture is built once.

// TestMain removes the benchmark fixtures once every test and benchmark ran.
func TestMain(m *testing.M) {
	code := m.Run()
	fixtures.close()
	os.Exit(code)
}

type fixture struct {
	b     *backend.Backend
	s     *backend.Session
	files []string // hosting files of the fixture's establishment
	size  int64
	bases []int64
	next  int // the base OpenBase opens next
}

type fixtureSet struct {
	mu   sync.Mutex
	dir  string
	all  map[string]*fixture
	errs map[string]error
}

var fixtures = &fixtureSet{all: map[string]*fixture{}, errs: map[string]error{}}

func (f *fixture) closeBackend() {
	if f.b != nil {
		f.b.Close()
	}
}

func (fx *fixtureSet) close() {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	for _, f := range fx.all {
		f.closeBackend()
	}
	if fx.dir != "" {
		os.RemoveAll(fx.dir)
	}
}

// getFixture returns the fixture named key: a back end on its own data folder
// under the benchmark folder, one establishment logged in, and n base files
// of size bytes generated for it (loaded when load is set).
func getFixture(b *testing.B, key string, n int, size int64, load bool) *fixture {
	b.Helper()
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if f, ok := fixtures.all[key]; ok {
		return f
	}
	if err := fixtures.errs[key]; err != nil {
		b.Fatal(err)
	}
	f, err := buildFixture(key, n, size, load)
	if err != nil {
		fixtures.errs[key] = err
		if f != nil {
			f.closeBackend()
		}
		b.Fatal(err)
	}
	fixtures.all[key] = f
	return f
}

func buildFixture(key string, n int, size int64, load bool) (*fixture, error) {
	ctx := context.Background()
	if fixtures.dir == "" {
		dir, err := os.MkdirTemp("", "hebergement-bench-")
		if err != nil {
			return nil, err
		}
		fixtures.dir = dir
	}
	root := filepath.Join(fixtures.dir, key)
	bk, err := backend.Open(ctx, backend.Options{DataDir: filepath.Join(root, "data"), Hashing: password.Fast,
		Clock: clock.NewFake(start), PollInterval: time.Second})
	if err != nil {
		return nil, err
	}
	f := &fixture{b: bk, size: size}
	est, pw, err := bk.CreateEstablishment(ctx, school("Lycée Victor Hugo"))
	if err != nil {
		return f, err
	}
	if f.s, err = bk.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice}); err != nil {
		return f, err
	}
	src := filepath.Join(root, "src")
	if err := os.MkdirAll(src, 0o700); err != nil {
		return f, err
	}
	for i := 0; i < n; i++ {
		paths, err := hostfile.Generate(src, hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: fmt.Sprintf("BASE-%d", i),
			Establishment: est.Name, Year: 2025, Students: 812, Teachers: 64, Classes: 31, Size: size, Now: start})
		if err != nil {
			return f, err
		}
		f.files = append(f.files, paths[0])
		if !load {
			continue
		}
		r, err := os.Open(paths[0])
		if err != nil {
			return f, err
		}
		base, err := f.s.LoadBase(ctx, filepath.Base(paths[0]), r, nil)
		r.Close()
		if err != nil {
			return f, err
		}
		f.bases = append(f.bases, base.ID)
	}
	return f, nil
}

const size256 = 256 << 20

// BenchmarkLoadBase256MB is "Charger une base" of a 256 MiB .HNOT: read,
// validated, hashed and stored in one pass, then synced and renamed. Compare
// with BenchmarkPlainCopy256MB (target: at most 1.25 times the copy).
func BenchmarkLoadBase256MB(b *testing.B) {
	f := getFixture(b, "load256", 1, size256, false)
	ctx := context.Background()
	b.SetBytes(size256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := os.Open(f.files[0])
		if err != nil {
			b.Fatal(err)
		}
		base, err := f.s.LoadBase(ctx, "BASE.HNOT", r, nil)
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := f.s.DeleteBase(ctx, base.ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkPlainCopy256MB is the floor LoadBase is compared with: copy the
// same file into a temporary file of the same disk, sync, close, rename. On
// Linux io.Copy between two files is an in-kernel copy (copy_file_range),
// which a load, that must see every byte to check it, cannot use:
// BenchmarkUserCopy256MB is the same copy through a user-space buffer.
func BenchmarkPlainCopy256MB(b *testing.B) { benchCopy(b, false) }

// BenchmarkUserCopy256MB is BenchmarkPlainCopy256MB with the bytes going
// through a 1 MiB buffer of the process, as an upload's bytes do.
func BenchmarkUserCopy256MB(b *testing.B) { benchCopy(b, true) }

func benchCopy(b *testing.B, userSpace bool) {
	f := getFixture(b, "load256", 1, size256, false)
	dir := filepath.Join(filepath.Dir(filepath.Dir(f.files[0])), "copies")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 1<<20)
	b.SetBytes(size256)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		src, err := os.Open(f.files[0])
		if err != nil {
			b.Fatal(err)
		}
		tmp, err := os.CreateTemp(dir, "copy-*")
		if err != nil {
			b.Fatal(err)
		}
		if userSpace {
			// Hiding the concrete types keeps io.Copy out of copy_file_range.
			_, err = io.CopyBuffer(struct{ io.Writer }{tmp}, struct{ io.Reader }{src}, buf)
		} else {
			_, err = io.Copy(tmp, src)
		}
		if err != nil {
			b.Fatal(err)
		}
		src.Close()
		if err := tmp.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := tmp.Close(); err != nil {
			b.Fatal(err)
		}
		dst := filepath.Join(dir, "copy")
		if err := os.Rename(tmp.Name(), dst); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
}

// BenchmarkOpenBase shows that opening a base costs the same whatever its
// size: nothing is copied.
func BenchmarkOpenBase(b *testing.B) {
	for _, c := range []struct {
		name string
		size int64
	}{{"1MB", 1 << 20}, {"256MB", size256}} {
		b.Run(c.name, func(b *testing.B) {
			f := getFixture(b, "open"+c.name, 2, c.size, true)
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := f.s.OpenBase(ctx, f.bases[f.next]); err != nil {
					b.Fatal(err)
				}
				f.next = 1 - f.next
			}
		})
	}
}
