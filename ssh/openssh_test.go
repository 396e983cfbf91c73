package ssh_test

// The server against the real OpenSSH clients (ssh, sftp, scp in SFTP mode
// and scp -O in the legacy protocol). Skipped where they are not installed;
// CI installs them.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	hssh "github.com/hebergement/console/ssh"
)

// openssh is a server, an establishment, and an OpenSSH identity file.
type openssh struct {
	*env
	est     backend.Establishment
	pw      string
	keyPath string
	signer  gossh.Signer
	home    string
	port    string
}

func needOpenSSH(t *testing.T) {
	t.Helper()
	for _, bin := range []string{"ssh", "sftp", "scp"} {
		if _, err := exec.LookPath(bin); err != nil {
			if os.Getenv("CI") != "" { // .ci/run installs openssh-client: missing there is a failure
				t.Fatalf("%s is not installed", bin)
			}
			t.Skipf("%s is not installed", bin)
		}
	}
}

// writeIdentity writes a new ed25519 key in OpenSSH format and returns its
// path and signer.
func writeIdentity(t *testing.T, dir, name string) (string, gossh.Signer) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return path, signer
}

func newOpenSSH(t *testing.T, cfg hssh.Config) *openssh {
	t.Helper()
	needOpenSSH(t)
	e := newEnv(t, cfg)
	est, pw := e.establishment("Lycée Louis Pasteur")
	home := t.TempDir()
	if err := os.Mkdir(filepath.Join(home, ".ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	keyPath, signer := writeIdentity(t, home, "id_ed25519")
	e.enroll(est, pw, signer.PublicKey(), "openssh")
	_, port, _ := net.SplitHostPort(e.addr)
	return &openssh{env: e, est: est, pw: pw, keyPath: keyPath, signer: signer, home: home, port: port}
}

// opts are the options every OpenSSH client gets: no configuration, no
// known hosts, this identity only, never a prompt.
func (o *openssh) opts(key string) []string {
	return []string{"-F", "/dev/null", "-i", key,
		"-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5"}
}

type ran struct {
	stdout, stderr string
	code           int
}

// exec runs an OpenSSH client with HOME in a temp folder.
func (o *openssh) exec(stdin io.Reader, name string, args ...string) ran {
	o.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = []string{"HOME=" + o.home, "PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	cmd.Stdin = stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := ran{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		o.tb.Fatalf("%s: %v", name, err)
	}
	if ctx.Err() != nil {
		o.tb.Fatalf("%s %v timed out: %+v", name, args, r)
	}
	return r
}

func (o *openssh) target() string { return o.est.HostingNumber + "@127.0.0.1" }

func (o *openssh) ssh(key string, args ...string) ran {
	o.tb.Helper()
	a := append([]string{"-p", o.port}, o.opts(key)...)
	return o.exec(nil, "ssh", append(append(a, o.target()), args...)...)
}

func (o *openssh) sftp(key, batch string) ran {
	o.tb.Helper()
	a := append([]string{"-P", o.port}, o.opts(key)...)
	return o.exec(strings.NewReader(batch), "sftp", append(a, "-b", "-", o.target())...)
}

func (o *openssh) scp(key string, legacy bool, src, dst string) ran {
	o.tb.Helper()
	a := append([]string{"-P", o.port}, o.opts(key)...)
	if legacy {
		a = append(a, "-O")
	}
	return o.exec(nil, "scp", append(a, src, o.target()+":"+dst)...)
}

func (o *openssh) bases() []string {
	return baseNames(o.tb, o.keySession(o.signer))
}

// Script commands through OpenSSH ssh.
func TestOpenSSHCommands(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{})
	r := o.ssh(o.keyPath, "statut")
	if r.code != 0 || !containsAll(r.stdout, "Serveur", o.est.HostingNumber) {
		t.Fatalf("ssh statut: %+v", r)
	}
	r = o.ssh(o.keyPath, "statut", "--json")
	var st map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st["state"] == nil {
		t.Fatalf("ssh statut --json: %+v", r)
	}
	r = o.ssh(o.keyPath, "bases", "--json")
	var bases map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &bases) != nil || bases["uploaded"] == nil {
		t.Fatalf("ssh bases --json: %+v", r)
	}
	r = o.ssh(o.keyPath, "nimportequoi")
	if r.code != 2 || !strings.Contains(r.stderr, "Usage") {
		t.Errorf("unknown command: %+v", r)
	}
	r = o.ssh(o.keyPath, "-T")
	if r.code != 1 || !strings.Contains(r.stdout+r.stderr, "ssh -t") {
		t.Errorf("no PTY, no command: %+v", r)
	}
	stranger, _ := writeIdentity(t, o.home, "stranger")
	r = o.ssh(stranger, "statut")
	if r.code == 0 || !strings.Contains(r.stderr, "enroll") || strings.Contains(r.stdout, "Serveur") {
		t.Errorf("unknown key: %+v", r)
	}
}

