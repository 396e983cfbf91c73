package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Until the terminal tells its background (and for good if it never does),
// the console does not bet on dark: the neutral styles (whose contrast
// tui/common checks) are in force, then the light or dark ones.
func TestStylesBeforeTheBackgroundIsKnown(t *testing.T) {
	t.Parallel()
	m := New(nil, Options{}).(*model)
	if m.styles.Known {
		t.Errorf("the styles before any answer claim a known background")
	}

	m.Update(tea.BackgroundColorMsg{Color: lipgloss.Color("#FDF6E3")})
	if !m.styles.Known || m.styles.Dark {
		t.Errorf("after a light background: Known %v, Dark %v; want light styles", m.styles.Known, m.styles.Dark)
	}
	if m.help.Styles.ShortKey.GetForeground() != m.styles.Primary {
		t.Errorf("the help keeps the colours of before the answer")
	}
	m.Update(tea.BackgroundColorMsg{Color: lipgloss.Color("#1E1E1E")})
	if !m.styles.Known || !m.styles.Dark {
		t.Errorf("after a dark background: Known %v, Dark %v; want dark styles", m.styles.Known, m.styles.Dark)
	}
}
