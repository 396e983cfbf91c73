package tui

import (
	"image/color"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	"charm.land/lipgloss/v2"
)

// Styles is the one set of styles of the console. Colours are semantic roles
// (primary, subtle, danger, ok, warning) chosen for the terminal's background,
// so that a colour keeps its meaning on light and dark terminals alike; it is
// rebuilt when the terminal answers the background-colour query.
type Styles struct {
	Dark bool

	Primary, Subtle, Danger, OK, Warning, Border, SelectionBg color.Color

	Text     lipgloss.Style
	Bold     lipgloss.Style
	Muted    lipgloss.Style
	Label    lipgloss.Style
	Accent   lipgloss.Style
	Error    lipgloss.Style
	Success  lipgloss.Style
	Notice   lipgloss.Style
	Running  lipgloss.Style
	Stopped  lipgloss.Style
	Title    lipgloss.Style
	BorderFg lipgloss.Style
	FocusFg  lipgloss.Style

	Tab       lipgloss.Style
	ActiveTab lipgloss.Style

	ColumnHeader    lipgloss.Style
	Selected        lipgloss.Style
	SelectedBlurred lipgloss.Style
	MarkOpened      lipgloss.Style
	MarkInService   lipgloss.Style

	Button        lipgloss.Style
	ButtonFocused lipgloss.Style
	DangerButton  lipgloss.Style

	Input textinput.Styles
	Help  help.Styles
}

// NewStyles builds the styles for a dark (isDark) or light background.
func NewStyles(isDark bool) Styles {
	ld := lipgloss.LightDark(isDark)
	s := Styles{
		Dark:        isDark,
		Primary:     ld(lipgloss.Color("#4B32C3"), lipgloss.Color("#A99BFF")),
		Subtle:      ld(lipgloss.Color("#5F5F6B"), lipgloss.Color("#9E9EAE")),
		Danger:      ld(lipgloss.Color("#B3141E"), lipgloss.Color("#FF6B6B")),
		OK:          ld(lipgloss.Color("#18722F"), lipgloss.Color("#5FD787")),
		Warning:     ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#E5C07B")),
		Border:      ld(lipgloss.Color("#A8A8B8"), lipgloss.Color("#55556A")),
		SelectionBg: ld(lipgloss.Color("#DCD6FF"), lipgloss.Color("#3A3263")),
	}
	fg := ld(lipgloss.Color("#1C1C24"), lipgloss.Color("#E8E8F0"))

	s.Text = lipgloss.NewStyle()
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Muted = lipgloss.NewStyle().Foreground(s.Subtle)
	s.Label = lipgloss.NewStyle().Foreground(s.Subtle)
	s.Accent = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	s.Error = lipgloss.NewStyle().Foreground(s.Danger).Bold(true)
	s.Success = lipgloss.NewStyle().Foreground(s.OK)
	s.Notice = lipgloss.NewStyle().Foreground(s.Warning)
	s.Running = lipgloss.NewStyle().Foreground(s.OK).Bold(true)
	s.Stopped = lipgloss.NewStyle().Foreground(s.Danger).Bold(true)
	s.Title = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	s.BorderFg = lipgloss.NewStyle().Foreground(s.Border)
	s.FocusFg = lipgloss.NewStyle().Foreground(s.Primary)

	s.Tab = lipgloss.NewStyle().Foreground(s.Subtle).Padding(0, 1)
	s.ActiveTab = lipgloss.NewStyle().Foreground(fg).Background(s.SelectionBg).Bold(true).Padding(0, 1)

	s.ColumnHeader = lipgloss.NewStyle().Foreground(s.Subtle).Bold(true)
	s.Selected = lipgloss.NewStyle().Foreground(fg).Background(s.SelectionBg).Bold(true)
	s.SelectedBlurred = lipgloss.NewStyle().Foreground(fg).Underline(true)
	s.MarkOpened = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	s.MarkInService = lipgloss.NewStyle().Foreground(s.OK).Bold(true)

	s.Button = lipgloss.NewStyle().Foreground(s.Subtle)
	s.ButtonFocused = lipgloss.NewStyle().Foreground(fg).Background(s.SelectionBg).Bold(true)
	s.DangerButton = lipgloss.NewStyle().Foreground(s.Danger).Bold(true)

	in := textinput.DefaultStyles(isDark)
	in.Focused.Prompt = lipgloss.NewStyle().Foreground(s.Primary)
	in.Blurred.Prompt = lipgloss.NewStyle().Foreground(s.Border)
	in.Focused.Text = lipgloss.NewStyle().Foreground(fg)
	in.Blurred.Text = lipgloss.NewStyle().Foreground(fg)
	in.Cursor.Color = s.Primary
	in.Cursor.Blink = false
	s.Input = in

	h := help.DefaultStyles(isDark)
	h.ShortKey = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	h.FullKey = h.ShortKey
	h.ShortDesc = lipgloss.NewStyle().Foreground(s.Subtle)
	h.FullDesc = h.ShortDesc
	s.Help = h
	return s
}
