package bases_test

import (
	"testing"

	"github.com/hebergement/console/tui"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The tab is tested inside the whole console (package tui), driven by the
// harness the root's tests use too.

var (
	newFixture = ct.NewFixture
	eachSize   = ct.EachSize
	snapshot   = ct.Snapshot
	filled     = ct.Filled
	damaged    = ct.Damaged
)

// options are the console options of the tests: the hosting number
// prefilled, the picker in the fixture's folder, the fake clock.
func options(f *ct.Fixture) tui.Options {
	var o tui.Options
	o.Prefill.HostingNumber = f.Est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.Files
	o.Now = f.Clk.Now
	return o
}

// run starts a console on f's back end and logs in.
func run(t *testing.T, f *ct.Fixture, w, h int) *ct.Screen {
	t.Helper()
	s := f.Start(t, w, h, tui.New(f.B, options(f)), tui.Screen)
	s.Login(t)
	return s
}
