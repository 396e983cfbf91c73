package common

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// Dialog is a window drawn over the screen: a confirmation, a file picker,
// the progress of an upload, a form. The dialogs open form a stack (as
// Crush's dialog overlay does): the one on top takes every key, and every
// message the root does not keep reaches all of them, so that a dialog
// waiting below for the answer of a command still gets it; each ignores
// what is not its own.
type Dialog interface {
	// Update handles a message. A dialog closes itself (and opens others)
	// through the Context: Close, Replace, Push.
	Update(msg tea.Msg) tea.Cmd
	// View draws the dialog, at most maxW×maxH cells.
	View(maxW, maxH int) string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// Initializer is a dialog with work to start when it opens (a picker reads
// its folder): Push returns the command Init returns.
type Initializer interface {
	Init() tea.Cmd
}

// OpenDialogMsg asks the root to push Dialog, for code that only has a
// command at hand; Update code pushes with Context.Push.
type OpenDialogMsg struct{ Dialog Dialog }

// Open returns a command that pushes d.
func Open(d Dialog) tea.Cmd {
	return func() tea.Msg { return OpenDialogMsg{d} }
}

// Push opens d over the dialogs already open; closing it shows again the
// one below as it was left, with what was typed in it. It returns d's Init
// command when d has one.
func (c *Context) Push(d Dialog) tea.Cmd {
	if d == nil {
		return nil
	}
	c.dialogs = append(c.dialogs, d)
	if i, ok := d.(Initializer); ok {
		return i.Init()
	}
	return nil
}

// Close closes d and every dialog opened over it; nothing when d is not
// open (a late answer for a dialog closed meanwhile).
func (c *Context) Close(d Dialog) {
	for i, o := range c.dialogs {
		if o == d {
			clear(c.dialogs[i:])
			c.dialogs = c.dialogs[:i]
			return
		}
	}
}

// Replace closes old (and what is over it) and opens d in its place: a
// picker hands over to the progress of its upload.
func (c *Context) Replace(old, d Dialog) tea.Cmd {
	c.Close(old)
	return c.Push(d)
}

// Dialog is the dialog on top, nil when none is open.
func (c *Context) Dialog() Dialog {
	if len(c.dialogs) == 0 {
		return nil
	}
	return c.dialogs[len(c.dialogs)-1]
}

// Dialogs are the open dialogs, the bottom one first. The slice is the
// stack's own: read it, do not keep it.
func (c *Context) Dialogs() []Dialog { return c.dialogs }

// IsOpen reports whether d is open, on top or below another dialog.
func (c *Context) IsOpen(d Dialog) bool {
	for _, o := range c.dialogs {
		if o == d {
			return true
		}
	}
	return false
}
