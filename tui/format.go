package tui

import (
	"github.com/hebergement/console/backend/fr"
	shared "github.com/hebergement/console/tui/common"
)

// The console's shared helpers, under the names this package used before
// they moved to tui/common.
var (
	clean     = shared.Clean
	fit       = shared.Fit
	fitRight  = shared.FitRight
	truncLeft = shared.TruncLeft
	wrap      = shared.Wrap
	shortHash = shared.ShortHash
	box       = shared.Box
	boxPad    = shared.BoxPad
	padLines  = shared.PadLines
	withHelp  = shared.WithHelp

	// NewStyles builds the styles for a dark or light background.
	NewStyles     = shared.NewStyles
	neutralStyles = shared.NeutralStyles
	// DefaultKeyMap returns the console's bindings.
	DefaultKeyMap = shared.DefaultKeyMap
)

// Styles is the one set of styles of the console.
type Styles = shared.Styles

// KeyMap is the one table of key bindings of the console.
type KeyMap = shared.KeyMap

// The French formats of every front end.
var (
	frDateTime  = fr.DateTime
	frDate      = fr.Date
	frShortDate = fr.ShortDate
	frSize      = fr.Size
	frCount     = fr.Count
)
