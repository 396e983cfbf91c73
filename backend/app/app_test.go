package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/scheduler"
	"github.com/hebergement/console/backend/standin"
	hssh "github.com/hebergement/console/ssh"
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

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func open(t *testing.T, dir string) *backend.Backend {
	t.Helper()
	b, err := backend.Open(context.Background(), backend.Options{DataDir: dir, Hashing: password.Fast,
		Clock: clock.NewManual(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris()))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// full is a configuration with every component on a random loopback port.
func full(dir string, logs io.Writer) app.Config {
	return app.Config{
		DataDir: dir,
		SSH:     &hssh.Config{Listen: "127.0.0.1:0", HostKeyPath: filepath.Join(dir, "ssh_host_ed25519_key")},
		HTTP:    "127.0.0.1:0",
		Metrics: "127.0.0.1:0",
		Grace:   5 * time.Second,
		Logger:  log.NewWithOptions(logs, log.Options{Level: log.DebugLevel}),
	}
}

// started starts a on a context the test cancels at its end, and waits.
func started(t *testing.T, a *app.App) context.CancelFunc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := a.Wait(); err != nil {
			t.Errorf("Wait: %v", err)
		}
	})
	return cancel
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// sshBanner reads the SSH server's version line, without a handshake.
func sshBanner(t *testing.T, addr string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	return line
}

// probe is the test's job: it does nothing, once an hour.
type probe struct{}

func (probe) Name() string                         { return "probe" }
func (probe) Next(last time.Time) time.Time        { return scheduler.Every(time.Hour)(last) }
func (probe) Run(context.Context, time.Time) error { return nil }

func healthOf(t *testing.T, body string) standin.Health { return decode[standin.Health](t, body) }

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

func states(h standin.Health) map[string]string {
	m := map[string]string{}
	for _, c := range h.Components {
		m[c.Name] = c.State
	}
	return m
}

// TestStartsEveryComponent: SSH, the stand-in, the scheduler and the metrics
// run on random ports; the app reports where; /healthz lists them; /metrics
// has the SSH, back-end, stand-in, scheduler, Go and process metrics; each
// component said its health line.
func TestStartsEveryComponent(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	cfg := full(dir, logs)
	cfg.Jobs = []scheduler.Job{probe{}}
	a, err := app.New(open(t, dir), cfg)
	if err != nil {
		t.Fatal(err)
	}
	started(t, a)
	addrs := a.Addrs()
	for _, addr := range []string{addrs.SSH, addrs.HTTP, addrs.Metrics} {
		if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
			t.Fatalf("addresses %+v", addrs)
		}
	}
	if line := sshBanner(t, addrs.SSH); !strings.HasPrefix(line, "SSH-2.0-") {
		t.Fatalf("SSH banner %q", line)
	}
	code, body := get(t, "http://"+addrs.HTTP+"/healthz")
	h := healthOf(t, body)
	want := map[string]string{"ssh": "running", "http": "running", "metrics": "running", "scheduler": "active"}
	if code != 200 || h.Status != "ok" || len(states(h)) != 4 {
		t.Fatalf("healthz %d %s", code, body)
	}
	for k, v := range want {
		if states(h)[k] != v {
			t.Errorf("healthz: %s is %q, want %q", k, states(h)[k], v)
		}
	}
	if code, _ := get(t, "http://"+addrs.HTTP+"/000000000000/"); code != 404 {
		t.Fatalf("unknown number: %d", code)
	}
	var metrics string
	waitFor(t, "the probe job's run in /metrics", func() bool {
		_, metrics = get(t, "http://"+addrs.Metrics+"/metrics")
		return strings.Contains(metrics, `hebergement_scheduler_job_runs_total{job="probe",outcome="ok"} 1`)
	})
	for _, name := range []string{
		`hebergement_ssh_connections_total`,
		`hebergement_ssh_connections_refused_total{reason="rate"} 0`,
		`hebergement_ssh_sessions_open{kind="console"} 0`,
		`hebergement_ssh_sessions_total{kind="sftp"} 0`,
		`hebergement_ssh_sessions_refused_total 0`,
		`hebergement_logins_total{outcome="ok",via="console"} 0`,
		`hebergement_uploads_total{kind="base",outcome="refused"} 0`,
		`hebergement_upload_received_bytes_total{kind="annex"} 0`,
		`hebergement_http_requests_total{code="200",route="GET /healthz"} 1`,
		`hebergement_http_requests_total{code="404",route="GET /{number}/{$}"} 1`,
		`hebergement_http_request_duration_seconds_bucket{route="GET /healthz",le="0.5"} 1`,
		`hebergement_scheduler_job_duration_seconds_count{job="probe"} 1`,
		`hebergement_scheduler_active 1`,
		`go_goroutines`,
		`process_`,
	} {
		if !strings.Contains(metrics, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if code, _ := get(t, "http://"+addrs.Metrics+"/"); code != 404 {
		t.Errorf("the metrics listener serves / (%d)", code)
	}
	out := logs.String()
	for _, line := range []string{"ssh: running", "http: running", "metrics: running", "scheduler: active"} {
		if !strings.Contains(out, line) {
			t.Errorf("no health line %q in\n%s", line, out)
		}
	}
}

// TestPortTaken: a component whose address is taken fails the start with an
// error naming it and the address, and nothing is left running: the other
// listeners are closed and the scheduler lock is free.
func TestPortTaken(t *testing.T) {
	for _, c := range []struct {
		component, title string
		set              func(*app.Config, string)
	}{
		{"ssh", "SSH server", func(c *app.Config, addr string) { c.SSH.Listen = addr }},
		{"http", "HTTP stand-in", func(c *app.Config, addr string) { c.HTTP = addr }},
		{"metrics", "metrics listener", func(c *app.Config, addr string) { c.Metrics = addr }},
	} {
		t.Run(c.component, func(t *testing.T) {
			taken, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer taken.Close()
			dir := t.TempDir()
			cfg := full(dir, io.Discard)
			c.set(&cfg, taken.Addr().String())
			a, err := app.New(open(t, dir), cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Start(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.title) || !strings.Contains(err.Error(), taken.Addr().String()) {
				t.Fatalf("Start: %v; want an error naming the %s and %s", err, c.title, taken.Addr())
			}
			if a.Wait() != nil {
				t.Fatal("Wait after a failed start")
			}
			l, _, err := scheduler.TryLease(dir, time.Now())
			if err != nil || l == nil {
				t.Fatalf("scheduler lock still held after a failed start (%v)", err)
			}
			l.Release()
		})
	}
}

// TestCancelStopsEverything: the end of the context (SIGTERM) stops every
// component; Wait returns nil; nothing listens any more and the lock is free.
func TestCancelStopsEverything(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	a, err := app.New(open(t, dir), full(dir, logs))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	addrs := a.Addrs()
	sshBanner(t, addrs.SSH) // every server accepts before the stop
	get(t, "http://"+addrs.HTTP+"/healthz")
	get(t, "http://"+addrs.Metrics+"/metrics")
	cancel()
	if err := a.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	for _, addr := range []string{addrs.SSH, addrs.HTTP, addrs.Metrics} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			t.Errorf("%s still accepts after the stop", addr)
		}
	}
	h := a.Health()
	if h.Status != "stopping" {
		t.Errorf("health after the stop: %+v", h)
	}
	for name, state := range states(h) {
		if state != "stopped" {
			t.Errorf("%s is %q after the stop", name, state)
		}
	}
	l, _, err := scheduler.TryLease(dir, time.Now())
	if err != nil || l == nil {
		t.Fatalf("lock not released: %v", err)
	}
	l.Release()
	if out := logs.String(); !strings.Contains(out, "stopping") || !strings.Contains(out, "ssh: stopped") {
		t.Errorf("logs:\n%s", out)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after the stop: %v", err)
	}
}

