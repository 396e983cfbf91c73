package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// modal is a dialog drawn over the screen. While one is open it receives
// every key and every message the root does not handle itself; Update
// returns the modal to show next (itself, another one, or nil to close).
type modal interface {
	Update(msg tea.Msg) (modal, tea.Cmd)
	// View draws the dialog, at most maxW×maxH cells.
	View(maxW, maxH int) string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// confirmDialog asks before anything that stops the server or deletes.
type confirmDialog struct {
	c        *common
	title    string
	body     []string // paragraphs, already cleaned of control characters
	yesLabel string
	danger   bool
	// busy is the status line shown while onYes runs.
	busy     string
	onYes    tea.Cmd
	focusYes bool
}

func newConfirm(c *common, title, yesLabel string, body []string, busy string, onYes tea.Cmd) *confirmDialog {
	return &confirmDialog{c: c, title: title, body: body, yesLabel: yesLabel, danger: true, busy: busy, onYes: onYes}
}

func (d *confirmDialog) Update(msg tea.Msg) (modal, tea.Cmd) {
	k := d.c.keys
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, k.Yes):
			return d.accept()
		case key.Matches(msg, k.No):
			d.c.setStatus("Action annulée.", statusInfo)
			return nil, nil
		case key.Matches(msg, k.Confirm):
			if d.focusYes {
				return d.accept()
			}
			d.c.setStatus("Action annulée.", statusInfo)
			return nil, nil
		case key.Matches(msg, k.Left, k.Right, k.NextField, k.PrevField):
			d.focusYes = !d.focusYes
		}
	}
	return d, nil
}

func (d *confirmDialog) accept() (modal, tea.Cmd) {
	if d.busy != "" {
		d.c.setStatus(d.busy, statusInfo)
	}
	return nil, d.onYes
}

func (d *confirmDialog) View(maxW, maxH int) string {
	st := d.c.st
	w := min(maxW, 64)
	inner := w - 4
	var lines []string
	for i, p := range d.body {
		if i > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, wrap(p, inner)...)
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
	return box(st, d.title, lines, w, h, true)
}

func (d *confirmDialog) ShortHelp() []key.Binding {
	k := d.c.keys
	return []key.Binding{withHelp(k.Yes, "oui, "+strings.ToLower(d.yesLabel)), k.No, k.Confirm}
}

func (d *confirmDialog) FullHelp() [][]key.Binding {
	return [][]key.Binding{d.ShortHelp(), {d.c.keys.Left, d.c.keys.Right}}
}
