package tui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/tui/common"
)

// frameTime is the least time between two full renders. The renderer sends
// at most 60 frames a second to the terminal anyway; rendering the screen
// for every key of a burst (text pasted by a client without bracketed
// paste arrives one key press per byte) would only burn CPU on frames
// nobody sees.
const frameTime = time.Second / 60

// redrawMsg asks for the screen to be drawn when a frame has passed since
// the last render: the last state of a burst is always drawn.
type redrawMsg struct{}

// scheduleRedraw returns, when the screen is stale and View will not draw
// it now (the last render is less than a frame old), a tick for when it may;
// one at a time.
//
// The throttle reads the wall clock (time.Now), not Options.Now: it is
// about how often the terminal is drawn, not about the time the console
// shows or the back end's clock.
func (m *model) scheduleRedraw() tea.Cmd {
	if !m.stale || m.redrawing {
		return nil
	}
	wait := frameTime - time.Since(m.drawnAt)
	if wait <= 0 {
		return nil // View draws it now
	}
	m.redrawing = true
	return tea.Tick(wait, func(time.Time) tea.Msg { return redrawMsg{} })
}

// minContent is the fewest lines the tab keeps when the full help is open
// on a short window (two lists of one row each): the help gives way first.
const minContent = 8

// frame is the screen cut into its parts, each rendered, and the height
// left to the tab (after login) or to the login screen.
type frame struct {
	header, tabBar string
	status         []string
	footer         string
	// tabBarTop and contentTop are the screen rows of the tab bar and of
	// the tab; content is the tab's height.
	tabBarTop, contentTop, content int
}

// frame renders header, tab bar, status line and footer and measures them
// with lipgloss.Height, so that the tab gets exactly the rest of the window,
// whatever the length of the status sentence or of the help. render computes
// it once, sizes the parts with it and draws it, so that the size given to
// the tab is the size drawn.
func (m *model) frame() frame {
	var f frame
	if m.loggedIn() {
		f.header, f.tabBar, f.status = m.header(), m.tabBar(), m.statusLines()
		f.tabBarTop = lipgloss.Height(f.header)
		f.contentTop = f.tabBarTop + lipgloss.Height(f.tabBar)
	}
	rest := m.height - f.contentTop - len(f.status)
	f.footer = m.footer()
	// The full help on a short window: keep its first lines, so that the
	// tab keeps room for its panes.
	if lines := strings.Split(f.footer, "\n"); m.help.ShowAll && len(lines) > max(rest-minContent, 1) {
		f.footer = strings.Join(lines[:max(rest-minContent, 1)], "\n")
	}
	f.content = max(rest-lipgloss.Height(f.footer), 0)
	return f
}

// layout gives each part the size frame f leaves it: after a resize, a
// status sentence that takes one line more or less, the help opened or
// closed.
func (m *model) layout(f frame) {
	foot := lipgloss.Height(f.footer)
	m.c.DialogW, m.c.DialogH = m.width-2, max(m.height-foot, 3)
	if !m.loggedIn() {
		m.login.SetSize(m.width, f.content)
		return
	}
	m.tabBarTop, m.contentTop = f.tabBarTop, f.contentTop
	for _, t := range m.tabs {
		t.SetSize(m.width, f.content)
	}
}

// View draws the screen at most once a frame: within a frame of the last
// render it returns that render, and the redrawMsg that Update scheduled
// draws the latest state when the frame is over. The first change after a
// quiet frame is drawn at once, so typing shows without delay. Like the
// throttle in Update, this reads the wall clock, not Options.Now.
func (m *model) View() tea.View {
	if m.stale && time.Since(m.drawnAt) >= frameTime {
		m.screen = m.render()
		m.drawnAt = time.Now()
		m.stale = false
	}
	v := tea.NewView(m.screen)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "Console d'hébergement PRONOTE"
	return v
}

// render lays the screen out and draws it: one frame both sizes the parts
// and is drawn. It is the only place that lays out, so that the sizes the
// tabs, the dialogs and the mouse use are those of the screen last drawn.
func (m *model) render() string {
	m.renders++
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	f := m.frame()
	m.layout(f)
	if m.tooSmall() {
		msg := strings.Join(common.Wrap(fmt.Sprintf("Agrandissez la fenêtre (%d×%d au moins, %d×%d conseillé).",
			minWidth, minHeight, 80, 24), max(m.width-2, 1)), "\n")
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, m.styles.Muted.Render(msg))
	}
	var parts []string
	if !m.loggedIn() {
		parts = []string{common.PadLines(m.login.View(), m.width, f.content)}
	} else {
		body := ""
		if len(m.tabs) > 0 {
			body = m.tabs[m.active].View()
		}
		parts = []string{f.header, f.tabBar, common.PadLines(body, m.width, f.content), strings.Join(f.status, "\n")}
	}
	parts = append(parts, f.footer)
	// Exactly the window: a line more and the terminal scrolls the header
	// away.
	screen := common.PadLines(strings.Join(parts, "\n"), m.width, m.height)
	dialogs := m.c.Dialogs()
	if len(dialogs) == 0 {
		return screen
	}
	// The whole stack, the top one last, so that a confirmation shows over
	// the form that asked it.
	layers := []*lipgloss.Layer{lipgloss.NewLayer(screen)}
	for i, dlg := range dialogs {
		d := dlg.View(m.c.DialogW, m.c.DialogH)
		x := max((m.width-lipgloss.Width(d))/2, 0)
		// Over the tab when it fits there, so the header stays in sight;
		// else over everything but the help footer.
		y := max((m.c.DialogH-lipgloss.Height(d))/2, 0)
		if top, bottom := f.contentTop, m.c.DialogH-1; m.loggedIn() && lipgloss.Height(d) <= bottom-top {
			y = top + (bottom-top-lipgloss.Height(d))/2
		}
		layers = append(layers, lipgloss.NewLayer(d).X(x).Y(y).Z(i+1))
	}
	canvas := lipgloss.NewCanvas(m.width, m.height)
	canvas.Compose(lipgloss.NewCompositor(layers...))
	return canvas.Render()
}

// The smallest window the console draws in; below it, it says so and only
// quits.
const minWidth, minHeight = 40, 12

// tooSmall reports whether the window is known and below the smallest the
// console draws in.
func (m *model) tooSmall() bool {
	return m.width > 0 && m.height > 0 && (m.width < minWidth || m.height < minHeight)
}
