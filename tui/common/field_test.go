package common

import (
	"testing"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

func TestFitPaste(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		room int
		want string
	}{
		{"abc", 5, "abc"},
		{"abcdef", 3, "abc"},
		{"a\r\nb\tc", -1, "a  b c"},
		{"\x1b[31mrouge\x7f\u0085", -1, "[31mrouge"},
		{"\xff\xfeé\uFFFDà", 10, "éà"},
		{"ééééé", 2, "éé"},
		{"abc", 0, ""},
		{"Mot2Passe\r\n", -1, "Mot2Passe"},   // copied with its line's end
		{"a\u202eb\u200bc\u2028", -1, "abc"}, // bidi override, zero width, separator
	}
	for _, tc := range cases {
		if got := FitPaste(tc.in, tc.room); got != tc.want {
			t.Errorf("FitPaste(%q, %d) = %q, want %q", tc.in, tc.room, got, tc.want)
		}
	}
}

// A character typed into a full field is dropped before the text input;
// the input's own keys still work on a full field.
func TestTypeKeyIntoFullField(t *testing.T) {
	t.Parallel()
	in := textinput.New()
	in.CharLimit = 3
	in.SetValue("abc")
	in.Focus()
	steps := []struct {
		key  tea.KeyPressMsg
		want string
	}{
		{press("d"), "abc"},
		{press("backspace"), "ab"},
		{press("left"), "ab"},
		{press("x"), "axb"},
		{press("y"), "axb"},
		{tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl}, "axb"}, // start of line
		{tea.KeyPressMsg{Code: tea.KeyDelete}, "xb"},
		{press("é"), "éxb"},
	}
	for i, st := range steps {
		TypeKey(&in, st.key)
		if got := in.Value(); got != st.want {
			t.Fatalf("step %d (%s): %q, want %q", i, st.key, got, st.want)
		}
	}
}

// press is the key press of a named key or of a character.
func press(k string) tea.KeyPressMsg {
	switch k {
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
}
