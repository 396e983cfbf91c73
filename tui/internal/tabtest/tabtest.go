// Package tabtest builds what the tests of the console's tabs share: a real
// back end in a temporary folder with a fake clock, one establishment,
// sessions of either role, hosting files, a common.Context as the root
// fills it, and plain-text snapshots. Test code only.
package tabtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/tui/common"
)

// Start is the fake clock's first instant: a Saturday morning in Paris.
var Start = time.Date(2026, 11, 28, 9, 0, 0, 0, clock.Paris())

// Sizes are the two sizes every snapshot is taken at.
var Sizes = []struct{ W, H int }{{80, 24}, {120, 40}}

// Hostile is a name with what must never reach a terminal: colours, a
// window title, a CSI of 40 parameters, bidi overrides, zero-width
// characters, C1 controls.
var Hostile = "Lycée \x1b[31mrouge\x1b[0m\x1b]0;titre volé\x07" +
	"\x1b[" + strings.Repeat("1;", 39) + "1m\u202eesrevni\u202c\u200bzéro\u009b31m\u0085\a"

// Forbidden are the pieces of Hostile that must not appear in a view.
var Forbidden = []string{"\x1b]", "\u202e", "\u202c", "\u200b", "\u009b", "\u0085", "\a", "titre volé", "\x1b[1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1;1"}

// Fixture is a back end on a temporary data folder (Data) with one
// establishment whose first login is done.
type Fixture struct {
	B     *backend.Backend
	Clock *clock.Fake
	Est   backend.Establishment
	PW    string
	Data  string
	Files string
}

// New opens the back end and creates the establishment: Collège Victor
// Hugo, 4 administrative and teacher seats as given (0: unlimited).
func New(t testing.TB, teacherSeats int) *Fixture {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(Start)
	data := t.TempDir()
	b, err := backend.Open(ctx, backend.Options{DataDir: data, Clock: clk, Hashing: password.Fast, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	// The tests stand for the process that runs the hosted server's
	// stand-in, which holds the live connections (backend/connections.go).
	b.HoldConnections(true)
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{
		Name: "Collège Victor Hugo", UAI: "0250001A", Email: "ce.0250001a@ac-besancon.fr",
		Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: teacherSeats, QuotaBytes: 1 << 30,
		// A fixed number, so that the switch day it gives is the same in
		// every run (Normalize writes it 123456789012 anyway).
		HostingNumber: "314159265358",
	})
	if err != nil {
		t.Fatalf("CreateEstablishment: %v", err)
	}
	f := &Fixture{B: b, Clock: clk, Est: est, PW: pw, Data: data, Files: t.TempDir()}
	f.Session(t) // the first login, with the invoice number
	return f
}

// Session logs in with the hosting credentials (SPR).
func (f *Fixture) Session(t testing.TB) *backend.Session {
	t.Helper()
	s, err := f.B.Login(context.Background(), backend.LoginRequest{
		HostingNumber: f.Est.HostingNumber, Password: f.PW, Invoice: f.Est.Invoice, Addr: "192.0.2.7",
	})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return s
}

// KeySession opens the session of an enrolled key.
func (f *Fixture) KeySession(t testing.TB, fingerprint string) *backend.Session {
	t.Helper()
	s, err := f.B.KeySession(context.Background(), fingerprint, "198.51.100.4")
	if err != nil {
		t.Fatalf("KeySession: %v", err)
	}
	return s
}

// Load generates NAME.HNOT for year and loads it through s.
func (f *Fixture) Load(t testing.TB, s *backend.Session, name string, year, students int) backend.Base {
	t.Helper()
	paths, err := hostfile.Generate(f.Files, hostfile.GenerateOptions{
		HostingNumber: f.Est.HostingNumber, Name: name, Establishment: f.Est.Name,
		Year: hostfile.SchoolYear(year), Students: students, Teachers: students / 12, Classes: students / 25,
		Size: 2 << 20, Now: Start, BaseID: fmt.Sprintf("%032d", year*100+students%100),
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	r, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := s.LoadBase(context.Background(), filepath.Base(paths[0]), r, nil)
	if err != nil {
		t.Fatalf("LoadBase: %v", err)
	}
	return b
}

// Connect connects a client to the establishment's hosted server, as the
// stand-in would on POST /{number}/connexions (the server must be in
// service), and returns the connection.
func (f *Fixture) Connect(t testing.TB, user, group, mode, addr string) backend.Connection {
	t.Helper()
	c, err := f.B.Connect(context.Background(), f.Est.HostingNumber, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: addr})
	if err != nil {
		t.Fatalf("Connect %q: %v", user, err)
	}
	return c
}

// Must fails the test on err.
func Must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Context is the context the root gives its tabs, for session s: styles,
// keys, the status read now, the fake clock.
func (f *Fixture) Context(t testing.TB, s *backend.Session) *common.Context {
	t.Helper()
	st := common.NewStyles(true)
	keys := common.DefaultKeyMap()
	status, err := s.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return &common.Context{Styles: &st, Keys: &keys, Session: s, Status: status, Loaded: true, Now: f.Clock.Now}
}

// Run runs the tab's Load command, as the root would, and gives the answer
// to the tab.
func Run(tab common.Tab) {
	cmd := tab.Load()
	if cmd == nil {
		return
	}
	deliver(tab, cmd())
}

func deliver(tab common.Tab, msg tea.Msg) {
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			if c != nil {
				deliver(tab, c())
			}
		}
		return
	}
	if cmd := tab.Update(msg); cmd != nil {
		deliver(tab, cmd())
	}
}

// Normalize replaces the hosting number and the invoice number, drawn at
// random, by fixed ones.
func (f *Fixture) Normalize(s string) string {
	s = strings.ReplaceAll(s, f.Est.HostingNumber, "123456789012")
	return strings.ReplaceAll(s, f.Est.Invoice, "1234567890")
}

// View draws tab at w×h, checks its size, and returns it as plain text.
func View(t testing.TB, tab common.Tab, w, h int) string {
	t.Helper()
	tab.SetSize(w, h)
	out := tab.View()
	CheckSize(t, out, w, h)
	return ansi.Strip(out)
}

// Snapshot compares the plain-text view with its golden file.
func Snapshot(t *testing.T, view string) {
	t.Helper()
	golden.RequireEqual(t, []byte(view))
}

// CheckSize fails unless out is exactly h lines of exactly w cells.
func CheckSize(t testing.TB, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: %d lines:\n%s", w, h, len(lines), ansi.Strip(out))
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("%dx%d: line %d is %d cells wide: %q", w, h, i, got, ansi.Strip(l))
		}
	}
}

// CheckClean fails when the raw view holds a piece of Hostile.
func CheckClean(t testing.TB, out string) {
	t.Helper()
	for _, s := range Forbidden {
		if strings.Contains(out, s) {
			t.Errorf("the view holds %q", s)
		}
	}
}

// CheckSizes draws tab at every width from 40 to 160 and a range of
// heights, and fails unless each view is exactly its size.
func CheckSizes(t testing.TB, tab common.Tab) {
	t.Helper()
	for w := 40; w <= 160; w += 3 {
		for _, h := range []int{1, 2, 5, 8, 12, 17, 18, 24, 35, 40, 60} {
			tab.SetSize(w, h)
			CheckSize(t, tab.View(), w, h)
		}
	}
}
