package components

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

// hostile is text a user could have typed into a name to attack the
// terminals that draw it: colours, a window title, a hyperlink, a CSI of
// 40 parameters (more than x/ansi v0.11.9 survives), bidi overrides and
// zero-width characters, C1 controls and a bell.
var hostile = "A\x1b[31mrouge\x1b[0m" +
	"\x1b]0;titre volé\x07" +
	"\x1b]8;;http://exemple.invalid\x1b\\lien\x1b]8;;\x1b\\" +
	"\x1b[" + strings.Repeat("1;", 39) + "1m" +
	"\u202eesrevni\u202c\u2066x\u2069" +
	"\u200bzéro\u200d\ufeff" +
	"\u009b31m\u0085\a\b\rZ"

// forbidden are the pieces of hostile that must never reach a view.
var forbidden = []string{
	"\x1b]", "\x1b\\", "\u202e", "\u202c", "\u2066", "\u2069", "\u200b", "\u200d", "\ufeff",
	"\u009b", "\u0085", "\a", "\b", "\r", "titre volé", "exemple.invalid",
}

// sgr matches the styling the views emit themselves.
var sgr = regexp.MustCompile("\x1b\\[[0-9;:]*m")

// checkClean fails when out holds a piece of hostile, or an escape
// sequence other than a short SGR of the styles.
func checkClean(t *testing.T, out string) {
	t.Helper()
	for _, f := range forbidden {
		if strings.Contains(out, f) {
			t.Errorf("output holds %q:\n%q", f, out)
		}
	}
	for _, m := range sgr.FindAllString(out, -1) {
		if n := strings.Count(m, ";") + strings.Count(m, ":"); n > 16 {
			t.Errorf("output holds an SGR of %d parameters: %q", n+1, m)
		}
	}
	if rest := sgr.ReplaceAllString(out, ""); strings.ContainsRune(rest, 0x1b) {
		t.Errorf("output holds an escape sequence that is not a style: %q", rest)
	}
}

// checkSize fails unless out is exactly h lines of exactly w cells.
func checkSize(t *testing.T, out string, w, h int) {
	t.Helper()
	if h == 0 || w == 0 {
		if strings.TrimSpace(ansi.Strip(out)) != "" {
			t.Fatalf("%dx%d: want nothing, got %q", w, h, out)
		}
		return
	}
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Fatalf("%dx%d: %d lines:\n%s", w, h, len(lines), ansi.Strip(out))
	}
	for i, l := range lines {
		if got := ansi.StringWidth(l); got != w {
			t.Fatalf("%dx%d: line %d is %d cells: %q", w, h, i, got, ansi.Strip(l))
		}
	}
}

func styles() *common.Styles {
	st := common.NewStyles(true)
	return &st
}

// plain is a view without its styles, as the goldens hold it.
func plain(s string) string { return ansi.Strip(s) }
