// Package consoletest drives the console in tests: a real back end on a
// temporary data folder with one establishment (Fixture), the console run
// by teatest with its latest screen kept (Screen), and the helpers of the
// plain-text snapshots. The root's tests (package tui) and the tabs' tests
// (package <tab>_test) share it; it does not import the console, so that
// the root's own tests can use it: they hand it the model and the function
// that draws it.
package consoletest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// Epoch is the fake clock's first instant: a Saturday morning in Paris.
var Epoch = time.Date(2026, 11, 28, 9, 0, 0, 0, clock.Paris())

// Sizes are the two terminal sizes every snapshot is taken at.
var Sizes = []struct{ W, H int }{{80, 24}, {120, 40}}

// EachSize runs fn at each of Sizes, in parallel subtests named WxH.
func EachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	t.Helper()
	for _, sz := range Sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.W, sz.H), func(t *testing.T) {
			t.Parallel()
			fn(t, sz.W, sz.H)
		})
	}
}

// Fixture is a real back end on a temporary data folder with one
// establishment, and a folder of hosting files generated for it.
type Fixture struct {
	B     *backend.Backend
	Clk   *clock.Fake
	Est   backend.Establishment
	Pw    string
	Files string
}

// NewFixture opens the back end and creates the establishment.
func NewFixture(t testing.TB) *Fixture {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(Epoch)
	b, err := backend.Open(ctx, backend.Options{
		DataDir:      t.TempDir(),
		Clock:        clk,
		Hashing:      password.Fast,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("backend.Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	// The tests stand for the process that runs the hosted server's
	// stand-in, which holds the live connections (backend/connections.go).
	b.HoldConnections(true)
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{
		Name: "Collège Victor Hugo", UAI: "0250001A", Email: "ce.0250001a@ac-besancon.fr",
		Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 30,
		// A fixed number, so that the switch day it gives (Mon compte) is the
		// same in every run (Normalize writes it 123456789012 anyway).
		HostingNumber: "314159265358",
	})
	if err != nil {
		t.Fatalf("CreateEstablishment: %v", err)
	}
	return &Fixture{B: b, Clk: clk, Est: est, Pw: pw, Files: t.TempDir()}
}

// Session logs in from the back end directly, as another console would; the
// first call also answers the invoice question, so that later logins from
// the console under test ask for the password only.
func (f *Fixture) Session(t testing.TB) *backend.Session {
	t.Helper()
	s, err := f.B.Login(context.Background(), backend.LoginRequest{
		HostingNumber: f.Est.HostingNumber, Password: f.Pw, Invoice: f.Est.Invoice, Addr: "autre poste",
	})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return s
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

// Generate writes NAME.HNOT and its annexes for the establishment, with
// fixed dates so that listings do not change from one run to the next.
func (f *Fixture) Generate(t testing.TB, name string, year int, students int) []string {
	t.Helper()
	paths, err := hostfile.Generate(f.Files, hostfile.GenerateOptions{
		HostingNumber: f.Est.HostingNumber, Name: name, Establishment: f.Est.Name,
		Year: hostfile.SchoolYear(year), Students: students, Teachers: students / 12, Classes: students / 25,
		Size: 2 << 20, Now: Epoch, BaseID: strings.Repeat("b", 31) + string(rune('0'+year%10)),
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, p := range paths {
		os.Chtimes(p, Epoch, Epoch)
	}
	return paths
}

// Load uploads a generated file through session s.
func (f *Fixture) Load(t testing.TB, s *backend.Session, path string) backend.Base {
	t.Helper()
	r, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := s.LoadBase(context.Background(), filepath.Base(path), r, nil)
	if err != nil {
		t.Fatalf("LoadBase %s: %v", path, err)
	}
	return b
}

// FixedHash is what a snapshot shows for every SHA-256: the hashes depend
// on the hosting number, which is drawn at random.
var FixedHash = strings.Repeat("0123456789abcdef", 4)

// hexRun is a piece of a hash on screen: whole, a half, the start or the
// end around "…", or what a dialog drawn over the details leaves of it.
var hexRun = regexp.MustCompile(`[0-9a-f]{6,}`)

// Normalize replaces what changes from run to run by fixed text of the
// same width: the hosting number, the SHA-256 of the bases (each piece of
// a hash on screen by the piece of FixedHash at the same place), and the
// picker's folder.
func (f *Fixture) Normalize(t testing.TB, s string) string {
	t.Helper()
	s = strings.ReplaceAll(s, f.Est.HostingNumber, "123456789012")
	if dir := "/home/ecole/exports"; len(f.Files) >= len(dir) {
		s = strings.ReplaceAll(s, f.Files, dir+strings.Repeat(" ", len(f.Files)-len(dir)))
	}
	if !hexRun.MatchString(strings.ReplaceAll(s, "123456789012", "")) {
		return s // no hash on screen: the login screens, before the first login
	}
	lists, err := f.Session(t).Bases(context.Background())
	if err != nil {
		t.Fatalf("Bases: %v", err)
	}
	var hashes []string
	for _, b := range append(lists.PreviouslyInService, lists.Uploaded...) {
		if len(b.SHA256) == len(FixedHash) {
			hashes = append(hashes, b.SHA256)
		}
	}
	return hexRun.ReplaceAllStringFunc(s, func(run string) string {
		for _, h := range hashes {
			if i := strings.Index(h, run); i >= 0 {
				return FixedHash[i : i+len(run)]
			}
		}
		return run
	})
}

// Snapshot compares the screen with its golden file,
// testdata/<test name>.golden; go test -update rewrites it.
func Snapshot(t *testing.T, s string) {
	t.Helper()
	golden.RequireEqual(t, []byte(s))
}

// Screen runs the console in a teatest program and keeps its latest view.
type Screen struct {
	TM     *teatest.TestModel
	fix    *Fixture
	render func(tea.Model) string
	mu     sync.Mutex
	last   string
}

// watch wraps the root model to record each view it draws, so that tests
// wait on what the user would see.
type watch struct {
	tea.Model
	s *Screen
}

func (w watch) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := w.Model.Update(msg)
	w.Model = m
	return w, cmd
}

func (w watch) View() tea.View {
	v := w.Model.View()
	w.s.mu.Lock()
	w.s.last = v.Content
	w.s.mu.Unlock()
	return v
}

// Start runs m, a console, at w×h with a fixed colour profile; render draws
// the model a finished program returns, for Final.
func (f *Fixture) Start(t *testing.T, w, h int, m tea.Model, render func(tea.Model) string) *Screen {
	t.Helper()
	s := &Screen{fix: f, render: render}
	s.TM = teatest.NewTestModel(t, watch{Model: m, s: s},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", s.View())
		}
		s.TM.Quit()
		// The program ends before the back end closes (cleanups run last
		// registered first): no command of the console still reads the
		// data folder while the test removes it.
		s.TM.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
	})
	return s
}

// View is the latest screen as plain text.
func (s *Screen) View() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.last)
}

