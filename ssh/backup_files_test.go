package ssh

// sauvegardes/ against the real back end: listing, downloads over SFTP
// (pkg/sftp's client) and legacy scp, ranges, refusals, corruption.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// ftBackup puts a generated base of about size bytes in service, records
// changes to it and backs it up; it returns the backup as sauvegardes/
// lists it and its bytes as the back end generates them.
func (e *ftEnv) ftBackup(t *testing.T, name string, size int64, changes int) (backend.BackupFile, []byte) {
	t.Helper()
	ctx := context.Background()
	data := ftGenerate(t, e.est.HostingNumber, name, size)[0]
	b, err := e.s.LoadBase(ctx, name+".HNOT", bytes.NewReader(data), nil)
	if err != nil {
		t.Fatalf("LoadBase: %v", err)
	}
	if err := e.s.StopAndOpenBase(ctx, b.ID); err != nil {
		t.Fatalf("StopAndOpenBase: %v", err)
	}
	if err := e.s.PutInService(ctx); err != nil {
		t.Fatalf("PutInService: %v", err)
	}
	c, err := e.b.Connect(ctx, e.est.HostingNumber, backend.ConnectRequest{User: "Mme MARTIN", Group: "Professeurs", Mode: "enseignant", Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	for i := range changes {
		if _, err := e.b.RecordChange(ctx, e.est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("note %d", i)}); err != nil {
			t.Fatalf("RecordChange: %v", err)
		}
	}
	if err := e.b.Disconnect(ctx, e.est.HostingNumber, c.ID); err != nil {
		t.Fatal(err)
	}
	k, err := e.s.CreateBackup(ctx)
	if err != nil {
		t.Fatalf("CreateBackup: %v", err)
	}
	x, err := e.s.ExportBackup(ctx, k.ID)
	if err != nil {
		t.Fatalf("ExportBackup: %v", err)
	}
	r, err := x.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	full, err := io.ReadAll(r)
	if err != nil || int64(len(full)) != x.Size {
		t.Fatalf("the back end's stream: %d bytes of %d, %v", len(full), x.Size, err)
	}
	if _, _, err := hostfile.Verify(bytes.NewReader(full), hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: e.est.HostingNumber}); err != nil {
		t.Fatalf("the back end's stream is not a valid base: %v", err)
	}
	return x.BackupFile, full
}

// gets records the downloads the SFTP server opens.
type gets struct {
	sftp.FileReader
	mu   sync.Mutex
	list []*sftpDownload
}

func (g *gets) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	ra, err := g.FileReader.Fileread(r)
	if d, ok := ra.(*sftpDownload); ok {
		g.mu.Lock()
		g.list = append(g.list, d)
		g.mu.Unlock()
	}
	return ra, err
}

func (g *gets) all() []*sftpDownload {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.list)
}

// serveRecording is serve, with the downloads recorded.
func (e *ftEnv) serveRecording(t *testing.T) (*ftConn, *gets) {
	t.Helper()
	server, client := net.Pipe()
	tree := newFileTree(context.Background(), e.s, e.notes.notify)
	h := tree.handlers()
	g := &gets{FileReader: h.FileGet}
	h.FileGet = g
	done := make(chan error, 1)
	go func() {
		rs := sftp.NewRequestServer(server, h, sftp.WithStartDirectory(depotDir))
		done <- rs.Serve()
	}()
	cl, err := sftp.NewClientPipe(client, client)
	if err != nil {
		t.Fatalf("NewClientPipe: %v", err)
	}
	c := &ftConn{Client: cl, conn: client, done: done}
	t.Cleanup(func() {
		cl.Close()
		client.Close()
		c.wait(t) //nolint:errcheck
		server.Close()
	})
	return c, g
}

// get downloads remote whole through pkg/sftp's client (concurrent reads).
func (c *ftConn) get(remote string) ([]byte, error) {
	f, err := c.Open(remote)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var b bytes.Buffer
	_, err = f.WriteTo(&b)
	return b.Bytes(), err
}

