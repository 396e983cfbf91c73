package ssh

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"sync"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// lineScreen draws a console over SSH line by line, in place of Bubble
// Tea's renderer, which the program runs without (tea.WithoutRenderer): it
// wraps the console's model, and at each View writes the lines that changed
// since the last frame.
//
// Why our own: Bubble Tea's renderer keeps two buffers of cells per session
// (about 110 bytes a cell: 420 KB at 80×24, half of what an idle console
// costs; issue 12 asks for 0.5 MB in all), and compares them cell by cell at
// every frame tick. The console's frames are whole lines of styled text at
// the window's width, which a terminal draws as well when each changed line
// is written again: the last frame's lines are all this keeps (a few KB),
// and an unchanged frame costs 24 string comparisons.
//
// The rules:
//   - the screen is the alternate screen, the cursor hidden, with the mouse
//     (cell motion, SGR) and bracketed paste as the view asks; end restores
//     the terminal;
//   - a frame is drawn when View is called (after each message), at once:
//     the console's model already draws at most once a frame (tui/frame.go);
//   - each changed row is erased, then its line written whole; rows below
//     the frame are erased; a new window size, and the first frame, draw
//     everything on a cleared screen;
//   - a line wider than the window is cut to it, and the terminal's line
//     wrapping is off while a frame is written (DECAWM): a character the
//     terminal draws wider than we measure (an emoji with a skin tone, an
//     ambiguous-width character in a CJK setting) is cut at the edge
//     instead of spilling onto the next row, which would stay broken;
//   - colours are brought down to what the client's TERM says it shows
//     (colorprofile), as Bubble Tea's renderer does;
//   - each frame is one write, inside synchronized output (mode 2026, which
//     terminals without it ignore), through the lock the program's own
//     output (its queries) shares, so that the two never interleave.
type lineScreen struct {
	inner tea.Model
	out   io.Writer // the client, through the shared lock and the colour profile

	width, height int
	last          []string // the last frame's lines; nil draws everything
	title         string
	mouse         tea.MouseMode
	paste         bool // bracketed paste on
	started       bool
	buf           bytes.Buffer

	// mu guards ended: end runs once the program has stopped, from the
	// session's end, and nothing is drawn after it.
	mu    sync.Mutex
	ended bool
}

// lockedWriter serializes the writes of the program and of its lineScreen.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newLineScreen wraps the console m drawn to w, whose client's environment
// (TERM, COLORTERM) is environ. Use out as the program's own output
// (tea.WithOutput).
func newLineScreen(m tea.Model, w io.Writer, environ []string) (s *lineScreen, out io.Writer) {
	lw := &lockedWriter{w: w}
	profile := colorprofile.Env(environ)
	if profile < colorprofile.ASCII {
		profile = colorprofile.ASCII // a screen still needs its cursor moves
	}
	return &lineScreen{inner: m, out: &colorprofile.Writer{Forward: lw, Profile: profile}}, lw
}

func (s *lineScreen) Init() tea.Cmd { return s.inner.Init() }

func (s *lineScreen) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok && (ws.Width != s.width || ws.Height != s.height) {
		s.width, s.height, s.last = ws.Width, ws.Height, nil
	}
	var cmd tea.Cmd
	s.inner, cmd = s.inner.Update(msg)
	return s, cmd
}

// View draws the console's view and returns an empty one, for the program
// that renders nothing itself.
func (s *lineScreen) View() tea.View {
	s.draw(s.inner.View())
	return tea.View{}
}

const (
	// A frame is written in synchronized output, line wrapping off.
	frameStart = "\x1b[?2026h" + ansi.ResetModeAutoWrap
	frameEnd   = ansi.SetModeAutoWrap + "\x1b[?2026l"
	resetStyle = "\x1b[m"
)

// draw writes what changed of v since the last frame.
func (s *lineScreen) draw(v tea.View) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.width <= 0 || s.height <= 0 {
		return
	}
	b := &s.buf
	b.Reset()
	b.WriteString(frameStart)
	mark := b.Len()
	if !s.started {
		s.started = true
		b.WriteString(ansi.SetModeAltScreenSaveCursor + ansi.HideCursor)
	}
	if v.WindowTitle != s.title {
		s.title = v.WindowTitle
		b.WriteString(ansi.SetWindowTitle(s.title))
	}
	if v.MouseMode != s.mouse {
		b.WriteString(mouseModes(s.mouse, v.MouseMode))
		s.mouse = v.MouseMode
	}
	if paste := !v.DisableBracketedPasteMode; paste != s.paste {
		s.paste = paste
		if paste {
			b.WriteString(ansi.SetModeBracketedPaste)
		} else {
			b.WriteString(ansi.ResetModeBracketedPaste)
		}
	}
	full := s.last == nil
	if full {
		b.WriteString(resetStyle + ansi.EraseEntireScreen)
	}
	lines := strings.Split(v.Content, "\n")
	if len(lines) > s.height {
		lines = lines[:s.height]
	}
	if v.Content == "" {
		lines = lines[:0]
	}
	for i := range max(len(lines), len(s.last)) {
		var line string
		if i < len(lines) {
			line = lines[i]
		}
		if !full && i < len(s.last) && s.last[i] == line {
			continue
		}
		if full && line == "" {
			continue // the screen was just cleared
		}
		// The row is erased first: a line the terminal draws narrower
		// than we measure (an emoji with VS16) leaves nothing of the last.
		b.WriteString(ansi.CursorPosition(1, i+1))
		b.WriteString(resetStyle + ansi.EraseEntireLine)
		if ansi.StringWidth(line) > s.width {
			line = ansi.Truncate(line, s.width, "")
		}
		b.WriteString(line)
		b.WriteString(resetStyle)
	}
	if b.Len() == mark {
		return // nothing changed
	}
	b.WriteString(frameEnd)
	s.last = slices.Clone(lines) // not the whole split of a view taller than the window
	s.out.Write(b.Bytes())       //nolint:errcheck // a client gone ends the session elsewhere
	if b.Cap() > 64<<10 {
		s.buf = bytes.Buffer{} // a huge window's frame is not kept
	}
}

// mouseModes is what switches the mouse reports from one mode to another.
func mouseModes(from, to tea.MouseMode) string {
	var b strings.Builder
	switch from {
	case tea.MouseModeCellMotion:
		b.WriteString(ansi.ResetModeMouseButtonEvent)
	case tea.MouseModeAllMotion:
		b.WriteString(ansi.ResetModeMouseAnyEvent)
	}
	switch to {
	case tea.MouseModeCellMotion:
		b.WriteString(ansi.SetModeMouseButtonEvent + ansi.SetModeMouseExtSgr)
	case tea.MouseModeAllMotion:
		b.WriteString(ansi.SetModeMouseAnyEvent + ansi.SetModeMouseExtSgr)
	case tea.MouseModeNone:
		if from != tea.MouseModeNone {
			b.WriteString(ansi.ResetModeMouseExtSgr)
		}
	}
	return b.String()
}

// end gives the terminal back as the console found it: mouse and pasting
// off, the title cleared, the cursor shown, the main screen back. Once ended, nothing more is
// drawn.
func (s *lineScreen) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || !s.started {
		s.ended = true
		return
	}
	s.ended = true
	seq := mouseModes(s.mouse, tea.MouseModeNone)
	if s.paste {
		seq += ansi.ResetModeBracketedPaste
	}
	if s.title != "" {
		seq += ansi.SetWindowTitle("")
	}
	seq += resetStyle + ansi.ShowCursor + ansi.ResetModeAltScreenSaveCursor
	io.WriteString(s.out, seq) //nolint:errcheck // the client may be gone
}
