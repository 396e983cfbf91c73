package common

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend/sanitize"
)

// Clean is the one door through which text that came from a user or a file
// (base names, establishment name, actors, file names) reaches a view.
func Clean(s string) string { return sanitize.Line(s) }

// Fit truncates s (styled or not) to w cells with an ellipsis and pads it
// with spaces to exactly w cells.
func Fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = strings.TrimRight(ansi.Truncate(s, w-1, ""), " ") + "…"
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s += strings.Repeat(" ", pad)
	}
	return s
}

// FitRight is Fit with the text aligned to the right.
func FitRight(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if ansi.StringWidth(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	if pad := w - ansi.StringWidth(s); pad > 0 {
		s = strings.Repeat(" ", pad) + s
	}
	return s
}

// TruncLeft keeps the end of s (a path, typically) within w cells.
func TruncLeft(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	if w <= 1 {
		return ansi.Truncate(s, w, "")
	}
	return "…" + ansi.TruncateLeft(s, ansi.StringWidth(s)-w+1, "")
}

// Wrap breaks s into lines of at most w cells, at spaces where it can and
// inside long words (a SHA-256) where it must.
func Wrap(s string, w int) []string {
	if w <= 0 {
		return nil
	}
	return strings.Split(ansi.Wrap(s, w, ""), "\n")
}

// ShortHash keeps the start and the end of a hex digest, enough to compare it
// by eye with the one the school's server printed.
func ShortHash(h string, w int) string {
	if len(h) <= w || w < 9 {
		return h
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return h[:head] + "…" + h[len(h)-tail:]
}

// Box draws a rounded frame of exactly w×h cells with the title set in the
// top border and the lines inside, each cut or padded to the inner width.
// Frame and padding are part of w, as lipgloss v2 counts them.
func Box(st *Styles, title string, lines []string, w, h int, focused bool) string {
	return BoxPad(st, title, lines, w, h, focused, 1)
}

// BoxPad is Box with pad spaces (0 or 1) between the frame and the lines.
func BoxPad(st *Styles, title string, lines []string, w, h int, focused bool, pad int) string {
	if w < 6 || h < 2 {
		return ""
	}
	bs, ts := st.BorderFg, st.Muted.Bold(true)
	if focused {
		bs, ts = st.FocusFg, st.Title
	}
	inner := w - 2 - 2*pad
	sp := strings.Repeat(" ", pad)
	var b strings.Builder
	t := ansi.Truncate(title, w-6, "…")
	if t == "" {
		b.WriteString(bs.Render("╭" + strings.Repeat("─", w-2) + "╮"))
	} else {
		fill := w - 5 - ansi.StringWidth(t)
		b.WriteString(bs.Render("╭─") + ts.Render(" "+t+" ") + bs.Render(strings.Repeat("─", max(fill, 0))+"╮"))
	}
	side := bs.Render("│")
	for i := 0; i < h-2; i++ {
		var l string
		if i < len(lines) {
			l = lines[i]
		}
		b.WriteString("\n" + side + sp + Fit(l, inner) + sp + side)
	}
	b.WriteString("\n" + bs.Render("╰"+strings.Repeat("─", w-2)+"╯"))
	return b.String()
}

// PadLines makes s exactly h lines of exactly w cells.
func PadLines(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = Fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return strings.Join(out, "\n")
}

// LowerFirst lowers the first letter only: "Passer à PRONOTE 2027" reads
// "passer à PRONOTE 2027", names and acronyms keep their case.
func LowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
