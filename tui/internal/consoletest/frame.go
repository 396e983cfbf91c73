package consoletest

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

// CheckFrame checks the screen rule after login: exactly h lines, none
// wider than w, the header on the first line, the panes whole (panes top
// and panes bottom borders), and, right under the last bottom border, the
// status line starting with status.
func CheckFrame(t *testing.T, v string, w, h, panes int, status string) {
	t.Helper()
	lines := strings.Split(v, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: the view has %d lines, want %d:\n%s", w, h, len(lines), h, v)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("%dx%d: line %d is %d cells wide", w, h, i, lw)
		}
	}
	if !strings.Contains(lines[0], "n° d'hébergement") {
		t.Errorf("%dx%d: the header is not on the first line:\n%s", w, h, v)
	}
	if top, bottom := strings.Count(v, "╭"), strings.Count(v, "╰"); top != panes || bottom != panes {
		t.Errorf("%dx%d: %d top and %d bottom borders, want %d of each:\n%s", w, h, top, bottom, panes, v)
	}
	last := -1
	for i, l := range lines {
		if strings.Contains(l, "╰") {
			last = i
		}
	}
	if last < 0 || last+1 >= len(lines) {
		t.Fatalf("%dx%d: no bottom border above the status line:\n%s", w, h, v)
	}
	if l := strings.TrimRight(lines[last], " "); !strings.HasPrefix(l, "╰") || !strings.HasSuffix(l, "╯") {
		t.Errorf("%dx%d: line %d is not a whole bottom border: %q", w, h, last, l)
	}
	next := strings.TrimSpace(lines[last+1])
	if status == "" && next != "" || !strings.HasPrefix(next, status) {
		t.Errorf("%dx%d: the line under the panes is %q, want the status line %q", w, h, next, status)
	}
	for i := last + 1; i < len(lines); i++ {
		if strings.ContainsAny(lines[i], "│╭╮") {
			t.Errorf("%dx%d: pane line %d below the status line: %q", w, h, i, lines[i])
		}
	}
}

// PanesAt is how many panes the Autres bases tab shows at width w: the two
// lists, and the details where there is room.
func PanesAt(w int) int {
	if w >= 72 {
		return 3
	}
	return 2
}

// FirstWords is the start of s that fits on one line of w cells.
func FirstWords(s string, w int) string {
	return strings.TrimSpace(common.Wrap(s, w)[0])
}
