package tui

import (
	"fmt"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
)

// model is the root: login screen, then header, tab bar, the tab in focus,
// status line and help footer, with the dialog stack drawn over them.
//
// Focus is explicit: a key goes to the dialog on top when one is open, to
// the login screen before login, to the tab in focus when one of its fields
// has the focus (Tab.Typing), and only then to the root's own keys (quit,
// help, 1–5, [ ], r) before the tab's. Every other message reaches every
// dialog and every tab, each ignoring what is not its own.
type model struct {
	c      *common.Context
	b      *backend.Backend
	opts   Options
	styles common.Styles
	keys   common.KeyMap
	login  *loginScreen
	tabs   []common.Tab
	active int
	help   help.Model
	// stop closes the subscription; events is it.
	stop   func()
	events *backend.Subscription
	// statusLoads orders the reads of the header's status.
	statusLoads common.Loads
	quitting    bool
	width       int
	height      int
	// tabBarTop is the screen row of the tab bar, contentTop the first row
	// of the active tab, both measured by the last render, so that a click
	// lands on what the user sees.
	tabBarTop, contentTop int

	// The screen is rendered at most once a frame (see View): screen is the
	// last one rendered, drawnAt when, stale whether anything changed since,
	// redrawing whether a redrawMsg is on its way.
	screen    string
	drawnAt   time.Time
	stale     bool
	redrawing bool
	// renders counts full renders, for the tests.
	renders int
}

func newModel(b *backend.Backend, opts Options) *model {
	// Neutral colours until the terminal tells its background: guessing dark
	// would leave pale text on a white terminal that does not answer.
	m := &model{b: b, opts: opts, styles: common.NeutralStyles(), keys: common.DefaultKeyMap(), stale: true}
	if m.opts.Now == nil {
		m.opts.Now = time.Now
	}
	if m.opts.tabs == nil {
		m.opts.tabs = tabs
	}
	m.c = &common.Context{Styles: &m.styles, Keys: &m.keys, StartDir: opts.StartDir, Now: m.opts.Now, PublicURL: opts.PublicURL}
	m.c.Work() // made here, before any command captures it
	m.help = help.New()
	m.help.Styles = m.styles.Help
	m.login = newLoginScreen(m.c, b, opts)
	return m
}

func (m *model) Init() tea.Cmd {
	if m.opts.Session != nil {
		return tea.Batch(tea.RequestBackgroundColor, sessionCmd(m.opts.Session))
	}
	return tea.RequestBackgroundColor
}

func (m *model) loggedIn() bool { return m.c.Session != nil }

// Update hands msg to update and marks the screen stale. It does not lay
// the screen out: render does, once a frame at most, so that a burst of keys
// costs one layout a frame rather than one a key.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(redrawMsg); ok {
		m.redrawing = false
		return m, m.scheduleRedraw()
	}
	cmd := m.update(msg)
	m.stale = true
	if redraw := m.scheduleRedraw(); redraw != nil {
		return m, tea.Batch(cmd, redraw)
	}
	return m, cmd
}

