package ssh

// The console of a PTY session: its size, its window changes, its program,
// and what the server watches while it runs.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/tui"
)

// consoleSession is a PTY session as the console sees it: its window size
// clamped, its window changes coalesced, and what to do when the console
// ends. It starts clamped to EnrollColumns × MaxRows, the enrollment
// screen's size; lift widens it to MaxColumns once its key is known to be
// enrolled (before the console starts, or once enrolled on it).
type consoleSession struct {
	ssh.Session
	windows chan ssh.Window
	done    chan struct{}
	once    sync.Once

	mu    sync.Mutex
	maxW  int
	last  ssh.Window // the client's latest window, unclamped
	onEnd []func()
	ended bool
}

// EnrollColumns bounds the width of the enrollment screen, which an unknown
// key reaches: its form is 72 columns wide, and what an unknown key may cost
// the server stays small (MaxEnrolling of them at once). Only the width: the
// renderer sets scroll regions for the height it is given, and a terminal
// resets them when it is resized, but lift changes the size the console is
// given while the client's terminal stays as it is, so a height that grew
// there would leave lines scrolling within the old one.
const EnrollColumns = 120

func newConsoleSession(sess ssh.Session) *consoleSession {
	c := &consoleSession{Session: sess, windows: make(chan ssh.Window, 1), done: make(chan struct{}), maxW: EnrollColumns}
	p, in, ok := sess.Pty()
	c.last = p.Window
	if ok {
		go c.coalesce(in)
	}
	return c
}

func (c *consoleSession) Pty() (ssh.Pty, <-chan ssh.Window, bool) {
	p, _, ok := c.Session.Pty()
	c.mu.Lock()
	p.Window = c.clamp(p.Window)
	c.mu.Unlock()
	return p, c.windows, ok
}

// clamp bounds a window to what the console renders at. Called with c.mu held.
func (c *consoleSession) clamp(w ssh.Window) ssh.Window {
	w.Width = min(w.Width, c.maxW)
	w.Height = min(w.Height, MaxRows)
	return w
}

// lift gives an enrolled key's console the full size: the client's current
// window, up to MaxColumns × MaxRows.
func (c *consoleSession) lift() {
	c.mu.Lock()
	grow := c.maxW < MaxColumns
	c.maxW = MaxColumns
	w := c.clamp(c.last)
	c.mu.Unlock()
	if grow {
		c.offer(w)
	}
}

// offer hands w to the console, replacing a size it did not take yet.
func (c *consoleSession) offer(w ssh.Window) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case c.windows <- w:
	default:
		select {
		case <-c.windows:
		default:
		}
		c.windows <- w
	}
}

// coalesce drains the session's window changes as they arrive and keeps
// only the latest one, clamped, for the console. The bubbletea middleware
// hands each change to the program with a blocking Send from the only reader
// of charm's window channel (buffer 1): while the console's event loop waits
// (on a renderer write that waits for SSH window space), charm's request
// loop and then x/crypto's connection loop block behind it, the client's
// window adjustments are never read, and the session is wedged for good (a
// client that resizes fast while the console redraws did it every time).
// Only the last size matters, so nothing is lost.
func (c *consoleSession) coalesce(in <-chan ssh.Window) {
	for {
		select {
		case <-c.done:
			return
		case <-c.Context().Done():
			return
		case w, ok := <-in:
			if !ok {
				return
			}
			c.mu.Lock()
			c.last = w
			w = c.clamp(w)
			c.mu.Unlock()
			c.offer(w)
		}
	}
}

// atEnd registers f to run when the console has ended; at once if it has.
func (c *consoleSession) atEnd(f func()) { c.onEnded(f, false) }

// firstAtEnd is atEnd for what must run before everything registered so far:
// joining the console's back-end calls before its session closes.
func (c *consoleSession) firstAtEnd(f func()) { c.onEnded(f, true) }

func (c *consoleSession) onEnded(f func(), first bool) {
	c.mu.Lock()
	ended := c.ended
	switch {
	case ended:
	case first:
		c.onEnd = append([]func(){f}, c.onEnd...)
	default:
		c.onEnd = append(c.onEnd, f)
	}
	c.mu.Unlock()
	if ended {
		f()
	}
}

