package ssh

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"charm.land/ssh"
	"charm.land/wish/v2/scp"
	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// ---------- fixtures ----------

// ftEnv is a back end on a temporary data folder and one SPR session.
type ftEnv struct {
	b     *backend.Backend
	dir   string
	s     *backend.Session
	est   backend.Establishment
	notes *ftNotes
}

var ftStart = time.Date(2026, 3, 10, 9, 30, 0, 0, clock.Paris())

func ftSetup(t *testing.T, quota int64) *ftEnv {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	b, err := backend.Open(ctx, backend.Options{DataDir: dir, Clock: clock.NewFake(ftStart), Hashing: password.Fast})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "a@b.fr", Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50, QuotaBytes: quota})
	if err != nil {
		t.Fatalf("CreateEstablishment: %v", err)
	}
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return &ftEnv{b: b, dir: dir, s: s, est: est, notes: &ftNotes{}}
}

// ftGenerate writes NAME.HNOT and its annexes for hosting; it returns their
// contents, base first.
func ftGenerate(t *testing.T, hosting, name string, size int64) [][]byte {
	t.Helper()
	paths, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{HostingNumber: hosting, Name: name,
		Establishment: "Lycée Victor Hugo", Year: 2026, Students: 812, Teachers: 64, Classes: 31, Size: size,
		Now: ftStart.Add(-time.Hour)})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func ftSum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ftFiles lists the files under dir, relative.
func ftFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func (e *ftEnv) objects(t *testing.T) []string {
	return ftFiles(t, filepath.Join(e.dir, "files", "objects"))
}

func (e *ftEnv) tmp(t *testing.T) []string { return ftFiles(t, filepath.Join(e.dir, "files", "tmp")) }

func (e *ftEnv) bases(t *testing.T) []backend.Base {
	t.Helper()
	l, err := e.s.Bases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return append(l.PreviouslyInService, l.Uploaded...)
}

// base returns the base named name, failing when there is none.
func (e *ftEnv) base(t *testing.T, name string) backend.Base {
	t.Helper()
	for _, b := range e.bases(t) {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no base %q among %v", name, e.bases(t))
	return backend.Base{}
}

// stored checks that the object of sum holds exactly want.
func (e *ftEnv) stored(t *testing.T, sum string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(filepath.Join(e.dir, "files", "objects", sum[:2], sum))
	if err != nil {
		t.Fatalf("stored file: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("stored file differs from the upload (%d vs %d bytes)", len(got), len(want))
	}
}

// ftState is what a refused upload must leave unchanged.
type ftState struct {
	bases   int
	objects []string
}

func (e *ftEnv) state(t *testing.T) ftState {
	return ftState{bases: len(e.bases(t)), objects: e.objects(t)}
}

// unchanged checks that nothing was stored since before, and that no
// temporary file is left.
func (e *ftEnv) unchanged(t *testing.T, before ftState) {
	t.Helper()
	if got := len(e.bases(t)); got != before.bases {
		t.Errorf("bases %d → %d", before.bases, got)
	}
	if got := e.objects(t); !slices.Equal(got, before.objects) {
		t.Errorf("stored files %v → %v", before.objects, got)
	}
	if tmp := e.tmp(t); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// ftNotes records what a FileNotifier is told.
type ftNotes struct {
	mu   sync.Mutex
	list []ftNote
}

type ftNote struct {
	ok  bool
	msg string
}

func (n ftNote) String() string { return fmt.Sprintf("(%v %q)", n.ok, n.msg) }

func (n *ftNotes) notify(ok bool, msg string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.list = append(n.list, ftNote{ok, msg})
}

func (n *ftNotes) all() []ftNote {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.list)
}

func (n *ftNotes) len() int { return len(n.all()) }

// since returns the notes after the first k, checking that none carries a
// control character.
func (n *ftNotes) since(t *testing.T, k int) []ftNote {
	t.Helper()
	all := n.all()
	for _, m := range all {
		if i := strings.IndexFunc(m.msg, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }); i >= 0 {
			t.Errorf("notification with a control character: %q", m.msg)
		}
	}
	return all[k:]
}

// one checks that exactly one note came after the first k, with ok and
// containing want; it returns its text.
func (n *ftNotes) one(t *testing.T, k int, ok bool, want string) string {
	t.Helper()
	got := n.since(t, k)
	if len(got) != 1 {
		t.Fatalf("%d notifications, want 1: %v", len(got), got)
	}
	if got[0].ok != ok || !strings.Contains(got[0].msg, want) {
		t.Fatalf("notification (%v, %q), want (%v, …%q…)", got[0].ok, got[0].msg, ok, want)
	}
	return got[0].msg
}

// ftConn is an SFTP client talking to ServeSFTP over an in-memory pipe.
type ftConn struct {
	*sftp.Client
	conn net.Conn
	done chan error
}

func (e *ftEnv) serve(t *testing.T) *ftConn {
	t.Helper()
	server, client := net.Pipe()
	done := make(chan error, 1)
	go func() { done <- ServeSFTP(context.Background(), server, e.s, e.notes.notify) }()
	cl, err := sftp.NewClientPipe(client, client, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		t.Fatalf("NewClientPipe: %v", err)
	}
	c := &ftConn{Client: cl, conn: client, done: done}
	t.Cleanup(func() {
		cl.Close()
		client.Close()
		if err := c.wait(t); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("ServeSFTP: %v", err)
		}
		server.Close()
	})
	return c
}

