package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/hebergement/console/backend"
)

// hugePaste is more than 100 KB with line breaks, tabs, an escape and
// invalid bytes: what a field keeps of it is cleaned like typed text.
var hugePaste = strings.Repeat("été\r\n\tx\x1b[31m\xff", 10<<10)

func TestFitPaste(t *testing.T) {
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
		if got := fitPaste(tc.in, tc.room); got != tc.want {
			t.Errorf("fitPaste(%q, %d) = %q, want %q", tc.in, tc.room, got, tc.want)
		}
	}
}

// checkField checks that a field holds exactly limit characters, none of
// them a control character.
func checkField(t *testing.T, name, v string, limit int) {
	t.Helper()
	if n := utf8.RuneCountInString(v); n != limit {
		t.Errorf("%s: %d characters after the paste, want %d", name, n, limit)
	}
	if strings.ContainsAny(v, "\r\n\t\x1b\uFFFD") {
		t.Errorf("%s: control characters kept: %q", name, v)
	}
}

// 100 KB pasted into each field of the login and enrollment screen leaves
// the field at its limit.
func TestPasteIsCappedOnTheLoginScreen(t *testing.T) {
	f := newFixture(t)
	opts := f.enrollOptions()
	opts.Prefill.Password = "déjà saisi"
	m := New(f.b, opts).(*model)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m.login.invoice = true // every field on screen
	for _, i := range m.login.shown() {
		m.login.focusField(i)
		start := time.Now()
		m.Update(tea.PasteMsg{Content: hugePaste})
		in := m.login.inputs[i]
		checkField(t, in.Placeholder, in.Value(), in.CharLimit)
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: the paste took %s", in.Placeholder, d)
		}
		m.Update(tea.PasteMsg{Content: hugePaste}) // a full field takes no more
		checkField(t, in.Placeholder, m.login.inputs[i].Value(), in.CharLimit)
	}
	if got := len(m.login.shown()); got != fieldCount {
		t.Errorf("%d fields checked, want %d", got, fieldCount)
	}
}

// The same in every field of "Créer une base".
func TestPasteIsCappedInTheCreateForm(t *testing.T) {
	st, keys := neutralStyles(), DefaultKeyMap()
	c := &common{st: &st, keys: &keys, now: func() time.Time { return start }, dlgW: 78, dlgH: 20}
	c.defaults = backend.CreateBaseRequest{}
	form := newCreateForm(c)
	for i := range form.inputs {
		form.setFocus(i)
		form.Update(tea.PasteMsg{Content: hugePaste})
		checkField(t, fmt.Sprintf("field %d", i), form.inputs[i].Value(), form.inputs[i].CharLimit)
	}
}

// A character typed into a full field is dropped before the text input;
// the input's own keys still work on a full field.
func TestTypeKeyIntoFullField(t *testing.T) {
	in := textinput.New()
	in.CharLimit = 3
	in.SetValue("abc")
	in.Focus()
	steps := []struct {
		key  tea.KeyPressMsg
		want string
	}{
		{keyMsg("d"), "abc"},
		{keyMsg("backspace"), "ab"},
		{keyMsg("left"), "ab"},
		{keyMsg("x"), "axb"},
		{keyMsg("y"), "axb"},
		{tea.KeyPressMsg{Code: 'a', Mod: tea.ModCtrl}, "axb"}, // start of line
		{tea.KeyPressMsg{Code: tea.KeyDelete}, "xb"},
		{keyMsg("é"), "éxb"},
	}
	for i, st := range steps {
		typeKey(&in, st.key)
		if got := in.Value(); got != st.want {
			t.Fatalf("step %d (%s): %q, want %q", i, st.key, got, st.want)
		}
	}
}
