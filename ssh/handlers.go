package ssh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime/debug"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
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
	bs, err := s.b.KeySession(sess.Context(), fingerprint(sess), addrOf(sess))
	if err != nil {
		if errors.Is(err, backend.ErrUnknownKey) {
			wish.Fatalln(sess, enrollHint)
		} else {
			s.log.Error("key session", "err", err)
			wish.Fatalln(sess, "The console could not open your session; try again.")
		}
		return nil, nil, false
	}
	stop := s.endOnRevoke(sess, bs, say)
	return bs, func() { stop(); bs.Close() }, true
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
	bs, end, ok := s.keySession(sess, false)
	if !ok {
		return
	}
	defer end()
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
