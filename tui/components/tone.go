// Package components holds the drawing pieces the console's tabs share: a
// scrolling table, a details pane, gauges, charts and the status line. Each
// draws exactly the size it is given, with the roles of common.Styles, and
// cleans every string that came from the back end before drawing it
// (common.Clean): the tabs hand them raw values.
package components

import (
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/tui/common"
)

// Tone is the colour role of a row or a value, so that a tab says what a
// line means (in service, refused, muted) and the styles say how it looks.
type Tone int

// The tones, each a role of common.Styles.
const (
	ToneNormal Tone = iota
	ToneMuted
	ToneOK
	ToneWarning
	ToneDanger
	ToneAccent
	ToneBold
)

// Style is the style of tone t in st.
func (t Tone) Style(st *common.Styles) lipgloss.Style {
	switch t {
	case ToneMuted:
		return st.Muted
	case ToneOK:
		return st.Success
	case ToneWarning:
		return st.Notice
	case ToneDanger:
		return st.Error
	case ToneAccent:
		return st.Accent
	case ToneBold:
		return st.Bold
	}
	return st.Text
}
