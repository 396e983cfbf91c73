// Package tui is the console d'hébergement: the terminal interface a school
// uses to drive its hosted PRONOTE server. The same model runs locally and
// over SSH; it only talks to the back end through a session handle, in
// commands, never inside Update.
package tui

import (
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/sanitize"
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
	// Session, when set, opens the console already logged in (an enrolled
	// SSH key): no login screen.
	Session *backend.Session
	// Enroll, when set, turns the login screen into the enrollment screen of
	// an SSH key that is not enrolled yet.
	Enroll *Enroll
	// Services says, in French, what the local console runs beside it (the
	// stand-in's address, the scheduler) or that another process does.
	Services string
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

// statusKind colours the status line.
type statusKind int

const (
	statusInfo statusKind = iota
	statusOK
	statusErr
)

// common is what the root shares with its screens, tabs and dialogs: styles,
// keys, the session and the latest status, the open dialog and the status
// line. Only Update code touches it, but for the sizes, which the render
// path sets (on the same goroutine).
type common struct {
	st       *Styles
	keys     *KeyMap
	sess     *backend.Session
	status   backend.Status
	loaded   bool
	modal    modal
	startDir string
	now      func() time.Time
	nextID   int
	// dlgW and dlgH bound the dialogs: the screen less the help footer,
	// which stays visible below them, as last drawn.
	dlgW, dlgH int
	// defaults of "Créer une base", read with the status.
	defaults backend.CreateBaseRequest

	statusText string
	statusKind statusKind
}

func (c *common) setStatus(text string, kind statusKind) {
	c.statusText, c.statusKind = text, kind
}

func (c *common) newID() int {
	c.nextID++
	return c.nextID
}

// tab is one tab of the console after login. Tabs get every message the root
// does not keep for itself (data reloads included) and mouse events in their
// own coordinates.
type tab interface {
	Title() string
	SetSize(w, h int)
	Update(msg tea.Msg) tea.Cmd
	View() string
	ShortHelp() []key.Binding
	FullHelp() [][]key.Binding
}

// model is the root: login screen, then header, tab bar, the active tab,
// status line and help footer, with dialogs drawn over them.
type model struct {
	c      *common
	b      *backend.Backend
	opts   Options
	styles Styles
	keys   KeyMap
	login  *loginScreen
	tabs   []tab
	active int
	help   help.Model
	stop   func()
	// eventsCh is the subscription to the establishment's changes.
	eventsCh *backend.Subscription
	gen      int
	applied  int
	width    int
	height   int
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

// frameTime is the least time between two full renders. The renderer sends
// at most 60 frames a second to the terminal anyway; rendering the screen
// for every key of a burst (text pasted by a client without bracketed
// paste arrives one key press per byte) would only burn CPU on frames
// nobody sees.
const frameTime = time.Second / 60

// redrawMsg asks for the screen to be drawn when a frame has passed since
// the last render: the last state of a burst is always drawn.
type redrawMsg struct{}

// New returns the console's root model for one user on back end b.
func New(b *backend.Backend, opts Options) tea.Model {
	// Neutral colours until the terminal tells its background: guessing dark
	// would leave pale text on a white terminal that does not answer.
	m := &model{b: b, opts: opts, styles: neutralStyles(), keys: DefaultKeyMap(), stale: true}
	if m.opts.Now == nil {
		m.opts.Now = time.Now
	}
	m.c = &common{st: &m.styles, keys: &m.keys, startDir: opts.StartDir, now: m.opts.Now}
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

func (m *model) loggedIn() bool { return m.c.sess != nil }

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

func (m *model) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return nil
	case tea.BackgroundColorMsg:
		m.styles = NewStyles(msg.IsDark())
		m.help.Styles = m.styles.Help
		m.login.restyle()
		if f, ok := m.c.modal.(*createForm); ok {
			for i := range f.inputs {
				f.inputs[i].SetStyles(m.styles.Input)
			}
		}
		return nil
	case tea.KeyPressMsg:
		if key.Matches(msg, m.keys.ForceQuit) {
			return m.quit()
		}
		return m.handleKey(msg)
	case tea.MouseClickMsg:
		return m.handleClick(msg)
	case tea.MouseWheelMsg:
		if m.c.modal == nil && m.loggedIn() && len(m.tabs) > 0 {
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
		if !m.loggedIn() {
			return nil
		}
		if msg.notice != "" {
			kind := statusErr
			if msg.ok {
				kind = statusOK
			}
			m.c.setStatus(sanitize.Line(msg.notice), kind)
		}
		return tea.Batch(m.reload(), waitEvent(m.eventsCh))
	case Notice:
		if !m.loggedIn() { // the login screen has no status line: its own message line
			m.login.notice(sanitize.Line(msg.Text))
			return nil
		}
		kind := statusInfo
		if msg.Warning {
			kind = statusErr
		}
		m.c.setStatus(sanitize.Line(msg.Text), kind)
		return nil
	case eventsClosedMsg:
		return nil
	case dataMsg:
		if msg.gen < m.applied {
			return nil // an older answer than the one shown
		}
		m.applied = msg.gen
		if msg.err != nil {
			m.c.setStatus(backend.Message(msg.err), statusErr)
			return nil
		}
		m.c.status, m.c.loaded, m.c.defaults = msg.status, true, msg.defaults
		return m.broadcast(msg)
	case actionDoneMsg:
		if msg.err != nil {
			m.c.setStatus(backend.Message(msg.err), statusErr)
		} else if msg.ok != "" {
			m.c.setStatus(msg.ok, statusOK)
		}
		return tea.Batch(m.broadcast(msg), m.reload())
	case uploadDoneMsg:
		if u, ok := m.c.modal.(*uploadDialog); ok && u.id == msg.id {
			m.c.modal = nil
		}
		m.c.setStatus(uploadOutcome(msg))
		var sel int64
		if msg.err == nil && !msg.annex {
			sel = msg.base.ID
		}
		return tea.Batch(m.broadcast(actionDoneMsg{selectID: sel}), m.reload())
	case quitMsg:
		return tea.Quit
	}
	// Anything else belongs to the open dialog (directory listings, upload
	// progress) or to the screen below it (cursor blinks).
	var cmds []tea.Cmd
	if m.c.modal != nil {
		var cmd tea.Cmd
		m.c.modal, cmd = m.c.modal.Update(msg)
		cmds = append(cmds, cmd)
	}
	if !m.loggedIn() {
		cmds = append(cmds, m.login.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *model) startSession(msg loggedInMsg) tea.Cmd {
	m.c.sess = msg.sess
	m.stop = msg.stop
	m.eventsCh = msg.events
	m.c.setStatus("", statusInfo)
	m.tabs = []tab{newBasesTab(m.c)}
	m.active = 0
	m.keys.NextTab.SetEnabled(len(m.tabs) > 1)
	m.keys.PrevTab.SetEnabled(len(m.tabs) > 1)
	return tea.Batch(m.reload(), waitEvent(msg.events))
}

func (m *model) reload() tea.Cmd {
	if m.c.sess == nil {
		return nil
	}
	m.gen++
	return reloadCmd(m.c.sess, m.gen)
}

// broadcast hands a message to every tab.
func (m *model) broadcast(msg tea.Msg) tea.Cmd {
	cmds := make([]tea.Cmd, 0, len(m.tabs))
	for _, t := range m.tabs {
		cmds = append(cmds, t.Update(msg))
	}
	return tea.Batch(cmds...)
}

func (m *model) quit() tea.Cmd {
	if u, ok := m.c.modal.(*uploadDialog); ok {
		u.cancel()
	}
	stop := m.stop
	m.stop = nil
	return stopCmd(stop)
}

func (m *model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.c.modal != nil {
		var cmd tea.Cmd
		m.c.modal, cmd = m.c.modal.Update(msg)
		return cmd
	}
	if !m.loggedIn() {
		return m.login.Update(msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.help.ShowAll = !m.help.ShowAll
		return nil
	case key.Matches(msg, m.keys.NextTab):
		m.active = (m.active + 1) % len(m.tabs)
		return nil
	case key.Matches(msg, m.keys.PrevTab):
		m.active = (m.active + len(m.tabs) - 1) % len(m.tabs)
		return nil
	case key.Matches(msg, m.keys.Refresh):
		m.c.setStatus("Données actualisées à "+m.opts.Now().In(clock.Paris()).Format("15h04")+".", statusInfo)
		return m.reload()
	}
	if len(m.tabs) == 0 {
		return nil
	}
	return m.tabs[m.active].Update(msg)
}

func (m *model) handleClick(msg tea.MouseClickMsg) tea.Cmd {
	if m.c.modal != nil || !m.loggedIn() {
		return nil
	}
	mm := msg.Mouse()
	if mm.Y >= m.tabBarTop && mm.Y < m.contentTop { // tab bar
		x := 0
		for i, t := range m.tabs {
			w := ansi.StringWidth(m.styles.Tab.Render(t.Title()))
			if mm.X >= x && mm.X < x+w {
				m.active = i
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

func (m *model) footer() string {
	var short []key.Binding
	var full [][]key.Binding
	switch {
	case m.c.modal != nil:
		short, full = m.c.modal.ShortHelp(), m.c.modal.FullHelp()
	case !m.loggedIn():
		short, full = m.login.ShortHelp(), m.login.FullHelp()
	case len(m.tabs) > 0:
		t := m.tabs[m.active]
		short = append(t.ShortHelp(), m.keys.Help, m.keys.Quit)
		full = append(t.FullHelp(), []key.Binding{
			withHelp(m.keys.Refresh, "actualiser"), m.keys.NextTab, m.keys.PrevTab,
			withHelp(m.keys.Help, "masquer l'aide"), m.keys.Quit, m.keys.ForceQuit,
		})
	}
	if m.help.ShowAll {
		return fullHelp(m.help, full, m.width)
	}
	return wrapHelp(m.help, short, m.width)
}

// wrapHelp lays the short help over as many lines as it needs (two at most),
// so that at 80 columns every action stays listed.
func wrapHelp(h help.Model, bindings []key.Binding, width int) string {
	var lines []string
	var cur []key.Binding
	for _, b := range bindings {
		if !b.Enabled() {
			continue
		}
		next := append(append([]key.Binding(nil), cur...), b)
		h.SetWidth(0)
		if len(cur) > 0 && ansi.StringWidth(h.ShortHelpView(next)) > width-1 && len(lines) == 0 {
			h.SetWidth(width)
			lines = append(lines, h.ShortHelpView(cur))
			cur = []key.Binding{b}
			continue
		}
		cur = next
	}
	h.SetWidth(width)
	if len(cur) > 0 {
		lines = append(lines, h.ShortHelpView(cur))
	}
	return strings.Join(lines, "\n")
}

// fullHelp lays every binding out in as few rows as the width allows, so that
// no column is lost to the right edge.
func fullHelp(h help.Model, groups [][]key.Binding, width int) string {
	var all []key.Binding
	for _, g := range groups {
		for _, b := range g {
			if b.Enabled() {
				all = append(all, b)
			}
		}
	}
	h.SetWidth(0)
	var out string
	for rows := 1; rows <= len(all); rows++ {
		var cols [][]key.Binding
		for i := 0; i < len(all); i += rows {
			cols = append(cols, all[i:min(i+rows, len(all))])
		}
		out = h.FullHelpView(cols)
		if lipgloss.Width(out) <= width {
			return out
		}
	}
	return out
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
	m.c.dlgW, m.c.dlgH = m.width-2, max(m.height-foot, 3)
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
	if m.width < 40 || m.height < 12 {
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center,
			m.styles.Muted.Render(fit("Agrandissez la fenêtre (80×24 au moins).", m.width)))
	}
	var parts []string
	if !m.loggedIn() {
		parts = []string{padLines(m.login.View(), m.width, f.content)}
	} else {
		body := ""
		if len(m.tabs) > 0 {
			body = m.tabs[m.active].View()
		}
		parts = []string{f.header, f.tabBar, padLines(body, m.width, f.content), strings.Join(f.status, "\n")}
	}
	parts = append(parts, f.footer)
	// Exactly the window: a line more and the terminal scrolls the header
	// away.
	screen := padLines(strings.Join(parts, "\n"), m.width, m.height)
	if m.c.modal == nil {
		return screen
	}
	d := m.c.modal.View(m.c.dlgW, m.c.dlgH)
	x := max((m.width-lipgloss.Width(d))/2, 0)
	// Over the tab when it fits there, so the header stays in sight; else
	// over everything but the help footer.
	y := max((m.c.dlgH-lipgloss.Height(d))/2, 0)
	if top, bottom := f.contentTop, m.c.dlgH-1; m.loggedIn() && lipgloss.Height(d) <= bottom-top {
		y = top + (bottom-top-lipgloss.Height(d))/2
	}
	canvas := lipgloss.NewCanvas(m.width, m.height)
	canvas.Compose(lipgloss.NewCompositor(
		lipgloss.NewLayer(screen),
		lipgloss.NewLayer(d).X(x).Y(y).Z(1),
	))
	return canvas.Render()
}

// statusLines is the status line: the outcome of the last action, in the
// danger colour for a refusal; a long sentence takes a second line rather
// than losing its end.
func (m *model) statusLines() []string {
	st := m.styles
	s := st.Muted
	switch m.c.statusKind {
	case statusOK:
		s = st.Success
	case statusErr:
		s = st.Error
	}
	lines := wrap(m.c.statusText, max(m.width-2, 1))
	if len(lines) > 2 {
		lines = []string{lines[0], strings.Join(lines[1:], " ")}
	}
	for i, l := range lines {
		lines[i] = fit(" "+s.Render(l), m.width)
	}
	if len(lines) == 0 {
		lines = []string{strings.Repeat(" ", m.width)}
	}
	return lines
}

// header shows, on every screen after login: establishment, hosting number,
// server state, version, base in service, role and actor.
func (m *model) header() string {
	st := m.styles
	s := m.c.status
	e := s.Establishment
	w := m.width
	role, actor := m.c.sess.Role().String(), clean(m.c.sess.Actor())
	who := role
	if actor != "" && actor != role {
		who += " · " + actor
	}
	who = st.Muted.Render(who)
	name := clean(e.Name)
	if name == "" {
		name = "Console d'hébergement"
	}
	hn := ""
	if e.HostingNumber != "" {
		hn = st.Label.Render("  n° d'hébergement ") + st.Bold.Render(clean(e.HostingNumber))
	}
	// The hosting number and the role always show; the name gives way.
	room := w - 1 - ansi.StringWidth(hn) - 2 - ansi.StringWidth(who)
	if room < 16 {
		who = ""
		room = w - 1 - ansi.StringWidth(hn)
	}
	line1 := " " + ansi.Truncate(st.Title.Render(name), max(room, 0), "…") + hn
	if who != "" {
		line1 += strings.Repeat(" ", max(w-ansi.StringWidth(line1)-ansi.StringWidth(who), 2)) + who
	}

	state := st.Stopped.Render("● " + backend.ServerStopped.French())
	if s.State == backend.ServerRunning {
		state = st.Running.Render("● " + backend.ServerRunning.French())
	}
	if !m.c.loaded {
		state = st.Muted.Render("…")
	}
	inService := st.Muted.Render("aucune")
	if s.InService != nil {
		inService = st.Bold.Render(clean(s.InService.Name))
	}
	version := clean(s.Version)
	if version == "" {
		version = "—"
	}
	line2 := " " + st.Label.Render("Serveur ") + state +
		st.Label.Render("  Version ") + st.Text.Render(version) +
		st.Label.Render("  Base en service ") + inService
	return fit(line1, w) + "\n" + fit(line2, w)
}

// tabBar draws the tabs; the active one is highlighted and a rule fills the
// rest of the line.
func (m *model) tabBar() string {
	st := m.styles
	var b strings.Builder
	for i, t := range m.tabs {
		if i > 0 {
			b.WriteString(" ")
		}
		if i == m.active {
			b.WriteString(st.ActiveTab.Render(t.Title()))
		} else {
			b.WriteString(st.Tab.Render(t.Title()))
		}
	}
	rest := m.width - ansi.StringWidth(b.String()) - 1
	if rest > 0 {
		b.WriteString(" " + st.BorderFg.Render(strings.Repeat("─", rest)))
	}
	return fit(b.String(), m.width)
}
