package common

import (
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
)

// StatusKind colours the status line.
type StatusKind int

// The kinds of status sentence.
const (
	StatusInfo StatusKind = iota
	StatusOK
	StatusErr
)

// Context is what the root shares with its tabs and dialogs: styles, keys,
// the session, the latest status of the establishment, the clock and the
// status line, and (dialog.go, work.go) the dialog stack and the back-end
// calls in flight. Only code running in Update touches it (the render path
// sets the sizes, on the same goroutine); commands capture the values they
// need when they are made and never read it (Work, safe for concurrent use,
// is captured as a pointer).
type Context struct {
	Styles  *Styles
	Keys    *KeyMap
	Session *backend.Session
	// Status is the establishment's status as the header shows it, read by
	// the root; Loaded once it has been read.
	Status backend.Status
	Loaded bool
	// Now is the clock of the console (the back end's, so that serve --now
	// reaches every console). Read it in commands, never in Update.
	Now func() time.Time
	// StartDir is where file pickers open.
	StartDir string
	// PublicURL is the base URL of the hosted server's stand-in (SPEC §8),
	// e.g. "http://127.0.0.1:8080", "" when no stand-in serves this data
	// folder; the establishment's pages are under PublicURL/{number}/.
	PublicURL string
	// DialogW and DialogH bound the dialogs: the screen less the help
	// footer, as last drawn.
	DialogW, DialogH int

	statusText string
	statusKind StatusKind
	nextID     int
	// dialogs is the stack of open dialogs, the top one last (dialog.go).
	dialogs []Dialog
	work    *Work
}

// Work is what the console has running against the back end beyond its
// commands (uploads), which quitting cancels and waits for.
func (c *Context) Work() *Work {
	if c.work == nil {
		c.work = &Work{}
	}
	return c.work
}

// SetStatus sets the status line's sentence.
func (c *Context) SetStatus(text string, kind StatusKind) {
	c.statusText, c.statusKind = text, kind
}

// StatusLine is the status line's sentence and kind.
func (c *Context) StatusLine() (string, StatusKind) { return c.statusText, c.statusKind }

// NewID returns a number no other call returned, to tell apart the answers
// of commands made by different dialogs or uploads.
func (c *Context) NewID() int {
	c.nextID++
	return c.nextID
}

// Tab is one tab of the console after login (SPEC §15). The root holds the
// five tabs in order, routes keys to the one in focus and every other
// message to all of them (each ignores what is not its own), and calls Load
// when the tab starts and whenever an event of one of its Topics arrives.
type Tab interface {
	// Title is the tab's name in the bar, in the product's words.
	Title() string
	// Topics are the events after which the tab reloads its data.
	Topics() backend.Topic
	// Permission is what the tab's actions need. A role without it still
	// sees the tab, with what that role may see and Permission.Who().
	Permission() backend.Permission
	// Load returns a command that reads the tab's data from the back end
	// and answers with the tab's own message; nil when it reads nothing.
	Load() tea.Cmd
	// SetSize gives the tab its width and height, as drawn.
	SetSize(w, h int)
	// Update handles a message: keys when the tab is in focus, mouse
	// events in the tab's coordinates, and every message the root does not
	// keep (data, action outcomes).
	Update(msg tea.Msg) tea.Cmd
	// View draws the tab in exactly the size it was given.
	View() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
	// Typing reports whether a field of the tab has the focus: the keys
	// that switch tabs or quit then belong to the field.
	Typing() bool
}