// wait waits for ServeSFTP to return (once), after the client went.
func (c *ftConn) wait(t *testing.T) error {
	t.Helper()
	if c.done == nil {
		return nil
	}
	select {
	case err := <-c.done:
		c.done = nil
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("ServeSFTP did not return")
		return nil
	}
}

// put uploads data to remote as the pkg/sftp client does: Create (read-write
// handle) and concurrent out-of-order writes.
func (c *ftConn) put(remote string, data []byte) error {
	f, err := c.Create(remote)
	if err != nil {
		return err
	}
	_, werr := f.ReadFrom(bytes.NewReader(data))
	return errors.Join(werr, f.Close())
}

// putOpenSSH uploads as OpenSSH scp does in SFTP mode: WRITE|CREAT, the data,
// then fsetstat of permissions, times and the size before CLOSE.
func (c *ftConn) putOpenSSH(remote string, data []byte, size int64) error {
	f, err := c.OpenFile(remote, os.O_WRONLY|os.O_CREATE)
	if err != nil {
		return err
	}
	_, werr := f.ReadFrom(bytes.NewReader(data))
	if werr != nil {
		return errors.Join(werr, f.Close())
	}
	if err := f.Chmod(0o644); err != nil {
		return errors.Join(fmt.Errorf("chmod: %w", err), f.Close())
	}
	if err := c.Chtimes(remote, ftStart, ftStart); err != nil {
		return errors.Join(fmt.Errorf("chtimes: %w", err), f.Close())
	}
	if err := f.Truncate(size); err != nil {
		return errors.Join(fmt.Errorf("truncate: %w", err), f.Close())
	}
	return f.Close()
}

// ftStatus returns the SFTP status code of err, 0 if it has none.
func ftStatus(err error) uint32 {
	var se *sftp.StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	return 0
}

const (
	ftFailure          = 4
	ftPermissionDenied = 3
)

// ---------- SFTP ----------

func TestSFTPUploadBase(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	files := ftGenerate(t, e.est.HostingNumber, "HUGO", 6<<20+12345)
	k := e.notes.len()
	if err := c.put("/depot/HUGO.HNOT", files[0]); err != nil {
		t.Fatalf("upload: %v", err)
	}
	msg := e.notes.one(t, k, true, "« HUGO.HNOT » chargé : ")
	b := e.base(t, "HUGO")
	if b.SHA256 != ftSum(files[0]) || b.Size != int64(len(files[0])) {
		t.Fatalf("stored %s (%d bytes), uploaded %s (%d bytes)", b.SHA256, b.Size, ftSum(files[0]), len(files[0]))
	}
	e.stored(t, b.SHA256, files[0])
	if tmp := e.tmp(t); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if !strings.Contains(msg, "2026-2027") {
		t.Errorf("success message without the school year: %q", msg)
	}
	// Nothing stays in depot.
	if l, err := c.ReadDir("/depot"); err != nil || len(l) != 0 {
		t.Errorf("ReadDir(/depot) = %v, %v", l, err)
	}
}

// OpenSSH's scp in SFTP mode: relative name from the home, fsetstat with
// permissions, times and size before CLOSE.
func TestSFTPUploadOpenSSHStyle(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	files := ftGenerate(t, e.est.HostingNumber, "RENTREE", 3<<20)
	if err := c.putOpenSSH("RENTREE.HNOT", files[0], int64(len(files[0]))); err != nil {
		t.Fatalf("upload: %v", err)
	}
	e.notes.one(t, 0, true, "« RENTREE.HNOT » chargé")
	e.stored(t, e.base(t, "RENTREE").SHA256, files[0])

	// A size that is not what arrived refuses the file.
	other := ftGenerate(t, e.est.HostingNumber, "COURT", 1<<20)
	before, k := e.state(t), e.notes.len()
	err := c.putOpenSSH("/depot/COURT.HNOT", other[0], int64(len(other[0]))-1)
	if ftStatus(err) != ftFailure {
		t.Fatalf("announced size too small: err = %v, want FAILURE", err)
	}
	e.notes.one(t, k, false, "incomplet")
	e.unchanged(t, before)

	// Truncating to 0 before writing is harmless (sftp put -a style).
	f, err := c.OpenFile("depot/COURT.HNOT", os.O_WRONLY|os.O_CREATE|os.O_TRUNC)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(0); err != nil {
		t.Fatalf("truncate to 0: %v", err)
	}
	if _, err := f.ReadFrom(bytes.NewReader(other[0])); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	e.stored(t, e.base(t, "COURT").SHA256, other[0])
}

