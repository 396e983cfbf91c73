package common

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
//
// Every text colour keeps a contrast ratio of 4.5:1 at least (WCAG AA) on
// the background it is built for, and borders 3:1; body text keeps the
// terminal's own colour. Until the terminal answers, and for good if it never
// does, the neutral styles are in force: mid-tones that keep 4.5:1 on a white
// and on a black background alike. The colours hold these ratios in true
// colour and once a 256-colour terminal has rounded them.
type Styles struct {
	// Dark tells that the styles are built for a dark background, Known
	// that the terminal told its background (false: the neutral styles).
	Dark, Known bool

	Primary, Subtle, Danger, OK, Warning, Border, SelectionBg color.Color
	// SelectionFg is the text on SelectionBg.
	SelectionFg color.Color

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
		Known:       true,
		Primary:     ld(lipgloss.Color("#4A2DBE"), lipgloss.Color("#A99BFF")),
		Subtle:      ld(lipgloss.Color("#5F5F6B"), lipgloss.Color("#9E9EAE")),
		Danger:      ld(lipgloss.Color("#B3141E"), lipgloss.Color("#FF6B6B")),
		OK:          ld(lipgloss.Color("#18722F"), lipgloss.Color("#5FD787")),
		Warning:     ld(lipgloss.Color("#8A5A00"), lipgloss.Color("#E5C07B")),
		Border:      ld(lipgloss.Color("#80808F"), lipgloss.Color("#76768E")),
		SelectionBg: ld(lipgloss.Color("#DCD6FF"), lipgloss.Color("#3A3263")),
		SelectionFg: ld(lipgloss.Color("#1C1C24"), lipgloss.Color("#E8E8F0")),
	}
	return s.build()
}

// NeutralStyles are the styles in force before the terminal tells its
// background: every colour reads on white and on black (4.5:1 both ways,
// borders 3:1), and the selection is white text on violet, whatever the
// background. They are entries of the xterm 256-colour palette, so that a
// 256-colour terminal shows them as they are: the cube holds no amber that
// reads on both backgrounds, so the warning role is the subtle grey here.
func NeutralStyles() Styles {
	s := Styles{
		Primary:     lipgloss.Color("#875FD7"),
		Subtle:      lipgloss.Color("#767676"),
		Danger:      lipgloss.Color("#AF5F5F"),
		OK:          lipgloss.Color("#00875F"),
		Warning:     lipgloss.Color("#767676"),
		Border:      lipgloss.Color("#808080"),
		SelectionBg: lipgloss.Color("#5F00AF"),
		SelectionFg: lipgloss.Color("#FFFFFF"),
	}
	return s.build()
}

// build derives every style from the colours of s.
func (s Styles) build() Styles {
	fg := s.SelectionFg

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
	// The terminal's own colour: it reads on its own background.
	s.SelectedBlurred = lipgloss.NewStyle().Underline(true)
	s.MarkOpened = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	s.MarkInService = lipgloss.NewStyle().Foreground(s.OK).Bold(true)

	s.Button = lipgloss.NewStyle().Foreground(s.Subtle)
	s.ButtonFocused = lipgloss.NewStyle().Foreground(fg).Background(s.SelectionBg).Bold(true)
	s.DangerButton = lipgloss.NewStyle().Foreground(s.Danger).Bold(true)

	// Every colour of the fields and of the help comes from the roles: the
	// bubbles defaults (grey 240 placeholders, #3C3C3C separators) are too
	// faint on one background or the other. Typed text keeps the terminal's
	// colour.
	in := textinput.DefaultStyles(s.Dark)
	hint := lipgloss.NewStyle().Foreground(s.Subtle)
	in.Focused.Prompt = lipgloss.NewStyle().Foreground(s.Primary)
	in.Blurred.Prompt = lipgloss.NewStyle().Foreground(s.Border)
	in.Focused.Text = lipgloss.NewStyle()
	in.Blurred.Text = lipgloss.NewStyle()
	in.Focused.Placeholder, in.Blurred.Placeholder = hint, hint
	in.Focused.Suggestion, in.Blurred.Suggestion = hint, hint
	in.Cursor.Color = s.Primary
	in.Cursor.Blink = false
	s.Input = in

	h := help.DefaultStyles(s.Dark)
	h.ShortKey = lipgloss.NewStyle().Foreground(s.Primary).Bold(true)
	h.FullKey = h.ShortKey
	h.ShortDesc = lipgloss.NewStyle().Foreground(s.Subtle)
	h.FullDesc = h.ShortDesc
	h.ShortSeparator = s.BorderFg
	h.FullSeparator = s.BorderFg
	h.Ellipsis = s.BorderFg
	s.Help = h
	return s
}
