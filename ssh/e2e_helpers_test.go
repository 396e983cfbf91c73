package ssh_test

// Helpers of the end-to-end tests and benchmarks: a real back end on a
// temporary data folder, the SSH server on a loopback port, Go SSH clients
// with a PTY whose output is drawn by a terminal emulator (x/vt), so that
// tests read the screen a person would see.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/log/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
	hssh "github.com/hebergement/console/ssh"
)

// waitLimit bounds every wait on a condition.
const waitLimit = 10 * time.Second

// lockedBuffer is a bytes.Buffer safe for concurrent writers and readers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is one back end and one SSH server listening on 127.0.0.1.
type env struct {
	tb   testing.TB
	dir  string
	b    *backend.Backend
	srv  *hssh.Server
	cfg  hssh.Config
	addr string
	logs *lockedBuffer

	serveErr chan error
	stopOnce sync.Once
}

// newEnv starts a server with cfg (host key and logger filled in). The server
// is shut down and the back end closed when the test ends.
func newEnv(tb testing.TB, cfg hssh.Config) *env {
	tb.Helper()
	dir := tb.TempDir()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{
		DataDir:      filepath.Join(dir, "data"),
		Clock:        clock.Real{},
		Hashing:      password.Fast,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		tb.Fatalf("backend.Open: %v", err)
	}
	e := &env{tb: tb, dir: dir, b: b, logs: &lockedBuffer{}, serveErr: make(chan error, 1)}
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(dir, "hostkey")
	}
	if cfg.Logger == nil {
		cfg.Logger = log.NewWithOptions(e.logs, log.Options{Prefix: "ssh"})
	}
	e.cfg = cfg
	srv, err := hssh.New(b, cfg)
	if err != nil {
		b.Close()
		tb.Fatalf("ssh.New: %v", err)
	}
	e.srv = srv
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Close()
		tb.Fatal(err)
	}
	e.addr = l.Addr().String()
	go func() { e.serveErr <- srv.Serve(l) }()
	tb.Cleanup(func() {
		e.shutdown(5 * time.Second)
		b.Close()
	})
	return e
}

// shutdown stops the server (once) and returns how long Shutdown took and
// its error.
func (e *env) shutdown(limit time.Duration) (time.Duration, error) {
	var took time.Duration
	var err error
	e.stopOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		start := time.Now()
		// Shutdown must return by its context; if it hangs, say so rather
		// than hang the test binary.
		res := make(chan error, 1)
		go func() { res <- e.srv.Shutdown(ctx) }()
		select {
		case err = <-res:
		case <-time.After(limit + 10*time.Second):
			err = fmt.Errorf("Shutdown still running %s after its context ended", 10*time.Second)
			took = time.Since(start)
			return
		}
		took = time.Since(start)
		select {
		case serr := <-e.serveErr:
			if serr != nil && err == nil {
				err = fmt.Errorf("Serve returned %w", serr)
			}
		case <-time.After(5 * time.Second):
			if err == nil {
				err = errors.New("Serve did not return after Shutdown")
			}
		}
	})
	return took, err
}

var uaiSeq atomic.Int32

// establishment creates an establishment; it returns it with its password.
func (e *env) establishment(name string) (backend.Establishment, string) {
	e.tb.Helper()
	n := uaiSeq.Add(1)
	est, pw, err := e.b.CreateEstablishment(context.Background(), backend.NewEstablishment{
		Name: name, UAI: fmt.Sprintf("0751%03dA", n%1000), Email: fmt.Sprintf("ce.%d@ac-paris.fr", n),
		Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50,
	})
	if err != nil {
		e.tb.Fatalf("CreateEstablishment: %v", err)
	}
	return est, pw
}

// newKey is a fresh ed25519 client key.
func newKey(tb testing.TB) gossh.Signer {
	tb.Helper()
	_, pk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(pk)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func fp(s gossh.Signer) string { return gossh.FingerprintSHA256(s.PublicKey()) }

func authorized(k gossh.PublicKey) string {
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k)))
}