func TestSFTPRefusedFilesLeaveNothing(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	good := ftGenerate(t, e.est.HostingNumber, "HUGO", 3<<20)
	if err := c.put("/depot/HUGO.HNOT", good[0]); err != nil {
		t.Fatal(err)
	}
	fresh := ftGenerate(t, e.est.HostingNumber, "NEUVE", 3<<20)[0]
	truncated := fresh[:len(fresh)-100]
	flipped := bytes.Clone(fresh)
	flipped[len(flipped)/2] ^= 0x01
	other := ftGenerate(t, "999999999999", "AUTRE", 3<<20)[0]
	junk := make([]byte, 3<<20)
	for i := range junk {
		junk[i] = byte(i * 7)
	}

	cases := []struct {
		name, remote string
		data         []byte
		want         error
	}{
		{"not a hosting file", "/depot/NOTES.HNOT", junk, hostfile.ErrNotHostingFile},
		{"empty file", "/depot/VIDE.HNOT", nil, hostfile.ErrNotHostingFile},
		{"truncated", "/depot/COUPE.HNOT", truncated, hostfile.ErrTruncated},
		{"one byte flipped", "/depot/ABIME.HNOT", flipped, hostfile.ErrChecksum},
		{"another hosting number", "/depot/AUTRE.HNOT", other, hostfile.ErrOtherHostingNumber},
		{"photos renamed to .HNOT", "/depot/PHOTOS.HNOT", good[3], hostfile.ErrWrongKind},
		{"already loaded", "/depot/COPIE.HNOT", good[0], backend.ErrDuplicateBase},
		{"wrong extension", "/depot/HUGO.zip", fresh, backend.ErrWrongExtension},
		{"no extension", "/depot/HUGO", fresh, backend.ErrWrongExtension},
		{"empty stem", "/depot/.HNOT", fresh, backend.ErrInvalidFileName},
		{"annex without base in service", "/depot/HUGO.HDOCJOINTS", good[2], backend.ErrNoBaseInService},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, k := e.state(t), e.notes.len()
			err := c.put(tc.remote, tc.data)
			if ftStatus(err) != ftFailure {
				t.Fatalf("err = %v, want FAILURE", err)
			}
			want := backend.Message(tc.want)
			if !strings.Contains(err.Error(), want) {
				t.Errorf("client error %q lacks %q", err, want)
			}
			e.notes.one(t, k, false, want)
			e.unchanged(t, before)
		})
	}
}

func TestSFTPQuotaRefusedMidStream(t *testing.T) {
	e := ftSetup(t, 1<<20)
	c := e.serve(t)
	big := ftGenerate(t, e.est.HostingNumber, "GROSSE", 5<<20)[0]
	before := e.state(t)
	err := c.put("/depot/GROSSE.HNOT", big)
	if ftStatus(err) != ftFailure {
		t.Fatalf("err = %v, want FAILURE", err)
	}
	e.notes.one(t, 0, false, backend.Message(hostfile.ErrOverQuota))
	e.unchanged(t, before)
}