func (c *consoleSession) end() {
	c.once.Do(func() { close(c.done) })
	c.mu.Lock()
	fs := c.onEnd
	c.onEnd, c.ended = nil, true
	c.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// program builds the console of a PTY session: straight in for an enrolled
// key, the enrollment screen for any other (one per connection).
func (s *Server) program(sess ssh.Session) *tea.Program {
	cs, _ := sess.(*consoleSession)
	if cs == nil { // dispatch always wraps PTY sessions
		wish.Fatalln(sess, "The console could not open your session; try again.")
		return nil
	}
	fp, addr := fingerprint(sess), addrOf(sess)
	st := stateOf(sess.Context())
	opts := tui.Options{Addr: addr, Now: s.cfg.Now, PublicURL: s.cfg.PublicURL}
	w := &watch{in: nil, enrolled: make(chan *backend.Session, 1)}
	bs, err := s.b.KeySession(sess.Context(), fp, addr)
	switch {
	case err == nil:
		opts.Session = bs
		w.session = bs
		cs.atEnd(bs.Close)
		if st != nil {
			s.lim.enrolled(st) // enrolled from another connection meanwhile
		}
		cs.lift()
	case errors.Is(err, backend.ErrUnknownKey):
		if st != nil {
			// Revoked since it authenticated: an enrollment like any other.
			if !s.lim.demote(st) {
				wish.Fatalln(sess, strings.TrimSpace(tooManyEnrolling))
				return nil
			}
			release, ok := s.lim.enrollConsole(st)
			if !ok {
				wish.Fatalln(sess, "An enrollment screen is already open on this connection.")
				return nil
			}
			cs.atEnd(release)
		}
		opts.Enroll = &tui.Enroll{Fingerprint: fp, PublicKey: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sess.PublicKey()))),
			Enrolled: func(bs *backend.Session) {
				if st != nil {
					s.lim.enrolled(st)
				}
				cs.atEnd(bs.Close)
				cs.lift()
				w.enrolled <- bs
			}}
		if user := sess.User(); hostingUser.MatchString(user) {
			opts.Prefill.HostingNumber = user
		} else if name := sanitize.Line(user); name != "" && len(name) <= backend.MaxKeyName {
			opts.Enroll.Name = name
		}
		w.enrollBy = time.Now().Add(s.cfg.EnrollTimeout)
	default:
		s.log.Error("key session", "err", err)
		wish.Fatalln(sess, "The console could not open your session; try again.")
		return nil
	}
	in := newInputGuard(sess)
	w.in = in
	m := tui.New(s.b, opts)
	popts := append(bm.MakeOptions(sess), tea.WithInput(in), tea.WithoutSignalHandler(), tea.WithFilter(filterMsg))
	var top tea.Model = m
	var screen *lineScreen
	if !s.cfg.CellRenderer {
		// Drawn by lineScreen (linescreen.go), not by Bubble Tea's
		// renderer; its size comes with the program's first WindowSizeMsg.
		pty, _, _ := sess.Pty()
		var out io.Writer
		screen, out = newLineScreen(m, sess, append(sess.Environ(), "TERM="+pty.Term))
		top = screen
		popts = append(popts, tea.WithOutput(out), tea.WithoutRenderer())
	}
	p := tea.NewProgram(top, popts...)
	// An upload the console started is cancelled and waited for before its
	// back-end session closes: nothing half-stored is left behind. Before
	// that, the client's terminal is given back.
	cs.firstAtEnd(func() { tui.Wait(m) })
	if screen != nil {
		cs.firstAtEnd(screen.end)
	}
	ended := make(chan struct{})
	cs.atEnd(func() { close(ended) })
	live := &liveSession{program: p, ended: ended, drop: func() {
		s.log.Warn("connection closed: its console did not end (client not reading)", "addr", addr)
		closeConn(sess)
	}}
	w.live = live
	untrack := s.track(live)
	go s.watch(sess.Context(), ended, w, untrack)
	return p
}

