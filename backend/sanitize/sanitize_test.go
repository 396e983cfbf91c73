package sanitize_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/hebergement/console/backend/sanitize"
)

func TestLine(t *testing.T) {
	csi40 := "\x1b[" + strings.Repeat("1;", 39) + "1m"
	cases := []struct{ name, in, want string }{
		{"plain ASCII", "Lycée Hugo", "Lycée Hugo"},
		{"accents and emoji kept", "Élèves de 3ᵉ — café 🎓 ñ ç Œ 日本", "Élèves de 3ᵉ — café 🎓 ñ ç Œ 日本"},
		{"flag emoji kept", "🇫🇷 France", "🇫🇷 France"},
		{"SGR colour", "\x1b[31mrouge\x1b[0m", "rouge"},
		{"CSI with 40 parameters", "a" + csi40 + "b", "ab"},
		{"CSI with 1000 parameters", "a\x1b[" + strings.Repeat("9;", 1000) + "9Hb", "ab"},
		{"private CSI", "a\x1b[?1049hb", "ab"},
		{"OSC title ended by BEL", "a\x1b]0;piégé\x07b", "ab"},
		{"OSC hyperlink ended by ST", "a\x1b]8;;https://evil.example\x1b\\lien\x1b]8;;\x1b\\b", "alienb"},
		{"OSC ended by C1 ST", "a\x1b]0;x\u009cb", "ab"},
		{"OSC never ended", "a\x1b]0;rest of the line", "a"},
		{"DCS", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"APC", "a\x1b_Gf=100;AAAA\x1b\\b", "ab"},
		{"C1 CSI U+009B", "a\u009b31mb", "ab"},
		{"C1 OSC U+009D", "a\u009d0;t\u0007b", "ab"},
		{"raw 8-bit CSI byte", "a\x9b31mb", "a31mb"},
		{"ESC then a letter", "a\x1bcb", "ab"},
		{"ESC with intermediate", "a\x1b(0b", "ab"},
		{"lone ESC at the end", "a\x1b", "a"},
		{"bidi override U+202E", "abc\u202efdp.exe", "abcfdp.exe"},
		{"bidi isolates", "a\u2066b\u2069c", "abc"},
		{"zero-width space U+200B", "a\u200bb", "ab"},
		{"BOM", "\ufeffab", "ab"},
		{"DEL", "a\x7fb", "ab"},
		{"NUL and bell", "a\x00\x07b", "ab"},
		{"backspace", "abc\b\b\bxyz", "abcxyz"},
		{"newline, tab and CR become spaces", "a\nb\tc\rd", "a b c d"},
		{"line separators", "a\u2028b\u2029c", "abc"},
		{"invalid UTF-8", "a\xff\xfeb", "ab"},
		{"C1 NEL", "a\u0085b", "ab"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := sanitize.Line(c.in)
			if got != c.want {
				t.Errorf("Line(%q) = %q, want %q", c.in, got, c.want)
			}
			assertPrintable(t, got, false)
		})
	}
}

func TestText(t *testing.T) {
	in := "Bonjour,\n\x1b[2J\x1b[Hvotre base\u202e est prête.\r\n"
	want := "Bonjour,\nvotre base est prête. \n"
	if got := sanitize.Text(in); got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// assertPrintable checks no control, format or escape character is left.
func assertPrintable(t *testing.T, s string, newlines bool) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%q is not valid UTF-8", s)
	}
	for _, r := range s {
		if r == '\n' && newlines {
			continue
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			t.Errorf("%q keeps %U", s, r)
		}
	}
}

// FuzzLine: whatever the input, nothing a terminal interprets is left, and
// cleaning twice changes nothing.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"Lycée 🎓", "\x1b[31mx", "\u009b1;2m", "\x1b]0;t\x07", "a\u202eb", "\x1b", "\xc2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sanitize.Line(s)
		assertPrintable(t, got, false)
		if strings.ContainsRune(got, '\x1b') {
			t.Fatalf("ESC left in %q", got)
		}
		if again := sanitize.Line(got); again != got {
			t.Fatalf("not idempotent: %q → %q → %q", s, got, again)
		}
		text := sanitize.Text(s)
		assertPrintable(t, text, true)
	})
}