func TestSFTPPathsRefused(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	csi := "\x1b[" + strings.Repeat("1;", 40) + "1mX.HNOT"
	creates := []string{
		"../x.HNOT",
		"/depot/../../etc/x.HNOT",
		"/etc/x.HNOT",
		"depot/sub/x.HNOT",
		"/depot/sub/x.HNOT",
		"sub/x.HNOT",
		"/x.HNOT",
		"/sauvegardes/x.HNOT",
		"sauvegardes/x.HNOT",
		"/factures/x.HNOT",
		"/depot",
		"/",
		"/depot/a\x01b.HNOT",
		"/depot/a\x7fb.HNOT",
		"/depot/a\u0085b.HNOT",
		"/depot/a\u202eb.HNOT",
		"/depot/a\\b.HNOT",
		"/depot/" + csi,
		"/depot/" + strings.Repeat("A", 300) + ".HNOT",
	}
	before := e.state(t)
	for _, p := range creates {
		k := e.notes.len()
		f, err := c.Create(p)
		if err == nil {
			f.Close()
			t.Errorf("Create(%q) accepted", p)
			continue
		}
		got := e.notes.since(t, k)
		if len(got) != 1 || got[0].ok {
			t.Errorf("Create(%q): notifications %v, want one refusal", p, got)
		}
	}
	if got := e.notes.all(); !strings.Contains(got[len(got)-2].msg, "X.HNOT") {
		t.Errorf("CSI name not echoed sanitized: %q", got[len(got)-2].msg)
	}

	ops := []struct {
		name string
		do   func() error
	}{
		{"mkdir", func() error { return c.Mkdir("/depot/sub") }},
		{"mkdir relative", func() error { return c.Mkdir("sub") }},
		{"mkdir root", func() error { return c.Mkdir("/nouveau") }},
		{"rmdir", func() error { return c.RemoveDirectory("/depot") }},
		{"remove", func() error { return c.Remove("/depot/x.HNOT") }},
		{"rename out", func() error { return c.Rename("/depot/x.HNOT", "/depot/../../x.HNOT") }},
		{"rename into depot", func() error { return c.Rename("/sauvegardes/x", "/depot/x.HNOT") }},
		{"posix rename", func() error { return c.PosixRename("/depot/x.HNOT", "/depot/y.HNOT") }},
		{"symlink", func() error { return c.Symlink("/etc/passwd", "/depot/x.HNOT") }},
		{"hard link", func() error { return c.Link("/etc/passwd", "/depot/x.HNOT") }},
	}
	for _, op := range ops {
		k := e.notes.len()
		err := op.do()
		if err == nil {
			t.Errorf("%s accepted", op.name)
			continue
		}
		if !errors.Is(err, os.ErrPermission) {
			t.Errorf("%s: err = %v, want permission denied", op.name, err)
		}
		// The pkg/sftp client's Remove tries rmdir after a refused remove.
		if got := e.notes.since(t, k); len(got) == 0 || len(got) > 2 || got[0].ok {
			t.Errorf("%s: notifications %v, want a refusal", op.name, got)
		}
	}
	// Changing a folder or a file that is not there is refused, quietly.
	if err := c.Chmod("/depot", 0o777); err == nil {
		t.Error("chmod of depot accepted")
	}
	if err := c.Chmod("/etc/passwd", 0o777); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("chmod outside the tree: err = %v", err)
	}
	e.unchanged(t, before)
}

func TestSFTPListing(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	if wd, err := c.Getwd(); err != nil || wd != "/depot" {
		t.Errorf("Getwd = %q, %v; want /depot", wd, err)
	}
	for in, want := range map[string]string{
		"..": "/", ".": "/depot", "/depot/../..": "/", "sauvegardes": "/sauvegardes",
		"depot/../factures": "/factures", "/depot/depot/x": "/depot/x", "~/x": "/depot/x",
	} {
		if got, err := c.RealPath(in); err != nil || got != want {
			t.Errorf("RealPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	l, err := c.ReadDir("/")
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]fs.FileMode{}
	for _, fi := range l {
		if !fi.IsDir() {
			t.Errorf("%s is not a folder", fi.Name())
		}
		modes[fi.Name()] = fi.Mode().Perm()
	}
	want := map[string]fs.FileMode{"depot": 0o755, "sauvegardes": 0o555, "factures": 0o555}
	if fmt.Sprint(modes) != fmt.Sprint(want) {
		t.Errorf("ReadDir(/) = %v, want %v", modes, want)
	}
	for _, d := range []string{"/depot", "/sauvegardes", "sauvegardes", "."} {
		if l, err := c.ReadDir(d); err != nil || len(l) != 0 {
			t.Errorf("ReadDir(%q) = %v, %v; want empty", d, l, err)
		}
	}
	if l, err := c.ReadDir("/factures"); err != nil || len(l) != 1 || l[0].Name() != "facture-"+e.est.Invoice+".pdf" { // the first invoice
		t.Errorf("ReadDir(/factures) = %v, %v; want the first invoice", l, err)
	}
	if _, err := c.ReadDir("/nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadDir(/nope): err = %v", err)
	}
	for p, perm := range map[string]fs.FileMode{"/": 0o555, "/depot": 0o755, "/factures": 0o555} {
		fi, err := c.Stat(p)
		if err != nil || !fi.IsDir() || fi.Mode().Perm() != perm || fi.Size() != 0 {
			t.Errorf("Stat(%s) = %v, %v", p, fi, err)
		}
		if fi, err := c.Lstat(p); err != nil || !fi.IsDir() {
			t.Errorf("Lstat(%s) = %v, %v", p, fi, err)
		}
	}
	for _, p := range []string{"/depot/x.HNOT", "/sauvegardes/x", "/etc"} {
		if _, err := c.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Stat(%s): err = %v", p, err)
		}
		if _, err := c.Open(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open(%s): err = %v", p, err)
		}
	}
	if _, err := c.Open("/sauvegardes"); err == nil {
		t.Error("a folder opened as a file")
	}
	if _, err := c.ReadLink("/depot"); err == nil {
		t.Error("ReadLink accepted")
	}
	if e.notes.len() != 0 {
		t.Errorf("reads notified: %v", e.notes.all())
	}
}

