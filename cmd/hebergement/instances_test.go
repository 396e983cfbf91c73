package main

// An end-to-end test of several serve instances on one PostgreSQL database:
// real processes (the test binary itself, re-executed as the program), a
// console on one instance that sees a base created through another, and the
// scheduler's lease taken over when its holder is killed.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
)

// childEnv, set to 1, makes the test binary run the program's main instead
// of the tests: TestThreeInstances starts its serve processes that way
// rather than building the binary (slow under -race).
const childEnv = "HEBERGEMENT_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		main() // os.Args[1:] are the program's arguments
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// instancesNow is where the instances' clocks start: 20 s before the nightly
// backup (02:00 Paris), long enough to find and kill the scheduler's holder
// first, short enough that the survivor runs the 02:00 backup soon.
const instancesNow = "2027-01-05T01:59:40+01:00"

// TestThreeInstances runs three serve processes on one database and one
// data folder: a base created by a script command on one instance shows in
// a console open on another, and when the scheduler's holder is killed
// (SIGKILL) another instance takes its lease over and runs the next
// nightly backup.
//
// The holder is killed first, while its clock is before 02:00, and the live
// event is checked between the two survivors while the lease expires, so
// that the test waits for 02:00 only once.
func TestThreeInstances(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := t.TempDir()
	ctx := context.Background()

	// The establishment and a key, through a back end of the test process;
	// it also applies the migrations before the instances start.
	b, err := backend.Open(ctx, backend.Options{DataDir: dir, DB: dsn, Hashing: password.Fast})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		b.Close()
		t.Fatalf("CreateEstablishment: %v", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	key, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	sshPub, err := gossh.NewPublicKey(pub)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	if _, err := b.Enroll(ctx,
		backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "test"},
		backend.EnrollKey{Fingerprint: gossh.FingerprintSHA256(sshPub),
			PublicKey: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sshPub))), Name: "Test"}); err != nil {
		b.Close()
		t.Fatalf("Enroll: %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	// All three at once on the fresh data folder: they share the SSH host
	// key the first of them creates.
	start := time.Now()
	var insts []*instance
	for i := 1; i <= 3; i++ {
		insts = append(insts, startInstance(t, fmt.Sprintf("instance %d", i), dsn, dir))
	}
	for _, in := range insts {
		in.waitReady(t, 30*time.Second)
	}
	t.Logf("three instances ready in %s", time.Since(start).Round(time.Millisecond))

	// The scheduler's holder: one instance active, the others standing by,
	// and the catch-up run of the jobs (they never ran) recorded.
	var holder int
	pollWithin(t, 20*time.Second, "one instance holding the scheduler's lease", func() error {
		holder = -1
		var states []string
		for i, in := range insts {
			st, err := in.schedulerState()
			if err != nil {
				return err
			}
			states = append(states, st)
			if st == "active" {
				if holder >= 0 {
					return fmt.Errorf("two holders: %q", states)
				}
				holder = i
			}
		}
		if holder < 0 {
			return fmt.Errorf("no holder: %q", states)
		}
		return nil
	})
	pollWithin(t, 20*time.Second, "the catch-up nightly backup recorded", func() error {
		_, ok, err := lastNightly(t, dir, dsn)
		if err == nil && !ok {
			err = errors.New("never ran")
		}
		return err
	})
	killed := insts[holder]
	killedAt := time.Now()
	if err := killed.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill %s: %v", killed.name, err)
	}
	t.Logf("%s held the scheduler's lease: killed %s after the start", killed.name, killedAt.Sub(start).Round(time.Millisecond))
	night := time.Date(2027, 1, 5, 2, 0, 0, 0, clock.Paris())
	// A dead holder records nothing more: the last run read now is its.
	if last, _, err := lastNightly(t, dir, dsn); err != nil {
		t.Fatal(err)
	} else if !last.Before(night) {
		t.Fatalf("the holder ran the %s backup before it was killed (last run %s): the instances started too slowly for --now %s",
			night, last, instancesNow)
	}
	var survivors []*instance
	for i, in := range insts {
		if i != holder {
			survivors = append(survivors, in)
		}
	}

	// Watch the takeover while the live event is checked.
	type takeover struct {
		by    *instance
		after time.Duration
		err   error
	}
	took := make(chan takeover, 1)
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	go func() {
		deadline := killedAt.Add(40 * time.Second)
		for time.Now().Before(deadline) {
			for _, in := range survivors {
				if st, err := in.schedulerState(); err == nil && st == "active" {
					took <- takeover{by: in, after: time.Since(killedAt)}
					return
				}
			}
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		took <- takeover{err: errors.New("no survivor took the scheduler's lease within 40s")}
	}()

	// Live event: a console on B sees the base a command creates on A.
	a, bb := survivors[0], survivors[1]
	scr := openConsole(t, bb.sshAddr, est.HostingNumber, key)
	scr.waitFor(t, 20*time.Second, "the console's first tab", est.Name, "Autres bases")
	before := scr.String()
	out, code := runCommand(t, a.sshAddr, est.HostingNumber, key, "base creer")
	if code != 0 {
		t.Fatalf("base creer on %s: exit %d\n%s", a.name, code, out)
	}
	created := regexp.MustCompile(`Base créée et ouverte : (.+?) \(`).FindStringSubmatch(out)
	if created == nil {
		t.Fatalf("base creer on %s: no base name in %q", a.name, out)
	}
	if strings.Contains(before, created[1]) {
		t.Fatalf("the console showed %q before the base was created:\n%s", created[1], before)
	}
	shown := time.Now()
	scr.waitFor(t, 5*time.Second, "the base created on "+a.name, created[1])
	t.Logf("the base %q created on %s showed on the console of %s %s after the command returned",
		created[1], a.name, bb.name, time.Since(shown).Round(time.Millisecond))

	// Takeover, then the 02:00 backup run by the new holder.
	to := <-took
	if to.err != nil {
		t.Fatal(to.err)
	}
	t.Logf("%s took the scheduler's lease over %s after the kill", to.by.name, to.after.Round(time.Millisecond))
	var last time.Time
	pollWithin(t, time.Until(killedAt.Add(40*time.Second)), "the nightly backup of "+night.String()+" recorded", func() error {
		var err error
		if last, _, err = lastNightly(t, dir, dsn); err == nil && last.Before(night) {
			err = fmt.Errorf("last run %s", last)
		}
		return err
	})
	t.Logf("the nightly backup of %s was recorded %s after the kill", last.In(clock.Paris()), time.Since(killedAt).Round(time.Millisecond))
	// One holder only, and not the dead one.
	for _, in := range survivors {
		st, err := in.schedulerState()
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]string{true: "active", false: "standby"}[in == to.by]; st != want {
			t.Errorf("%s: scheduler %q, want %q", in.name, st, want)
		}
	}
	if _, err := killed.schedulerState(); err == nil {
		t.Errorf("%s still answers after SIGKILL", killed.name)
	}
}

