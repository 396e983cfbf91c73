package ssh_test

// Regression tests of the holes hostile testing found over SSH: a huge
// terminal size, idle authenticated connections, a revoked key's open
// sessions, endless pastes and strings, the enrollment screen's own limits.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	hssh "github.com/hebergement/console/ssh"
)

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// countingWriter counts what a session drew.
type countingWriter struct {
	mu   sync.Mutex
	n    int
	head []byte
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.n += len(p)
	if len(c.head) < 4096 {
		c.head = append(c.head, p[:min(len(p), 4096-len(c.head))]...)
	}
	c.mu.Unlock()
	return len(p), nil
}

func (c *countingWriter) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// bigPTY opens a console whose client claims a w×h terminal, without
// drawing it on this side.
func (e *env) bigPTY(key gossh.Signer, w, h int) (*gossh.Client, *gossh.Session, *countingWriter) {
	e.tb.Helper()
	c := e.mustDial("anyone", key)
	sess, err := c.NewSession()
	if err != nil {
		e.tb.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		e.tb.Fatal(err)
	}
	out := &countingWriter{}
	sess.Stdout = out
	if _, err := sess.StdinPipe(); err != nil { // held open: an ended input ends the console
		e.tb.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		e.tb.Fatal(err)
	}
	return c, sess, out
}

// A client claiming a 10000×10000 terminal (then 100000×100000) gets the
// console at 500×200 at most: three such sessions cost little memory, what
// is drawn fits in 500 columns, and nothing runs on after they close.
// Not parallel: it measures the process's heap.
func TestHugeWindowsBounded(t *testing.T) {
	e := newEnv(t, hssh.Config{})
	est, key := e.enrolledKey("Lycée Carnot")
	baseGoroutines := runtime.NumGoroutine()
	before := heapInUse()

	var clients []*gossh.Client
	var outs []*countingWriter
	var sessions []*gossh.Session
	for _, k := range []gossh.Signer{newKey(t), newKey(t), key} {
		c, s, out := e.bigPTY(k, 10000, 10000)
		clients, sessions, outs = append(clients, c), append(sessions, s), append(outs, out)
	}
	for i, out := range outs {
		eventually(t, fmt.Sprintf("a first frame of session %d", i+1), func() error {
			if out.count() == 0 {
				return errors.New("nothing drawn")
			}
			return nil
		})
	}
	if err := sessions[0].WindowChange(100000, 100000); err != nil {
		t.Fatalf("WindowChange: %v; logs:\n%s\noutput: %q", err, e.logs.String(), outs[0].head)
	}
	time.Sleep(300 * time.Millisecond) // let a frame be drawn at the new size
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grown by %d MB with three 10000×10000 consoles", grown>>20)
	if grown > 150<<20 {
		t.Errorf("three 10000×10000 consoles grew the heap by %d MB", grown>>20)
	}

	// What is drawn fits the clamped size, and the console works.
	s := e.openTerm(est.HostingNumber, key, 520, 210)
	s.waitText(est.Name, "Autres bases")
	if w := s.scr.widest(); w > hssh.MaxColumns {
		t.Errorf("a line of %d columns, more than %d", w, hssh.MaxColumns)
	}
	s.send("?")
	s.waitText("masquer l'aide")

	for _, c := range clients {
		c.Close()
	}
	s.send("q")
	s.waitEnd(waitLimit)
	s.client.Close()
	eventually(t, "the consoles' goroutines gone", func() error {
		if n := runtime.NumGoroutine(); n > baseGoroutines+2 {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("%d goroutines, %d before:\n%s", n, baseGoroutines, buf[:runtime.Stack(buf, true)])
		}
		return nil
	})
}

// dialFrom connects from a given loopback address (Linux routes all of
// 127.0.0.0/8 to lo), so one test can play several client addresses.
func (e *env) dialFrom(local, user string, key gossh.Signer, banner *lockedBuffer) (*gossh.Client, error) {
	d := net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	c, err := d.Dial("tcp", e.addr)
	if err != nil {
		return nil, err
	}
	cfg := clientConfig(user, gossh.PublicKeys(key))
	if banner != nil {
		cfg.BannerCallback = func(msg string) error { banner.Write([]byte(msg)); return nil } //nolint:errcheck
	}
	cc, chans, reqs, err := gossh.NewClientConn(c, e.addr, cfg)
	if err != nil {
		c.Close()
		return nil, err
	}
	return gossh.NewClient(cc, chans, reqs), nil
}