// A handle opened read-write (the pkg/sftp client's Create) takes writes;
// reads on it are refused and do not touch the upload.
func TestSFTPReadWriteHandle(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	data := ftGenerate(t, e.est.HostingNumber, "RW", 2<<20)[0]
	f, err := c.Create("/depot/RW.HNOT")
	if err != nil {
		t.Fatal(err)
	}
	half := len(data) / 2
	if _, err := f.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	if fi, err := c.Stat("/depot/RW.HNOT"); err != nil || fi.Size() != int64(half) {
		t.Errorf("Stat during the upload = %v, %v; want %d bytes", fi, err, half)
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != int64(half) {
		t.Errorf("fstat during the upload = %v, %v", fi, err)
	}
	buf := make([]byte, 100)
	if _, err := f.ReadAt(buf, 0); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("read on an upload handle: err = %v, want a refusal", err)
	}
	if l, err := c.ReadDir("/depot"); err != nil || len(l) != 1 || l[0].Name() != "RW.HNOT" || l[0].Size() != int64(half) {
		t.Errorf("ReadDir(/depot) during the upload = %v, %v", l, err)
	}
	if _, err := c.Open("/depot/RW.HNOT"); err == nil {
		t.Error("an upload in progress opened for reading")
	}
	// Another upload of the same name meanwhile is refused.
	if _, err := c.Create("/depot/RW.HNOT"); ftStatus(err) != ftFailure {
		t.Errorf("second upload of the same name: err = %v", err)
	}
	if _, err := f.Write(data[half:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	e.stored(t, e.base(t, "RW").SHA256, data)
	if _, err := c.Stat("/depot/RW.HNOT"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the loaded file is still listed: %v", err)
	}
}

func TestSFTPTooManyUploads(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	var open []*sftp.File
	for i := range maxUploads {
		f, err := c.Create(fmt.Sprintf("/depot/F%d.HNOT", i))
		if err != nil {
			t.Fatal(err)
		}
		open = append(open, f)
	}
	if _, err := c.Create("/depot/TROP.HNOT"); ftStatus(err) != ftFailure {
		t.Errorf("upload over the limit: err = %v", err)
	}
	before := e.state(t)
	for _, f := range open {
		if err := f.Close(); err == nil {
			t.Error("an empty upload was accepted")
		}
	}
	e.unchanged(t, before)
	if _, err := c.Create("/depot/ENCORE.HNOT"); err != nil {
		t.Errorf("uploads are not released: %v", err)
	}
}

// A client that goes mid-upload, or with the whole file sent but not closed,
// leaves nothing.
func TestSFTPDisconnectLeavesNothing(t *testing.T) {
	for _, part := range []float64{0.4, 1} {
		t.Run(fmt.Sprint(part), func(t *testing.T) {
			e := ftSetup(t, 0)
			c := e.serve(t)
			data := ftGenerate(t, e.est.HostingNumber, "COUPURE", 4<<20)[0]
			before := e.state(t)
			f, err := c.Create("/depot/COUPURE.HNOT")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.Write(data[:int(float64(len(data))*part)]); err != nil {
				t.Fatal(err)
			}
			c.conn.Close() // the connection drops
			if err := c.wait(t); !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("ServeSFTP = %v, want io.ErrUnexpectedEOF (files left open)", err)
			}
			e.notes.one(t, 0, false, "interrompu")
			e.unchanged(t, before)
		})
	}
}

// Annexes complete the base in service.
func TestSFTPAnnexUpload(t *testing.T) {
	e := ftSetup(t, 0)
	c := e.serve(t)
	ctx := context.Background()
	files := ftGenerate(t, e.est.HostingNumber, "HUGO", 1<<20)
	if err := c.put("/depot/HUGO.HNOT", files[0]); err != nil {
		t.Fatal(err)
	}
	b := e.base(t, "HUGO")
	if err := e.s.OpenBase(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	k := e.notes.len()
	if err := c.putOpenSSH("HUGO.HPHOTOS", files[3], int64(len(files[3]))); err != nil {
		t.Fatalf("annex upload: %v", err)
	}
	e.notes.one(t, k, true, "annexe photos")
	if err := c.put("/depot/hugo.hcourriers", files[1]); err != nil {
		t.Fatalf("lower-case annex upload: %v", err)
	}
	st, err := e.s.Status(ctx)
	if err != nil || st.InService == nil {
		t.Fatalf("Status = %+v, %v", st, err)
	}
	got := map[hostfile.Kind]string{}
	for _, a := range st.InService.Annexes {
		got[a.Kind] = a.SHA256
	}
	if got[hostfile.KindPhotos] != ftSum(files[3]) || got[hostfile.KindLetters] != ftSum(files[1]) {
		t.Errorf("annexes %v", got)
	}
	// An annex of another base is refused.
	other := ftGenerate(t, e.est.HostingNumber, "AUTRE", 1<<20)
	before := e.state(t)
	k = e.notes.len()
	if err := c.put("/depot/AUTRE.HDOCJOINTS", other[2]); ftStatus(err) != ftFailure {
		t.Fatalf("annex of another base: err = %v", err)
	}
	e.notes.one(t, k, false, backend.Message(hostfile.ErrOtherBase))
	e.unchanged(t, before)
}

// ---------- reassembly ----------

// ftSink collects what a reassembler streams.
type ftSink struct {
	bytes.Buffer
	fail error
}

func (s *ftSink) Write(p []byte) (int, error) {
	if s.fail != nil {
		return 0, s.fail
	}
	return s.Buffer.Write(p)
}

func TestReassemblyShuffledWithDuplicates(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 42))
		data := make([]byte, 1<<20+rng.IntN(1<<20))
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		type write struct{ off, end int }
		var writes []write
		for off := 0; off < len(data); {
			end := min(len(data), off+1+rng.IntN(40<<10))
			writes = append(writes, write{off, end})
			off = end
		}
		// Duplicates: exact repeats and ranges across chunk boundaries.
		for range len(writes) / 3 {
			w := writes[rng.IntN(len(writes))]
			writes = append(writes, w)
			a := rng.IntN(len(data))
			writes = append(writes, write{a, min(len(data), a+1+rng.IntN(100<<10))})
		}
		rng.Shuffle(len(writes), func(i, j int) { writes[i], writes[j] = writes[j], writes[i] })

		sink := &ftSink{}
		r := reassembler{sink: sink, maxHeld: int64(len(data)), window: len(data)}
		scratch := make([]byte, 128<<10)
		for _, w := range writes {
			p := scratch[:w.end-w.off]
			copy(p, data[w.off:w.end])
			n, err := r.WriteAt(p, int64(w.off))
			if err != nil || n != len(p) {
				t.Fatalf("seed %d: WriteAt(%d, %d) = %d, %v", seed, w.off, len(p), n, err)
			}
			for i := range p { // pkg/sftp reuses its buffers
				p[i] = 0xAA
			}
		}
		if !bytes.Equal(sink.Bytes(), data) {
			t.Fatalf("seed %d: stream differs (%d bytes vs %d)", seed, sink.Len(), len(data))
		}
		if r.held != 0 || len(r.pending) != 0 || r.frontier != int64(len(data)) {
			t.Fatalf("seed %d: held %d, %d pending, frontier %d", seed, r.held, len(r.pending), r.frontier)
		}
	}
}