func (m *model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return nil
	case tea.BackgroundColorMsg:
		m.styles = common.NewStyles(msg.IsDark())
		m.help.Styles = m.styles.Help
		m.login.restyle()
		// The dialogs and tabs that copied styles (text inputs) take the
		// new ones.
		return m.broadcast(msg)
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.ForceQuit) {
			return m.quit()
		}
		return m.handleKey(msg)
	case tea.PasteMsg:
		// A paste is typing: it goes where a key would.
		switch {
		case m.c.Dialog() != nil:
			return m.c.Dialog().Update(msg)
		case !m.loggedIn():
			return m.login.Update(msg)
		case len(m.tabs) > 0:
			return m.tabs[m.active].Update(msg)
		}
		return nil
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	case tea.MouseWheelMsg:
		if m.c.Dialog() == nil && m.loggedIn() && len(m.tabs) > 0 && !m.tooSmall() {
			mm := msg.Mouse()
			mm.Y -= m.contentTop
			return m.tabs[m.active].Update(tea.MouseWheelMsg(mm))
		}
		return nil
	case loggedInMsg:
		return m.startSession(msg)
	case loginFailedMsg, credentialsSentMsg:
		return m.login.Update(msg)
	case eventMsg:
		return m.event(msg)
	case eventsClosedMsg:
		return nil
	case statusMsg:
		m.applyStatus(msg)
		return nil
	case Notice:
		if !m.loggedIn() { // the login screen has no status line: its own message line
			m.login.notice(common.Clean(msg.Text))
			return nil
		}
		kind := common.StatusInfo
		if msg.Warning {
			kind = common.StatusErr
		}
		m.c.SetStatus(common.Clean(msg.Text), kind)
		return nil
	case common.OpenDialogMsg:
		return m.c.Push(msg.Dialog)
	case quitMsg:
		return tea.Quit
	}
	// Anything else belongs to a dialog (directory listings, upload
	// progress, a form's answer), a tab (its data, its actions' outcomes)
	// or the login screen (cursor blinks).
	return m.broadcast(msg)
}

// broadcast hands msg to every open dialog, bottom first, and to the
// screen below them: the login screen or every tab.
func (m *model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	// A copy: a dialog may close itself or open another while it handles
	// msg.
	for _, d := range append([]common.Dialog(nil), m.c.Dialogs()...) {
		cmds = append(cmds, d.Update(msg))
	}
	if !m.loggedIn() {
		return tea.Batch(append(cmds, m.login.Update(msg))...)
	}
	for _, t := range m.tabs {
		cmds = append(cmds, t.Update(msg))
	}
	return tea.Batch(cmds...)
}

// startSession opens the console after login: the tabs of the registry,
// each loading its data, the header's status, and the wait for events.
func (m *model) startSession(msg loggedInMsg) tea.Cmd {
	m.c.Session = msg.sess
	m.stop = msg.stop
	m.events = msg.events
	m.c.SetStatus(common.Clean(m.opts.Services), common.StatusInfo)
	m.tabs = m.opts.tabs(m.c)
	several := len(m.tabs) > 1
	m.keys.NextTab.SetEnabled(several)
	m.keys.PrevTab.SetEnabled(several)
	cmds := []tea.Cmd{m.loadStatus(false), waitEvent(msg.events)}
	for _, t := range m.tabs {
		cmds = append(cmds, t.Load())
	}
	m.setActive(0)
	return tea.Batch(cmds...)
}

// setActive puts tab i in focus. A tab the session's role may not use is
// still shown (it shows what the role may see); the status line says who
// may do the rest, with the sentence of the back end's policy.
func (m *model) setActive(i int) {
	if i < 0 || i >= len(m.tabs) {
		return
	}
	m.active = i
	if t := m.tabs[i]; !m.c.Session.Can(t.Permission()) {
		m.c.SetStatus(t.Permission().Who(), common.StatusInfo)
	}
}

// headerTopics are the events after which the header's status is read
// again: the server's state and version, the base in service, the
// establishment's name.
const headerTopics = backend.TopicServer | backend.TopicBases | backend.TopicAccount

// event shows the latest notice of ev and reloads what it touches: the
// header, and the tabs that listen to one of its topics. Every action of
// this console publishes one too (Own): it is the one reload of the action,
// whose outcome only set the status line.
func (m *model) event(msg eventMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.sub != nil && msg.sub == m.events {
		cmds = append(cmds, waitEvent(m.events)) // re-armed for the next one
	}
	if !m.loggedIn() {
		return tea.Batch(cmds...)
	}
	ev := msg.ev
	if n := len(ev.Notices); n > 0 {
		last := ev.Notices[n-1]
		text := common.Clean(last.Text)
		// The older ones are not shown: say how many (the back end keeps
		// 16 of a burst and counts the rest in Missed).
		switch older := n - 1 + ev.Missed; {
		case older == 1:
			text += " (1 message plus ancien)"
		case older > 1:
			text += fmt.Sprintf(" (%d messages plus anciens)", older)
		}
		kind := common.StatusErr
		if last.OK {
			kind = common.StatusOK
		}
		m.c.SetStatus(text, kind)
	}
	if ev.Topics.Has(headerTopics) {
		cmds = append(cmds, m.loadStatus(false))
	}
	for _, t := range m.tabs {
		if t.Topics().Has(ev.Topics) {
			cmds = append(cmds, t.Load())
		}
	}
	return tea.Batch(cmds...)
}