// enroll enrolls key for est directly through the back end, as the
// enrollment screen would, and returns the session it opens.
func (e *env) enroll(est backend.Establishment, pw string, key gossh.PublicKey, name string) *backend.Session {
	e.tb.Helper()
	s, err := e.b.Enroll(context.Background(),
		backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "test"},
		backend.EnrollKey{Fingerprint: gossh.FingerprintSHA256(key), PublicKey: authorized(key), Name: name})
	if err != nil {
		e.tb.Fatalf("Enroll: %v", err)
	}
	return s
}

// keySession is the back-end session of an enrolled key.
func (e *env) keySession(key gossh.Signer) *backend.Session {
	e.tb.Helper()
	s, err := e.b.KeySession(context.Background(), fp(key), "test")
	if err != nil {
		e.tb.Fatalf("KeySession: %v", err)
	}
	return s
}

// inService gives est a base (created on the console) and puts the server in
// service.
func (e *env) inService(s *backend.Session) {
	e.tb.Helper()
	ctx := context.Background()
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		e.tb.Fatalf("CreateBase: %v", err)
	}
	if err := s.PutInService(ctx); err != nil {
		e.tb.Fatalf("PutInService: %v", err)
	}
}

// generate writes NAME.HNOT (and annexes) for est into a temp folder and
// returns the .HNOT's path.
func generate(tb testing.TB, est backend.Establishment, name string, size int64) string {
	tb.Helper()
	paths, err := hostfile.Generate(tb.TempDir(), hostfile.GenerateOptions{
		HostingNumber: est.HostingNumber, Name: name, Establishment: est.Name,
		Year: hostfile.SchoolYear(2025), Students: 480, Teachers: 40, Classes: 19, Size: size,
	})
	if err != nil {
		tb.Fatalf("Generate: %v", err)
	}
	return paths[0]
}

// load uploads a generated .HNOT through a back-end session.
func load(tb testing.TB, s *backend.Session, path string) backend.Base {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b, err := s.LoadBase(context.Background(), filepath.Base(path), f, nil)
	if err != nil {
		tb.Fatalf("LoadBase: %v", err)
	}
	return b
}

// baseNames lists the names of the uploaded bases of a session.
func baseNames(tb testing.TB, s *backend.Session) []string {
	tb.Helper()
	l, err := s.Bases(context.Background())
	if err != nil {
		tb.Fatalf("Bases: %v", err)
	}
	var out []string
	for _, b := range append(l.PreviouslyInService, l.Uploaded...) {
		out = append(out, b.Name)
	}
	return out
}

func clientConfig(user string, auth ...gossh.AuthMethod) *gossh.ClientConfig {
	return &gossh.ClientConfig{User: user, Auth: auth, HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second}
}

// dial connects with key as user.
func (e *env) dial(user string, key gossh.Signer) (*gossh.Client, error) {
	return gossh.Dial("tcp", e.addr, clientConfig(user, gossh.PublicKeys(key)))
}

func (e *env) mustDial(user string, key gossh.Signer) *gossh.Client {
	e.tb.Helper()
	c, err := e.dial(user, key)
	if err != nil {
		e.tb.Fatalf("dial: %v", err)
	}
	e.tb.Cleanup(func() { c.Close() })
	return c
}

// result is what a script command gave.
type result struct {
	stdout, stderr string
	code           int
}

// run runs a command without PTY and returns its output and exit status.
func (e *env) run(user string, key gossh.Signer, cmd string) result {
	e.tb.Helper()
	c := e.mustDial(user, key)
	defer c.Close()
	return runOn(e.tb, c, cmd)
}

func runOn(tb testing.TB, c *gossh.Client, cmd string) result {
	tb.Helper()
	sess, err := c.NewSession()
	if err != nil {
		tb.Fatalf("NewSession: %v", err)
	}
	defer sess.Close()
	var out, errb lockedBuffer
	sess.Stdout, sess.Stderr = &out, &errb
	done := make(chan error, 1)
	go func() {
		if cmd == "" {
			if err := sess.Shell(); err != nil {
				done <- err
				return
			}
			done <- sess.Wait()
			return
		}
		done <- sess.Run(cmd)
	}()
	var rerr error
	select {
	case rerr = <-done:
	case <-time.After(waitLimit):
		tb.Fatalf("command %q did not end; stdout %q stderr %q", cmd, out.String(), errb.String())
	}
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *gossh.ExitError
	switch {
	case rerr == nil:
	case errors.As(rerr, &ee):
		r.code = ee.ExitStatus()
	default:
		tb.Fatalf("command %q: %v (stdout %q, stderr %q)", cmd, rerr, r.stdout, r.stderr)
	}
	return r
}