// The reassembler behind SFTP, with its real bounds, under concurrent writers.
func TestReassemblyConcurrentWriters(t *testing.T) {
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i*31 + i>>11)
	}
	sink := &ftSink{}
	r := reassembler{sink: sink, maxHeld: maxOutOfOrder, window: rewriteWindow}
	var mu sync.Mutex
	offsets := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			buf := make([]byte, 32<<10)
			for off := range offsets {
				p := buf[:min(len(buf), len(data)-off)]
				copy(p, data[off:])
				mu.Lock()
				_, err := r.WriteAt(p, int64(off))
				mu.Unlock()
				if err != nil {
					t.Errorf("WriteAt(%d): %v", off, err)
				}
			}
		})
	}
	for off := 0; off < len(data); off += 32 << 10 {
		offsets <- off
	}
	close(offsets)
	wg.Wait()
	if !bytes.Equal(sink.Bytes(), data) {
		t.Fatal("stream differs")
	}
}

func TestReassemblyRefusals(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<12) // 64 KiB
	newR := func() (*reassembler, *ftSink) {
		s := &ftSink{}
		return &reassembler{sink: s, maxHeld: 16 << 10, window: 8 << 10}, s
	}
	write := func(r *reassembler, off, end int) error {
		_, err := r.WriteAt(bytes.Clone(data[off:end]), int64(off))
		return err
	}
	t.Run("identical rewrite inside the window", func(t *testing.T) {
		r, s := newR()
		if err := write(r, 0, 20000); err != nil {
			t.Fatal(err)
		}
		if err := write(r, 15000, 25000); err != nil {
			t.Fatalf("overlap with streamed bytes: %v", err)
		}
		if err := write(r, 25000, 30000); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(s.Bytes(), data[:30000]) {
			t.Fatal("stream differs")
		}
	})
	t.Run("conflicting rewrite of streamed bytes", func(t *testing.T) {
		r, _ := newR()
		if err := write(r, 0, 1000); err != nil {
			t.Fatal(err)
		}
		if _, err := r.WriteAt([]byte("zz"), 500); !errors.Is(err, errRewrite) {
			t.Fatalf("err = %v, want errRewrite", err)
		}
		if err := write(r, 1000, 2000); !errors.Is(err, errRewrite) {
			t.Fatalf("the error is not sticky: %v", err)
		}
	})
	t.Run("conflicting rewrite of waiting bytes", func(t *testing.T) {
		r, s := newR()
		if err := write(r, 1000, 2000); err != nil {
			t.Fatal(err)
		}
		bad := bytes.Clone(data[0:1500])
		bad[1200] ^= 1
		if _, err := r.WriteAt(bad, 0); !errors.Is(err, errRewrite) {
			t.Fatalf("err = %v, want errRewrite", err)
		}
		if s.Len() != 0 {
			t.Fatalf("%d bytes streamed despite the conflict", s.Len())
		}
	})
	t.Run("rewrite older than the window", func(t *testing.T) {
		r, _ := newR()
		if err := write(r, 0, 20000); err != nil {
			t.Fatal(err)
		}
		if err := write(r, 100, 200); !errors.Is(err, errRewrite) {
			t.Fatalf("err = %v, want errRewrite", err)
		}
	})
	t.Run("too far out of order", func(t *testing.T) {
		r, _ := newR()
		if err := write(r, 1000, 10000); err != nil {
			t.Fatal(err)
		}
		if err := write(r, 20000, 30000); !errors.Is(err, errTooFar) {
			t.Fatalf("err = %v, want errTooFar", err)
		}
	})
	t.Run("bad offset", func(t *testing.T) {
		r, _ := newR()
		if _, err := r.WriteAt([]byte("x"), -1); !errors.Is(err, errBadOffset) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("sink error", func(t *testing.T) {
		r, s := newR()
		s.fail = errors.New("refused")
		if err := write(r, 1000, 2000); err != nil {
			t.Fatal(err)
		}
		if err := write(r, 0, 1000); !errors.Is(err, s.fail) {
			t.Fatalf("err = %v", err)
		}
		if err := write(r, 2000, 3000); !errors.Is(err, s.fail) {
			t.Fatalf("the error is not sticky: %v", err)
		}
	})
}

// ---------- legacy scp ----------

// ftSCPSession is the part of an ssh.Session wish's scp middleware uses: the
// client's side of the protocol is scripted in in.
type ftSCPSession struct {
	ssh.Session // nil: only the methods below are called
	cmd         []string
	in          io.Reader
	ctx         ftSSHContext
	mu          sync.Mutex
	out, stderr bytes.Buffer
	exit        int
}

func (s *ftSCPSession) Read(p []byte) (int, error) { return s.in.Read(p) }
func (s *ftSCPSession) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}
func (s *ftSCPSession) Command() []string     { return s.cmd }
func (s *ftSCPSession) Context() ssh.Context  { return s.ctx }
func (s *ftSCPSession) Stderr() io.ReadWriter { return &ftLocked{s} }
func (s *ftSCPSession) Exit(code int) error   { s.exit = code; return nil }
func (s *ftSCPSession) Close() error          { return nil }
func (s *ftSCPSession) errText() string       { s.mu.Lock(); defer s.mu.Unlock(); return s.stderr.String() }
func (s *ftSCPSession) outText() string       { s.mu.Lock(); defer s.mu.Unlock(); return s.out.String() }
func (l *ftLocked) Read([]byte) (int, error)  { return 0, io.EOF }
func (l *ftLocked) Write(p []byte) (int, error) {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.stderr.Write(p)
}

