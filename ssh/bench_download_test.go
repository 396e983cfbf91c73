package ssh

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// plainFile serves one file of the disk, as any SFTP server does: the
// baseline a backup's download is compared with.
type plainFile struct{ path string }

func (p plainFile) Fileread(*sftp.Request) (io.ReaderAt, error) { return os.Open(p.path) }

func (p plainFile) Filelist(*sftp.Request) (sftp.ListerAt, error) {
	fi, err := os.Stat(p.path)
	if err != nil {
		return nil, err
	}
	return treeLister{fi}, nil
}

// benchBackup is a back end with one backup of about size bytes (its base
// plus changes); it returns the session and the backup.
func benchBackup(b *testing.B, size int64, changes int) (*backend.Session, backend.BackupFile) {
	b.Helper()
	ctx := context.Background()
	dir := b.TempDir()
	be, err := backend.Open(ctx, backend.Options{DataDir: filepath.Join(dir, "data"), Clock: clock.NewFake(ftStart), Hashing: password.Fast})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { be.Close() })
	est, pw, err := be.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Janson de Sailly", UAI: "0750000A",
		Email: "a@b.fr", Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50, QuotaBytes: 4 * size})
	if err != nil {
		b.Fatal(err)
	}
	s, err := be.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		b.Fatal(err)
	}
	paths, err := hostfile.Generate(dir, hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: "JANSON",
		Establishment: est.Name, Year: 2025, Students: 1800, Teachers: 140, Classes: 60, Size: size, Now: ftStart.Add(-time.Hour)})
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		b.Fatal(err)
	}
	base, err := s.LoadBase(ctx, "JANSON.HNOT", f, nil)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range paths {
		os.Remove(p)
	}
	if err := s.OpenBase(ctx, base.ID); err != nil {
		b.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		b.Fatal(err)
	}
	c, err := be.Connect(ctx, est.HostingNumber, backend.ConnectRequest{User: "M. LEROY", Group: "Professeurs", Mode: "enseignant", Addr: "192.0.2.1"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range changes {
		if _, err := be.RecordChange(ctx, est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("note %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	k, err := s.CreateBackup(ctx)
	if err != nil {
		b.Fatal(err)
	}
	x, err := s.ExportBackup(ctx, k.ID)
	if err != nil {
		b.Fatal(err)
	}
	return s, x.BackupFile
}

// pipeClient serves h over an in-memory pipe to a pkg/sftp client with its
// defaults (concurrent reads, 64 in flight).
func pipeClient(b *testing.B, h sftp.Handlers) *sftp.Client {
	b.Helper()
	server, client := net.Pipe()
	go sftp.NewRequestServer(server, h, sftp.WithStartDirectory(depotDir)).Serve() //nolint:errcheck
	c, err := sftp.NewClientPipe(client, client)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close(); client.Close(); server.Close() })
	return c
}

// BenchmarkSFTPDownloadBackup: a backup of about 256 MiB (its base and
// 20,000 changes) downloaded whole, resumed from its middle, and a plain
// file of the same bytes served from disk, through the same pkg/sftp client
// and request server over an in-memory pipe: the ratio of backup to file is
// the cost of generating the backup (reading and hashing the stored file,
// the changes, the checksum) and of the ReaderAt over it. stream is the
// back end's stream alone, stream-skip the same opened at its last byte
// (everything generated and hashed, nothing sent: the cost of a jump).
func BenchmarkSFTPDownloadBackup(b *testing.B) {
	s, f := benchBackup(b, 256<<20, 20000)
	tree := newFileTree(context.Background(), s, nil)
	h := tree.handlers()
	g := &gets{FileReader: h.FileGet}
	h.FileGet = g
	backupClient := pipeClient(b, h)

	// The same bytes in a plain file.
	plain := filepath.Join(b.TempDir(), f.Name)
	out, err := os.Create(plain)
	if err != nil {
		b.Fatal(err)
	}
	x, err := s.ExportBackup(context.Background(), f.ID)
	if err != nil {
		b.Fatal(err)
	}
	r, err := x.Open(0)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(out, r); err != nil {
		b.Fatal(err)
	}
	r.Close()
	out.Close()
	fileClient := pipeClient(b, sftp.Handlers{FileGet: plainFile{plain}, FileList: plainFile{plain}, FileCmd: &sftpTree{tree}, FilePut: &sftpTree{tree}})

	get := func(b *testing.B, c *sftp.Client, from int64) {
		h, err := c.Open("/sauvegardes/" + f.Name)
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		if _, err := h.Seek(from, io.SeekStart); err != nil {
			b.Fatal(err)
		}
		var n countWriter
		if _, err := h.WriteTo(&n); err != nil || int64(n) != f.Size-from {
			b.Fatalf("%d bytes of %d, %v", n, f.Size-from, err)
		}
	}
	b.Run("stream", func(b *testing.B) { // the back end's stream alone, no SFTP
		b.SetBytes(f.Size)
		for b.Loop() {
			r, err := x.Open(0)
			if err != nil {
				b.Fatal(err)
			}
			var n countWriter
			if _, err := io.Copy(&n, r); err != nil || int64(n) != f.Size {
				b.Fatalf("%d bytes of %d, %v", n, f.Size, err)
			}
			r.Close()
		}
	})
	b.Run("stream-skip", func(b *testing.B) { // opening at the end: generated, not sent
		b.SetBytes(f.Size)
		for b.Loop() {
			r, err := x.Open(f.Size - 1)
			if err != nil {
				b.Fatal(err)
			}
			if n, err := io.Copy(io.Discard, r); err != nil || n != 1 {
				b.Fatalf("%d bytes, %v", n, err)
			}
			r.Close()
		}
	})
	b.Run("file", func(b *testing.B) {
		b.SetBytes(f.Size)
		for b.Loop() {
			get(b, fileClient, 0)
		}
	})
	b.Run("backup", func(b *testing.B) {
		before := len(g.all())
		b.SetBytes(f.Size)
		for b.Loop() {
			get(b, backupClient, 0)
		}
		streams := 0
		for _, d := range g.all()[before:] {
			streams += d.opened()
		}
		b.ReportMetric(float64(streams)/float64(len(g.all())-before), "streams/op")
	})
	b.Run("backup-resume-half", func(b *testing.B) {
		b.SetBytes(f.Size - f.Size/2)
		for b.Loop() {
			get(b, backupClient, f.Size/2)
		}
	})
	b.Run("file-resume-half", func(b *testing.B) {
		b.SetBytes(f.Size - f.Size/2)
		for b.Loop() {
			get(b, fileClient, f.Size/2)
		}
	})
}

// countWriter counts what is written to it.
type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}
