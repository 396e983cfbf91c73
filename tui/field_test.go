package tui

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// hugePaste is more than 100 KB with line breaks, tabs, an escape and
// invalid bytes: what a field keeps of it is cleaned like typed text.
var hugePaste = strings.Repeat("été\r\n\tx\x1b[31m\xff", 10<<10)

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
	t.Parallel()
	f := newFixture(t)
	opts := enrollOptions(f)
	opts.Prefill.Password = "déjà saisi"
	m := New(f.B, opts).(*model)
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