type ftLocked struct{ s *ftSCPSession }

// ftSSHContext is an ssh.Context over context.Background.
type ftSSHContext struct{ ssh.Context }

func (ftSSHContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (ftSSHContext) Done() <-chan struct{}       { return nil }
func (ftSSHContext) Err() error                  { return nil }
func (ftSSHContext) Value(any) any               { return nil }

// runSCP runs wish's scp middleware with the handler on one scripted session.
func runSCP(h scp.Handler, input string, cmd ...string) *ftSCPSession {
	s := &ftSCPSession{cmd: cmd, in: strings.NewReader(input), exit: -1}
	scp.Middleware(h, h)(func(ssh.Session) { s.exit = 99 })(s)
	return s
}

func ftSCPFile(name string, data []byte) string {
	return fmt.Sprintf("C0644 %d %s\n%s\x00", len(data), name, data)
}

func TestSCPUploads(t *testing.T) {
	e := ftSetup(t, 0)
	h := NewSCPHandler(e.s, e.notes.notify)
	targets := []struct{ target, local, stored string }{
		{".", "POINT.HNOT", "POINT"},
		{"~", "TILDE.HNOT", "TILDE"},
		{"depot/", "DEPOT.HNOT", "DEPOT"},
		{"depot", "DEPOT2.HNOT", "DEPOT2"},
		{"/depot", "ABS.HNOT", "ABS"},
		{"/depot/RENOMME.HNOT", "LOCAL.HNOT", "RENOMME"},
		{"RENOMME2.HNOT", "LOCAL2.HNOT", "RENOMME2"},
	}
	for _, tc := range targets {
		t.Run(tc.target, func(t *testing.T) {
			data := ftGenerate(t, e.est.HostingNumber, "X", 300<<10)[0]
			k := e.notes.len()
			s := runSCP(h, ftSCPFile(tc.local, data), "scp", "-t", tc.target)
			if s.exit != -1 || s.errText() != "" {
				t.Fatalf("exit %d, stderr %q", s.exit, s.errText())
			}
			e.notes.one(t, k, true, "chargé")
			e.stored(t, e.base(t, tc.stored).SHA256, data)
			if got := s.outText(); got != "\x00\x00\x00\x00" {
				t.Errorf("acks %q", got)
			}
		})
	}
	// A local folder named depot, copied with -r, lands in depot.
	data := ftGenerate(t, e.est.HostingNumber, "X", 100<<10)[0]
	s := runSCP(h, "D0755 0 depot\n"+ftSCPFile("REC.HNOT", data)+"E\n", "scp", "-r", "-t", ".")
	if s.exit != -1 {
		t.Fatalf("scp -r into depot: exit %d, %q", s.exit, s.errText())
	}
	e.stored(t, e.base(t, "REC").SHA256, data)
}

func TestSCPRefusals(t *testing.T) {
	e := ftSetup(t, 0)
	h := NewSCPHandler(e.s, e.notes.notify)
	good := ftGenerate(t, e.est.HostingNumber, "HUGO", 300<<10)[0]
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	csi := "\x1b[" + strings.Repeat("1;", 40) + "1mX.HNOT"
	cases := []struct {
		name, input, target, want string
	}{
		{"root", ftSCPFile("A.HNOT", good), "/", "lecture seule"},
		{"sauvegardes", ftSCPFile("A.HNOT", good), "/sauvegardes", "lecture seule"},
		{"factures relative", ftSCPFile("A.HNOT", good), "factures/", "lecture seule"},
		{"outside", ftSCPFile("A.HNOT", good), "/etc/ssh/", "n'existe pas"},
		{"escaping to a root file", ftSCPFile("A.HNOT", good), "../../etc/", "lecture seule"},
		{"nested", ftSCPFile("A.HNOT", good), "/depot/sub/x/", "sous-dossier"},
		{"wrong extension", ftSCPFile("A.txt", good), ".", backend.Message(backend.ErrWrongExtension)},
		{"flipped byte", ftSCPFile("A.HNOT", flipped), ".", backend.Message(hostfile.ErrChecksum)},
		{"connection lost", fmt.Sprintf("C0644 %d A.HNOT\n%s", len(good), good[:len(good)/2]), ".", backend.Message(backend.ErrReadFailed)},
		{"control characters", ftSCPFile(csi, good), ".", "caractères de contrôle"},
		{"folder", "D0755 0 sub\n" + ftSCPFile("A.HNOT", good) + "E\n", ".", "Impossible de créer le dossier"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, k := e.state(t), e.notes.len()
			cmd := []string{"scp", "-t", tc.target}
			if strings.HasPrefix(tc.input, "D") {
				cmd = []string{"scp", "-r", "-t", tc.target}
			}
			s := runSCP(h, tc.input, cmd...)
			if s.exit != 1 {
				t.Errorf("exit %d, want 1", s.exit)
			}
			if !strings.Contains(s.errText(), tc.want) {
				t.Errorf("stderr %q lacks %q", s.errText(), tc.want)
			}
			e.notes.one(t, k, false, tc.want)
			e.unchanged(t, before)
		})
	}
}

