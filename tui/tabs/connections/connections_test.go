package connections

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

// running is an establishment of 30 teacher seats whose server is in
// service.
func running(t *testing.T) (*tabtest.Fixture, *common.Context) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	b := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.OpenBase(ctx, b.ID))
	tabtest.Must(t, s.PutInService(ctx))
	return f, f.Context(t, s)
}

func TestSnapshotConnectionsRunning(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, c := running(t)
		tab := New(c)
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		for _, want := range []string{"0/4", "0/30", "Aucun utilisateur connecté.", "en service"} {
			if !strings.Contains(v, want) {
				t.Errorf("no %q:\n%s", want, v)
			}
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

// A fresh establishment: server stopped, unlimited teacher seats.
func TestSnapshotConnectionsStopped(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := tabtest.New(t, 0)
		tab := New(f.Context(t, f.Session(t)))
		tabtest.Run(tab)
		v := tabtest.View(t, tab, w, h)
		if !strings.Contains(v, "Le serveur est arrêté") || !strings.Contains(v, "0 (illimité)") {
			t.Errorf("stopped server or unlimited seats not shown:\n%s", v)
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

// The status is read at each draw: a server put in service shows without
// a reload of the tab.
func TestConnectionsFollowsStatus(t *testing.T) {
	t.Parallel()
	f := tabtest.New(t, 50)
	c := f.Context(t, f.Session(t))
	tab := New(c)
	tab.SetSize(80, 24)
	if !strings.Contains(tabtest.View(t, tab, 80, 24), "arrêté") {
		t.Fatal("not stopped")
	}
	c.Status.State = backend.ServerRunning
	if v := tabtest.View(t, tab, 80, 24); !strings.Contains(v, "en service") {
		t.Fatalf("the new status is not shown:\n%s", v)
	}
	c.Loaded = false
	if v := tabtest.View(t, tab, 80, 24); !strings.Contains(v, "Chargement…") {
		t.Fatalf("no loading line before the status:\n%s", v)
	}
}

func TestConnectionsSizesAndContract(t *testing.T) {
	t.Parallel()
	_, c := running(t)
	tab := New(c)
	tabtest.CheckSizes(t, tab)
	if tab.Load() != nil || tab.Typing() || tab.Title() != "Suivi des connexions" ||
		tab.Permission() != backend.PermConnections || !tab.Topics().Has(backend.TopicConnections|backend.TopicServer) {
		t.Fatal("contract")
	}
	tab.SetSize(80, 24)
	before := tab.View()
	for _, msg := range []tea.Msg{tea.KeyPressMsg{Code: tea.KeyDown}, tea.MouseClickMsg{X: 3, Y: 12, Button: tea.MouseLeft}, struct{}{}} {
		tab.Update(msg)
	}
	if tab.View() != before {
		t.Fatal("an empty table moved")
	}
}
