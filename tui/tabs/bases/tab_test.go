package bases

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// newContext returns a console context on session s, as the root makes it.
func newContext(s *backend.Session) *common.Context {
	st, keys := common.NeutralStyles(), common.DefaultKeyMap()
	return &common.Context{Styles: &st, Keys: &keys, Session: s, Now: time.Now, DialogW: 78, DialogH: 20}
}

// The tab alone, drawn at the size it is given: its goldens at 80×24 and
// 120×40 (testdata/TestTabView), beside those of the whole console.
func TestTabView(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		ct.Filled(t, f)
		sess := f.Session(t)
		c := newContext(sess)
		st, err := sess.Status(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		c.Status, c.Loaded = st, true
		tab := New(c).(*Tab)
		tab.SetSize(w, h)
		if v := ansi.Strip(tab.View()); !strings.Contains(v, "Chargement…") {
			t.Errorf("before its data, the tab does not say it is loading:\n%s", v)
		}
		tab.Update(tab.Load()())
		tab.Update(tea.KeyPressMsg{Code: tea.KeyTab}) // the uploaded base
		tab.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
		v := ansi.Strip(tab.View())
		if lines := strings.Split(v, "\n"); len(lines) != h {
			t.Errorf("%d lines, want %d", len(lines), h)
		}
		ct.Snapshot(t, f.Normalize(t, v))
	})
}

// hugePaste is more than 100 KB with line breaks, tabs, an escape and
// invalid bytes: what a field keeps of it is cleaned like typed text.
var hugePaste = strings.Repeat("été\r\n\tx\x1b[31m\xff", 10<<10)

// 100 KB pasted into each field of "Créer une base" leaves it at its limit.
func TestPasteIsCappedInTheCreateForm(t *testing.T) {
	t.Parallel()
	form := newCreateForm(newContext(nil), backend.CreateBaseRequest{Year: 2026})
	for i := range form.inputs {
		form.setFocus(i)
		form.Update(tea.PasteMsg{Content: hugePaste})
		v, limit := form.inputs[i].Value(), form.inputs[i].CharLimit
		if n := utf8.RuneCountInString(v); n != limit {
			t.Errorf("field %d: %d characters after the paste, want %d", i, n, limit)
		}
		if strings.ContainsAny(v, "\r\n\t\x1b\uFFFD") {
			t.Errorf("field %d: control characters kept: %q", i, v)
		}
	}
}
