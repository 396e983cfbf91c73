package common

import (
	"image/color"
	"math"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
)

// luminance is the WCAG relative luminance of c.
func luminance(c color.Color) float64 {
	r, g, b, _ := c.RGBA()
	lin := func(v uint32) float64 {
		x := float64(v) / 0xffff
		if x <= 0.04045 {
			return x / 12.92
		}
		return math.Pow((x+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(r) + 0.7152*lin(g) + 0.0722*lin(b)
}

// contrast is the WCAG contrast ratio of a and b, from 1 to 21.
func contrast(a, b color.Color) float64 {
	x, y := luminance(a), luminance(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

func isNoColor(c color.Color) bool {
	_, ok := c.(lipgloss.NoColor)
	return c == nil || ok
}

// checkContrast checks every style of st on each terminal background:
// text 4.5:1 (WCAG AA), borders, separators and prompts 3:1. A style with
// its own background is checked against it; one without a foreground
// keeps the terminal's colour, which reads on the terminal's background.
// Colours are checked as given (true colour) and as a 256-colour terminal
// shows them (SSH clients and tmux often are).
func checkContrast(t *testing.T, st Styles, backgrounds ...string) {
	t.Helper()
	text := map[string]lipgloss.Style{
		"Text": st.Text, "Bold": st.Bold, "Muted": st.Muted, "Label": st.Label,
		"Accent": st.Accent, "Error": st.Error, "Success": st.Success, "Notice": st.Notice,
		"Running": st.Running, "Stopped": st.Stopped, "Title": st.Title,
		"Tab": st.Tab, "ActiveTab": st.ActiveTab, "ColumnHeader": st.ColumnHeader,
		"Selected": st.Selected, "SelectedBlurred": st.SelectedBlurred,
		"MarkOpened": st.MarkOpened, "MarkInService": st.MarkInService,
		"Button": st.Button, "ButtonFocused": st.ButtonFocused, "DangerButton": st.DangerButton,
		"Help.ShortKey": st.Help.ShortKey, "Help.ShortDesc": st.Help.ShortDesc,
		"Help.FullKey": st.Help.FullKey, "Help.FullDesc": st.Help.FullDesc,
		"Input.Focused.Text": st.Input.Focused.Text, "Input.Blurred.Text": st.Input.Blurred.Text,
		"Input.Focused.Placeholder": st.Input.Focused.Placeholder,
		"Input.Blurred.Placeholder": st.Input.Blurred.Placeholder,
		"Input.Focused.Suggestion":  st.Input.Focused.Suggestion,
	}
	other := map[string]lipgloss.Style{
		"BorderFg": st.BorderFg, "FocusFg": st.FocusFg,
		"Help.ShortSeparator": st.Help.ShortSeparator, "Help.FullSeparator": st.Help.FullSeparator,
		"Help.Ellipsis":        st.Help.Ellipsis,
		"Input.Focused.Prompt": st.Input.Focused.Prompt, "Input.Blurred.Prompt": st.Input.Blurred.Prompt,
		"Input.Cursor": lipgloss.NewStyle().Foreground(st.Input.Cursor.Color),
	}
	check := func(name string, s lipgloss.Style, least float64) {
		for _, p := range []colorprofile.Profile{colorprofile.TrueColor, colorprofile.ANSI256} {
			fg, bg := s.GetForeground(), s.GetBackground()
			if !isNoColor(bg) {
				if isNoColor(fg) {
					t.Errorf("%s: a background without a foreground: the terminal's text colour may not read on it", name)
					return
				}
				if c := contrast(p.Convert(fg), p.Convert(bg)); c < least {
					t.Errorf("%s (%s): contrast %.2f on its own background, want %.1f", name, p, c, least)
				}
				continue
			}
			if isNoColor(fg) {
				return
			}
			for _, b := range backgrounds {
				if c := contrast(p.Convert(fg), lipgloss.Color(b)); c < least {
					r, g, bl, _ := p.Convert(fg).RGBA()
					t.Errorf("%s (%s): #%02X%02X%02X on %s: contrast %.2f, want %.1f", name, p, r>>8, g>>8, bl>>8, b, c, least)
				}
			}
		}
	}
	for name, s := range text {
		check(name, s, 4.5)
	}
	for name, s := range other {
		check(name, s, 3)
	}
}

// Every colour reads on the background it is built for, on pure white and
// black and on the near ones common themes use (Solarized light, a dark
// grey).
func TestStylesContrast(t *testing.T) {
	t.Parallel()
	t.Run("light", func(t *testing.T) { checkContrast(t, NewStyles(false), "#FFFFFF", "#FDF6E3", "#EEEEEE") })
	t.Run("dark", func(t *testing.T) { checkContrast(t, NewStyles(true), "#000000", "#1E1E1E", "#282C34") })
}

// Until the terminal tells its background (and for good if it never does),
// the console does not bet on dark: its colours read on white and on black.
func TestNeutralStylesContrast(t *testing.T) {
	t.Parallel()
	st := NeutralStyles()
	if st.Known {
		t.Errorf("the neutral styles claim a known background")
	}
	checkContrast(t, st, "#FFFFFF", "#000000")
}
