package backups

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

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

// filled has bases of three school years: last year's was in service, this
// year's is, and one of 2024-2025 was only loaded.
func filled(t *testing.T) (*tabtest.Fixture, *common.Context) {
	t.Helper()
	ctx := context.Background()
	f := tabtest.New(t, 30)
	s := f.Session(t)
	f.Load(t, s, "VICTOR-HUGO-2024", 2024, 590)
	last := f.Load(t, s, "VICTOR-HUGO-2025", 2025, 610)
	tabtest.Must(t, s.OpenBase(ctx, last.ID))
	tabtest.Must(t, s.PutInService(ctx))
	f.Clock.Advance(26 * time.Hour)
	tabtest.Must(t, s.StopServer(ctx))
	cur := f.Load(t, s, "VICTOR-HUGO-2026", 2026, 640)
	f.Load(t, s, "VICTOR-HUGO-2026-EDT", 2026, 641)
	tabtest.Must(t, s.OpenBase(ctx, cur.ID))
	f.Clock.Advance(15 * time.Minute)
	tabtest.Must(t, s.PutInService(ctx))
	return f, f.Context(t, s)
}

func newTab(t *testing.T, c *common.Context) *Tab {
	t.Helper()
	tab := New(c).(*Tab)
	tabtest.Run(tab)
	return tab
}

func TestSnapshotBackupsFilled(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, c := filled(t)
		tab := newTab(t, c)
		v := tabtest.View(t, tab, w, h)
		for _, want := range []string{"Aucune sauvegarde pour l'instant.", "2026-2027", "2025-2026", "2024-2025", "VICTOR-HUGO-2026-EDT"} {
			if !strings.Contains(v, want) && (w >= 100 || !strings.HasSuffix(want, "EDT")) {
				t.Errorf("no %q:\n%s", want, v)
			}
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

// A fresh establishment: no base, the school year under way is listed
// empty.
func TestSnapshotBackupsEmpty(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := tabtest.New(t, 30)
		tab := newTab(t, f.Context(t, f.Session(t)))
		v := tabtest.View(t, tab, w, h)
		if !strings.Contains(v, "Aucune base n'est en service.") || !strings.Contains(v, "2026-2027") {
			t.Errorf("empty state:\n%s", v)
		}
		tabtest.Snapshot(t, f.Normalize(v))
	})
}

func TestBackupsNavigation(t *testing.T) {
	t.Parallel()
	_, c := filled(t)
	tab := newTab(t, c)
	tab.SetSize(120, 40)
	if y := tab.selectedYear(); y == nil || y.Year != 2026 {
		t.Fatalf("first year %v", y)
	}
	tab.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	if v := tabtest.View(t, tab, 120, 40); !strings.Contains(v, "Année 2025-2026") || !strings.Contains(v, "du 28/11/2026 09:00 au 29/11/2026 11:00") {
		t.Fatalf("details of 2025-2026:\n%s", v)
	}
	// A click on the last row selects it.
	tab.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 4, Y: tab.yearsRect.Y + 4})
	if y := tab.selectedYear(); y == nil || y.Year != 2024 {
		t.Fatalf("click: %v", y)
	}
	// Sorting by year puts the oldest first, the cursor stays on its year.
	tab.Update(tea.KeyPressMsg{Code: 't', Text: "t"})
	if y := tab.selectedYear(); y == nil || y.Year != 2024 || tab.years.Cursor() != 0 {
		t.Fatalf("sort: %v at %d", y, tab.years.Cursor())
	}
	// An older answer does not replace a newer one.
	old := tab.Load()()
	tabtest.Run(tab)
	tab.Update(old)
	tab.Update(struct{}{})
	if !tab.loads.Latest() {
		t.Fatal("an old answer was applied")
	}
}

// On a short, narrow screen pg↓ scrolls the base in service when it does
// not fit, and the help says so.
func TestBackupsShortScreen(t *testing.T) {
	t.Parallel()
	_, c := filled(t)
	tab := newTab(t, c)
	tab.SetSize(40, 14)
	if !tab.paneScrolls() {
		t.Fatalf("the pane fits:\n%s", tabtest.View(t, tab, 40, 14))
	}
	tab.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if v := tabtest.View(t, tab, 40, 14); !strings.Contains(v, "pg↑") {
		t.Fatalf("pg↓ did not scroll the base in service:\n%s", v)
	}
	help := tab.ShortHelp()
	if k := help[len(help)-1].Help().Key; k != "pg↓" {
		t.Fatalf("help ends with %q", k)
	}
}

func TestBackupsHostileAndSizes(t *testing.T) {
	t.Parallel()
	_, c := filled(t)
	tab := newTab(t, c)
	tabtest.CheckSizes(t, tab)
	c.Status.InService.Name = tabtest.Hostile
	tab.data[0].Bases[0].Name = tabtest.Hostile
	for _, w := range []int{40, 80, 120, 200} {
		tab.SetSize(w, 30)
		out := tab.View()
		tabtest.CheckClean(t, out)
		tabtest.CheckSize(t, out, w, 30)
	}
	if tab.Typing() || tab.Title() != "Sauvegardes" || tab.Permission() != backend.PermBackups ||
		!tab.Topics().Has(backend.TopicBackups) || !tab.Topics().Has(backend.TopicBases) {
		t.Fatal("contract")
	}
}

func TestYears(t *testing.T) {
	t.Parallel()
	ys := Years([]backend.Base{{Name: "b", Year: 2025}, {Name: "a", Year: 2025}, {Name: "c", Year: 2023}}, 2026)
	var got []string
	for _, y := range ys {
		var names []string
		for _, b := range y.Bases {
			names = append(names, b.Name)
		}
		got = append(got, fmt.Sprintf("%s:%s", y.Year, strings.Join(names, ",")))
	}
	if s := strings.Join(got, " "); s != "2026-2027: 2025-2026:a,b 2023-2024:c" {
		t.Fatalf("Years: %s", s)
	}
}