// instance is one serve process.
type instance struct {
	name     string
	cmd      *exec.Cmd
	out      syncBuffer
	errs     syncBuffer
	exited   chan struct{}
	waitErr  error
	sshAddr  string
	httpAddr string
}

// startInstance starts serve on the database dsn and the data folder dir,
// on random loopback ports, with a 3 s lease and the clock at instancesNow;
// it is killed when the test ends, and its output logged if it failed.
func startInstance(t *testing.T, name, dsn, dir string) *instance {
	t.Helper()
	in := &instance{name: name, exited: make(chan struct{})}
	in.cmd = exec.Command(os.Args[0], "serve", "--db", dsn, "--data", dir, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--metrics", "", "--lease", "3s", "--now", instancesNow)
	in.cmd.Env = append(os.Environ(), childEnv+"=1")
	in.cmd.Stdout, in.cmd.Stderr = &in.out, &in.errs
	if err := in.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		in.waitErr = in.cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(func() {
		in.cmd.Process.Kill() //nolint:errcheck // killed already is fine
		status := "still running"
		select {
		case <-in.exited:
			status = fmt.Sprint(in.waitErr)
		case <-time.After(10 * time.Second):
			t.Errorf("%s did not end after SIGKILL", name)
		}
		if t.Failed() {
			t.Logf("%s (%s), stdout:\n%s\nstderr:\n%s", name, status, in.out.String(), in.errs.String())
		}
	})
	return in
}

var (
	sshLine  = regexp.MustCompile(`Hosting console listening on (\S+)`)
	httpLine = regexp.MustCompile(`PRONOTE\.net stand-in: http://([^/\s]+)/`)
)

// waitReady reads the SSH and HTTP addresses the instance printed.
func (in *instance) waitReady(t *testing.T, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		out := in.out.String()
		s, h := sshLine.FindStringSubmatch(out), httpLine.FindStringSubmatch(out)
		if s != nil && h != nil {
			in.sshAddr, in.httpAddr = s[1], h[1]
			return
		}
		select {
		case <-in.exited:
			t.Fatalf("%s ended before it listened: %v", in.name, in.waitErr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print its addresses within %s", in.name, limit)
		}
	}
}

// healthClient bounds each /healthz request.
var healthClient = &http.Client{Timeout: 3 * time.Second}

// schedulerState is the scheduler's state in the instance's /healthz:
// "active" on the lease's holder, "standby" on the others.
func (in *instance) schedulerState() (string, error) {
	resp, err := healthClient.Get("http://" + in.httpAddr + "/healthz")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var h standin.Health
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		return "", fmt.Errorf("%s /healthz: %w", in.name, err)
	}
	for _, c := range h.Components {
		if c.Name == app.Scheduler {
			return c.State, nil
		}
	}
	return "", fmt.Errorf("%s /healthz: no scheduler in %+v", in.name, h)
}

