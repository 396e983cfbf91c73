package ssh

import (
	"bytes"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// frames is a model whose view is the next of its frames.
type frames struct{ content string }

func (f *frames) Init() tea.Cmd                       { return nil }
func (f *frames) Update(tea.Msg) (tea.Model, tea.Cmd) { return f, nil }
func (f *frames) View() tea.View {
	v := tea.NewView(f.content)
	v.AltScreen, v.MouseMode, v.WindowTitle = true, tea.MouseModeCellMotion, "Console"
	return v
}

// screenOf is what a terminal shows after out, trailing spaces dropped.
func screenOf(w, h int, out []byte) string {
	emu := vt.NewEmulator(w, h)
	emu.Write(out) //nolint:errcheck
	lines := strings.Split(emu.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// The terminal shows exactly the last frame, whatever came before it:
// lines that shrink, rows that go, a resize, a line wider than the window;
// an unchanged frame sends nothing; and the end gives the terminal back.
func TestLineScreenDrawsTheFrame(t *testing.T) {
	var out bytes.Buffer
	m := &frames{}
	s, _ := newLineScreen(m, &out, []string{"TERM=xterm-256color"})
	s.Update(tea.WindowSizeMsg{Width: 20, Height: 5})
	steps := []struct {
		content string
		want    string
	}{
		{"\x1b[1mTitre\x1b[0m\nligne deux longue\nTrois", "Titre\nligne deux longue\nTrois"},
		{"Titre\nlig\nTrois\nQuatre", "Titre\nlig\nTrois\nQuatre"},
		{"Titre", "Titre"},
		{"é●日本 " + strings.Repeat("x", 30) + "\nfin", "é●日本 " + strings.Repeat("x", 13) + "\nfin"},
	}
	for i, st := range steps {
		m.content = st.content
		s.View()
		if got := screenOf(20, 5, out.Bytes()); got != st.want {
			t.Fatalf("frame %d: the terminal shows\n%q\nwant\n%q", i, got, st.want)
		}
	}
	n := out.Len()
	s.View()
	if out.Len() != n {
		t.Errorf("an unchanged frame sent %q", out.Bytes()[n:])
	}
	frame := out.String()
	if !strings.Contains(frame, ansi.ResetModeAutoWrap) || !strings.HasSuffix(frame, ansi.SetModeAutoWrap+"\x1b[?2026l") {
		t.Error("frames are not written with line wrapping off")
	}
	s.Update(tea.WindowSizeMsg{Width: 30, Height: 3})
	m.content = "a\nb\nc\nd"
	s.View()
	if got := screenOf(30, 3, out.Bytes()[n:]); got != "a\nb\nc" {
		t.Errorf("after a resize: %q", got)
	}
	s.end()
	tail := out.String()[n:]
	for _, seq := range []string{ansi.ResetModeAltScreenSaveCursor, ansi.ShowCursor, ansi.ResetModeMouseButtonEvent,
		ansi.ResetModeBracketedPaste, ansi.SetWindowTitle("")} {
		if !strings.Contains(tail, seq) {
			t.Errorf("the end does not send %q", seq)
		}
	}
	n = out.Len()
	m.content = "après la fin"
	s.View()
	if out.Len() != n {
		t.Error("a frame was drawn after the end")
	}
}