// TestShutdown stops the app without its context.
func TestShutdown(t *testing.T) {
	dir := t.TempDir()
	a, err := app.New(open(t, dir), app.Config{DataDir: dir, HTTP: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	get(t, "http://"+a.Addrs().HTTP+"/healthz")
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestSecondProcessOnOneFolder: a second serve on the data folder runs its
// listeners and stands its scheduler by, saying so; a second local console
// (LeaseRequired) runs nothing.
func TestSecondProcessOnOneFolder(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	first, err := app.New(b, full(dir, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	started(t, first)

	logs := &syncBuffer{}
	cfg := full(dir, logs)
	cfg.SSH.HostKeyPath = filepath.Join(t.TempDir(), "key")
	second, err := app.New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	started(t, second)
	if second.Leader() || !first.Leader() {
		t.Fatal("both or neither lead")
	}
	_, body := get(t, "http://"+second.Addrs().HTTP+"/healthz")
	h := healthOf(t, body)
	if states(h)["scheduler"] != "standby" || states(h)["http"] != "running" {
		t.Fatalf("second serve: %s", body)
	}
	if strings.Contains(body, dir) || strings.Contains(body, "pid ") {
		t.Errorf("/healthz tells the data folder or the process: %s", body)
	}
	if !strings.Contains(logs.String(), "scheduler: standby") {
		t.Errorf("no standby health line:\n%s", logs)
	}

	console, err := app.New(b, app.Config{DataDir: dir, HTTP: "127.0.0.1:0", HTTPOptional: true, LeaseRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	started(t, console)
	if console.Leader() || console.Addrs().HTTP != "" || console.SchedulerState().Active {
		t.Fatalf("a console beside a serve runs something: %+v", console.Addrs())
	}
}

// TestHTTPOptional: the local console runs without the stand-in when its
// port is taken, and says why.
func TestHTTPOptional(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	dir := t.TempDir()
	a, err := app.New(open(t, dir), app.Config{DataDir: dir, HTTP: taken.Addr().String(), HTTPOptional: true, LeaseRequired: true})
	if err != nil {
		t.Fatal(err)
	}
	started(t, a)
	if !a.Leader() || a.Addrs().HTTP != "" || a.HTTPUnavailable() == nil ||
		!strings.Contains(a.HTTPUnavailable().Error(), taken.Addr().String()) {
		t.Fatalf("leader %v, addrs %+v, unavailable %v", a.Leader(), a.Addrs(), a.HTTPUnavailable())
	}
	if s := states(a.Health()); s["http"] != "unavailable" || s["scheduler"] != "active" {
		t.Fatalf("health %v", s)
	}
}

func TestNewRefusesIncompleteConfigs(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	if _, err := app.New(b, app.Config{}); err == nil {
		t.Error("no data folder accepted")
	}
	if _, err := app.New(b, app.Config{DataDir: dir, SSH: &hssh.Config{}}); err == nil {
		t.Error("SSH without a host key accepted")
	}
	a, _ := app.New(b, app.Config{DataDir: dir})
	started(t, a)
	if err := a.Start(context.Background()); err == nil || errors.Is(err, context.Canceled) {
		t.Error("started twice")
	}
}
