package tui

import (
	"bytes"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// A client that does not use bracketed paste sends pasted text as raw
// bytes, and the program turns every byte into its own key press: each one
// goes through Update and View. These tests and benchmarks feed such bytes
// through a real program, the way an SSH client would.

// pipeTimeout bounds how long a piped program may take to end.
const pipeTimeout = 2 * time.Minute

// piped is a real program whose input is a pipe.
type piped struct {
	in    *io.PipeWriter
	out   *io.PipeReader
	done  chan struct{}
	final tea.Model
	err   error
}

// firstDraw tells when the model first draws something: the window size has
// arrived and the screen is up, so that what is written next is typed into
// it.
type firstDraw struct {
	tea.Model
	drawn chan struct{}
	once  *sync.Once
}

func (d firstDraw) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := d.Model.Update(msg)
	d.Model = m
	return d, cmd
}

func (d firstDraw) View() tea.View {
	v := d.Model.View()
	if v.Content != "" {
		d.once.Do(func() { close(d.drawn) })
	}
	return v
}

// runPiped starts m at w×h and returns once its screen is drawn.
func runPiped(tb testing.TB, m tea.Model, w, h int) *piped {
	tb.Helper()
	pr, pw := io.Pipe()
	pp := &piped{in: pw, out: pr, done: make(chan struct{})}
	drawn := make(chan struct{})
	p := tea.NewProgram(firstDraw{Model: m, drawn: drawn, once: new(sync.Once)},
		tea.WithInput(pr), tea.WithOutput(io.Discard), tea.WithWindowSize(w, h),
		tea.WithoutSignalHandler(), tea.WithColorProfile(colorprofile.Ascii))
	go func() {
		defer close(pp.done)
		pp.final, pp.err = p.Run()
		pr.Close() // a write still under way ends
	}()
	select {
	case <-drawn:
	case <-pp.done:
		tb.Fatalf("the program ended before drawing: %v", pp.err)
	case <-time.After(pipeTimeout):
		tb.Fatal("the program drew nothing")
	}
	return pp
}

// finish writes b then ctrl+c, and returns the model once the program has
// ended: every byte of b has then gone through Update.
func (pp *piped) finish(tb testing.TB, b []byte) tea.Model {
	tb.Helper()
	go func() {
		pp.in.Write(b)
		pp.in.Write([]byte{0x03})
	}()
	select {
	case <-pp.done:
	case <-time.After(pipeTimeout):
		tb.Fatalf("the program did not end within %s", pipeTimeout)
	}
	if pp.err != nil {
		tb.Fatalf("program: %v", pp.err)
	}
	return pp.final.(firstDraw).Model
}

// enrollOptions open the enrollment screen of an SSH key with the hosting
// number prefilled, so that the focus is on the password field.
func enrollOptions(f *ct.Fixture) Options {
	o := options(f)
	o.Enroll = &Enroll{Fingerprint: "SHA256:q5Wc0pN1+fbF5o0yv7cM2x2mYkq6y1qQ9x3Jc1XyZ7A", PublicKey: "ssh-ed25519 AAAA", Name: "poste"}
	return o
}

// 5000 keys typed raw into the password field, as a paste from a client
// without bracketed paste: the field stops at its limit, and the screen is
// rendered once a frame, not once a key.
func TestRawKeysRenderOncePerFrame(t *testing.T) {
	t.Parallel()
	const keys = 5000
	f := newFixture(t)
	pp := runPiped(t, New(f.B, enrollOptions(f)), 80, 24)
	start := time.Now()
	m := pp.finish(t, bytes.Repeat([]byte("a"), keys)).(*model)
	t.Logf("%d keys in %s, %d renders", keys, time.Since(start).Round(time.Millisecond), m.renders)
	if m.login.focus != fieldPassword {
		t.Fatalf("focus on field %d, want the password", m.login.focus)
	}
	limit := m.login.inputs[fieldPassword].CharLimit
	if got := m.login.inputs[fieldPassword].Value(); got != strings.Repeat("a", limit) {
		t.Errorf("the password holds %d characters, want %d", len(got), limit)
	}
	if m.renders >= keys/10 {
		t.Errorf("%d renders for %d keys, want fewer than %d", m.renders, keys, keys/10)
	}
	// What the last render drew: the field full of bullets.
	if v := ansi.Strip(m.render()); !strings.Contains(v, strings.Repeat("•", m.login.inputWidth())) {
		t.Errorf("the password field is not full:\n%s", v)
	}
}

