// Package dialogs holds the console's dialogs that are not a tab's own: the
// confirmation, the file picker and the progress of an upload. They live on
// the dialog stack of common.Context; a tab opens them with Context.Push
// and hears of their outcome through its own messages, so that the root
// never names a dialog.
package dialogs

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

// Confirm asks before anything that stops the server or deletes. o (or y)
// says yes, n and échap no, entrée the focused button (Annuler until the
// user moves to the other one).
type Confirm struct {
	c        *common.Context
	title    string
	body     []string // paragraphs, already cleaned of control characters
	yesLabel string
	danger   bool
	// busy is the status line shown while onYes runs.
	busy     string
	onYes    tea.Cmd
	focusYes bool
	// closes is the dialog that yes closes along with this one (the form
	// that asked), nil for this one only; no closes only this one, so that
	// the form shows again as it was left.
	closes common.Dialog
}

// NewConfirm returns a confirmation: body is its paragraphs, already
// cleaned; yes sets the status line to busy and runs onYes.
func NewConfirm(c *common.Context, title, yesLabel string, body []string, busy string, onYes tea.Cmd) *Confirm {
	return &Confirm{c: c, title: title, body: body, yesLabel: yesLabel, danger: true, busy: busy, onYes: onYes}
}

// AlsoCloses makes yes close d too: d is the dialog under this one that
// asked the question (a form whose submission needs the server stopped).
func (d *Confirm) AlsoCloses(under common.Dialog) *Confirm {
	d.closes = under
	return d
}

// Update implements common.Dialog.
func (d *Confirm) Update(msg tea.Msg) tea.Cmd {
	k := d.c.Keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, k.Yes):
			return d.accept()
		case key.Matches(msg, k.No):
			return d.cancel()
		case key.Matches(msg, k.Confirm):
			if d.focusYes {
				return d.accept()
			}
			return d.cancel()
		case key.Matches(msg, k.Left, k.Right, k.NextField, k.PrevField):
			d.focusYes = !d.focusYes
		}
	}
	return nil
}

func (d *Confirm) cancel() tea.Cmd {
	d.c.SetStatus("Action annulée.", common.StatusInfo)
	d.c.Close(d)
	return nil
}

func (d *Confirm) accept() tea.Cmd {
	if d.busy != "" {
		d.c.SetStatus(d.busy, common.StatusInfo)
	}
	d.c.Close(d)
	if d.closes != nil {
		d.c.Close(d.closes)
	}
	return d.onYes
}

// View implements common.Dialog.
func (d *Confirm) View(maxW, maxH int) string {
	st := d.c.Styles
	w := min(maxW, 64)
	inner := w - 4
	var lines []string
	for i, p := range d.body {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, common.Wrap(p, inner)...)
	}
	lines = append(lines, "")
	yes := "[ " + d.yesLabel + " (o) ]"
	no := "[ Annuler (n) ]"
	ys, ns := st.Button, st.Button
	if d.focusYes {
		ys = st.ButtonFocused
	} else {
		ns = st.ButtonFocused
	}
	if d.danger && !d.focusYes {
		ys = st.DangerButton
	}
	buttons := ys.Render(yes) + "   " + ns.Render(no)
	if ansi.StringWidth(buttons) > inner {
		lines = append(lines, ys.Render(yes), ns.Render(no))
	} else {
		pad := inner - ansi.StringWidth(buttons)
		lines = append(lines, strings.Repeat(" ", pad/2)+buttons)
	}
	h := min(len(lines)+2, maxH)
	return common.Box(st, d.title, lines, w, h, true)
}

// ShortHelp implements common.Dialog.
func (d *Confirm) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{common.WithHelp(k.Yes, "oui, "+common.LowerFirst(d.yesLabel)), k.No, k.Confirm}
}

// FullHelp implements common.Dialog.
func (d *Confirm) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.ShortHelp(), {d.c.Keys.Left, d.c.Keys.Right}}
}