// A hundred connections from ten addresses that authenticate with throwaway
// keys and open no session (ssh -N) lock nobody out: an enrolled key gets in
// at once, from another address and from theirs; they hold the enrollment
// slots only, and are closed at the end of the login grace.
func TestIdleConnectionsDoNotLockOut(t *testing.T) {
	t.Parallel()
	const grace = 4 * time.Second
	e := newEnv(t, hssh.Config{LoginGrace: grace})
	est, key := e.enrolledKey("Collège Jules Ferry")

	var mu sync.Mutex
	var held []*gossh.Client
	var heldSince []time.Time // when each was admitted
	refused := 0
	var wg sync.WaitGroup
	for i := range 100 {
		wg.Go(func() {
			c, err := e.dialFrom(fmt.Sprintf("127.0.1.%d", i%10+1), "idle", newKey(t), nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refused++
				return
			}
			held = append(held, c)
			heldSince = append(heldSince, time.Now())
		})
	}
	wg.Wait()
	heldAt := time.Now()
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
	// At most 30 at once: the connections admitted within half the grace
	// of each other were all open together (on a loaded machine the dials
	// can outlast the grace, which frees slots for later ones).
	sort.Slice(heldSince, func(i, j int) bool { return heldSince[i].Before(heldSince[j]) })
	together := 0
	for i, from := range heldSince {
		n := sort.Search(len(heldSince), func(j int) bool { return heldSince[j].Sub(from) > grace/2 }) - i
		together = max(together, n)
	}
	if len(held) == 0 || together > 30 {
		t.Fatalf("%d idle connections of unknown keys open together (%d held in all, %d refused), want at most 30 (the enrollment slots)", together, len(held), refused)
	}

	for _, from := range []string{"127.0.2.1", "127.0.1.1"} {
		start := time.Now()
		c, err := e.dialFrom(from, est.HostingNumber, key, nil)
		if err != nil {
			t.Fatalf("enrolled key from %s refused while %d idle connections are held: %v", from, len(held), err)
		}
		r := runOn(t, c, "statut")
		c.Close()
		if r.code != 0 {
			t.Fatalf("statut from %s: %+v", from, r)
		}
		t.Logf("enrolled key from %s: statut in %s with %d idle connections held", from, time.Since(start).Round(time.Millisecond), len(held))
	}
	if time.Since(heldAt) > grace {
		t.Log("warning: the checks ran past the login grace; the idle connections may have gone")
	}

	// An unknown key past the enrollment caps is told why.
	if len(held) == 30 {
		var banner lockedBuffer
		_, err := e.dialFrom("127.0.2.2", "late", newKey(t), &banner)
		if err == nil || !strings.Contains(banner.String(), "too many enrollments") {
			t.Errorf("a 31st unknown key: err %v, banner %q", err, banner.String())
		}
	}

	// The idle connections are closed at the end of the grace.
	for i, c := range held {
		done := make(chan struct{})
		go func() { c.Wait(); close(done) }() //nolint:errcheck
		select {
		case <-done:
		case <-time.After(grace + 5*time.Second - time.Since(heldAt)):
			t.Fatalf("idle connection %d still open %s after it was made", i, time.Since(heldAt))
		}
	}
	eventually(t, "an unknown key admitted again", func() error {
		c, err := e.dialFrom("127.0.1.3", "later", newKey(t), nil)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	})
}

// otherProcess opens a second back end on the server's data folder, as the
// operator's CLI does.
func (e *env) otherProcess() *backend.Backend {
	e.tb.Helper()
	b, err := backend.Open(context.Background(), backend.Options{
		DataDir: filepath.Join(e.dir, "data"), Clock: clock.Real{}, Hashing: password.Fast, PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		e.tb.Fatal(err)
	}
	e.tb.Cleanup(func() { b.Close() })
	return b
}

// Revoking a key (from the operator's CLI, another process) ends its open
// console and its sftp session within a second, and they change nothing
// after; a key enrolled on the enrollment screen is watched the same way.
func TestRevokedKeyEndsItsSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Michelet")
	key := newKey(t)
	e.enroll(est, pw, key.PublicKey(), "poste")
	console := e.console(key, est, 80, 24)
	c := e.mustDial(est.HostingNumber, key)
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	if _, err := sc.ReadDir("/depot"); err != nil {
		t.Fatal(err)
	}
	// A second key, enrolled on the screen.
	key2 := newKey(t)
	s2 := e.openTerm(est.HostingNumber, key2, 80, 24)
	s2.waitText("Enregistrer votre clé SSH")
	s2.send(pw + "\r")
	s2.waitText(est.Name, "Autres bases")

	cli := e.otherProcess()
	start := time.Now()
	if err := cli.RevokeKey(context.Background(), fp(key), "operator"); err != nil {
		t.Fatal(err)
	}
	console.waitText("révoquée")
	console.waitEnd(waitLimit)
	took := time.Since(start)
	eventually(t, "the sftp session closed", func() error {
		if _, err := sc.ReadDir("/depot"); err == nil {
			return errors.New("sftp still answers")
		}
		return nil
	})
	sftpTook := time.Since(start)
	t.Logf("console ended %s after the revocation, sftp %s", took.Round(time.Millisecond), sftpTook.Round(time.Millisecond))
	if took > 8*time.Second || sftpTook > 8*time.Second {
		t.Errorf("sessions ended %s / %s after the revocation, want about a second", took, sftpTook)
	}
	if s2.ended() {
		t.Fatal("revoking one key ended the console of another")
	}

	if err := cli.RevokeKey(context.Background(), fp(key2), "operator"); err != nil {
		t.Fatal(err)
	}
	s2.waitText("révoquée")
	s2.waitEnd(waitLimit)
}