func TestSCPDownloads(t *testing.T) {
	e := ftSetup(t, 0)
	h := NewSCPHandler(e.s, e.notes.notify)
	for _, p := range []string{"sauvegardes/x", "/factures/facture.pdf", "/depot/x.HNOT", "/etc/passwd"} {
		s := runSCP(h, "\x00", "scp", "-f", p)
		if s.exit != 1 || !strings.Contains(s.errText(), "introuvable") {
			t.Errorf("scp -f %s: exit %d, stderr %q", p, s.exit, s.errText())
		}
	}
	if s := runSCP(h, "\x00", "scp", "-f", "/sauvegardes"); s.exit != 1 || !strings.Contains(s.errText(), "dossier") {
		t.Errorf("scp -f of a folder: exit %d, stderr %q", s.exit, s.errText())
	}
	s := runSCP(h, "\x00\x00\x00", "scp", "-r", "-f", "sauvegardes")
	if s.exit != -1 || s.outText() != "D0555 0 sauvegardes\nE\n" {
		t.Errorf("scp -r -f sauvegardes: exit %d, out %q, stderr %q", s.exit, s.outText(), s.errText())
	}
	s = runSCP(h, "", "scp", "-r", "-f", "/")
	first, _ := e.s.InvoiceFiles(context.Background()) // the first invoice
	if want := "D0755 0 depot\nE\nD0555 0 sauvegardes\nE\nD0555 0 factures\nC0444 " + fmt.Sprint(first[0].Size) + " " + first[0].Name + "\n"; s.exit != -1 ||
		!strings.HasPrefix(s.outText(), want) || !strings.HasSuffix(s.outText(), "%%EOF\n\x00E\n") {
		t.Errorf("scp -r -f /: exit %d, out %q, stderr %q", s.exit, s.outText(), s.errText())
	}
	if e.notes.len() != 0 {
		t.Errorf("downloads notified: %v", e.notes.all())
	}
}
