package account

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

const (
	fpHead   = "SHA256:q5Xh0W3rJ8x1ZpG7YbN2cV4dK9sL6mT0uE3wR1yA8fQ"
	fpOffice = "SHA256:Zt7bB2nM4kL9pQ1xV6cR3sD8fG0hJ5wE2yU7iO4aT1s"
	fpOld    = "SHA256:mN8bV2cX5zL1kJ7hG4fD9sA3qW6eR0tY2uI8oP5aS1d"
)

// filled is an establishment with three keys (one revoked), two bases of
// two school years, one in service, and a refused login in the journal;
// s is the session of the head's key.
func filled(t *testing.T) (*tabtest.Fixture, *backend.Session) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	addKey(t, f, fpOld, "Ancien portable", "spr")
	f.Clock.Advance(24 * time.Hour)
	addKey(t, f, fpHead, "Poste du proviseur", "spr")
	addKey(t, f, fpOffice, "Secrétariat", "admin")
	tabtest.Must(t, f.B.RevokeKey(ctx, fpOld, "opérateur"))
	f.Clock.Advance(time.Hour)
	f.KeySession(t, fpOffice)
	f.Clock.Advance(time.Hour)
	s := f.KeySession(t, fpHead)
	old := f.Load(t, s, "VICTOR-HUGO-2025", 2025, 610)
	f.Clock.Advance(10 * time.Minute)
	f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	tabtest.Must(t, s.OpenBase(ctx, old.ID))
	tabtest.Must(t, s.PutInService(ctx))
	f.Clock.Advance(5 * time.Minute)
	_, err := f.B.Login(ctx, backend.LoginRequest{HostingNumber: f.Est.HostingNumber, Password: "mauvais", Addr: "203.0.113.9"})
	if err == nil {
		t.Fatal("a wrong password logged in")
	}
	return f, s
}

// addKey writes an SSH key of role ("spr" or "admin") straight into the
// store, as the invitations of the Administration group will (the back end
// has no call that enrolls an Administration key yet), with name taken as
// is: the store holds whatever a past version let through. It opens the
// store beside the back end, as another process would: the back end has
// no call for it, and the console's code never reaches the store.
func addKey(t testing.TB, f *tabtest.Fixture, fingerprint, name, role string) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.Data, "hebergement.db"))
	if err != nil {
		t.Fatalf("open the store: %v", err)
	}
	defer db.Close()
	err = db.Write(ctx, func(tx store.Tx) error {
		return tx.PutKey(&store.Key{EstablishmentID: f.Est.ID, Fingerprint: fingerprint,
			PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA" + role, Name: name, Role: role, AddedAt: f.Clock.Now()})
	})
	if err != nil {
		t.Fatalf("PutKey: %v", err)
	}
}

func newTab(t *testing.T, f *tabtest.Fixture, s *backend.Session) (*Tab, *common.Context) {
	t.Helper()
	c := f.Context(t, s)
	tab := New(c).(*Tab)
	tabtest.Run(tab)
	return tab, c
}

func eachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	for _, sz := range tabtest.Sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.W, sz.H), func(t *testing.T) {
			t.Parallel()
			fn(t, sz.W, sz.H)
		})
	}
}

// viewNames are the views' names in the goldens' paths, in the tab's order.
var viewNames = []string{"compte", "acces", "journal"}

// eachView draws every view of tab at every size into its golden.
func eachView(t *testing.T, newTab func(t *testing.T) (*tabtest.Fixture, *Tab)) {
	for i, name := range viewNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				f, tab := newTab(t)
				tab.SetSize(w, h)
				if cmd := tab.show(i); cmd != nil {
					tab.Update(cmd())
				}
				tabtest.Snapshot(t, f.Normalize(tabtest.View(t, tab, w, h)))
			})
		})
	}
}

func TestSnapshotAccountFilled(t *testing.T) {
	t.Parallel()
	eachView(t, func(t *testing.T) (*tabtest.Fixture, *Tab) {
		f, s := filled(t)
		tab, _ := newTab(t, f, s)
		return f, tab
	})
}

// A member of the groupe Administration sees the account and the journal,
// and who may see the keys.
func TestSnapshotAccountAdministration(t *testing.T) {
	t.Parallel()
	eachView(t, func(t *testing.T) (*tabtest.Fixture, *Tab) {
		f, _ := filled(t)
		s := f.KeySession(t, fpOffice)
		if s.Role() != backend.RoleAdmin {
			t.Fatalf("role %v", s.Role())
		}
		tab, _ := newTab(t, f, s)
		return f, tab
	})
}

// A fresh establishment, logged in with the hosting credentials: no key,
// no base, unlimited teacher seats.
func TestSnapshotAccountEmpty(t *testing.T) {
	t.Parallel()
	eachView(t, func(t *testing.T) (*tabtest.Fixture, *Tab) {
		f := tabtest.New(t, 0)
		tab, _ := newTab(t, f, f.Session(t))
		return f, tab
	})
}

