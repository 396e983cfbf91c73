package tui

import (
	"context"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/hebergement/console/backend"
)

// Every call to the back end, the disk or the clock happens in one of the
// commands below, never in Update. Each command works on the values it was
// given when it was made and answers with one of these messages.

// loggedInMsg carries a fresh session and its subscription to live changes.
type loggedInMsg struct {
	sess   *backend.Session
	events *backend.Subscription
	stop   func()
}

// loginFailedMsg is a refused login.
type loginFailedMsg struct{ err error }

// credentialsSentMsg answers "Identifiants perdus ?".
type credentialsSentMsg struct{ err error }

// dataMsg is a reload of what the header and the tabs show. gen orders
// reloads so that a slow, older answer never overwrites a newer one.
type dataMsg struct {
	gen    int
	status backend.Status
	lists  backend.BaseLists
	// defaults is what "Créer une base" proposes (the school year depends
	// on the date).
	defaults backend.CreateBaseRequest
	err      error
}

// eventMsg says the establishment changed elsewhere (another session, the
// command line, the scheduler).
type eventMsg struct {
	// notice is a sentence to show (an upload by sftp, say); ok tells
	// whether it reports a success.
	notice string
	ok     bool
}

// eventsClosedMsg says the subscription ended.
type eventsClosedMsg struct{}

// actionDoneMsg is the outcome of an action: ok is the French sentence shown
// on success, err the refusal.
type actionDoneMsg struct {
	ok  string
	err error
	// selectID, when not zero, is the base to select once the lists reload.
	selectID int64
}

// quitMsg asks the root to end the program once the subscription is closed.
type quitMsg struct{}

const reloadTimeout = 30 * time.Second

// loginCmd logs in and subscribes to the establishment's changes.
func loginCmd(b *backend.Backend, req backend.LoginRequest) tea.Cmd {
	return func() tea.Msg {
		s, err := b.Login(context.Background(), req)
		if err != nil {
			return loginFailedMsg{err}
		}
		events := s.Subscribe()
		return loggedInMsg{sess: s, events: events, stop: events.Close}
	}
}

// enrollCmd enrolls an SSH key with the hosting credentials and opens its
// session; enrolled, when set, hears of the new session first (see
// Enroll.Enrolled).
func enrollCmd(b *backend.Backend, req backend.LoginRequest, key backend.EnrollKey, enrolled func(*backend.Session)) tea.Cmd {
	return func() tea.Msg {
		s, err := b.Enroll(context.Background(), req, key)
		if err != nil {
			return loginFailedMsg{err}
		}
		if enrolled != nil {
			enrolled(s)
		}
		events := s.Subscribe()
		return loggedInMsg{sess: s, events: events, stop: events.Close}
	}
}

// sessionCmd starts the console of a session opened before the program (an
// enrolled SSH key).
func sessionCmd(s *backend.Session) tea.Cmd {
	return func() tea.Msg {
		events := s.Subscribe()
		return loggedInMsg{sess: s, events: events, stop: events.Close}
	}
}

// credentialsCmd asks the back end to re-send the credentials of a hosting
// number.
func credentialsCmd(b *backend.Backend, hostingNumber, addr string) tea.Cmd {
	return func() tea.Msg {
		return credentialsSentMsg{b.RequestCredentials(context.Background(), hostingNumber, addr)}
	}
}

// waitEvent waits for the next change of the establishment and re-arms from
// Update. The subscription merges a burst of changes into one event, hence
// one reload.
func waitEvent(events *backend.Subscription) tea.Cmd {
	return func() tea.Msg {
		ev, ok := events.Next()
		if !ok {
			return eventsClosedMsg{}
		}
		var out eventMsg
		if n := len(ev.Notices); n > 0 { // the latest notice of the burst is shown
			out.notice, out.ok = ev.Notices[n-1].Text, ev.Notices[n-1].OK
		}
		return out
	}
}

// reloadCmd reads the status and the lists of bases.
func reloadCmd(s *backend.Session, gen int) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), reloadTimeout)
		defer cancel()
		st, err := s.Status(ctx)
		if err != nil {
			return dataMsg{gen: gen, err: err}
		}
		lists, err := s.Bases(ctx)
		return dataMsg{gen: gen, status: st, lists: lists, defaults: s.DefaultCreateBase(), err: err}
	}
}

// actionCmd runs one action of the back end; fn returns the success sentence.
func actionCmd(fn func(ctx context.Context) (string, int64, error)) tea.Cmd {
	return func() tea.Msg {
		ok, id, err := fn(context.Background())
		return actionDoneMsg{ok: ok, err: err, selectID: id}
	}
}

// stopCmd closes the subscription, then quits.
func stopCmd(stop func()) tea.Cmd {
	return func() tea.Msg {
		if stop != nil {
			stop()
		}
		return quitMsg{}
	}
}

// Uploads. The file is read and sent to the back end by a goroutine that a
// command starts; the Progress callback keeps only the latest byte count in a
// one-slot channel, which a re-arming command reads, so the loader never
// blocks on the interface and the interface never falls behind.

// uploadStartedMsg says the file is open and the upload under way.
type uploadStartedMsg struct {
	id   int
	size int64
	prog <-chan int64
	done <-chan uploadDoneMsg
}

// uploadProgressMsg carries the bytes read so far.
type uploadProgressMsg struct {
	id   int
	n    int64
	prog <-chan int64
	done <-chan uploadDoneMsg
}

// uploadDoneMsg is the outcome of an upload.
type uploadDoneMsg struct {
	id    int
	name  string
	annex bool
	base  backend.Base
	att   backend.Annex
	err   error
	// openErr is set when the local file could not be opened at all.
	openErr bool
}

// startUpload opens path and sends it to the back end as a base (LoadBase) or
// as an annex of the base in service (AttachAnnex).
func startUpload(ctx context.Context, s *backend.Session, id int, path string, annex bool) tea.Cmd {
	return func() tea.Msg {
		name := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			return uploadDoneMsg{id: id, name: name, annex: annex, err: err, openErr: true}
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			return uploadDoneMsg{id: id, name: name, annex: annex, err: err, openErr: true}
		}
		prog := make(chan int64, 1)
		done := make(chan uploadDoneMsg, 1)
		report := func(n int64) {
			select { // drop the stale count, keep the latest
			case <-prog:
			default:
			}
			select {
			case prog <- n:
			default:
			}
		}
		go func() {
			defer f.Close()
			res := uploadDoneMsg{id: id, name: name, annex: annex}
			if annex {
				res.att, res.err = s.AttachAnnex(ctx, name, f, report)
			} else {
				res.base, res.err = s.LoadBase(ctx, name, f, report)
			}
			done <- res
		}()
		return uploadStartedMsg{id: id, size: info.Size(), prog: prog, done: done}
	}
}

// waitUpload reads the next progress report or the outcome.
func waitUpload(id int, prog <-chan int64, done <-chan uploadDoneMsg) tea.Cmd {
	return func() tea.Msg {
		select {
		case d := <-done:
			return d
		default:
		}
		select {
		case d := <-done:
			return d
		case n := <-prog:
			return uploadProgressMsg{id: id, n: n, prog: prog, done: done}
		}
	}
}