func TestSFTPBackupListed(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	if l, err := c.ReadDir("/sauvegardes"); err != nil || len(l) != 0 {
		t.Fatalf("ReadDir before any backup = %v, %v", l, err)
	}
	f, _ := e.ftBackup(t, "HUGO", 2<<20, 5)
	if !strings.HasPrefix(f.Name, "HUGO-20260310-0930") || !strings.HasSuffix(f.Name, ".HNOT") {
		t.Errorf("backup named %q, want HUGO-20260310-0930….HNOT", f.Name)
	}
	for _, dir := range []string{"/sauvegardes", "sauvegardes", "/depot/sauvegardes/", "~/../sauvegardes"} {
		l, err := c.ReadDir(dir)
		if err != nil || len(l) != 1 {
			t.Fatalf("ReadDir(%q) = %v, %v", dir, l, err)
		}
		fi := l[0]
		if fi.Name() != f.Name || fi.Size() != f.Size || fi.Mode() != 0o444 || !fi.ModTime().Equal(f.ModTime.Truncate(time.Second)) {
			t.Errorf("ReadDir(%q): %s %d %v %v; want %s %d -r--r--r-- %v", dir, fi.Name(), fi.Size(), fi.Mode(), fi.ModTime(), f.Name, f.Size, f.ModTime)
		}
	}
	for _, p := range []string{"/sauvegardes/" + f.Name, "sauvegardes/" + f.Name, "/depot/../sauvegardes/" + f.Name} {
		fi, err := c.Stat(p)
		if err != nil || fi.Size() != f.Size || fi.Mode() != 0o444 || fi.IsDir() {
			t.Errorf("Stat(%q) = %v, %v", p, fi, err)
		}
	}
	if fi, err := c.Stat("/sauvegardes"); err != nil || fi.Mode().Perm() != 0o555 || !fi.IsDir() {
		t.Errorf("Stat(/sauvegardes) = %v, %v", fi, err)
	}
	// A second backup in the same minute gets its own name.
	if _, err := e.s.CreateBackup(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, err := c.ReadDir("/sauvegardes")
	if err != nil || len(l) != 2 || l[0].Name() == l[1].Name() {
		t.Fatalf("two backups: %v, %v", l, err)
	}
	if l, err := c.ReadDir("/factures"); err != nil || len(l) != 1 { // the first invoice
		t.Errorf("ReadDir(/factures) = %v, %v", l, err)
	}
	if e.notes.len() != 0 {
		t.Errorf("listings notified: %v", e.notes.all())
	}
}

// A download is the back end's bytes exactly, in one stream for the whole
// file whatever the order pkg/sftp's workers serve the reads in; it loads
// back as a base.
func TestSFTPBackupDownloadLoadsBack(t *testing.T) {
	e := ftSetup(t, 0)
	f, full := e.ftBackup(t, "HUGO", 7<<20+4321, 40)
	c, g := e.serveRecording(t)
	got, err := c.get("sauvegardes/" + f.Name)
	if err != nil || !bytes.Equal(got, full) {
		t.Fatalf("get: %d bytes (want %d), equal %v, %v", len(got), len(full), bytes.Equal(got, full), err)
	}
	if d := g.all(); len(d) != 1 || d[0].opened() != 1 {
		t.Errorf("downloads %d, streams opened %d; want one stream", len(d), d[0].opened())
	}
	// Loaded back through depot/ like any base.
	if err := c.put("/depot/"+f.Name, got); err != nil {
		t.Fatalf("loading the download back: %v", err)
	}
	stem := strings.TrimSuffix(f.Name, ".HNOT")
	b := e.base(t, stem)
	if b.SHA256 != ftSum(full) || b.Size != f.Size {
		t.Errorf("reloaded base %s of %d bytes; download %s of %d", b.SHA256, b.Size, ftSum(full), f.Size)
	}
	e.notes.one(t, 0, true, "chargé")
}

// Ranges, resumes (reget) and reads at random offsets give the bytes of the
// full stream.
func TestSFTPBackupRanges(t *testing.T) {
	e := ftSetup(t, 0)
	f, full := e.ftBackup(t, "HUGO", 5<<20+17, 12)
	c, g := e.serveRecording(t)
	remote := "/sauvegardes/" + f.Name

	// reget: a new handle read from an offset to the end.
	for _, off := range []int64{1, 4096, f.Size / 3, f.Size - 40, f.Size - 1, f.Size} {
		h, err := c.Open(remote)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := h.WriteTo(&b); err != nil {
			t.Fatalf("resume at %d: %v", off, err)
		}
		h.Close()
		if !bytes.Equal(b.Bytes(), full[off:]) {
			t.Errorf("resume at %d: %d bytes, differ from the full stream's", off, b.Len())
		}
	}

	// Random ranges on one handle.
	h, err := c.Open(remote)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	for range 60 {
		off := rng.Int64N(f.Size)
		n := 1 + rng.Int64N(min(f.Size-off, 600<<10))
		p := make([]byte, n)
		k, err := h.ReadAt(p, off)
		if err != nil && !(err == io.EOF && int64(k) == n) {
			t.Fatalf("ReadAt(%d at %d) = %d, %v", n, off, k, err)
		}
		if !bytes.Equal(p[:k], full[off:off+n]) {
			t.Fatalf("range [%d, %d) differs", off, off+n)
		}
	}
	// Past the end.
	if n, err := h.ReadAt(make([]byte, 10), f.Size+5); n != 0 || err != io.EOF {
		t.Errorf("ReadAt past the end = %d, %v", n, err)
	}
	t.Logf("%d handles, streams opened: %v", len(g.all()), func() (o []int) {
		for _, d := range g.all() {
			o = append(o, d.opened())
		}
		return
	}())
}

// dataFiles lists the data folder's files with their sizes.
func dataFiles(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// A download writes nothing to the data folder: no temporary copy, nothing
// growing while it runs.
func TestSFTPBackupDownloadWritesNothing(t *testing.T) {
	e := ftSetup(t, 0)
	f, full := e.ftBackup(t, "HUGO", 12<<20, 30)
	c := e.serve(t)
	h, err := c.Open("/sauvegardes/" + f.Name)
	if err != nil {
		t.Fatal(err)
	}
	before := dataFiles(t, e.dir)
	half := make([]byte, f.Size/2)
	if _, err := h.ReadAt(half, 0); err != nil {
		t.Fatal(err)
	}
	during := dataFiles(t, e.dir)
	rest := make([]byte, f.Size-f.Size/2)
	if _, err := h.ReadAt(rest, f.Size/2); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	h.Close()
	after := dataFiles(t, e.dir)
	if !bytes.Equal(append(half, rest...), full) {
		t.Fatal("the download differs")
	}
	if fmt.Sprint(before) != fmt.Sprint(during) || fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("the data folder changed during a download:\nbefore %v\nduring %v\nafter  %v", before, during, after)
	}
}

// Hostile paths and every change in sauvegardes/ and factures/ are refused
// with a reason; nothing changes and the backup still downloads.
func TestSFTPBackupRefusals(t *testing.T) {
	e := ftSetup(t, 0)
	f, full := e.ftBackup(t, "HUGO", 1<<20, 3)
	c := e.serve(t)
	name := "/sauvegardes/" + f.Name
	csi := "\x1b[" + strings.Repeat("1;", 40) + "1m"

	for _, p := range []string{
		"sauvegardes/../../etc/passwd",
		"/sauvegardes/../../../etc/passwd",
		"sauvegardes/..",
		"/sauvegardes/" + f.Name + "/x",
		"/sauvegardes/" + csi + f.Name,
		"/sauvegardes/" + f.Name + "\x00",
		"/sauvegardes/a\x01b.HNOT",
		"/sauvegardes/a\u202eb.HNOT",
		"/sauvegardes/" + strings.Repeat("A", 300) + ".HNOT",
		"/sauvegardes/INCONNUE-20260310-0930.HNOT",
		"/factures/facture.pdf",
		"/depot/" + f.Name,
		"/" + f.Name,
	} {
		h, err := c.Open(p)
		if err == nil {
			h.Close()
			t.Errorf("Open(%q) accepted", p)
			continue
		}
		if !errors.Is(err, os.ErrNotExist) && ftStatus(err) != ftFailure {
			t.Errorf("Open(%q): %v", p, err)
		}
		if strings.ContainsAny(err.Error(), "\x1b\x00\x01\u202e") {
			t.Errorf("Open(%q): the error echoes control characters: %q", p, err)
		}
	}
	if e.notes.len() != 0 {
		t.Errorf("refused reads notified: %v", e.notes.all())
	}

	before, backups := e.state(t), e.backupNames(t)
	ops := []struct {
		name, want string
		do         func() error
	}{
		{"create over a backup", "lecture seule", func() error { return c.put(name, full) }},
		{"create in sauvegardes", "lecture seule", func() error { return c.put("/sauvegardes/NEUVE.HNOT", full) }},
		{"create in factures", "lecture seule", func() error { return c.put("/factures/NEUVE.HNOT", full) }},
		{"open read-write", "lecture seule", func() error {
			h, err := c.OpenFile(name, os.O_RDWR)
			if err == nil {
				h.Close()
			}
			return err
		}},
		{"remove", "sauvegardes/ est en lecture seule", func() error { return c.Remove(name) }},
		{"remove in factures", "Impossible de supprimer", func() error { return c.Remove("/factures/x.pdf") }},
		{"rename", "lecture seule", func() error { return c.Rename(name, "/depot/x.HNOT") }},
		{"posix rename", "lecture seule", func() error { return c.PosixRename(name, "/sauvegardes/y.HNOT") }},
		{"rename into", "Impossible de renommer", func() error { return c.Rename("/depot/x.HNOT", name) }},
		{"chmod", "lecture seule", func() error { return c.Chmod(name, 0o666) }},
		{"chtimes", "lecture seule", func() error { return c.Chtimes(name, time.Now(), time.Now()) }},
		{"truncate", "lecture seule", func() error { return c.Truncate(name, 10) }},
		{"mkdir", "Impossible de créer", func() error { return c.Mkdir("/sauvegardes/x") }},
		{"rmdir", "ne peut pas être supprimé", func() error { return c.RemoveDirectory("/sauvegardes") }},
		{"symlink", "liens", func() error { return c.Symlink(name, "/sauvegardes/lien") }},
	}
	for _, op := range ops {
		k := e.notes.len()
		err := op.do()
		if err == nil {
			t.Errorf("%s accepted", op.name)
			continue
		}
		if !errors.Is(err, os.ErrPermission) && ftStatus(err) != ftFailure {
			t.Errorf("%s: err = %v, want a refusal", op.name, err)
		}
		got := e.notes.since(t, k)
		if len(got) == 0 || got[0].ok || !strings.Contains(got[0].msg, op.want) {
			t.Errorf("%s: notifications %v, want a refusal with %q", op.name, got, op.want)
		}
	}
	e.unchanged(t, before)
	if after := e.backupNames(t); !slices.Equal(after, backups) {
		t.Errorf("backups changed: %v then %v", backups, after)
	}
	if got, err := c.get(name); err != nil || !bytes.Equal(got, full) {
		t.Errorf("get after the refusals: %d bytes, %v", len(got), err)
	}
}

// backupBytes is the download of backup id, as the back end generates it.
func (e *ftEnv) backupBytes(t *testing.T, id int64) []byte {
	t.Helper()
	x, err := e.s.ExportBackup(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	r, err := x.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *ftEnv) backupNames(t *testing.T) []string {
	t.Helper()
	l, err := e.s.BackupFiles(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range l {
		out = append(out, fmt.Sprintf("%s %d", f.Name, f.Size))
	}
	return out
}

// corrupt flips a byte in the middle of the stored file of sha.
func (e *ftEnv) corrupt(t *testing.T, sha string) {
	t.Helper()
	p := filepath.Join(e.dir, "files", "objects", sha[:2], sha)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x40
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A backup whose stored file changed ends every download with an error and
// the reason: the client never has the whole file.
func TestBackupDownloadCorrupt(t *testing.T) {
	e := ftSetup(t, 0)
	f, full := e.ftBackup(t, "HUGO", 3<<20, 4)
	e.corrupt(t, e.base(t, "HUGO").SHA256)
	why := backend.Message(backend.ErrBackupCorrupt)

	c := e.serve(t)
	got, err := c.get("/sauvegardes/" + f.Name)
	if err == nil || ftStatus(err) != ftFailure || !strings.Contains(err.Error(), why) {
		t.Errorf("get of a corrupt backup: %d bytes, err %v; want FAILURE with %q", len(got), err, why)
	}
	if int64(len(got)) >= f.Size || bytes.Equal(got, full) {
		t.Errorf("the client got %d bytes of %d", len(got), f.Size)
	}
	e.notes.one(t, 0, false, why)
	// The last bytes alone are refused too.
	h, err := c.Open("/sauvegardes/" + f.Name)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := h.ReadAt(make([]byte, 64), f.Size-64); err == nil {
		t.Errorf("the trailer of a corrupt backup was read (%d bytes)", n)
	}
	h.Close()

	// Legacy scp: an error, the content short of the announced size.
	h2 := NewSCPHandler(e.s, e.notes.notify)
	s := runSCP(h2, "", "scp", "-f", "sauvegardes/"+f.Name)
	out := s.outText()
	header := fmt.Sprintf("C0444 %d %s\n", f.Size, f.Name)
	if s.exit != 1 || !strings.Contains(s.errText(), why) || !strings.HasPrefix(out, header) || int64(len(out)-len(header)) >= f.Size {
		t.Errorf("scp -f of a corrupt backup: exit %d, stderr %q, %d bytes after the header", s.exit, s.errText(), len(out)-len(header))
	}
}

// At most maxDownloads SFTP downloads at once per session.
func TestSFTPTooManyDownloads(t *testing.T) {
	e := ftSetup(t, 0)
	f, _ := e.ftBackup(t, "HUGO", 1<<20, 1)
	c := e.serve(t)
	var open []*sftp.File
	for range maxDownloads {
		h, err := c.Open("/sauvegardes/" + f.Name)
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, h)
	}
	if h, err := c.Open("/sauvegardes/" + f.Name); err == nil {
		h.Close()
		t.Fatal("one download too many accepted")
	}
	e.notes.one(t, 0, false, "Trop de téléchargements simultanés")
	open[0].Close()
	h, err := c.Open("/sauvegardes/" + f.Name)
	if err != nil {
		t.Fatalf("after one closed: %v", err)
	}
	h.Close()
	for _, h := range open[1:] {
		h.Close()
	}
}

// Legacy scp: one backup, with -p its time, every backup with -r or a
// glob; the bytes are the back end's.
func TestSCPBackupDownloads(t *testing.T) {
	e := ftSetup(t, 0)
	f1, full1 := e.ftBackup(t, "HUGO", 600<<10, 3)
	f2, full2 := e.ftBackup(t, "ZOLA", 700<<10, 5)
	h := NewSCPHandler(e.s, e.notes.notify)
	entry := func(f backend.BackupFile, data []byte) string {
		return fmt.Sprintf("C0444 %d %s\n%s\x00", f.Size, f.Name, data)
	}
	for _, p := range []string{"sauvegardes/" + f1.Name, "/sauvegardes/" + f1.Name, "~/../sauvegardes/" + f1.Name} {
		s := runSCP(h, "", "scp", "-f", p)
		if s.exit != -1 || s.outText() != entry(f1, full1) {
			t.Errorf("scp -f %s: exit %d, stderr %q, %d bytes out", p, s.exit, s.errText(), len(s.outText()))
		}
	}
	s := runSCP(h, "", "scp", "-p", "-f", "sauvegardes/"+f1.Name)
	if want := fmt.Sprintf("T%d 0 %d 0\n", f1.ModTime.Unix(), f1.ModTime.Unix()) + entry(f1, full1); s.outText() != want {
		t.Errorf("scp -p -f: %q…", s.outText()[:min(60, len(s.outText()))])
	}
	// Every backup, in the back end's order (opening ZOLA backed up HUGO
	// first: three backups).
	l, err := e.s.BackupFiles(context.Background())
	if err != nil || len(l) != 3 {
		t.Fatalf("BackupFiles = %v, %v", l, err)
	}
	all := ""
	for _, f := range l {
		all += entry(f, e.backupBytes(t, f.ID))
	}
	s = runSCP(h, "", "scp", "-r", "-f", "sauvegardes")
	if s.exit != -1 || s.outText() != "D0555 0 sauvegardes\n"+all+"E\n" {
		t.Errorf("scp -r -f sauvegardes: exit %d, stderr %q, %d bytes out", s.exit, s.errText(), len(s.outText()))
	}
	s = runSCP(h, "", "scp", "-f", "sauvegardes/*.HNOT")
	if s.exit != -1 || s.outText() != all {
		t.Errorf("scp -f sauvegardes/*.HNOT: exit %d, stderr %q", s.exit, s.errText())
	}
	s = runSCP(h, "", "scp", "-f", "sauvegardes/ZOLA-*")
	if s.exit != -1 || s.outText() != entry(f2, full2) {
		t.Errorf("scp -f sauvegardes/ZOLA-*: exit %d, stderr %q", s.exit, s.errText())
	}
	for p, want := range map[string]string{
		"sauvegardes/RIEN-*":             "aucun fichier",
		"sauvegardes/[":                  "motif invalide",
		"sauvegardes/../../etc/passwd":   "introuvable",
		"sauvegardes/INCONNUE.HNOT":      "introuvable",
		"sauvegardes/\x1b[31mX.HNOT":     "motif invalide",
		"sauvegardes/\x01X\x7f.HNOT":     "introuvable",
		"/sauvegardes/" + f1.Name + "/x": "introuvable",
		"/factures/RIEN-*":               "aucun fichier",
		"/depot/*":                       "introuvable",
	} {
		s := runSCP(h, "", "scp", "-f", p)
		if s.exit != 1 || !strings.Contains(s.errText(), want) || strings.Contains(s.errText(), "\x1b") || s.outText() != "" {
			t.Errorf("scp -f %q: exit %d, stderr %q, out %d bytes; want %q", p, s.exit, s.errText(), len(s.outText()), want)
		}
	}
	if e.notes.len() != 0 {
		t.Errorf("downloads notified: %v", e.notes.all())
	}
}