// An enrollment screen has its own time limit, and one per connection.
func TestEnrollmentScreenLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{EnrollTimeout: 2 * time.Second})
	est, _ := e.establishment("Collège Pagnol")
	c := e.mustDial(est.HostingNumber, newKey(t))
	s := openTermOn(t, c, 80, 24)
	s.waitText("Enregistrer votre clé SSH")
	if second, err := tryTermOn(t, c, 80, 24); err == nil {
		second.waitEnd(waitLimit)
		if !strings.Contains(second.stderr.String(), "already open") {
			t.Errorf("a second enrollment screen on one connection: stderr %q, screen:\n%s", second.stderr.String(), second.scr.String())
		}
	}
	s.waitText("Délai d'enregistrement dépassé")
	s.waitEnd(waitLimit)
}

// Endless input does not grow the server: an unterminated bracketed paste of
// megabytes into the enrollment screen, an endless OSC string in the
// console; both stay responsive.
func TestEndlessInputBounded(t *testing.T) {
	e := newEnv(t, hssh.Config{})
	est, key := e.enrolledKey("Lycée Hoche")
	before := heapInUse()

	enroll := e.openTerm(est.HostingNumber, newKey(t), 80, 24)
	enroll.waitText("Enregistrer votre clé SSH")
	chunk := strings.Repeat("a", 64<<10)
	enroll.send("\x1b[200~")
	for range 64 { // 4 MiB, never ended
		enroll.send(chunk)
	}
	s := e.console(key, est, 80, 24)
	s.send("\x1b]11;")
	for range 64 { // 4 MiB of an OSC string, never terminated
		s.send(chunk)
	}
	s.send("\x07?")
	s.waitText("masquer l'aide")
	enroll.send("\x1b[201~")
	enroll.waitFor("the password field filled", func(scr string) bool { return strings.Count(scr, "•") >= 30 })
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grown by %d MB", grown>>20)
	if grown > 64<<20 {
		t.Errorf("8 MiB of endless input grew the heap by %d MB", grown>>20)
	}
}

// An enrollment screen is drawn EnrollColumns wide at most; once
// the key is enrolled, the console takes the whole window.
func TestEnrollmentScreenGrowsOnceEnrolled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Lakanal")
	e.enroll(est, pw, newKey(t).PublicKey(), "autre poste") // not the first login: no invoice asked
	s := e.openTerm(est.HostingNumber, newKey(t), 300, 100)
	s.waitText("Enregistrer votre clé SSH")
	if w := s.scr.widest(); w > hssh.EnrollColumns {
		t.Errorf("the enrollment screen drew %d columns, more than %d", w, hssh.EnrollColumns)
	}
	s.send(pw + "\r")
	s.waitText(est.Name, "Autres bases")
	s.waitFor("the console across the whole window", func(string) bool { return s.scr.widest() > hssh.EnrollColumns })
	// Drawn whole, in place: no line scrolled within the enrollment
	// screen's old height (its scroll region is reset).
	s.waitFor("the header on top, the help at the bottom", func(scr string) bool {
		lines := strings.Split(strings.TrimRight(scr, "\n"), "\n")
		return len(lines) >= 3 && strings.Contains(lines[0], est.Name) && strings.Contains(lines[2], "Autres bases") &&
			strings.Contains(scr, "q quitter") && strings.Count(scr, "Autres bases") == 1
	})
}

