// Package sanitize strips what must never reach a terminal from text that came
// from a user or a file. It is a security boundary: a crafted escape sequence
// drawn as-is can corrupt a screen or, with some renderers, crash the server.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Line returns s reduced to one printable line: escape sequences are dropped
// whole, every other control, format (bidi, zero-width) or invalid character
// is dropped, and newlines and tabs become spaces.
func Line(s string) string {
	return clean(s, false)
}

// Text is Line but keeps newlines, for multi-line text such as a message body.
func Text(s string) string {
	return clean(s, true)
}

func clean(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			i++
			continue
		case r == 0x1b: // ESC: drop the whole sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + paramsLen(s[i+size:])
			continue
		case r == 0x90 || r == 0x9d || r == 0x9e || r == 0x9f || r == 0x98: // C1 DCS, OSC, PM, APC, SOS
			i += size + stringLen(s[i+size:])
			continue
		case r == '\n' && keepNewlines:
			b.WriteByte('\n')
		case r == '\n' || r == '\t' || r == '\r':
			b.WriteByte(' ')
		case !Printable(r):
			// dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Printable reports whether r may be drawn as typed: not a control
// character, not a format character (bidi overrides, zero-width), not a
// line or paragraph separator. Text fields use it for what is typed in them.
func Printable(r rune) bool {
	return !unicode.IsControl(r) && !unicode.Is(unicode.Cf, r) && r != 0x2028 && r != 0x2029
}

// isPlain reports whether s is printable ASCII only, the common case.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// escapeLen is the length of the escape sequence at the start of s (s[0] is ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + paramsLen(s[2:])
	case ']', 'P', '_', '^', 'X':
		return 2 + stringLen(s[2:])
	default:
		if s[1] >= 0x20 && s[1] <= 0x2f { // intermediates then a final byte
			j := 1
			for j < len(s) && s[j] >= 0x20 && s[j] <= 0x2f {
				j++
			}
			if j < len(s) {
				j++
			}
			return j
		}
		return 2
	}
}

// paramsLen is the length of a CSI body: parameter and intermediate bytes up to
// and including the final byte.
func paramsLen(s string) int {
	for j := 0; j < len(s); j++ {
		if c := s[j]; c >= 0x40 && c <= 0x7e {
			return j + 1
		} else if c < 0x20 || c > 0x7e {
			return j
		}
	}
	return len(s)
}

// stringLen is the length of an OSC/DCS/APC string body up to and including its
// terminator (BEL, ESC \ or C1 ST).
func stringLen(s string) int {
	for j := 0; j < len(s); j++ {
		switch s[j] {
		case 0x07:
			return j + 1
		case 0x1b:
			if j+1 < len(s) && s[j+1] == '\\' {
				return j + 2
			}
			return j
		case 0xc2:
			if j+1 < len(s) && s[j+1] == 0x9c {
				return j + 2
			}
		}
	}
	return len(s)
}
