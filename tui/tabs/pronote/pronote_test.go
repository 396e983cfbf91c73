package pronote

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// published is an establishment whose base is in service, with the
// stand-in serving its data folder, and the tab loaded.
func published(t *testing.T) (*tabtest.Fixture, *common.Context, *Tab) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	b := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.OpenBase(ctx, b.ID))
	tabtest.Must(t, s.PutInService(ctx))
	c := f.Context(t, s)
	c.PublicURL = "http://127.0.0.1:8080"
	tab := newTab(c)
	tabtest.Run(tab)
	return f, c, tab
}

// Every string from a user, a file or the operator is cleaned: the base's
// name, the public URL, the ENT and the CAS address as stored.
func TestPronoteHostile(t *testing.T) {
	t.Parallel()
	_, c, tab := published(t)
	c.Status.InService.Name = tabtest.Hostile
	c.PublicURL = "http://127.0.0.1:8080\x1b]0;titre volé\a\u202e"
	tab.data.Auth, tab.data.ENT, tab.data.CASURL = backend.AuthCAS, tabtest.Hostile, "https://cas.fr/"+tabtest.Hostile
	for _, w := range []int{40, 80, 120, 200} {
		tab.SetSize(w, 30)
		out := tab.View()
		tabtest.CheckClean(t, out)
		tabtest.CheckSize(t, out, w, 30)
	}
	tab.table.Move(1)
	cmd := tab.Update(tea.KeyPressMsg{Code: 'c', Text: "c"})
	text, _ := c.StatusLine()
	for _, s := range tabtest.Forbidden {
		if strings.Contains(text, s) {
			t.Errorf("the status line holds %q", s)
		}
	}
	if cmd == nil {
		t.Fatal("no copy")
	}
}

func TestPronoteSizesAndContract(t *testing.T) {
	t.Parallel()
	_, _, tab := published(t)
	tabtest.CheckSizes(t, tab)
	if tab.Typing() || tab.Title() != "PRONOTE.net" || tab.Permission() != backend.PermPublication ||
		!tab.Topics().Has(backend.TopicPublication) || !tab.Topics().Has(backend.TopicServer) || !tab.Topics().Has(backend.TopicBases) {
		t.Fatal("contract")
	}
	if got := URL("http://h:8080/", "123456789012", "eleve"); got != "http://h:8080/123456789012/eleve" {
		t.Fatalf("URL: %s", got)
	}
	// On a short screen the pane scrolls, and the help says how.
	tab.SetSize(40, 13)
	if !strings.Contains(helpText(tab.ShortHelp()), "pg↓") {
		t.Fatalf("no pg↓ for a pane that scrolls: %s", helpText(tab.ShortHelp()))
	}
	tab.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if v := tabtest.View(t, tab, 40, 13); !strings.Contains(v, "pg↑") {
		t.Fatalf("pg↓ did not scroll:\n%s", v)
	}
	// At 80×18 and 120×34 everything shows: no pg↓.
	for _, sz := range [][2]int{{80, 18}, {120, 34}} {
		tab.SetSize(sz[0], sz[1])
		if h := helpText(tab.ShortHelp()); strings.Contains(h, "pg↓") {
			t.Fatalf("%v: pg↓ for panes that show everything: %s", sz, h)
		}
	}
	// The keys of the actions name what they do.
	if h := helpText(tab.ShortHelp()); !strings.Contains(h, "p arrêter la publication") || !strings.Contains(h, "c copier l'adresse") ||
		!strings.Contains(h, "a authentification") || strings.Contains(h, "espace") {
		t.Fatalf("help on the home page's row: %s", h)
	}
	tab.table.Move(1)
	if h := helpText(tab.ShortHelp()); !strings.Contains(h, "espace dépublier l'Espace") {
		t.Fatalf("help on an Espace: %s", h)
	}
}

func helpText(bs []key.Binding) string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(out, " • ")
}

// c answers with Bubble Tea's clipboard command for the selected address
// (OSC 52, which the terminal the user sees acts on, over SSH too); with
// no stand-in there is no address and the status line says why.
func TestCopyCommand(t *testing.T) {
	t.Parallel()
	f, c, tab := published(t)
	tab.SetSize(80, 20)
	tab.table.Move(4)
	cmd := tab.Update(tea.KeyPressMsg{Code: 'c', Text: "c"})
	want := "http://127.0.0.1:8080/" + f.Est.HostingNumber + "/viescolaire"
	if cmd == nil || !reflect.DeepEqual(cmd(), tea.SetClipboard(want)()) {
		t.Fatalf("c: not the clipboard command of %s", want)
	}
	if text, kind := c.StatusLine(); text != "Adresse copiée : "+want || kind != common.StatusOK {
		t.Fatalf("status %q", text)
	}
	c.PublicURL = ""
	if cmd := tab.Update(tea.KeyPressMsg{Code: 'c', Text: "c"}); cmd != nil {
		t.Fatal("a copy with no address")
	}
	if text, _ := c.StatusLine(); !strings.Contains(text, "Aucune adresse publique") {
		t.Fatalf("status %q", text)
	}
}