// loadStatus reads the header's status; refresh says that the user asked
// (r), and the answer then tells the time of the reading.
func (m *model) loadStatus(refresh bool) tea.Cmd {
	if m.c.Session == nil {
		return nil
	}
	return statusCmd(m.c.Session, m.statusLoads.Next(), refresh, m.opts.Now)
}

func (m *model) applyStatus(msg statusMsg) {
	if msg.err != nil {
		m.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		return
	}
	if m.statusLoads.Fresh(msg.gen) {
		m.c.Status, m.c.Loaded = msg.status, true
	}
	if !msg.at.IsZero() {
		m.c.SetStatus("Données actualisées à "+msg.at.Format("15h04")+".", common.StatusInfo)
	}
}

// refresh is r: the header and every tab read again.
func (m *model) refresh() tea.Cmd {
	cmds := []tea.Cmd{m.loadStatus(true)}
	for _, t := range m.tabs {
		cmds = append(cmds, t.Load())
	}
	return tea.Batch(cmds...)
}

// quit cancels what runs against the back end (an upload), waits for it,
// closes the subscription and ends the program, so that no back-end call
// outlives the console.
func (m *model) quit() tea.Cmd {
	work := m.c.Work()
	work.Shutdown()
	if m.quitting {
		return nil
	}
	m.quitting = true
	stop := m.stop
	m.stop = nil
	return func() tea.Msg {
		work.Wait()
		if stop != nil {
			stop()
		}
		return quitMsg{}
	}
}

func (m *model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.tooSmall() {
		// Nothing of the console shows: a key must not act unseen (stop
		// the server through a confirmation nobody read). q still quits.
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		return nil
	}
	if d := m.c.Dialog(); d != nil {
		return d.Update(msg)
	}
	if !m.loggedIn() {
		return m.login.Update(msg)
	}
	if len(m.tabs) == 0 {
		if key.Matches(msg, m.keys.Quit) {
			return m.quit()
		}
		return nil
	}
	t := m.tabs[m.active]
	if t.Typing() {
		return t.Update(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case key.Matches(msg, m.keys.SwitchTab):
		// The digits are the tabs', even where a tab is missing.
		m.setActive(int(msg.String()[0] - '1'))
		return nil
	case key.Matches(msg, m.keys.NextTab):
		m.setActive((m.active + 1) % len(m.tabs))
		return nil
	case key.Matches(msg, m.keys.PrevTab):
		m.setActive((m.active + len(m.tabs) - 1) % len(m.tabs))
		return nil
	case key.Matches(msg, m.keys.Refresh):
		return m.refresh()
	}
	return t.Update(msg)
}

func (m *model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.c.Dialog() != nil || !m.loggedIn() || m.tooSmall() {
		return nil
	}
	mm := msg.Mouse()
	if mm.Y >= m.tabBarTop && mm.Y < m.contentTop { // tab bar
		first, lead := m.barWindow()
		x := ansi.StringWidth(lead)
		for i := first; i < len(m.tabs); i++ {
			w := ansi.StringWidth(m.styles.Tab.Render(m.tabs[i].Title()))
			if mm.X >= x && mm.X < x+w {
				m.setActive(i)
				return nil
			}
			x += w + 1
		}
		return nil
	}
	if mm.Y >= m.contentTop && len(m.tabs) > 0 {
		mm.Y -= m.contentTop
		return m.tabs[m.active].Update(tea.MouseClickMsg(mm))
	}
	return nil
}
