package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serveInBackground runs the CLI with args until the returned cancel; done
// is closed when it has returned, with its error in *result.
func serveInBackground(t *testing.T, args ...string) (out, logs *syncBuffer, cancel context.CancelFunc, done <-chan struct{}, result *error) {
	t.Helper()
	root := newRoot()
	out, logs = &syncBuffer{}, &syncBuffer{}
	root.SetOut(out)
	root.SetErr(logs)
	root.SetArgs(args)
	ctx, cancel := context.WithCancel(context.Background())
	ended := make(chan struct{})
	result = new(error)
	go func() {
		*result = root.ExecuteContext(ctx)
		close(ended)
	}()
	t.Cleanup(func() {
		cancel()
		<-ended
	})
	return out, logs, cancel, ended, result
}

func waitOutput(t *testing.T, buf *syncBuffer, re *regexp.Regexp, done <-chan struct{}, result *error) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(buf.String()); m != nil {
			return m
		}
		select {
		case <-done:
			t.Fatalf("serve ended: %v\n%s", *result, buf)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in\n%s", re, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeDemo: serve --demo runs SSH, the stand-in and the metrics, prints
// how to connect and the demo establishment's PRONOTE.net, logs a health
// line per component, and stops cleanly when its context ends (SIGTERM).
func TestServeDemo(t *testing.T) {
	out, logs, cancel, done, result := serveInBackground(t, "--data", t.TempDir(), "serve", "--demo",
		"--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", "127.0.0.1:0")
	m := waitOutput(t, out, regexp.MustCompile(`curl (http://127\.0\.0\.1:[0-9]+)/([0-9]{12})/`), done, result)
	base, number := m[1], m[2]
	if code, body := httpGet(t, base+"/"+number+"/"); code != 200 || !strings.Contains(body, "Lycée Victor Hugo") {
		t.Fatalf("the demo's PRONOTE.net: %d %s", code, body)
	}
	if code, body := httpGet(t, base+"/healthz"); code != 200 || !strings.Contains(body, `"scheduler","state":"active"`) {
		t.Fatalf("healthz: %d %s", code, body)
	}
	metrics := regexp.MustCompile(`Metrics: (http://\S+/metrics)`).FindStringSubmatch(out.String())
	if metrics == nil {
		t.Fatalf("no metrics URL in\n%s", out)
	}
	if code, body := httpGet(t, metrics[1]); code != 200 || !strings.Contains(body, "hebergement_ssh_sessions_open") {
		t.Fatalf("metrics: %d", code)
	}
	ssh := regexp.MustCompile(`ssh -t -p ([0-9]+) ` + number + `@127\.0\.0\.1`).FindStringSubmatch(out.String())
	if ssh == nil || ssh[1] == "0" {
		t.Fatalf("no ssh line with the bound port in\n%s", out)
	}
	for _, line := range []string{"ssh: running", "http: running", "metrics: running", "scheduler: active"} {
		if !strings.Contains(logs.String(), line) {
			t.Errorf("no health line %q in\n%s", line, logs)
		}
	}
	cancel()
	<-done
	if *result != nil {
		t.Fatalf("serve after the stop: %v", *result)
	}
	if c, err := net.DialTimeout("tcp", strings.TrimPrefix(base, "http://"), time.Second); err == nil {
		c.Close()
		t.Fatal("the stand-in still listens")
	}
}

// TestServePortTaken: serve fails, naming the component and the address.
func TestServePortTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	_, err = run(t, t.TempDir(), "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", taken.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "metrics listener: cannot listen on "+taken.Addr().String()) {
		t.Fatalf("serve with the metrics port taken: %v", err)
	}
}

func TestServeFlags(t *testing.T) {
	out, err := run(t, t.TempDir(), "serve", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--listen", "--http", "--metrics", "--log-format", "--demo", "--idle-timeout", "--login-grace",
		"--max-auth-tries", "--max-sessions-per-key", "--conn-rate", "--conn-burst", "--max-unauthenticated",
		"--max-unauthenticated-per-addr", "--max-enrolling", "--max-enrolling-per-addr", "--enroll-timeout", "--shutdown-grace", "--public-url",
		"--advertise", "--lease", "--cell-renderer"} {
		if !strings.Contains(out, flag+" ") {
			t.Errorf("serve --help lacks %s", flag)
		}
	}
	if _, err := run(t, t.TempDir(), "serve", "--log-format", "xml"); err == nil || !strings.Contains(err.Error(), "--log-format") {
		t.Errorf("--log-format xml: %v", err)
	}
	for _, bad := range []string{"javascript:alert(1)", "ftp://x.org", "https://user:pw@x.org", "https://x.org/?q=1", "https://x.org/#f",
		"https://x.org/\x1b[2J", "http://"} {
		if _, err := run(t, t.TempDir(), "serve", "--public-url", bad); err == nil || !strings.Contains(err.Error(), "--public-url") {
			t.Errorf("--public-url %q: %v", bad, err)
		}
	}
	for _, bad := range []string{"javascript:alert(1)", "10.0.0.5:8080", "http://u:p@web1:8080", "http://web1:8080/?x", "http://"} {
		if _, err := run(t, t.TempDir(), "serve", "--advertise", bad); err == nil || !strings.Contains(err.Error(), "--advertise") {
			t.Errorf("--advertise %q: %v", bad, err)
		}
	}
	for _, bad := range []string{"1s", "11m", "-3s"} {
		if _, err := run(t, t.TempDir(), "serve", "--lease", bad); err == nil || !strings.Contains(err.Error(), "--lease") {
			t.Errorf("--lease %s: %v", bad, err)
		}
	}
	out, _ = run(t, t.TempDir(), "--help")
	if !strings.Contains(out, "--http ") {
		t.Error("hebergement --help lacks --http")
	}
}

// TestConsoleServices: the local console runs the stand-in and the scheduler
// when alone on its folder, without the stand-in when its port is taken, and
// nothing beside another process that holds the lock.
func TestConsoleServices(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{DataDir: dir, Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	g := &globals{http: "127.0.0.1:0"}
	first, line, err := startServices(ctx, g, b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^Serveur web http://127\.0\.0\.1:[0-9]+ · planificateur actif$`).MatchString(line) {
		t.Errorf("alone: %q", line)
	}
	second, line, err := startServices(ctx, g, b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if line != "Serveur web et planificateur : un autre processus" || second.Addrs().HTTP != "" {
		t.Errorf("beside another: %q", line)
	}
	stopServices(second)
	stopServices(first)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	taken := l.Addr().String()
	third, line, err := startServices(ctx, &globals{http: taken}, b, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer stopServices(third)
	if line != "Serveur web arrêté (adresse "+taken+" occupée) · planificateur actif" {
		t.Errorf("port taken: %q", line)
	}
}

// serve --host-key refuses a key it cannot use before anything listens,
// and creates none in the data folder.
func TestServeProvidedHostKeyRefused(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	missing := filepath.Join(t.TempDir(), "host_key")
	out, err := run(t, data, "serve", "--listen", "127.0.0.1:0", "--http", "", "--metrics", "", "--host-key", missing)
	if err == nil || !strings.Contains(err.Error(), "host key") {
		t.Fatalf("serve with a missing host key: %v\n%s", err, out)
	}
	for _, p := range []string{missing, filepath.Join(data, "ssh_host_ed25519_key")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was created", p)
		}
	}
}
