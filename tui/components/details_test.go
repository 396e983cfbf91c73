package components

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/hebergement/console/tui/common"
)

func accountItems(st func() Gauge) []Item {
	return []Item{
		Heading("Lycée Victor Hugo"),
		Field("UAI", "0751234A"),
		Field("N° d'hébergement", "123456789012"),
		Field("E-mail", "c•••@ac-paris.fr"),
		Field("Adresse", "12 rue des Écoles, bâtiment B, 75005 Paris, au fond de la cour à gauche"),
		Drawn("Stockage", func(w int) string { return st().View(styles(), w) }),
		Blank(),
		Text("Les licences suivent le contrat d'hébergement ; l'hébergeur les modifie à sa demande.", ToneMuted),
		Field("Version", "PRONOTE 2026").WithTone(ToneOK),
	}
}

func TestDetailsGolden(t *testing.T) {
	t.Parallel()
	gauge := func() Gauge { return Gauge{Used: 512 << 20, Total: 2 << 30, Text: "512,0 Mo / 2,0 Go"} }
	for _, sz := range []struct{ w, h int }{{60, 14}, {40, 14}, {40, 8}} {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			t.Parallel()
			d := NewDetails(styles(), "Établissement")
			d.SetItems(accountItems(gauge))
			d.SetSize(sz.w, sz.h)
			out := d.View()
			checkSize(t, out, sz.w, sz.h)
			golden.RequireEqual(t, plain(out))
		})
	}
}

// pg↓ and pg↑ scroll a page at a time, with the marks that tell there is
// more, and never past the last line.
func TestDetailsScroll(t *testing.T) {
	t.Parallel()
	d := NewDetails(styles(), "Détails")
	var items []Item
	for i := range 30 {
		items = append(items, Field(fmt.Sprintf("Ligne %d", i), fmt.Sprintf("valeur %d", i)))
	}
	d.SetItems(items)
	d.SetSize(40, 10) // 8 lines inside
	view := func() string { return plain(d.View()) }
	if v := view(); !strings.Contains(v, "Ligne 0 ") || !strings.Contains(v, "… pg↓") || strings.Contains(v, "pg↑") {
		t.Fatalf("first page:\n%s", v)
	}
	pgdown := tea.KeyPressMsg{Code: tea.KeyPgDown}
	pgup := tea.KeyPressMsg{Code: tea.KeyPgUp}
	d.Update(pgdown)
	if v := view(); !strings.Contains(v, "… pg↑") || !strings.Contains(v, "Ligne 6 ") {
		t.Fatalf("second page:\n%s", v)
	}
	for range 20 {
		d.Update(pgdown)
	}
	if v := view(); !strings.Contains(v, "Ligne 29 ") || strings.Contains(v, "pg↓") {
		t.Fatalf("last page:\n%s", v)
	}
	checkSize(t, d.View(), 40, 10)
	for range 20 {
		d.Update(pgup)
	}
	if d.Offset() != 0 || strings.Contains(view(), "pg↑") {
		t.Fatalf("back to the top: offset %d\n%s", d.Offset(), view())
	}
	d.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if d.Offset() != 1 {
		t.Fatalf("wheel: offset %d", d.Offset())
	}
	// Content that fits does not scroll.
	d.SetItems(items[:3])
	d.Update(pgdown)
	if d.Offset() != 0 || strings.Contains(view(), "pg") {
		t.Fatalf("short content scrolled:\n%s", view())
	}
}

func TestDetailsCleansAndFits(t *testing.T) {
	t.Parallel()
	d := NewDetails(styles(), "Clé")
	d.SetItems([]Item{Heading(hostile), Field(hostile, hostile), Text(hostile, ToneDanger), Field("Nom", hostile)})
	for w := 0; w <= 120; w += 3 {
		for _, h := range []int{0, 1, 2, 3, 8, 30} {
			d.SetSize(w, h)
			out := d.View()
			checkClean(t, out)
			checkSize(t, out, w, h)
		}
	}
}

// A pane of one inner line shows a line of content, not only a mark.
func TestScrolledOneLine(t *testing.T) {
	st := common.NeutralStyles()
	lines := []string{"Nom VICTOR", "Année 2026", "Taille 8 Mo"}
	if got := Scrolled(&st, lines, 0, 1, 20); len(got) != 1 || got[0] != "Nom VICTOR" {
		t.Errorf("room 1 from the top: %q", got)
	}
	if got := Scrolled(&st, lines, 5, 1, 20); len(got) != 1 || got[0] != "Taille 8 Mo" {
		t.Errorf("room 1 past the end: %q", got)
	}
	if got := Scrolled(&st, lines, 0, 0, 20); got != nil {
		t.Errorf("room 0: %q", got)
	}
}
