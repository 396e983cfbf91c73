package ssh

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/log/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"charm.land/wish/v2/recover"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/filelock"
)

// Config sets the server's address and its limits: those OpenSSH has by
// default and charm ssh does not, and those of the enrollment of unknown
// keys. Zero values take the defaults.
type Config struct {
	// Listen is the TCP address, 127.0.0.1:2222 by default.
	Listen string
	// CellRenderer draws the consoles with Bubble Tea's own renderer, which
	// compares cells (about 0.4 MB more per console at 80×24), instead of
	// lineScreen: for a terminal that would draw the latter badly, and as
	// the benchmarks' baseline.
	CellRenderer bool
	// HostKeyPath is the ed25519 host key, created once and reused.
	HostKeyPath string
	// HostKeyProvided says the operators provide the key at HostKeyPath
	// (serve --host-key), the same on every instance behind one name: it
	// must exist, be a private key, and be readable by its owner only (as
	// OpenSSH demands); it is never created.
	HostKeyProvided bool
	// LoginGrace bounds the handshake and authentication (OpenSSH
	// LoginGraceTime), and the time an authenticated connection has to open
	// its first session; 30 s by default.
	LoginGrace time.Duration
	// MaxAuthTries per connection (OpenSSH MaxAuthTries), 6 by default.
	MaxAuthTries int
	// MaxUnauthenticated connections (handshake not done, key not proven)
	// overall, 200 by default, and per client address, 20 by default.
	MaxUnauthenticated        int
	MaxUnauthenticatedPerAddr int
	// MaxEnrolling connections of keys that are not enrolled (the
	// enrollment screen) overall, 30 by default, and per address, 10.
	MaxEnrolling        int
	MaxEnrollingPerAddr int
	// EnrollTimeout is how long the enrollment screen waits for the
	// credentials, 10 min by default.
	EnrollTimeout time.Duration
	// MaxSessionsPerKey open at once with one key, 10 by default.
	MaxSessionsPerKey int
	// IdleTimeout ends a console nobody typed in for that long, after a
	// warning; 30 min by default.
	IdleTimeout time.Duration
	// ConnRate is how many new connections one address may open per minute,
	// 120 by default, with bursts of ConnBurst (40).
	ConnRate  int
	ConnBurst int
	// ShutdownGrace is how long Shutdown lets uploads finish, 30 s by default.
	ShutdownGrace time.Duration
	// PublicURL is the base URL of the hosted server's stand-in, shown by
	// the consoles (PRONOTE.net); "" when none runs.
	PublicURL string
	// Now is the time the consoles show (serve --now); the back end's clock
	// when nil.
	Now    func() time.Time
	Logger *log.Logger
}

// The console renders at most MaxColumns × MaxRows, whatever size the client
// claims: the renderer's buffers grow with the window, and a PTY request of
// 10000×10000 would otherwise cost gigabytes. A larger terminal shows the
// console in its top-left corner.
const (
	MaxColumns = 500
	MaxRows    = 200
)

func (c *Config) defaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:2222"
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.MaxAuthTries, 6)
	def(&c.MaxUnauthenticated, 200)
	def(&c.MaxUnauthenticatedPerAddr, 20)
	def(&c.MaxEnrolling, 30)
	def(&c.MaxEnrollingPerAddr, 10)
	def(&c.MaxSessionsPerKey, 10)
	def(&c.ConnRate, 120)
	def(&c.ConnBurst, 40)
	defd(&c.LoginGrace, 30*time.Second)
	defd(&c.EnrollTimeout, 10*time.Minute)
	defd(&c.IdleTimeout, 30*time.Minute)
	defd(&c.ShutdownGrace, 30*time.Second)
	if c.Logger == nil {
		c.Logger = log.NewWithOptions(os.Stderr, log.Options{Prefix: "ssh"})
	}
}

