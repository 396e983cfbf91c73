package backend_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hebergement/console/backend"
)

// The backups' benchmarks (issue "Sauvegardes": backup and open cost the
// same for a 1 MB and a 1 GB base). Each runs beside a baseline in the same
// run, so that the README states ratios that hold on any machine:
//
//	go test -run '^$' -bench 'Backup' -benchtime 20x ./backend/
//
// The 1 GB base is generated and loaded once per process (the fixtures of
// bench_test.go, removed by TestMain): 2 GB of temporary disk. -short skips
// it.

// backupChanges is how many changes the base in service holds before the
// benchmarks: the same for every size, since a backup and an open cost
// what the log holds, not what the file weighs.
const backupChanges = 200

// backupFixture is a fixture of bench_test.go whose base is in service with
// backupChanges changes and one manual backup of them.
type backupFixture struct {
	*fixture
	hosting string
	backup  backend.Backup
	path    string // the stored file of the base
}

var (
	backupFixturesMu sync.Mutex
	backupFixtures   = map[string]*backupFixture{}
)

func getBackupFixture(b *testing.B, name string, size int64) *backupFixture {
	b.Helper()
	if size >= 1<<30 && testing.Short() {
		b.Skip("a 1 GB base: not with -short")
	}
	f := getFixture(b, "backup"+name, 1, size, true)
	backupFixturesMu.Lock()
	defer backupFixturesMu.Unlock()
	if bf, ok := backupFixtures[name]; ok {
		return bf
	}
	ctx := context.Background()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	// The generated source is not synced: removed, its pages are not
	// written back while the benchmarks time their own syncs.
	must(os.RemoveAll(filepath.Dir(f.files[0])))
	must(f.s.OpenBase(ctx, f.bases[0]))
	must(f.s.PutInService(ctx))
	st, err := f.s.Status(ctx)
	must(err)
	bf := &backupFixture{fixture: f, hosting: st.Establishment.HostingNumber}
	c, err := connect(f.b, bf.hosting, "Mme MARTIN", "Professeurs", "enseignant")
	must(err)
	for i := range backupChanges {
		_, err := f.b.RecordChange(ctx, bf.hosting, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("note %d", i)})
		must(err)
	}
	must(f.b.Disconnect(ctx, bf.hosting, c.ID))
	bf.backup, err = f.s.CreateBackup(ctx)
	must(err)
	if bf.backup.Changes != backupChanges {
		b.Fatalf("backup of %d changes, want %d", bf.backup.Changes, backupChanges)
	}
	sha := st.Opened.SHA256
	bf.path = filepath.Join(fixtures.dir, "backup"+name, "data", "files", "objects", sha[:2], sha)
	backupFixtures[name] = bf
	return bf
}

var backupSizes = []struct {
	name string
	size int64
}{{"1MB", 1 << 20}, {"1GB", 1 << 30}}

// prepareBackupFixtures builds the fixtures of every size before any is
// timed: the syncs of a 1 GB load leave the disk busy for a while, which
// would time into the size measured right after it.
func prepareBackupFixtures(b *testing.B) {
	for _, c := range backupSizes {
		if c.size < 1<<30 || !testing.Short() {
			getBackupFixture(b, c.name, c.size)
		}
	}
}

// BenchmarkBackup is "Sauvegarder maintenant" of a base in service: a
// point of its change log is recorded, nothing is copied. baseline is a
// write transaction through the same path (permission, transaction,
// journal, event) that changes nothing: SetReservedSeats to its value.
// A backup also reads the backups' list back, which grows by one backup
// per iteration, alike for both sizes.
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	prepareBackupFixtures(b)
	for _, c := range backupSizes {
		b.Run(c.name, func(b *testing.B) {
			f := getBackupFixture(b, c.name, c.size)
			b.ResetTimer()
			for range b.N {
				if _, err := f.s.CreateBackup(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("baseline", func(b *testing.B) {
		f := getBackupFixture(b, "1MB", 1<<20)
		b.ResetTimer()
		for range b.N {
			if err := f.s.SetReservedSeats(ctx, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkOpenBackup is "Ouvrir cette sauvegarde" with the server in
// service (stop, back up the opened base, a new base of the backup's file
// and its backupChanges changes), then "Mettre en service". baseline is
// the stop and the start alone: StopServer then PutInService.
func BenchmarkOpenBackup(b *testing.B) {
	ctx := context.Background()
	prepareBackupFixtures(b)
	for _, c := range backupSizes {
		b.Run(c.name, func(b *testing.B) {
			f := getBackupFixture(b, c.name, c.size)
			b.ResetTimer()
			for range b.N {
				base, err := f.s.OpenBackup(ctx, f.backup.ID, true)
				if err != nil {
					b.Fatal(err)
				}
				if err := f.s.PutInService(ctx); err != nil {
					b.Fatal(err)
				}
				if base.SHA256 != f.backup.BaseSHA256 {
					b.Fatalf("opened %+v", base)
				}
			}
		})
	}
	b.Run("baseline", func(b *testing.B) {
		f := getBackupFixture(b, "1MB", 1<<20)
		b.ResetTimer()
		for range b.N {
			if err := f.s.StopServer(ctx); err != nil {
				b.Fatal(err)
			}
			if err := f.s.PutInService(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDownloadBackup streams a backup of a 256 MiB base through
// BackupExport.Open to io.Discard (export: the file is generated as it is
// read, its stored checksum and the download's own computed on the way),
// beside a copy of the stored file to io.Discard (copy), and the same copy
// through one SHA-256 (copy-sha256: the floor of a read that checks what
// it sends; the export hashes twice). All read a file the page cache
// holds, by reads of readBuffer.
func BenchmarkDownloadBackup(b *testing.B) {
	ctx := context.Background()
	b.Run("export", func(b *testing.B) {
		f := getBackupFixture(b, "256MB", size256)
		x, err := f.s.ExportBackup(ctx, f.backup.ID)
		if err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, readBuffer)
		b.SetBytes(x.Size)
		b.ResetTimer()
		for range b.N {
			r, err := x.Open(0)
			if err != nil {
				b.Fatal(err)
			}
			n, err := readAll(io.Discard, r, buf)
			r.Close()
			if err != nil || n != x.Size {
				b.Fatalf("%d bytes of %d: %v", n, x.Size, err)
			}
		}
	})
	for _, hashed := range []bool{false, true} {
		name := "copy"
		if hashed {
			name = "copy-sha256"
		}
		b.Run(name, func(b *testing.B) { benchCopyStored(b, hashed) })
	}
}

func benchCopyStored(b *testing.B, hashed bool) {
	f := getBackupFixture(b, "256MB", size256)
	fi, err := os.Stat(f.path)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, readBuffer)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for range b.N {
		r, err := os.Open(f.path)
		if err != nil {
			b.Fatal(err)
		}
		var dst io.Writer = io.Discard
		if hashed {
			dst = sha256.New()
		}
		n, err := readAll(dst, r, buf)
		r.Close()
		if err != nil || n != fi.Size() {
			b.Fatalf("%d bytes of %d: %v", n, fi.Size(), err)
		}
	}
}

// readBuffer is the size of the reads of the download benchmarks, alike
// for the export and the copies: an sftp server reads about that much at a
// time, and io.Discard alone would read by 8 KiB.
const readBuffer = 256 << 10

// readAll copies r to w through buf, whatever either implements.
func readAll(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, buf)
}
