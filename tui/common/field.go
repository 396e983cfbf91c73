package common

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/hebergement/console/backend/sanitize"
)

// Paste hands pasted text to a text field, cut first to the room the field
// has left: the text input cleans the whole paste before it cuts it to its
// CharLimit, so 100 KB pasted into a password of 64 characters would be
// worked through whole. Every text field of the console takes its pastes
// here.
func Paste(in *textinput.Model, msg tea.PasteMsg) tea.Cmd {
	if !in.Focused() {
		return nil
	}
	room := -1 // no limit
	if in.CharLimit > 0 {
		room = in.CharLimit - utf8.RuneCountInString(in.Value())
		if room <= 0 {
			return nil
		}
	}
	msg.Content = FitPaste(msg.Content, room)
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}

// TypeKey hands a key press to a text field, but for a character typed
// into a full field: the text input would drop it only after scrolling the
// whole field again, which costs some ten microseconds a key, and text
// pasted by a client without bracketed paste is one key press per byte.
func TypeKey(in *textinput.Model, msg tea.KeyPressMsg) tea.Cmd {
	if strings.IndexFunc(msg.Text, func(r rune) bool { return !sanitize.Printable(r) }) >= 0 {
		return nil // a bidi override or zero-width character would be drawn as is
	}
	if in.Focused() && in.CharLimit > 0 && msg.Text != "" && !isEditKey(in.KeyMap, msg) &&
		utf8.RuneCountInString(in.Value()) >= in.CharLimit {
		return nil
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}

// isEditKey reports whether msg is one of the text input's own keys (cursor
// moves, deletions): any other key with text is typed in.
func isEditKey(km textinput.KeyMap, msg tea.KeyPressMsg) bool {
	return key.Matches(msg, km.CharacterForward, km.CharacterBackward, km.WordForward, km.WordBackward,
		km.DeleteWordBackward, km.DeleteWordForward, km.DeleteAfterCursor, km.DeleteBeforeCursor,
		km.DeleteCharacterBackward, km.DeleteCharacterForward, km.LineStart, km.LineEnd, km.Paste,
		km.AcceptSuggestion, km.NextSuggestion, km.PrevSuggestion)
}

// FitPaste cleans s the way the text input does (carriage returns, newlines
// and tabs become spaces; other control characters and invalid bytes are
// dropped), drops what sanitize would not draw (bidi overrides, zero-width
// characters) and the newline that ends text copied from a line (a password
// copied from a message), and keeps at most room characters of the result,
// all of them when room is negative. It reads s only as far as it needs to.
func FitPaste(s string, room int) string {
	s = strings.TrimRight(s, "\r\n") // reads only the end
	var b strings.Builder
	for _, r := range s {
		if room == 0 {
			break
		}
		switch {
		case r == utf8.RuneError:
			continue
		case r == '\r' || r == '\n' || r == '\t':
			r = ' '
		case !sanitize.Printable(r):
			continue
		}
		b.WriteRune(r)
		room--
	}
	return b.String()
}