// goroutineDump lists the live goroutines, for a failure message.
func goroutineDump() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// A console whose client vanishes (no "q", the connection dropped) leaves
// nothing running: no program, no subscription to the establishment's
// events, whether it was a console from the start or an enrollment screen
// that enrolled its key. Not parallel: it counts the process's goroutines.
func TestVanishedClientLeavesNothing(t *testing.T) {
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Buffon")
	key := newKey(t)
	e.enroll(est, pw, key.PublicKey(), "poste")
	time.Sleep(100 * time.Millisecond)
	g0 := runtime.NumGoroutine()

	s := e.console(key, est, 80, 24)
	enrolling := e.openTerm(est.HostingNumber, newKey(t), 80, 24)
	enrolling.waitText("Enregistrer votre clé SSH")
	enrolling.send(pw + "\r")
	enrolling.waitText(est.Name, "Autres bases")
	s.client.Close()
	enrolling.client.Close()
	eventually(t, "every goroutine of the two consoles gone", func() error {
		if n := runtime.NumGoroutine(); n > g0 {
			return fmt.Errorf("%d goroutines, %d before:\n%s", n, g0, goroutineDump())
		}
		return nil
	})
}

// waitClosed waits for the server to close a client connection.
func waitClosed(t *testing.T, c *gossh.Client, within time.Duration, what string) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }() //nolint:errcheck
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(within):
		t.Fatalf("%s: the connection is still open after %s", what, within)
		return 0
	}
}

// A connection that ran its sessions and sits idle is closed after the login
// grace, for an unknown key (which would otherwise keep an enrollment slot)
// as for an enrolled one (which would keep a file descriptor).
func TestIdleAfterSessionsClosed(t *testing.T) {
	t.Parallel()
	const grace = time.Second
	e := newEnv(t, hssh.Config{LoginGrace: grace, MaxEnrolling: 1})
	est, key := e.enrolledKey("Lycée Saint-Louis")

	unknown := e.mustDial("x", newKey(t))
	if r := runOn(t, unknown, "statut"); r.code == 0 {
		t.Fatalf("an unknown key ran statut: %+v", r)
	}
	// Its enrollment slot is taken while it stays: another unknown key is
	// refused, until the idle connection is closed.
	if _, err := e.dialFrom("127.0.3.1", "y", newKey(t), nil); err == nil {
		t.Fatal("a second unknown key got in past MaxEnrolling 1")
	}
	waitClosed(t, unknown, grace+5*time.Second, "an unknown key's connection idle after its command")
	c, err := e.dialFrom("127.0.3.1", "y", newKey(t), nil)
	if err != nil {
		t.Fatalf("an unknown key after the idle one was closed: %v", err)
	}
	c.Close()

	member := e.mustDial(est.HostingNumber, key)
	if r := runOn(t, member, "statut"); r.code != 0 {
		t.Fatalf("statut: %+v", r)
	}
	s := openTermOn(t, member, 80, 24)
	s.waitText(est.Name, "Autres bases")
	s.send("q")
	s.waitEnd(waitLimit)
	waitClosed(t, member, grace+5*time.Second, "an enrolled key's connection idle after its console")
}

// stalled is a client's terminal that stops reading after its first bytes.
type stalled struct {
	once  sync.Once
	first chan struct{}
	block chan struct{}
}

func (s *stalled) Write(p []byte) (int, error) {
	s.once.Do(func() { close(s.first) })
	<-s.block
	return len(p), nil
}

// A client that stops reading (its terminal hangs; the server's writes wait
// for window space once the client's 2 MB window is full) does not keep its
// console past the idle timeout: the console is quit, and when it cannot
// end because its writes wait, its connection is closed; either way the
// connection goes (the login grace closes it once it has no session).
func TestClientThatStopsReadingIsClosed(t *testing.T) {
	t.Parallel()
	const idle = 2 * time.Second
	e := newEnv(t, hssh.Config{IdleTimeout: idle, LoginGrace: time.Second})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", e.logs.String())
		}
	})
	est, key := e.enrolledKey("Lycée Pasteur")
	c := e.mustDial(est.HostingNumber, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 200, 500, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	out := &stalled{first: make(chan struct{}), block: make(chan struct{})}
	defer close(out.block)
	sess.Stdout = out
	if _, err := sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	<-out.first
	// Full redraws (some 4 KB each) the client never takes, past its 2 MB
	// window.
	for i := range 1200 {
		if err := sess.WindowChange(200, 500-i%2); err != nil {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	took := waitClosed(t, c, idle+10*time.Second, "a console whose client stopped reading")
	t.Logf("closed %s after the last resize (console quit on its own: %v)", took.Round(100*time.Millisecond),
		!strings.Contains(e.logs.String(), "did not end"))
}
