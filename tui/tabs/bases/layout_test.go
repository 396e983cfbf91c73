package bases_test

import (
	"fmt"
	"strings"
	"testing"

	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The case seen at 80×24: creating a base while the server runs ends on a
// two-line status sentence.
func TestCreateBaseStatusKeepsPanesWhole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24)
	s.WaitText(t, "Essai")
	s.Key("n")
	s.WaitText(t, "Créer la base")
	s.Key("enter")
	s.WaitText(t, "il faut d'abord l'arrêter")
	s.Key("o")
	s.WaitText(t, "a été créée et ouverte. Appuyez sur s pour", "Nouvelle base 2026-2027")
	s.WaitFor(t, "server stopped", func(v string) bool { return strings.Contains(v, "Arrêté") })
	ct.CheckFrame(t, s.View(), 80, 24, 3, "La base « Nouvelle base 2026-2027 » a été créée")
}

// listRows are the rows of bases in the two lists: the left pane's lines
// that start with a mark or the cursor and a name.
func listRows(v string) []string {
	var rows []string
	for _, l := range strings.Split(v, "\n") {
		left, _, _ := strings.Cut(l, "││")
		for _, mark := range []string{"│▸ ", "│● ", "│○ ", "│  "} {
			if strings.HasPrefix(left, mark) && !strings.HasPrefix(left, "│  Nom ") && strings.TrimSpace(strings.Trim(left, "│")) != "" {
				rows = append(rows, left)
			}
		}
	}
	return rows
}

// The name is the column that matters: at 80×24 a name of 21 cells such as
// "VICTOR-HUGO-2026-2027" shows whole in both lists, and at 120×40 so does a
// longer one.
func TestListNamesFit(t *testing.T) {
	t.Parallel()
	cases := []struct {
		w, h  int
		names [3]string
	}{
		{80, 24, [3]string{"VICTOR-HUGO-2025-2026", "VICTOR-HUGO-2026-2027", "VICTOR-HUGO-2027-2028"}},
		{120, 40, [3]string{"VICTOR-HUGO-2025-2026", "VICTOR-HUGO-2026-2027", "VICTOR-HUGO-2027-2028"}},
		{120, 40, [3]string{"LYCEE-VICTOR-HUGO-BESANCON-2025", "LYCEE-VICTOR-HUGO-BESANCON-2026", "LYCEE-VICTOR-HUGO-BESANCON-2027"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%dx%d/%d", tc.w, tc.h, len(tc.names[0])), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ct.Named(t, f, tc.names[0], tc.names[1], tc.names[2])
			s := run(t, f, tc.w, tc.h)
			s.WaitText(t, "Annexes")
			rows := listRows(s.View())
			if len(rows) != 3 {
				t.Fatalf("%d list rows, want 3:\n%s", len(rows), strings.Join(rows, "\n"))
			}
			for _, r := range rows {
				if strings.Contains(r, "…") {
					t.Errorf("row cut: %q", r)
				}
			}
			for _, n := range tc.names {
				if !strings.Contains(strings.Join(rows, "\n"), " "+n+" ") {
					t.Errorf("no list row shows %q whole:\n%s", n, strings.Join(rows, "\n"))
				}
			}
		})
	}
}
