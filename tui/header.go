package tui

import (
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
)

func (m *model) footer() string {
	var short []key.Binding
	var full [][]key.Binding
	switch {
	case m.c.Dialog() != nil:
		short, full = m.c.Dialog().ShortHelp(), m.c.Dialog().FullHelp()
	case !m.loggedIn():
		short, full = m.login.ShortHelp(), m.login.FullHelp()
	case len(m.tabs) > 0:
		t := m.tabs[m.active]
		short = t.ShortHelp()
		if !t.Typing() { // while a field types, ? and q are letters
			short = append(short, m.keys.Help, m.keys.Quit)
		}
		full = append(t.FullHelp(), []key.Binding{
			common.WithHelp(m.keys.Refresh, "actualiser"), m.switchHelp(), m.keys.NextTab, m.keys.PrevTab,
			common.WithHelp(m.keys.Help, "masquer l'aide"), m.keys.Quit, m.keys.ForceQuit,
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

// statusLines is the status line: the outcome of the last action, in the
// danger colour for a refusal; a long sentence takes a second line rather
// than losing its end. From 60 days before the contract ends, its warning
// (SPEC §10) takes a line of its own above, on every tab, whatever the
// line says besides: a sentence never hides it, and it never hides one.
func (m *model) statusLines() []string {
	st := m.styles
	s := st.Muted
	text, kind := m.c.StatusLine()
	switch kind {
	case common.StatusOK:
		s = st.Success
	case common.StatusErr:
		s = st.Error
	}
	var lines []string
	if m.c.Now != nil {
		if n := backend.ContractNotice(m.c.Status.Establishment.ContractUntil, m.c.Now(), m.c.Session.Role()); n != "" {
			lines = append(lines, common.Fit(" "+st.Notice.Render(n), m.width))
		}
	}
	sentence := common.Wrap(text, max(m.width-2, 1))
	if len(sentence) > 2 {
		sentence = []string{sentence[0], strings.Join(sentence[1:], " ")}
	}
	for _, l := range sentence {
		lines = append(lines, common.Fit(" "+s.Render(l), m.width))
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
	s := m.c.Status
	e := s.Establishment
	w := m.width
	role, actor := m.c.Session.Role().String(), common.Clean(m.c.Session.Actor())
	who := role
	if actor != "" && actor != role {
		who += " · " + actor
	}
	name := common.Clean(e.Name)
	if name == "" {
		name = "Console d'hébergement"
	}
	hn := ""
	if e.HostingNumber != "" {
		hn = st.Label.Render("  n° d'hébergement ") + st.Bold.Render(common.Clean(e.HostingNumber))
	}
	// The hosting number and the role always show; the name of the
	// establishment gives way, then the key's name, then the role.
	room := w - 1 - ansi.StringWidth(hn) - 2 - ansi.StringWidth(who)
	if room < 16 && who != role {
		who = role
		room = w - 1 - ansi.StringWidth(hn) - 2 - ansi.StringWidth(who)
	}
	if room < 16 {
		who = ""
		room = w - 1 - ansi.StringWidth(hn)
	}
	if who != "" {
		who = st.Muted.Render(who)
	}
	line1 := " " + ansi.Truncate(st.Title.Render(name), max(room, 0), "…") + hn
	if who != "" {
		line1 += strings.Repeat(" ", max(w-ansi.StringWidth(line1)-ansi.StringWidth(who), 2)) + who
	}

	state := st.Stopped.Render("● " + backend.ServerStopped.French())
	if s.State == backend.ServerRunning {
		state = st.Running.Render("● " + backend.ServerRunning.French())
	}
	if !m.c.Loaded {
		state = st.Muted.Render("…")
	}
	inService := st.Muted.Render("aucune")
	if s.InService != nil {
		inService = st.Bold.Render(common.Clean(s.InService.Name))
	}
	version := common.Clean(s.Version)
	if version == "" {
		version = "—"
	}
	line2 := " " + st.Label.Render("Serveur ") + state +
		st.Label.Render("  Version ") + st.Text.Render(version) +
		st.Label.Render("  Base en service ") + inService
	return common.Fit(line1, w) + "\n" + common.Fit(line2, w)
}

// tabBar draws the tabs; the active one is highlighted and a rule fills the
// rest of the line.
func (m *model) tabBar() string {
	st := m.styles
	var b strings.Builder
	first, lead := m.barWindow()
	b.WriteString(lead)
	for i := first; i < len(m.tabs); i++ {
		t := m.tabs[i]
		if i > first {
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
	return common.Fit(b.String(), m.width)
}

// barLead is drawn before the tab bar when the first tabs are left out of
// it: a narrow window shows the tabs from one the active tab is visible
// with.
const barLead = "‹"

// barWindow is the first tab the bar shows and what it draws before it:
// from the first tab when the active one fits after it, else from the
// first tab that lets the active one fit, after a mark.
func (m *model) barWindow() (first int, lead string) {
	width := func(from int) int {
		w := 0
		if from > 0 {
			w = ansi.StringWidth(barLead)
		}
		for i := from; i <= m.active && i < len(m.tabs); i++ {
			if i > from {
				w++
			}
			w += ansi.StringWidth(m.styles.Tab.Render(m.tabs[i].Title()))
		}
		return w
	}
	for first = 0; first < m.active && width(first) > m.width; first++ {
	}
	if first > 0 {
		lead = m.styles.Muted.Render(barLead)
	}
	return first, lead
}

// switchHelp is 1–5 in the full help, once there is more than one tab to
// reach.
func (m *model) switchHelp() key.Binding {
	b := m.keys.SwitchTab
	if len(m.tabs) < 2 {
		b.SetEnabled(false)
	} else {
		b.SetHelp("1–"+string(rune('0'+len(m.tabs))), "aller à l'onglet")
	}
	return b
}
