package ssh

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"sync"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	"charm.land/wish/v2/scp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/ssh/commands"
	"github.com/hebergement/console/tui"
)

// noPTY is what a session with neither PTY nor command gets.
const noPTY = "This is the PRONOTE hosting console: connect with a terminal, `ssh -t console.hebergement`, or run a command; `ssh console.hebergement aide` lists them."

// enrollHint is what an unknown key gets where there is no console to enroll it.
const enrollHint = "This SSH key is not enrolled: connect once with `ssh -t console.hebergement` and enter your hosting credentials to enroll it."

func noticeMsg(text string) tea.Msg { return tui.Notice{Text: text} }

// begin does what every session does first: takes one of the key's session
// slots and records the session on its connection (which holds the
// connection's login grace off until its last session ends).
func (s *Server) begin(sess ssh.Session) (func(), bool) {
	select {
	case <-s.closing:
		wish.Fatalln(sess, "The console server is shutting down; try again in a moment.")
		return nil, false
	default:
	}
	release, ok := s.lim.session(fingerprint(sess))
	if !ok {
		s.stats.SessionsRefused.Add(1)
		wish.Fatalln(sess, fmt.Sprintf("Too many sessions open with this key (at most %d).", s.cfg.MaxSessionsPerKey))
		return nil, false
	}
	st := stateOf(sess.Context())
	if st != nil && !s.lim.opened(st) {
		release()
		wish.Fatalln(sess, "This connection is closing; connect again.")
		return nil, false
	}
	s.wg.Add(1)
	return func() {
		if st != nil {
			s.lim.ended(st)
		}
		release()
		s.wg.Done()
	}, true
}

// dispatch routes a session: legacy scp, a script command, one line for a
// session without PTY, or the console (next).
func (s *Server) dispatch(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		done, ok := s.begin(sess)
		if !ok {
			return
		}
		defer done()
		defer s.stats.session(sess)()
		cmd := sess.Command()
		_, _, hasPTY := sess.Pty()
		switch {
		case scp.GetInfo(cmd).Ok:
			bs, end, ok := s.keySession(sess, true)
			if !ok {
				return
			}
			defer end()
			h := NewSCPHandler(bs, s.notifier(sess, bs))
			run := scp.Middleware(h, h)(func(ssh.Session) {})
			if scp.GetInfo(cmd).Op == scp.OpCopyToClient {
				run(&ackingSession{Session: sess})
			} else {
				run(sess)
			}
		case len(cmd) > 0:
			s.command(sess, cmd)
		case !hasPTY:
			fmt.Fprintln(sess, noPTY)
			sess.Exit(1) //nolint:errcheck
		default:
			cs := newConsoleSession(sess)
			defer cs.end()
			next(cs)
		}
	}
}

// closeConn closes the whole connection of a session: closing the channel
// alone does not free a write that waits for the client's window.
func closeConn(sess ssh.Session) {
	if c, ok := sess.Context().Value(ssh.ContextKeyConn).(gossh.Conn); ok {
		c.Close() //nolint:errcheck
	}
}

// revokedLine is what a session of a revoked key reads before it is closed.
const revokedLine = "This SSH key was revoked: the session is closed."

// endOnRevoke closes a non-console session (sftp, scp, command) as soon as
// its key is revoked, saying why on stderr when say is set (a command says
// it itself, in the back end's French sentence); an upload in flight is
// dropped. The returned function stops watching.
func (s *Server) endOnRevoke(sess ssh.Session, bs *backend.Session, say bool) func() {
	stop := make(chan struct{})
	go func() {
		select {
		case <-bs.Revoked():
			s.log.Info("session ended: key revoked", "addr", addrOf(sess), "key", fingerprint(sess))
			if say {
				fmt.Fprintln(sess.Stderr(), revokedLine)
			}
			sess.Exit(1) //nolint:errcheck
			sess.Close() //nolint:errcheck
		case <-stop:
		case <-sess.Context().Done():
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(stop) }) }
}

// keySession is the back-end session of an enrolled key for a session that
// is not a console (scp, sftp, a command): it ends as soon as the key is
// revoked (see endOnRevoke, with say), and end, deferred by the caller,
// closes it. An unknown key gets a line on how to enroll and the session
// ends.
func (s *Server) keySession(sess ssh.Session, say bool) (bs *backend.Session, end func(), ok bool) {
	bs, _, end, err := s.openKeySession(sess, say)
	if err != nil {
		wish.Fatalln(sess, err.Error())
		return nil, nil, false
	}
	return bs, end, true
}

// openKeySession is keySession that leaves the telling to the caller: the
// error's text is the line for the client. stop stops watching the key
// (end does it too).
func (s *Server) openKeySession(sess ssh.Session, say bool) (bs *backend.Session, stop, end func(), err error) {
	bs, err = s.b.KeySession(sess.Context(), fingerprint(sess), addrOf(sess))
	if err != nil {
		if errors.Is(err, backend.ErrUnknownKey) {
			return nil, nil, nil, errors.New(enrollHint)
		}
		s.log.Error("key session", "err", err)
		return nil, nil, nil, errors.New("The console could not open your session; try again.")
	}
	stop = s.endOnRevoke(sess, bs, say)
	return bs, stop, func() { stop(); bs.Close() }, nil
}

// command runs a command for scripts (package commands) and exits with its
// status. The key's session is opened only once the command line is valid,
// and it ends on the key's revocation; the command says why itself, in the
// back end's French sentence.
func (s *Server) command(sess ssh.Session, args []string) {
	var stop, end func()
	defer func() {
		if end != nil {
			end()
		}
	}()
	code := commands.Run(sess.Context(), commands.Env{
		Args:      args,
		Stdout:    sess,
		Stderr:    sess.Stderr(),
		Log:       s.log,
		Now:       s.b.Clock().Now,
		PublicURL: s.cfg.PublicURL,
		Open: func() (*backend.Session, error) {
			bs, st, e, err := s.openKeySession(sess, false)
			stop, end = st, e
			return bs, err
		},
		Detach: func() {
			if stop != nil {
				stop()
			}
		},
	})
	sess.Exit(code) //nolint:errcheck
}

// notifier reports the outcome of an upload to the client (stderr, which
// OpenSSH prints as is) and to every console of the establishment.
func (s *Server) notifier(sess ssh.Session, bs *backend.Session) FileNotifier {
	return func(ok bool, msg string) {
		msg = sanitize.Line(msg)
		fmt.Fprintln(sess.Stderr(), msg)
		bs.Announce(ok, msg)
	}
}

// sftpSubsystem serves the drop folder to an enrolled key.
func (s *Server) sftpSubsystem(sess ssh.Session) {
	// Subsystems run outside the middleware chain and its recover: a panic
	// here must end this session only, not the server.
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in sftp session", "panic", r, "stack", string(debug.Stack()))
			sess.Exit(1) //nolint:errcheck
		}
	}()
	done, ok := s.begin(sess)
	if !ok {
		return
	}
	defer done()
	defer s.stats.session(sess)()
	bs, end, ok := s.keySession(sess, true)
	if !ok {
		return
	}
	defer end()
	if err := ServeSFTP(sess.Context(), sess, bs, s.notifier(sess, bs)); err != nil && !errors.Is(err, io.EOF) {
		s.log.Warn("sftp", "addr", addrOf(sess), "err", err)
	}
}

var hostingUser = regexp.MustCompile(`^[0-9]{12}$`)
