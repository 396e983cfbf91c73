package tui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
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

// start is the fake clock's first instant: a Saturday morning in Paris.
var start = time.Date(2026, 11, 28, 9, 0, 0, 0, clock.Paris())

// sizes are the two terminal sizes every snapshot is taken at.
var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// fixture is a real back end on a temporary data folder with one
// establishment, and a folder of hosting files generated for it.
type fixture struct {
	b     *backend.Backend
	clk   *clock.Fake
	est   backend.Establishment
	pw    string
	files string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	clk := clock.NewFake(start)
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
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{
		Name: "Collège Victor Hugo", UAI: "0250001A", Email: "ce.0250001a@ac-besancon.fr",
		Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 30,
	})
	if err != nil {
		t.Fatalf("CreateEstablishment: %v", err)
	}
	return &fixture{b: b, clk: clk, est: est, pw: pw, files: t.TempDir()}
}

// session logs in from the back end directly, as another console would; the
// first call also answers the invoice question, so that later logins from
// the console under test ask for the password only.
func (f *fixture) session(t *testing.T) *backend.Session {
	t.Helper()
	s, err := f.b.Login(context.Background(), backend.LoginRequest{
		HostingNumber: f.est.HostingNumber, Password: f.pw, Invoice: f.est.Invoice, Addr: "autre poste",
	})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return s
}

// generate writes NAME.HNOT and its annexes for the establishment, with fixed
// dates so that listings do not change from one run to the next.
func (f *fixture) generate(t *testing.T, name string, year int, students int) []string {
	t.Helper()
	paths, err := hostfile.Generate(f.files, hostfile.GenerateOptions{
		HostingNumber: f.est.HostingNumber, Name: name, Establishment: f.est.Name,
		Year: hostfile.SchoolYear(year), Students: students, Teachers: students / 12, Classes: students / 25,
		Size: 2 << 20, Now: start, BaseID: strings.Repeat("b", 31) + string(rune('0'+year%10)),
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for _, p := range paths {
		os.Chtimes(p, start, start)
	}
	return paths
}

// load uploads a generated file through session s.
func (f *fixture) load(t *testing.T, s *backend.Session, path string) backend.Base {
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

// screen runs the console in a teatest program and keeps its latest view.
type screen struct {
	tm   *teatest.TestModel
	mu   sync.Mutex
	last string
	fix  *fixture
}

// watch wraps the root model to record each view it draws, so that tests
// wait on what the user would see.
type watch struct {
	tea.Model
	s *screen
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

// options are the console options of the tests: the hosting number
// prefilled, the picker in the fixture's folder, the fake clock.
func (f *fixture) options() Options {
	var o Options
	o.Prefill.HostingNumber = f.est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.files
	o.Now = f.clk.Now
	return o
}

func (f *fixture) start(t *testing.T, w, h int, opts Options) *screen {
	t.Helper()
	s := &screen{fix: f}
	s.tm = teatest.NewTestModel(t, watch{Model: New(f.b, opts), s: s},
		teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", s.view())
		}
		s.tm.Quit()
	})
	return s
}

// view is the latest screen as plain text.
func (s *screen) view() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ansi.Strip(s.last)
}

// raw is the latest screen with its styling.
func (s *screen) raw() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// waitFor waits until the screen satisfies cond.
func (s *screen) waitFor(t *testing.T, what string, cond func(string) bool) {
	t.Helper()
	// The view is what is checked; the program's byte stream is left unread
	// for the tests that look at it.
	teatest.WaitFor(t, bytes.NewReader(nil), func([]byte) bool { return cond(s.view()) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
	_ = what
}

// waitText waits until the screen shows every one of texts.
func (s *screen) waitText(t *testing.T, texts ...string) {
	t.Helper()
	s.waitFor(t, strings.Join(texts, ", "), func(v string) bool {
		for _, x := range texts {
			if !strings.Contains(v, x) {
				return false
			}
		}
		return true
	})
}

// key sends one named key ("enter", "tab", "esc", "ctrl+r"…) or a letter.
func (s *screen) key(k string) {
	s.tm.Send(keyMsg(k))
}

func keyMsg(k string) tea.KeyPressMsg {
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

// login types the password and waits for the Autres bases tab.
func (s *screen) login(t *testing.T) {
	t.Helper()
	s.waitText(t, "Mot de passe")
	s.tm.Type(s.fix.pw)
	s.key("enter")
	s.waitFor(t, "tab loaded", func(v string) bool {
		return strings.Contains(v, "Autres bases") && !strings.Contains(v, "Chargement…")
	})
}

// final quits and returns the last view of the final model, as plain text
// with the values that change from run to run replaced: the hosting number
// (drawn at random), the SHA-256 of the bases (which depends on it) and the
// picker's temporary folder.
func (s *screen) final(t *testing.T) string {
	t.Helper()
	s.tm.Quit()
	fm := s.tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second))
	root := fm.(watch).Model.(*model)
	for _, tb := range root.tabs {
		if bt, ok := tb.(*basesTab); ok {
			for i := range bt.lists {
				for j := range bt.lists[i].bases {
					bt.lists[i].bases[j].SHA256 = strings.Repeat("0123456789abcdef", 4)
				}
			}
		}
	}
	// Render the final model now: View would return the last frame drawn,
	// which may be a frame old and predates the hashes replaced above.
	return s.fix.normalize(ansi.Strip(root.render()))
}

// normalize replaces the hosting number and the picker's folder by fixed
// text of the same width.
func (f *fixture) normalize(s string) string {
	s = strings.ReplaceAll(s, f.est.HostingNumber, "123456789012")
	if dir := "/home/ecole/exports"; len(f.files) >= len(dir) {
		s = strings.ReplaceAll(s, f.files, dir+strings.Repeat(" ", len(f.files)-len(dir)))
	}
	return s
}

// snapshot compares the screen with its golden file.
func snapshot(t *testing.T, s string) {
	t.Helper()
	golden.RequireEqual(t, []byte(s))
}