// Uploads with sftp, scp (SFTP protocol) and scp -O (legacy protocol); a
// truncated file is refused with the French reason and leaves nothing.
func TestOpenSSHUploads(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{})
	viaSFTP := generate(t, o.est, "Par sftp 2025", 256<<10)
	viaSCP := generate(t, o.est, "Par scp 2025", 300<<10)
	viaLegacy := generate(t, o.est, "Par scp legacy 2025", 200<<10)

	r := o.sftp(o.keyPath, "put \""+viaSFTP+"\" depot/\n")
	if r.code != 0 {
		t.Fatalf("sftp put: %+v", r)
	}
	r = o.scp(o.keyPath, false, viaSCP, "depot/")
	if r.code != 0 {
		t.Fatalf("scp: %+v", r)
	}
	r = o.scp(o.keyPath, true, viaLegacy, "depot/")
	if r.code != 0 {
		t.Fatalf("scp -O: %+v", r)
	}
	got := o.bases()
	for _, want := range []string{"Par sftp 2025", "Par scp 2025", "Par scp legacy 2025"} {
		if !slices.Contains(got, want) {
			t.Errorf("base %q not stored; bases: %q", want, got)
		}
	}

	// Truncated: refused, with the reason, nothing stored.
	full, err := os.ReadFile(generate(t, o.est, "Tronquée 2025", 256<<10))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "Tronquée 2025.HNOT")
	if err := os.WriteFile(cut, full[:len(full)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	before := o.bases()
	r = o.sftp(o.keyPath, "put \""+cut+"\" depot/\n")
	if r.code == 0 || !strings.Contains(r.stderr, "incomplet") {
		t.Errorf("sftp put of a truncated file: %+v, want a failure with the French reason", r)
	}
	for _, legacy := range []bool{false, true} {
		r = o.scp(o.keyPath, legacy, cut, "depot/")
		if r.code == 0 || !strings.Contains(r.stderr, "incomplet") {
			t.Errorf("scp (legacy %v) of a truncated file: %+v, want a failure with the French reason", legacy, r)
		}
	}
	if after := o.bases(); !slices.Equal(before, after) {
		t.Errorf("bases changed after refused uploads: %q then %q", before, after)
	}

	// An unknown key is refused with a message.
	stranger, _ := writeIdentity(t, o.home, "stranger")
	r = o.sftp(stranger, "put \""+viaSFTP+"\" depot/\n")
	if r.code == 0 || !strings.Contains(r.stderr, "enroll") {
		t.Errorf("sftp with an unknown key: %+v", r)
	}
	r = o.scp(stranger, true, viaSFTP, "depot/")
	if r.code == 0 || !strings.Contains(r.stderr, "enroll") {
		t.Errorf("scp -O with an unknown key: %+v", r)
	}
}

// The console through OpenSSH ssh -tt: the screen, a key, quit.
func TestOpenSSHConsole(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := append([]string{"-tt", "-p", o.port}, o.opts(o.keyPath)...)
	cmd := exec.CommandContext(ctx, "ssh", append(a, o.target())...)
	cmd.Env = []string{"HOME=" + o.home, "PATH=" + os.Getenv("PATH"), "TERM=xterm-256color", "LANG=C.UTF-8"}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	scr := newScreen(80, 24)
	var errb lockedBuffer
	cmd.Stdout, cmd.Stderr = scr, &errb
	go io.Copy(stdin, scr.emu) //nolint:errcheck
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tm := &term{tb: t, scr: scr, done: make(chan struct{})}
	tm.waitText(o.est.Name, "Autres bases", "Serveur")
	io.WriteString(stdin, "?") //nolint:errcheck
	tm.waitText("masquer l'aide")
	io.WriteString(stdin, "q") //nolint:errcheck
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ssh -tt ended with %v; stderr %q", err, errb.String())
		}
	case <-ctx.Done():
		t.Fatal("ssh -tt did not end after q")
	}
}
