package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/tui/common"
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

// statusMsg is a reading of the header's status. gen orders the readings
// so that a slow, older answer never overwrites a newer one; at, when set,
// is when the user asked for it (r), read by the command.
type statusMsg struct {
	gen    int
	status backend.Status
	at     time.Time
	err    error
}

// eventMsg is what changed in the establishment: elsewhere (another
// session, the command line, the scheduler, a file sent by sftp) or by this
// console's own actions. sub is the subscription it came from, waited on
// again when the root handles it.
type eventMsg struct {
	ev  backend.Event
	sub *backend.Subscription
}

// eventsClosedMsg says the subscription ended.
type eventsClosedMsg struct{}

// quitMsg asks the root to end the program once the back-end calls in
// flight have returned and the subscription is closed.
type quitMsg struct{}

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

// waitEvent waits for the next change of the establishment; the root waits
// again when it handles the answer. The subscription merges a burst of
// changes into one event, hence one reload.
func waitEvent(events *backend.Subscription) tea.Cmd {
	return func() tea.Msg {
		ev, ok := events.Next()
		if !ok {
			return eventsClosedMsg{}
		}
		return eventMsg{ev: ev, sub: events}
	}
}

// statusCmd reads the status the header shows; refresh reads the clock
// too, for the status line's "Données actualisées à …".
func statusCmd(s *backend.Session, gen int, refresh bool, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		st, err := s.Status(ctx)
		msg := statusMsg{gen: gen, status: st, err: err}
		if refresh {
			msg.at = now().In(clock.Paris())
		}
		return msg
	}
}