// filterMsg keeps the rule of bm.MakeOptions' filter, which WithFilter
// replaces (a suspend resumes at once: there is no shell to go back to),
// reads a window of 0 columns or rows as 80 or 24 (RFC 4254 §6.2: zero means
// unknown; clients without a terminal of their own send 0×0, ssh -tt in a
// script for one, and the console would stay blank), and clamps a window to
// MaxColumns × MaxRows (coalesceWindows does already; this keeps the rule
// whatever sends the size).
func filterMsg(_ tea.Model, msg tea.Msg) tea.Msg {
	switch m := msg.(type) {
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	case tea.WindowSizeMsg:
		if m.Width <= 0 {
			m.Width = 80
		}
		if m.Height <= 0 {
			m.Height = 24
		}
		m.Width, m.Height = min(m.Width, MaxColumns), min(m.Height, MaxRows)
		return m
	}
	return msg
}

// watch is what the server keeps an eye on for one console.
type watch struct {
	in   *inputGuard
	live *liveSession
	// session is the back-end session whose key may be revoked; an
	// enrollment console gets it on enrolled once the key is enrolled, and
	// must be enrolled by enrollBy.
	session  *backend.Session
	enrolled chan *backend.Session
	enrollBy time.Time
}

// watch ends a console when its client's input ends, when its key is
// revoked, when an enrollment screen waits past EnrollTimeout, and after
// IdleTimeout without a key press, warned a minute (or a tenth of the
// timeout) before. It stops when the console or the connection ends, and
// then closes the back-end session.
func (s *Server) watch(ctx context.Context, ended <-chan struct{}, w *watch, untrack func()) {
	defer untrack()
	timeout := s.cfg.IdleTimeout
	warnBefore := min(time.Minute, timeout/10)
	tick := time.NewTicker(max(min(timeout/20, 5*time.Second), time.Millisecond)) // NewTicker panics on 0
	defer tick.Stop()
	var enrollTimer <-chan time.Time
	if !w.enrollBy.IsZero() {
		t := time.NewTimer(time.Until(w.enrollBy))
		defer t.Stop()
		enrollTimer = t.C
	}
	var revoked <-chan struct{}
	if w.session != nil {
		revoked = w.session.Revoked()
	}
	warned := false
	for {
		select {
		case <-ctx.Done():
			// The connection is gone: the middleware quits the program;
			// should its event loop be stuck, nothing may keep rendering.
			go func() {
				select {
				case <-ended:
				case <-time.After(time.Second):
					w.live.program.Kill()
				}
			}()
			return
		case <-ended:
			return
		case <-w.in.ended:
			// The client closed the channel but maybe not the connection
			// (ctx is the connection's): end the console, free its slot.
			w.live.end()
			return
		case bs := <-w.enrolled:
			w.session, revoked, enrollTimer = bs, bs.Revoked(), nil
			continue
		case <-revoked:
			s.log.Info("console ended: key revoked", "key", w.session.Actor())
			w.live.stop(backend.Message(backend.ErrKeyRevoked))
			return
		case <-enrollTimer:
			w.live.stop(fmt.Sprintf("Délai d'enregistrement dépassé (%s) : la session est fermée. Reconnectez-vous pour enregistrer votre clé.", fr.Duration(s.cfg.EnrollTimeout)))
			return
		case <-tick.C:
		}
		idle := w.in.idle()
		switch {
		case idle >= timeout:
			s.log.Info("console closed: idle", "idle", idle.Round(time.Second))
			w.live.stop(fmt.Sprintf("Session fermée après %s d'inactivité.", fr.Duration(timeout)))
			return
		case idle >= timeout-warnBefore && !warned:
			warned = true
			// Send waits for the event loop: never hold the watch on it.
			go w.live.program.Send(tui.Notice{Text: fmt.Sprintf("Sans activité, la session sera fermée dans %s.", fr.Duration(timeout-idle)), Warning: true})
		case idle < timeout-warnBefore:
			warned = false
		}
	}
}
