package ssh_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
	hssh "github.com/hebergement/console/ssh"
)

// A host key the operators provide (serve --host-key) is used as it is by
// every instance — the same fingerprint for the users whichever answers —
// and a missing, malformed, encrypted or world-readable one is refused
// before anything listens; none is created.
func TestProvidedHostKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "host_key")
	if err := os.WriteFile(good, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	want := gossh.FingerprintSHA256(signer.PublicKey())

	open := func(t *testing.T) *backend.Backend {
		b, err := backend.Open(context.Background(), backend.Options{DataDir: t.TempDir(), Hashing: password.Fast})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	}
	for range 2 { // two instances, each with its own data
		srv, err := hssh.New(open(t), hssh.Config{HostKeyPath: good, HostKeyProvided: true})
		if err != nil {
			t.Fatalf("a good key refused: %v", err)
		}
		if srv.Fingerprint() != want {
			t.Fatalf("fingerprint %s, want the provided key's %s", srv.Fingerprint(), want)
		}
	}

	encrypted, err := gossh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, content string
		mode          os.FileMode
		want          string
	}{
		{"missing", "", 0, "no such file"},
		{"public", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq8 x\n", 0o600, "not an unencrypted private key"},
		{"encrypted", string(pem.EncodeToMemory(encrypted)), 0o600, "not an unencrypted private key"},
		{"readable", string(pem.EncodeToMemory(block)), 0o644, "readable by others"},
	} {
		path := filepath.Join(dir, c.name)
		if c.mode != 0 {
			if err := os.WriteFile(path, []byte(c.content), c.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil { // past the umask
				t.Fatal(err)
			}
		}
		_, err := hssh.New(open(t), hssh.Config{HostKeyPath: path, HostKeyProvided: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s key: %v, want an error saying %q", c.name, err, c.want)
		}
		if c.mode == 0 {
			if _, err := os.Stat(path); err == nil {
				t.Errorf("a missing provided key was created")
			}
		}
	}
}

// Instances starting together on a fresh data folder share one created
// host key: each starts, and all show the same fingerprint (before, one of
// them found the key half written, or failed on its creation).
func TestCreatedHostKeyShared(t *testing.T) {
	t.Parallel()
	b, err := backend.Open(context.Background(), backend.Options{DataDir: t.TempDir(), Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "data", "ssh_host_ed25519_key")
		const n = 6
		fps := make([]string, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				srv, err := hssh.New(b, hssh.Config{HostKeyPath: path})
				if err == nil {
					fps[i] = srv.Fingerprint()
				}
				errs[i] = err
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("round %d, instance %d: %v", round, i, errs[i])
			}
			if fps[i] == "" || fps[i] != fps[0] {
				t.Fatalf("round %d: fingerprints %v", round, fps)
			}
		}
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("created key: %v %v", fi, err)
		}
	}
}
