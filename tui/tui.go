// Package tui is the console d'hébergement: the terminal interface a school
// uses to drive its hosted PRONOTE server. The same model runs locally and
// over SSH; it only talks to the back end through a session handle, in
// commands, never inside Update.
//
// The package is the root of the console: the login (or enrollment)
// screen, then the header, the tab bar, the tab in focus, the status line
// and the help footer, with the dialog stack drawn over them. The tabs live
// in tui/tabs/<name> and are listed once, in tabs.go; what they share (the
// styles, the global keys, the session, the status line, the dialog stack)
// is common.Context, in tui/common. The root waits on the back end's events
// and reloads only the tabs whose topics an event touches.
package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
)

// Options tune a console. The zero value is a local console with an empty
// login form.
type Options struct {
	// Prefill fills the login form (the demo data set, an SSH user name).
	Prefill struct {
		HostingNumber string
		Password      string
	}
	// Addr is the client address given to the back end for throttling and
	// the journal; "local" when empty.
	Addr string
	// StartDir is where the file picker opens; the working directory when
	// empty.
	StartDir string
	// Now tells the time shown in messages; time.Now when nil.
	Now func() time.Time
	// PublicURL is the base URL of the hosted server's stand-in, "" when
	// none serves this data folder (see common.Context.PublicURL).
	PublicURL string
	// Services, when set, is a French line saying what this process runs
	// besides the console (the stand-in, the scheduler), shown in the
	// status line until an action replaces it.
	Services string
	// Session, when set, opens the console already logged in (an enrolled
	// SSH key): no login screen.
	Session *backend.Session
	// Enroll, when set, turns the login screen into the enrollment screen of
	// an SSH key that is not enrolled yet.
	Enroll *Enroll

	// tabs, when set, replaces the registry (tabs.go): the tests' own tabs.
	tabs func(c *common.Context) []common.Tab
}

// Enroll is the SSH key the enrollment screen enrolls.
type Enroll struct {
	Fingerprint string
	PublicKey   string
	// Name is the key's proposed name (editable on screen).
	Name string
	// Enrolled, when set, is called once, from the enrollment command's
	// goroutine, when the key has just been enrolled, so that the SSH server
	// can release the connection's enrollment slot and watch the new
	// session's key.
	Enrolled func(*backend.Session)
}

// Notice is a message from outside the console (the SSH server: idle
// warning, shutdown) shown in the status line.
type Notice struct {
	Text    string
	Warning bool
}

// New returns the console's root model for one user on back end b.
func New(b *backend.Backend, opts Options) tea.Model {
	return newModel(b, opts)
}

// Wait cancels what console m still has running against the back end (an
// upload) and returns once those calls have returned. Quitting with q or
// ctrl+c does so before the program ends; a program ended from outside
// (Program.Quit, Kill, its context) never tells its model, so whoever runs
// it calls Wait with the model Program.Run returned before closing the back
// end. Any other model is left alone.
func Wait(m tea.Model) {
	if r, ok := m.(*model); ok {
		w := r.c.Work()
		w.Shutdown()
		w.Wait()
	}
}

// Screen draws m, a console made by New, as it is now, without waiting for
// the next frame as View does: the snapshots of the tab packages' tests
// draw the model a finished program returned. "" for any other model.
func Screen(m tea.Model) string {
	if r, ok := m.(*model); ok {
		return r.render()
	}
	return ""
}
