package pronote

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

func eachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	for _, sz := range tabtest.Sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.W, sz.H), func(t *testing.T) {
			t.Parallel()
			fn(t, sz.W, sz.H)
		})
	}
}

// published is an establishment whose base is in service, with the
// stand-in serving its data folder.
func published(t *testing.T) (*tabtest.Fixture, *common.Context) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	b := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.OpenBase(ctx, b.ID))
	tabtest.Must(t, s.PutInService(ctx))
	c := f.Context(t, s)
	c.PublicURL = "http://127.0.0.1:8080"
	return f, c
}

func TestSnapshotPronotePublished(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, c := published(t)
		tab := New(c)
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		if w >= 80 {
			for _, e := range Espaces {
				if want := "http://127.0.0.1:8080/" + f.Est.HostingNumber + "/" + e.Path; !strings.Contains(v, want) {
					t.Errorf("no %s:\n%s", want, v)
				}
			}
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

// A fresh establishment, server stopped, no web server.
func TestSnapshotPronoteStopped(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := tabtest.New(t, 30)
		tab := New(f.Context(t, f.Session(t)))
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		if !strings.Contains(v, "Non publiée : le serveur est arrêté") || strings.Contains(v, "http") {
			t.Errorf("stopped:\n%s", v)
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

func TestPronoteHostile(t *testing.T) {
	t.Parallel()
	_, c := published(t)
	c.Status.InService.Name = tabtest.Hostile
	c.PublicURL = "http://127.0.0.1:8080\x1b]0;titre volé\a\u202e"
	tab := New(c)
	for _, w := range []int{40, 80, 200} {
		tab.SetSize(w, 30)
		out := tab.View()
		tabtest.CheckClean(t, out)
		tabtest.CheckSize(t, out, w, 30)
	}
}

func TestPronoteSizesAndContract(t *testing.T) {
	t.Parallel()
	_, c := published(t)
	tab := New(c)
	tabtest.CheckSizes(t, tab)
	if tab.Load() != nil || tab.Typing() || tab.Title() != "PRONOTE.net" || tab.Permission() != backend.PermPublication ||
		!tab.Topics().Has(backend.TopicPublication) || !tab.Topics().Has(backend.TopicServer) {
		t.Fatal("contract")
	}
	if got := URL("http://h:8080/", "123456789012", "eleve"); got != "http://h:8080/123456789012/eleve" {
		t.Fatalf("URL: %s", got)
	}
	// On a short screen the pane scrolls, and the help says how.
	tab.SetSize(40, 8)
	if len(tab.ShortHelp()) == 0 {
		t.Fatal("no help for a pane that scrolls")
	}
	tab.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if v := tabtest.View(t, tab, 40, 8); !strings.Contains(v, "pg↑") {
		t.Fatalf("pg↓ did not scroll:\n%s", v)
	}
	tab.SetSize(120, 40)
	if tab.ShortHelp() != nil {
		t.Fatal("help for keys that do nothing")
	}
}
