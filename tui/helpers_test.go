package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The harness is tui/internal/consoletest, shared with the tabs' tests.

var (
	newFixture = ct.NewFixture
	keyMsg     = ct.KeyMsg
	eachSize   = ct.EachSize
	snapshot   = ct.Snapshot
	filled     = ct.Filled
	start      = ct.Epoch
)

// options are the console options of the tests: the hosting number
// prefilled, the picker in the fixture's folder, the fake clock.
func options(f *ct.Fixture) Options {
	var o Options
	o.Prefill.HostingNumber = f.Est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.Files
	o.Now = f.Clk.Now
	return o
}

// run starts a console on f's back end.
func run(t *testing.T, f *ct.Fixture, w, h int, opts Options) *ct.Screen {
	t.Helper()
	return f.Start(t, w, h, New(f.B, opts), Screen)
}

// root is the console model a finished program returned.
func root(t *testing.T, s *ct.Screen) *model {
	t.Helper()
	var m tea.Model = s.FinalModel(t)
	return m.(*model)
}
