package ssh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"charm.land/wish/v2/scp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/tui"
)

// noPTY is what a session with neither PTY nor command gets.
const noPTY = "This is the PRONOTE hosting console: connect with a terminal, `ssh -t console.hebergement`, or run a command: statut, bases (--json)."

const usage = `Usage: ssh console.hebergement [COMMAND] [--json]
  (no command)  the hosting console (needs a terminal: ssh -t)
  statut        server state, version and base in service
  bases         the bases of the establishment
  --json        machine-readable output
Files: sftp console.hebergement, then put FILE.HNOT depot/
`

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
		cmd := sess.Command()
		_, _, hasPTY := sess.Pty()
		switch {
		case scp.GetInfo(cmd).Ok:
			bs, ok := s.keySession(sess)
			if !ok {
				return
			}
			defer bs.Close()
			defer s.endOnRevoke(sess, bs, true)()
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
			st := stateOf(sess.Context())
			cs := newConsoleSession(sess, st != nil && s.lim.phase(st) == phaseEnrolling)
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

// consoleSession is a PTY session as the console sees it: its window size
// clamped, its window changes coalesced, and what to do when the console
// ends. An enrollment screen is clamped to EnrollColumns × MaxRows, any
// other console to MaxColumns × MaxRows; lift widens the first once the key
// is enrolled.
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

func newConsoleSession(sess ssh.Session, enrolling bool) *consoleSession {
	c := &consoleSession{Session: sess, windows: make(chan ssh.Window, 1), done: make(chan struct{}), maxW: MaxColumns}
	if enrolling {
		c.maxW = EnrollColumns
	}
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

// shrink clamps the console to the enrollment screen's size (a key revoked
// between its authentication and its console). Called before the console
// starts.
func (c *consoleSession) shrink() {
	c.mu.Lock()
	c.maxW = EnrollColumns
	c.mu.Unlock()
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
func (c *consoleSession) atEnd(f func()) {
	c.mu.Lock()
	ended := c.ended
	if !ended {
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

// keySession is the back-end session of an enrolled key; an unknown key gets
// a line on how to enroll and the session ends.
func (s *Server) keySession(sess ssh.Session) (*backend.Session, bool) {
	bs, err := s.b.KeySession(sess.Context(), fingerprint(sess), addrOf(sess))
	if err != nil {
		if errors.Is(err, backend.ErrUnknownKey) {
			wish.Fatalln(sess, enrollHint)
		} else {
			s.log.Error("key session", "err", err)
			wish.Fatalln(sess, "The console could not open your session; try again.")
		}
		return nil, false
	}
	return bs, true
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
	bs, ok := s.keySession(sess)
	if !ok {
		return
	}
	defer bs.Close()
	defer s.endOnRevoke(sess, bs, true)()
	if err := ServeSFTP(sess.Context(), sess, bs, s.notifier(sess, bs)); err != nil && !errors.Is(err, io.EOF) {
		s.log.Warn("sftp", "addr", addrOf(sess), "err", err)
	}
}

var hostingUser = regexp.MustCompile(`^[0-9]{12}$`)

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
	opts := tui.Options{Addr: addr}
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
			cs.shrink()
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
	popts := append(bm.MakeOptions(sess), tea.WithInput(in), tea.WithoutSignalHandler(), tea.WithFilter(filterMsg))
	p := tea.NewProgram(tui.New(s.b, opts), popts...)
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
			w.live.stop(fmt.Sprintf("Délai d'enregistrement dépassé (%s) : la session est fermée. Reconnectez-vous pour enregistrer votre clé.", french(s.cfg.EnrollTimeout)))
			return
		case <-tick.C:
		}
		idle := w.in.idle()
		switch {
		case idle >= timeout:
			s.log.Info("console closed: idle", "idle", idle.Round(time.Second))
			w.live.stop(fmt.Sprintf("Session fermée après %s d'inactivité.", french(timeout)))
			return
		case idle >= timeout-warnBefore && !warned:
			warned = true
			// Send waits for the event loop: never hold the watch on it.
			go w.live.program.Send(tui.Notice{Text: fmt.Sprintf("Sans activité, la session sera fermée dans %s.", french(timeout-idle)), Warning: true})
		case idle < timeout-warnBefore:
			warned = false
		}
	}
}

// french writes a duration the way the console says it: "30 min", "45 s".
func french(d time.Duration) string {
	if d >= time.Minute {
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
}

// command runs a script command (no PTY): statut or bases, as text or JSON.
func (s *Server) command(sess ssh.Session, args []string) {
	asJSON := false
	var rest []string
	for _, a := range args {
		if a == "--json" {
			asJSON = true
		} else {
			rest = append(rest, a)
		}
	}
	if len(rest) != 1 || (rest[0] != "statut" && rest[0] != "bases") {
		fmt.Fprint(sess.Stderr(), usage)
		sess.Exit(2) //nolint:errcheck
		return
	}
	bs, ok := s.keySession(sess)
	if !ok {
		return
	}
	defer bs.Close()
	defer s.endOnRevoke(sess, bs, false)()
	ctx := sess.Context()
	var err error
	switch rest[0] {
	case "statut":
		err = writeStatus(ctx, sess, bs, asJSON)
	case "bases":
		err = writeBases(ctx, sess, bs, asJSON)
	}
	if err != nil {
		fmt.Fprintln(sess.Stderr(), backend.Message(err))
		sess.Exit(1) //nolint:errcheck
		return
	}
	sess.Exit(0) //nolint:errcheck
}

type baseJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Year      string     `json:"school_year"`
	Origin    string     `json:"origin"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	LoadedBy  string     `json:"loaded_by"`
	LoadedAt  time.Time  `json:"loaded_at"`
	Students  int        `json:"students"`
	Teachers  int        `json:"teachers"`
	Classes   int        `json:"classes"`
	Grid      string     `json:"grid"`
	Opened    bool       `json:"opened"`
	InService bool       `json:"in_service"`
	Periods   []period   `json:"service_periods"`
	Annexes   []annexOut `json:"annexes"`
}

type period struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"`
}

type annexOut struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

func toJSON(b backend.Base) baseJSON {
	out := baseJSON{ID: b.ID, Name: b.Name, Year: b.Year.String(), Origin: string(b.Origin), Size: b.Size, SHA256: b.SHA256,
		LoadedBy: b.LoadedBy, LoadedAt: b.LoadedAt, Students: b.Students, Teachers: b.Teachers, Classes: b.Classes,
		Grid: b.Grid.String(), Opened: b.Opened, InService: b.InService, Periods: []period{}, Annexes: []annexOut{}}
	for _, p := range b.Periods {
		pp := period{From: p.From}
		if !p.To.IsZero() {
			to := p.To
			pp.To = &to
		}
		out.Periods = append(out.Periods, pp)
	}
	for _, a := range b.Annexes {
		out.Annexes = append(out.Annexes, annexOut{Kind: string(a.Kind), Name: a.Name, Size: a.Size})
	}
	return out
}

func writeStatus(ctx context.Context, w io.Writer, bs *backend.Session, asJSON bool) error {
	st, err := bs.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := map[string]any{
			"establishment":   st.Establishment.Name,
			"hosting_number":  st.Establishment.HostingNumber,
			"state":           string(st.State),
			"version":         st.Version,
			"opened_base":     nil,
			"base_in_service": nil,
			"used_bytes":      st.UsedBytes,
			"quota_bytes":     st.Establishment.QuotaBytes,
		}
		if st.Opened != nil {
			out["opened_base"] = toJSON(*st.Opened)
		}
		if st.InService != nil {
			out["base_in_service"] = toJSON(*st.InService)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	inService := "aucune"
	if st.InService != nil {
		inService = fmt.Sprintf("%s (%s)", sanitize.Line(st.InService.Name), st.InService.Year)
	}
	opened := "aucune"
	if st.Opened != nil {
		opened = fmt.Sprintf("%s (%s)", sanitize.Line(st.Opened.Name), st.Opened.Year)
	}
	_, err = fmt.Fprintf(w, "Établissement    %s (n° %s)\nServeur          %s\nVersion          %s\nBase ouverte     %s\nBase en service  %s\n",
		sanitize.Line(st.Establishment.Name), st.Establishment.HostingNumber, st.State.French(), st.Version, opened, inService)
	return err
}

func writeBases(ctx context.Context, w io.Writer, bs *backend.Session, asJSON bool) error {
	l, err := bs.Bases(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := map[string][]baseJSON{"previously_in_service": {}, "uploaded": {}}
		for _, b := range l.PreviouslyInService {
			out["previously_in_service"] = append(out["previously_in_service"], toJSON(b))
		}
		for _, b := range l.Uploaded {
			out["uploaded"] = append(out["uploaded"], toJSON(b))
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	section := func(title string, bases []backend.Base) {
		fmt.Fprintf(w, "%s (%d)\n", title, len(bases))
		for _, b := range bases {
			mark := ""
			switch {
			case b.InService:
				mark = "  [en service]"
			case b.Opened:
				mark = "  [ouverte]"
			}
			fmt.Fprintf(w, "  %-4d %-40s %s  %10d octets%s\n", b.ID, sanitize.Line(b.Name), b.Year, b.Size, mark)
		}
	}
	section("Bases précédemment mises en service", l.PreviouslyInService)
	section("Bases téléchargées depuis l'établissement", l.Uploaded)
	return nil
}