var nightlyRow = regexp.MustCompile(`(?m)^` + backend.JobNightlyBackup + `\s.*?\s{2,}(never|\d{4}-\d\d-\d\d \d\d:\d\d) `)

// lastNightly is the nightly backup's last recorded run, as `admin jobs
// list` says it (to the minute); false when it never ran.
func lastNightly(t *testing.T, dir, dsn string) (time.Time, bool, error) {
	t.Helper()
	out, err := run(t, dir, "--db", dsn, "admin", "jobs", "list")
	if err != nil {
		return time.Time{}, false, fmt.Errorf("admin jobs list: %w\n%s", err, out)
	}
	m := nightlyRow.FindStringSubmatch(out)
	if m == nil {
		return time.Time{}, false, fmt.Errorf("admin jobs list: no %s row in\n%s", backend.JobNightlyBackup, out)
	}
	if m[1] == "never" {
		return time.Time{}, false, nil
	}
	at, err := time.ParseInLocation("2006-01-02 15:04", m[1], clock.Paris())
	return at, err == nil, err
}

// pollWithin calls f until it returns nil, failing the test with its last
// error after limit.
func pollWithin(t *testing.T, limit time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s: %v", what, limit, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// dialInstance connects to an instance's SSH server as the hosting number,
// with key.
func dialInstance(t *testing.T, addr, user string, key gossh.Signer) *gossh.Client {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: user, Auth: []gossh.AuthMethod{gossh.PublicKeys(key)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// runCommand runs a script command (no PTY) and returns its output, stdout
// and stderr together, and exit status.
func runCommand(t *testing.T, addr, user string, key gossh.Signer, command string) (string, int) {
	t.Helper()
	c := dialInstance(t, addr, user, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	defer sess.Close()
	var out syncBuffer
	sess.Stdout, sess.Stderr = &out, &out
	done := make(chan error, 1)
	go func() { done <- sess.Run(command) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%q did not end; output %q", command, out.String())
	}
	var ee *gossh.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &ee):
		return out.String(), ee.ExitStatus()
	}
	t.Fatalf("%q: %v (output %q)", command, err, out.String())
	return "", 0
}

// consoleScreen is a terminal emulator fed with a console's output.
type consoleScreen struct {
	mu      sync.Mutex
	emu     *vt.Emulator
	changed chan struct{}
	ended   chan struct{}
	endErr  error
}

func (s *consoleScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.emu.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	if errors.Is(err, io.ErrClosedPipe) {
		err = nil // a reply to a query after the session ended
	}
	return n, err
}

func (s *consoleScreen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

// openConsole opens an interactive console (PTY 120×40) on an instance.
func openConsole(t *testing.T, addr, user string, key gossh.Signer) *consoleScreen {
	t.Helper()
	c := dialInstance(t, addr, user, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(func() { sess.Close() })
	if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
		t.Fatalf("RequestPty: %v", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &consoleScreen{emu: vt.NewEmulator(120, 40), changed: make(chan struct{}, 1), ended: make(chan struct{})}
	sess.Stdout, sess.Stderr = s, io.Discard
	// The emulator answers the console's terminal queries (background
	// colour…) through a pipe: copy the answers to the console, or the
	// emulator's Write blocks.
	go io.Copy(stdin, s.emu) //nolint:errcheck
	if err := sess.Shell(); err != nil {
		t.Fatalf("Shell: %v", err)
	}
	go func() {
		s.endErr = sess.Wait()
		close(s.ended)
		if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
			pw.CloseWithError(io.EOF)
		}
	}()
	return s
}

// waitFor waits until every text shows on the screen at once.
func (s *consoleScreen) waitFor(t *testing.T, limit time.Duration, what string, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		screen := s.String()
		if containsEvery(screen, texts...) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console never showed %s within %s; screen:\n%s", what, limit, screen)
		}
		select {
		case <-s.ended:
			if containsEvery(s.String(), texts...) {
				return
			}
			t.Fatalf("the console ended (%v) before it showed %s; screen:\n%s", s.endErr, what, s.String())
		case <-s.changed:
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func containsEvery(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