// screen is a terminal emulator fed with the session's output. Its own
// mutex guards it (vt.SafeEmulator does not lock String). It remembers which
// watched texts ever showed, even for one frame, and signals every write.
type screen struct {
	mu      sync.Mutex
	emu     *vt.Emulator
	writes  atomic.Int64
	changed chan struct{}
	watches map[string]bool
}

func newScreen(w, h int) *screen {
	return &screen{emu: vt.NewEmulator(w, h), changed: make(chan struct{}, 1), watches: map[string]bool{}}
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.emu.Write(p)
	if len(s.watches) > 0 {
		text := s.emu.String()
		for w, seen := range s.watches {
			if !seen && strings.Contains(text, w) {
				s.watches[w] = true
			}
		}
	}
	s.mu.Unlock()
	s.writes.Add(1)
	select {
	case s.changed <- struct{}{}:
	default:
	}
	if errors.Is(err, io.ErrClosedPipe) {
		err = nil // a reply to a query after the session ended
	}
	return n, err
}

func (s *screen) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.emu.String()
}

func (s *screen) Resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.emu.Resize(w, h)
}

// watch starts remembering whether text ever shows on the screen.
func (s *screen) watch(text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.watches[text]; !ok {
		s.watches[text] = strings.Contains(s.emu.String(), text)
	}
}

func (s *screen) seen(text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.watches[text]
}

// widest is the display width of the widest line on screen.
func (s *screen) widest() int {
	w := 0
	for _, l := range strings.Split(s.String(), "\n") {
		w = max(w, ansi.StringWidth(l))
	}
	return w
}

// term is one interactive session: PTY, shell, screen.
type term struct {
	tb      testing.TB
	client  *gossh.Client
	sess    *gossh.Session
	stdin   io.WriteCloser
	scr     *screen
	stderr  lockedBuffer
	done    chan struct{}
	waitErr error
}

// openTerm connects with key as user and opens a console of w×h.
func (e *env) openTerm(user string, key gossh.Signer, w, h int, watch ...string) *term {
	e.tb.Helper()
	c := e.mustDial(user, key)
	return openTermOn(e.tb, c, w, h, watch...)
}