func TestAccountHostileNames(t *testing.T) {
	t.Parallel()
	f := tabtest.New(t, 30)
	addKey(t, f, fpHead, tabtest.Hostile, "spr")
	s := f.KeySession(t, fpHead) // the journal's actor is the key's name
	tab, c := newTab(t, f, s)
	c.Status.Establishment.Name = tabtest.Hostile
	c.Status.Version = tabtest.Hostile
	for _, w := range []int{40, 80, 120, 200} {
		tab.SetSize(w, 40)
		out := tab.View()
		tabtest.CheckClean(t, out)
		tabtest.CheckSize(t, out, w, 40)
	}
	tab.SetSize(200, 40)
	if v := tabtest.View(t, tab, 200, 40); !strings.Contains(v, "Lycée rouge") {
		t.Errorf("the printable part of the name is lost:\n%s", v)
	}
}

func TestAccountSizes(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, _ := newTab(t, f, s)
	tabtest.CheckSizes(t, tab)
	admin, _ := newTab(t, f, f.KeySession(t, fpOffice))
	tabtest.CheckSizes(t, admin)
}

// ← and → switch the views, and a click on a view's name shows it; a
// view hidden when an event came reloads when shown; the journal scrolls
// with its cursor in view; a reload keeps the keys' cursor on its key.
func TestAccountNavigation(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	for range 40 { // a journal longer than the screen
		f.Session(t)
	}
	tab, _ := newTab(t, f, s)
	tab.SetSize(80, 24)
	if tab.cur != viewOverview {
		t.Fatalf("view %d, want Compte", tab.cur)
	}
	left, right := tea.KeyPressMsg{Code: tea.KeyLeft}, tea.KeyPressMsg{Code: tea.KeyRight}
	run := func(cmd tea.Cmd) {
		if cmd != nil {
			tab.Update(cmd())
		}
	}
	run(tab.Update(left))
	if tab.cur != viewJournal {
		t.Fatalf("← from Compte: view %d, want the journal (the last)", tab.cur)
	}
	j := tab.views[viewJournal].(*journalView)
	down := tea.KeyPressMsg{Code: tea.KeyDown}
	for range 30 {
		tab.Update(down)
	}
	if j.table.Cursor() != 30 {
		t.Fatalf("journal cursor %d", j.table.Cursor())
	}
	if v := tabtest.View(t, tab, 80, 24); !strings.Contains(v, "▸") || !strings.Contains(v, "Journal (31/50)") {
		t.Fatalf("the cursor is not drawn:\n%s", v)
	}
	run(tab.Update(right))
	if tab.cur != viewOverview {
		t.Fatalf("→ from the journal: view %d", tab.cur)
	}

	// A click on "Accès" in the view bar.
	x := strings.Index(tabtest.View(t, tab, 80, 24), "Accès")
	run(tab.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: 0}))
	if tab.cur != viewAccess {
		t.Fatalf("click: view %d, want Accès", tab.cur)
	}
	a := tab.views[viewAccess].(*accessView)
	tab.Update(down)
	sel, _ := a.keyTable.Selected()
	run(tab.Load())
	if now, _ := a.keyTable.Selected(); now.Key != sel.Key {
		t.Fatalf("reload moved the cursor from %s to %s", sel.Key, now.Key)
	}

	// An event while the journal is hidden: shown again, it reads anew (its
	// cursor stays on its entry, one row lower).
	f.Session(t)
	run(tab.Load())
	if !tab.stale[viewJournal] {
		t.Fatal("the hidden journal is not marked to reload")
	}
	run(tab.Update(right))
	if tab.cur != viewJournal || tab.stale[viewJournal] || !strings.Contains(tabtest.View(t, tab, 80, 24), "Journal (32/51)") {
		t.Fatalf("the journal did not reload when shown:\n%s", tabtest.View(t, tab, 80, 24))
	}
}

// Load's answer is the tab's own: other messages change nothing, and an
// older answer does not replace a newer one.
func TestAccountIgnoresOtherMessages(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, _ := newTab(t, f, s)
	tab.show(viewJournal)
	old := tab.Load()()
	tabtest.Run(tab)
	before := tabtest.View(t, tab, 80, 24)
	tabtest.Run(tab)
	tab.Update(struct{ gen int }{gen: 99})
	tab.Update(old)
	if after := tabtest.View(t, tab, 80, 24); after != before {
		t.Fatalf("the view changed:\n%s", after)
	}
	if tab.Typing() {
		t.Fatal("Typing")
	}
}

func TestAccountContract(t *testing.T) {
	t.Parallel()
	tab := &Tab{}
	if tab.Topics() != backend.AllTopics&^backend.TopicConnections || tab.Permission() != backend.PermView || tab.Title() != "Mon compte" {
		t.Fatal("contract")
	}
	if backend.ActionLabel("base.load") != "Chargement d'une base" || backend.ActionLabel("inconnue") != "inconnue" {
		t.Fatal("ActionLabel")
	}
}
