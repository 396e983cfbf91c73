package ssh_test

// Backups downloaded with the real OpenSSH clients: sftp get and reget, scp
// in SFTP mode and scp -O; the file loads back as a base.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
	hssh "github.com/hebergement/console/ssh"
)

// scpGet downloads remote to local with scp (legacy: -O), with flags.
func (o *openssh) scpGet(key string, legacy bool, remote, local string, flags ...string) ran {
	o.tb.Helper()
	a := append(append([]string{"-P", o.port}, o.opts(key)...), flags...)
	if legacy {
		a = append(a, "-O")
	}
	return o.exec(nil, "scp", append(a, o.target()+":"+remote, local)...)
}

// backupInService loads a generated base of size bytes, puts it in service,
// records n changes and backs it up; it returns the backup and its bytes as
// the back end generates them.
func (o *openssh) backupInService(s *backend.Session, name string, size int64, n int) (backend.BackupFile, []byte) {
	o.tb.Helper()
	ctx := context.Background()
	b := load(o.tb, s, generate(o.tb, o.est, name, size))
	if err := s.OpenBase(ctx, b.ID); err != nil {
		o.tb.Fatalf("OpenBase: %v", err)
	}
	if err := s.PutInService(ctx); err != nil {
		o.tb.Fatalf("PutInService: %v", err)
	}
	c, err := o.b.Connect(ctx, o.est.HostingNumber, backend.ConnectRequest{User: "M. DURAND", Group: "Professeurs", Mode: "enseignant", Addr: "192.0.2.7"})
	if err != nil {
		o.tb.Fatalf("Connect: %v", err)
	}
	for i := range n {
		if _, err := o.b.RecordChange(ctx, o.est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("absence %d", i)}); err != nil {
			o.tb.Fatalf("RecordChange: %v", err)
		}
	}
	k, err := s.CreateBackup(ctx)
	if err != nil {
		o.tb.Fatalf("CreateBackup: %v", err)
	}
	x, err := s.ExportBackup(ctx, k.ID)
	if err != nil {
		o.tb.Fatalf("ExportBackup: %v", err)
	}
	r, err := x.Open(0)
	if err != nil {
		o.tb.Fatal(err)
	}
	defer r.Close()
	full, err := io.ReadAll(r)
	if err != nil || int64(len(full)) != x.Size {
		o.tb.Fatalf("the back end's stream: %d bytes of %d, %v", len(full), x.Size, err)
	}
	return x.BackupFile, full
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	return b
}

// The "done means": a backup fetched with sftp get (and scp, both
// modes, and reget) is the back end's file byte for byte, and loads back as
// a base.
func TestOpenSSHBackupDownloads(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{})
	s := o.keySession(o.signer)
	f, full := o.backupInService(s, "Pasteur 2025", 9<<20+77, 120)
	remote := "sauvegardes/" + f.Name
	dir := t.TempDir()

	r := o.sftp(o.keyPath, "ls -l sauvegardes\n")
	if r.code != 0 || !strings.Contains(r.stdout, f.Name) || !strings.Contains(r.stdout, "-r--r--r--") || !strings.Contains(r.stdout, fmt.Sprint(f.Size)) {
		t.Errorf("sftp ls -l sauvegardes: %+v", r)
	}

	viaSFTP := filepath.Join(dir, f.Name)
	if r := o.sftp(o.keyPath, fmt.Sprintf("get %s %q\n", remote, viaSFTP)); r.code != 0 {
		t.Fatalf("sftp get: %+v", r)
	}
	viaSCP := filepath.Join(dir, "scp.HNOT")
	if r := o.scpGet(o.keyPath, false, remote, viaSCP); r.code != 0 {
		t.Fatalf("scp: %+v", r)
	}
	viaLegacy := filepath.Join(dir, "scp-O.HNOT")
	if r := o.scpGet(o.keyPath, true, remote, viaLegacy); r.code != 0 {
		t.Fatalf("scp -O: %+v", r)
	}
	// reget: a third of the file is there, the rest is fetched.
	partial := filepath.Join(dir, "reget.HNOT")
	if err := os.WriteFile(partial, full[:len(full)/3], 0o600); err != nil {
		t.Fatal(err)
	}
	if r := o.sftp(o.keyPath, fmt.Sprintf("reget %s %q\n", remote, partial)); r.code != 0 {
		t.Fatalf("sftp reget: %+v", r)
	}
	for _, p := range []string{viaSFTP, viaSCP, viaLegacy, partial} {
		if got := readFile(t, p); !bytes.Equal(got, full) {
			t.Errorf("%s: %d bytes, differ from the back end's %d", filepath.Base(p), len(got), len(full))
		}
	}
	// scp -p keeps the backup's time; scp -r and a glob fetch every backup.
	for _, legacy := range []bool{false, true} {
		p := filepath.Join(dir, fmt.Sprintf("p-%v.HNOT", legacy))
		if r := o.scpGet(o.keyPath, legacy, remote, p, "-p"); r.code != 0 {
			t.Fatalf("scp -p (legacy %v): %+v", legacy, r)
		}
		if fi, err := os.Stat(p); err != nil || !fi.ModTime().Equal(f.ModTime.Truncate(time.Second)) {
			t.Errorf("scp -p (legacy %v): %v, %v; want the backup's time %v", legacy, fi.ModTime(), err, f.ModTime)
		}
		rec := filepath.Join(dir, fmt.Sprintf("r-%v", legacy))
		if r := o.scpGet(o.keyPath, legacy, "sauvegardes", rec, "-r"); r.code != 0 {
			t.Fatalf("scp -r (legacy %v): %+v", legacy, r)
		}
		glob := filepath.Join(dir, fmt.Sprintf("g-%v", legacy))
		if err := os.Mkdir(glob, 0o700); err != nil {
			t.Fatal(err)
		}
		if r := o.scpGet(o.keyPath, legacy, "sauvegardes/Pasteur*.HNOT", glob); r.code != 0 {
			t.Fatalf("scp of a glob (legacy %v): %+v", legacy, r)
		}
		for _, p := range []string{filepath.Join(rec, f.Name), filepath.Join(glob, f.Name)} {
			if got := readFile(t, p); !bytes.Equal(got, full) {
				t.Errorf("%s: %d bytes, differ from the back end's", p, len(got))
			}
		}
	}

	h, _, err := hostfile.Verify(bytes.NewReader(full), hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: o.est.HostingNumber})
	if err != nil {
		t.Fatalf("the download is not a valid base: %v", err)
	}

	// It loads back like any base, through depot/.
	if r := o.sftp(o.keyPath, fmt.Sprintf("put %q depot/\n", viaSFTP)); r.code != 0 || !strings.Contains(r.stderr, "chargé") {
		t.Fatalf("sftp put of the download: %+v", r)
	}
	stem := strings.TrimSuffix(f.Name, ".HNOT")
	l, err := s.Bases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var back *backend.Base
	for i := range l.Uploaded {
		if l.Uploaded[i].Name == stem {
			back = &l.Uploaded[i]
		}
	}
	if back == nil {
		t.Fatalf("no base %q after loading the download; bases %q", stem, o.bases())
	}
	if back.Size != f.Size || back.Year != h.Year {
		t.Errorf("reloaded base: %d bytes, %s; download %d bytes, %s", back.Size, back.Year, f.Size, h.Year)
	}
}