func openTermOn(tb testing.TB, c *gossh.Client, w, h int, watch ...string) *term {
	tb.Helper()
	t, err := tryTermOn(tb, c, w, h, watch...)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// tryTermOn opens a PTY session on c. Texts in watch are watched from the
// first byte on.
func tryTermOn(tb testing.TB, c *gossh.Client, w, h int, watch ...string) (*term, error) {
	sess, err := c.NewSession()
	if err != nil {
		return nil, fmt.Errorf("NewSession: %w", err)
	}
	sess.Setenv("COLORTERM", "truecolor") //nolint:errcheck // a refusal would only change colours
	if err := sess.RequestPty("xterm-256color", h, w, gossh.TerminalModes{}); err != nil {
		return nil, fmt.Errorf("RequestPty: %w", err)
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return nil, err
	}
	// A window of 0 is unknown (RFC 4254): the server assumes 80×24.
	ew, eh := w, h
	if ew <= 0 {
		ew = 80
	}
	if eh <= 0 {
		eh = 24
	}
	t := &term{tb: tb, client: c, sess: sess, stdin: stdin, scr: newScreen(ew, eh), done: make(chan struct{})}
	for _, s := range watch {
		t.scr.watch(s)
	}
	sess.Stdout = t.scr
	sess.Stderr = &t.stderr
	// The emulator answers the console's terminal queries (background
	// colour…) through a pipe: something must read it, or Write blocks.
	go io.Copy(stdin, t.scr.emu) //nolint:errcheck
	if err := sess.Shell(); err != nil {
		return nil, fmt.Errorf("Shell: %w", err)
	}
	go func() {
		t.waitErr = sess.Wait()
		close(t.done)
		// End the reply pump (the pipe writer is safe to close concurrently).
		if pw, ok := t.scr.emu.InputPipe().(*io.PipeWriter); ok {
			pw.CloseWithError(io.EOF)
		}
	}()
	tb.Cleanup(func() { sess.Close() })
	return t, nil
}

// send types raw bytes.
func (t *term) send(s string) {
	t.tb.Helper()
	if _, err := io.WriteString(t.stdin, s); err != nil {
		t.tb.Fatalf("send %q: %v", s, err)
	}
}

// waitFor checks the screen after every write (and every 15 ms) until ok
// holds. One waiter per screen at a time.
func (t *term) waitFor(what string, ok func(string) bool) string {
	t.tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		s := t.scr.String()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.tb.Fatalf("the screen never showed %s; stderr %q; screen:\n%s", what, t.stderr.String(), s)
		}
		select {
		case <-t.done:
			if s := t.scr.String(); ok(s) {
				return s
			}
			t.tb.Fatalf("the session ended (%v) before the screen showed %s; stderr %q; screen:\n%s", t.waitErr, what, t.stderr.String(), t.scr.String())
		case <-t.scr.changed: // woken by every write, so benchmarks measure the frame
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// waitText waits until every text shows on the screen at once.
func (t *term) waitText(texts ...string) string {
	t.tb.Helper()
	return t.waitFor(fmt.Sprintf("%q", texts), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// waitEnd waits for the session to end and returns Wait's error.
func (t *term) waitEnd(limit time.Duration) error {
	t.tb.Helper()
	select {
	case <-t.done:
		return t.waitErr
	case <-time.After(limit):
		t.tb.Fatalf("the session did not end within %s; screen:\n%s", limit, t.scr.String())
		return nil
	}
}

func (t *term) ended() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

// resize changes the window on both ends.
func (t *term) resize(w, h int) {
	t.tb.Helper()
	t.scr.Resize(w, h)
	if err := t.sess.WindowChange(h, w); err != nil {
		t.tb.Fatalf("WindowChange: %v", err)
	}
}

// quiet waits until the screen has not been written to for d.
func (t *term) quiet(d time.Duration) {
	t.tb.Helper()
	deadline := time.Now().Add(waitLimit)
	last, since := t.scr.writes.Load(), time.Now()
	for time.Since(since) < d {
		if time.Now().After(deadline) {
			t.tb.Fatalf("the screen never settled")
		}
		time.Sleep(10 * time.Millisecond)
		if n := t.scr.writes.Load(); n != last {
			last, since = n, time.Now()
		}
	}
}

// enrolledKey is an establishment with one enrolled key.
func (e *env) enrolledKey(name string) (backend.Establishment, gossh.Signer) {
	e.tb.Helper()
	est, pw := e.establishment(name)
	key := newKey(e.tb)
	e.enroll(est, pw, key.PublicKey(), "poste")
	return est, key
}

// console opens a console for an enrolled key and waits for its header.
func (e *env) console(key gossh.Signer, est backend.Establishment, w, h int, watch ...string) *term {
	e.tb.Helper()
	t := e.openTerm(est.HostingNumber, key, w, h, watch...)
	t.waitText(est.Name, "Autres bases", "Serveur")
	return t
}

// rawConn opens a TCP connection that sends nothing.
func (e *env) rawConn() net.Conn {
	e.tb.Helper()
	c, err := net.DialTimeout("tcp", e.addr, 5*time.Second)
	if err != nil {
		e.tb.Fatal(err)
	}
	e.tb.Cleanup(func() { c.Close() })
	return c
}

// readUntilClosed reads c until EOF or error and returns what it read and
// whether it was closed by the server before limit.
func readUntilClosed(c net.Conn, limit time.Duration) ([]byte, bool) {
	c.SetReadDeadline(time.Now().Add(limit))
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return got, false
			}
			return got, true
		}
	}
}

// readBanner reads the server's version line.
func readBanner(c net.Conn, limit time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(limit))
	defer c.SetReadDeadline(time.Time{})
	var line []byte
	b := make([]byte, 1)
	for {
		if _, err := c.Read(b); err != nil {
			return string(line), err
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			return string(line), nil
		}
	}
}

// eventually retries f until it returns nil or the wait limit passes.
func eventually(tb testing.TB, what string, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

func countLines(s string) int {
	return len(strings.Split(strings.TrimRight(s, "\n"), "\n"))
}