// The last state of a burst is drawn without anything sent after it: 297
// keys typed quickly in the key's name, the text appearing only at the last
// one.
func TestBurstEndsDrawn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := run(t, f, 80, 24, enrollOptions(f))
	s.WaitText(t, "Nom de la clé", "poste")
	s.Key("tab") // from the password to the key's name
	s.WaitFor(t, "focus on the key's name", func(v string) bool {
		for _, l := range strings.Split(v, "\n") {
			if strings.Contains(l, "▸ Nom de la clé") {
				return true
			}
		}
		return false
	})
	for range 147 {
		s.Type("x")
		s.Key("backspace")
	}
	s.Type("FIN") // 294 + 3 keys
	s.WaitText(t, "posteFIN")
}

// noop is a model that does nothing but quit on ctrl+c: the cost of the
// program itself.
type noop struct{}

func (noop) Init() tea.Cmd { return nil }

func (n noop) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok && k.String() == "ctrl+c" {
		return n, tea.Quit
	}
	return n, nil
}

func (noop) View() tea.View { return tea.NewView("noop") }

// rawKeys100KB is 100 KB of text as a client without bracketed paste sends
// it; pasted100KB the same text in a bracketed paste.
var (
	rawKeys100KB = bytes.Repeat([]byte("a"), 100<<10)
	pasted100KB  = []byte("\x1b[200~" + strings.Repeat("a", 100<<10) + "\x1b[201~")
)

// benchPiped runs, b.N times, a fresh model from mk fed with input, and
// reports the CPU time of the whole process per run beside the wall time.
func benchPiped(b *testing.B, mk func() tea.Model, input []byte) {
	var cpu time.Duration
	measured := true
	b.StopTimer()
	for range b.N {
		pp := runPiped(b, mk(), 80, 24)
		c0, ok0 := cpuTime()
		b.StartTimer()
		pp.finish(b, input)
		b.StopTimer()
		c1, ok1 := cpuTime()
		cpu += c1 - c0
		measured = measured && ok0 && ok1
	}
	if measured {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkProgramNoop is the baseline: the bytes of BenchmarkRawKeys100KB
// into a program whose model does nothing.
func BenchmarkProgramNoop(b *testing.B) {
	benchPiped(b, func() tea.Model { return noop{} }, rawKeys100KB)
}

// BenchmarkRawKeys100KB types 100 KB, one key press per byte, into the
// password field of the enrollment screen.
func BenchmarkRawKeys100KB(b *testing.B) {
	f := newFixture(b)
	benchPiped(b, func() tea.Model { return New(f.B, enrollOptions(f)) }, rawKeys100KB)
}

// BenchmarkPaste100KB pastes 100 KB at once (bracketed paste) into the same
// field.
func BenchmarkPaste100KB(b *testing.B) {
	f := newFixture(b)
	benchPiped(b, func() tea.Model { return New(f.B, enrollOptions(f)) }, pasted100KB)
}

// Enrolling through the screen hands the new session to Enroll.Enrolled,
// once, before the console opens.
func TestEnrolledHook(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t) // the first login is done: no invoice asked
	got := make(chan *backend.Session, 2)
	opts := enrollOptions(f)
	opts.Enroll.Enrolled = func(s *backend.Session) { got <- s }
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Enregistrer votre clé SSH")
	s.Type(f.Pw)
	s.Key("enter")
	s.WaitText(t, "Autres bases")
	select {
	case sess := <-got:
		if sess == nil || sess.Actor() == "" {
			t.Errorf("Enrolled got session %v", sess)
		}
	default:
		t.Fatal("Enrolled was not called")
	}
	if len(got) != 0 {
		t.Error("Enrolled was called more than once")
	}
}