// Raw is the latest screen with its styling.
func (s *Screen) Raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// WaitFor waits until the screen satisfies cond.
func (s *Screen) WaitFor(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	// The view is what is checked; the program's byte stream is left unread
	// for the tests that look at it.
	teatest.WaitFor(t, bytes.NewReader(nil), func([]byte) bool { return cond(s.View()) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
	_ = what
}

// WaitText waits until the screen shows every one of texts.
func (s *Screen) WaitText(t *testing.T, texts ...string) {
	t.Helper()
	s.WaitFor(t, strings.Join(texts, ", "), func(v string) bool {
		for _, x := range texts {
			if !strings.Contains(v, x) {
				return false
			}
		}
		return true
	})
}

// Key sends one named key ("enter", "tab", "esc", "ctrl+r"…) or a letter.
func (s *Screen) Key(k string) { s.TM.Send(KeyMsg(k)) }

// Type types text, one key press a character.
func (s *Screen) Type(text string) { s.TM.Type(text) }

// Send sends a message to the program.
func (s *Screen) Send(msg tea.Msg) { s.TM.Send(msg) }

// KeyMsg is the key press of a named key or of a character.
func KeyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	case "ctrl+u":
		return tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}

// Login types the password and waits for the console: the header read and
// the tab in focus loaded.
func (s *Screen) Login(t *testing.T) {
	t.Helper()
	s.WaitText(t, "Mot de passe")
	s.Type(s.fix.Pw)
	s.Key("enter")
	s.WaitLoaded(t)
}

// WaitLoaded waits for the console after login: the header's status read
// and nothing loading.
func (s *Screen) WaitLoaded(t *testing.T) {
	t.Helper()
	s.WaitFor(t, "console loaded", func(v string) bool {
		return strings.Contains(v, "n° d'hébergement") && strings.Contains(v, "Serveur ●") && !strings.Contains(v, "Chargement…")
	})
}

// FinalModel quits and returns the model the program ended with.
func (s *Screen) FinalModel(t *testing.T) tea.Model {
	t.Helper()
	s.TM.Quit()
	return s.TM.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(watch).Model
}

// Final quits and returns the screen of the final model, drawn now (View
// would return the last frame drawn, which may be a frame old), as plain
// text with the values that change from run to run replaced (Normalize).
func (s *Screen) Final(t *testing.T) string {
	t.Helper()
	return s.fix.Normalize(t, ansi.Strip(s.render(s.FinalModel(t))))
}