// Server is the SSH front of the hosting console.
type Server struct {
	b    *backend.Backend
	cfg  Config
	srv  *ssh.Server
	fp   string
	lim  *limiter
	log  *log.Logger
	wg   sync.WaitGroup
	mu   sync.Mutex
	live map[*liveSession]struct{}
	// closing is closed when Shutdown starts.
	closing chan struct{}
	// stats are the counters of the metrics (stats.go).
	stats Stats
}

// New builds the server; the host key is created on first use.
func New(b *backend.Backend, cfg Config) (*Server, error) {
	cfg.defaults()
	if cfg.Now == nil {
		cfg.Now = b.Clock().Now
	}
	if cfg.HostKeyPath == "" {
		return nil, errors.New("ssh: no host key path")
	}
	if cfg.HostKeyProvided {
		if err := checkHostKey(cfg.HostKeyPath); err != nil {
			return nil, err
		}
	} else if err := makeHostKey(cfg.HostKeyPath); err != nil {
		return nil, err
	}
	s := &Server{b: b, cfg: cfg, log: cfg.Logger, live: map[*liveSession]struct{}{}, closing: make(chan struct{})}
	s.lim = newLimiter(cfg)
	s.lim.stats = &s.stats
	srv, err := wish.NewServer(
		wish.WithAddress(cfg.Listen),
		wish.WithHostKeyPath(cfg.HostKeyPath),
		// Any key that proves possession is let in: who it belongs to is
		// decided afterwards from the key that signed (ssh.Session.PublicKey),
		// which gets the console, the enrollment screen, or a refusal.
		wish.WithPublicKeyAuth(func(ssh.Context, ssh.PublicKey) bool { return true }),
		wish.WithSubsystem("sftp", s.sftpSubsystem),
		wish.WithMiddleware(
			recover.MiddlewareWithLogger(s.log,
				bm.MiddlewareWithProgramHandler(s.program),
				s.dispatch,
			),
		),
	)
	if err != nil {
		return nil, fmt.Errorf("ssh: %w", err)
	}
	srv.HandshakeTimeout = cfg.LoginGrace
	srv.MaxTimeout = 0
	// The console has its own idle rule, announced before it disconnects;
	// this one only ends connections where nothing at all moves.
	srv.IdleTimeout = cfg.IdleTimeout + 2*time.Minute
	srv.ConnCallback = s.lim.conn
	srv.ServerConfigCallback = func(ctx ssh.Context) *gossh.ServerConfig {
		return &gossh.ServerConfig{MaxAuthTries: cfg.MaxAuthTries, VerifiedPublicKeyCallback: s.keyProven(ctx)}
	}
	if len(srv.HostSigners) > 0 {
		s.fp = gossh.FingerprintSHA256(srv.HostSigners[0].PublicKey())
	}
	s.srv = srv
	return s, nil
}

// tooManyEnrolling is the banner of a key refused because the enrollment
// slots are full; OpenSSH prints it before "Permission denied".
const tooManyEnrolling = "This SSH key is not enrolled, and too many enrollments are in progress from your address or overall: try again in a few minutes.\n"

// keyProven runs once the client proved it holds a key (its signature
// checked): the connection leaves the pre-authentication slots, for the
// enrollment slots when the key is unknown, or is refused when they are full.
func (s *Server) keyProven(ctx ssh.Context) func(gossh.ConnMetadata, gossh.PublicKey, *gossh.Permissions, string) (*gossh.Permissions, error) {
	return func(_ gossh.ConnMetadata, key gossh.PublicKey, perms *gossh.Permissions, _ string) (*gossh.Permissions, error) {
		st := stateOf(ctx)
		if st == nil {
			return perms, nil
		}
		known, err := s.b.KnownKey(ctx, gossh.FingerprintSHA256(key))
		if err != nil {
			s.log.Error("key lookup", "err", err)
		}
		ok, full := s.lim.authenticated(st, known)
		switch {
		case full:
			s.stats.refusedBy("enrollment full")
			s.log.Warn("unknown key refused: enrollment slots full", "addr", st.host)
			return nil, &gossh.BannerError{Err: errors.New("enrollment slots full"), Message: tooManyEnrolling}
		case !ok:
			return nil, errors.New("connection closing")
		}
		// charm ssh keeps the proven key in these permissions: hand them on.
		return perms, nil
	}
}