// Hostile paths and changes in sauvegardes/ through OpenSSH: refused, with
// the reason on stderr, nothing changed; a corrupt backup's download fails
// with the reason in every client, never leaving the whole file.
func TestOpenSSHBackupRefusals(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{})
	s := o.keySession(o.signer)
	f, full := o.backupInService(s, "Hugo 2025", 2<<20, 10)
	remote := "sauvegardes/" + f.Name
	dir := t.TempDir()
	local := filepath.Join(dir, "x")
	listing := func() []backend.BackupFile {
		l, err := s.BackupFiles(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	before, bases := listing(), o.bases()

	for _, tc := range []struct{ batch, want string }{
		{"get sauvegardes/../../etc/passwd " + local + "\n", ""},
		{"get sauvegardes/INCONNUE.HNOT " + local + "\n", ""},
		{"rm " + remote + "\n", "lecture seule"},
		{"rename " + remote + " depot/x.HNOT\n", "lecture seule"},
		{"chmod 666 " + remote + "\n", "lecture seule"},
		{"mkdir sauvegardes/x\n", "Impossible de créer"},
		{fmt.Sprintf("put %q sauvegardes/\n", generate(t, o.est, "Autre 2025", 100<<10)), "lecture seule"},
		{fmt.Sprintf("put %q factures/\n", generate(t, o.est, "Autre 2025", 100<<10)), "lecture seule"},
	} {
		r := o.sftp(o.keyPath, tc.batch)
		if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("sftp %q: %+v, want a failure with %q", tc.batch, r, tc.want)
		}
	}
	for _, legacy := range []bool{false, true} {
		if r := o.scpGet(o.keyPath, legacy, "sauvegardes/../../etc/passwd", local); r.code == 0 {
			t.Errorf("scp (legacy %v) of /etc/passwd: %+v", legacy, r)
		}
	}
	if _, err := os.Stat(local); err == nil {
		t.Error("a refused download left a local file")
	}
	if after := listing(); !slices.Equal(before, after) {
		t.Errorf("backups changed: %v then %v", before, after)
	}
	if after := o.bases(); !slices.Equal(bases, after) {
		t.Errorf("bases changed: %q then %q", bases, after)
	}

	// Corrupt the stored base: every client fails, with the reason.
	sum := ""
	for _, b := range append(must(s.Bases(context.Background())).Uploaded, must(s.Bases(context.Background())).PreviouslyInService...) {
		if b.Name == "Hugo 2025" {
			sum = b.SHA256
		}
	}
	obj := filepath.Join(o.dir, "data", "files", "objects", sum[:2], sum)
	stored := readFile(t, obj)
	stored[len(stored)/2] ^= 1
	if err := os.WriteFile(obj, stored, 0o600); err != nil {
		t.Fatal(err)
	}
	why := backend.Message(backend.ErrBackupCorrupt)
	check := func(what string, r ran, p string) {
		t.Helper()
		if r.code == 0 || !strings.Contains(r.stderr, why) {
			t.Errorf("%s of a corrupt backup: %+v, want a failure with %q", what, r, why)
		}
		if got, err := os.ReadFile(p); err == nil && (len(got) >= len(full) || bytes.Equal(got, full)) {
			t.Errorf("%s of a corrupt backup left %d bytes of %d", what, len(got), len(full))
		}
	}
	check("sftp get", o.sftp(o.keyPath, fmt.Sprintf("get %s %q\n", remote, filepath.Join(dir, "a"))), filepath.Join(dir, "a"))
	check("scp", o.scpGet(o.keyPath, false, remote, filepath.Join(dir, "b")), filepath.Join(dir, "b"))
	check("scp -O", o.scpGet(o.keyPath, true, remote, filepath.Join(dir, "c")), filepath.Join(dir, "c"))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