// checkHostKey refuses a provided host key that is missing, is not a
// private key (an encrypted one included: nobody is there to type its
// passphrase), or can be read by others than its owner.
func checkHostKey(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("ssh: host key: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("ssh: host key %s is readable by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("ssh: host key: %w", err)
	}
	if _, err := gossh.ParsePrivateKey(pem); err != nil {
		return fmt.Errorf("ssh: host key %s is not an unencrypted private key: %w", path, err)
	}
	return nil
}

// makeHostKey creates the ed25519 host key at path unless it exists, once
// (filelock.CreateOnce): instances starting together on one data folder
// keep the one key the first made, and none reads half a key (wish's own
// creation checks, then writes in place).
func makeHostKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("ssh: %w", err)
	}
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("ssh: generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		return fmt.Errorf("ssh: generate host key: %w", err)
	}
	if _, err := filelock.CreateOnce(path, pem.EncodeToMemory(block)); err != nil {
		return fmt.Errorf("ssh: host key: %w", err)
	}
	return nil
}

// Fingerprint is the SHA-256 fingerprint of the host key, printed at start so
// users can check it on their first connection.
func (s *Server) Fingerprint() string { return s.fp }

// Serve accepts connections on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// ListenAndServe listens on the configured address.
func (s *Server) ListenAndServe() error {
	l, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("ssh: %w", err)
	}
	return s.Serve(l)
}

// Shutdown tells every console that the server stops, lets uploads in flight
// finish within the grace period, then closes what is left (an unfinished
// upload leaves nothing behind).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	select {
	case <-s.closing:
	default:
		close(s.closing)
	}
	live := make([]*liveSession, 0, len(s.live))
	for l := range s.live {
		live = append(live, l)
	}
	s.mu.Unlock()
	for _, l := range live {
		l.stop("Le serveur de la console s'arrête : la session est fermée. Reconnectez-vous dans quelques instants.")
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ShutdownGrace)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.srv.Close()
		// A console still blocked on a client that does not read: Kill
		// cancels its program, so that its goroutines unwind.
		for _, l := range live {
			go l.program.Kill()
		}
	}
	// The handlers end once their connection is closed; the caller's
	// context still bounds the wait, should one of them be stuck.
	handlers := make(chan struct{})
	go func() { s.wg.Wait(); close(handlers) }()
	select {
	case <-handlers:
	case <-parent.Done():
		return parent.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// fingerprint is the fingerprint of the key that signed this connection's
// authentication.
func fingerprint(sess ssh.Session) string {
	if k := sess.PublicKey(); k != nil {
		return gossh.FingerprintSHA256(k)
	}
	return ""
}

func addrOf(sess ssh.Session) string {
	if a, ok := sess.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	return sess.RemoteAddr().String()
}

// liveSession is one open console, so the server can warn it and end it.
type liveSession struct {
	program *tea.Program
	// ended is closed once the console has ended; drop closes its whole
	// connection.
	ended <-chan struct{}
	drop  func()
	once  sync.Once
}

// end quits the console. Quit waits for the console's event loop, which a
// client that no longer reads can hold (its renderer waits for SSH window
// space), so it is sent from a goroutine, and if the console has not ended
// two seconds later its connection is closed, which frees the writes that
// wait: nothing keeps a console alive by not reading.
func (l *liveSession) end() {
	go l.program.Quit()
	go func() {
		select {
		case <-l.ended:
		case <-time.After(2 * time.Second):
			l.drop()
		}
	}()
}

// stop shows msg in the console, then ends it. It never waits.
func (l *liveSession) stop(msg string) {
	l.once.Do(func() {
		go l.program.Send(noticeMsg(msg))
		time.AfterFunc(600*time.Millisecond, l.end) // time to draw it, even on a loaded machine
	})
}

func (s *Server) track(l *liveSession) func() {
	s.mu.Lock()
	s.live[l] = struct{}{}
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		delete(s.live, l)
		s.mu.Unlock()
	}
}
