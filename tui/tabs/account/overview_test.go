package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// overviewAt is the view "Compte" of a fresh establishment (created on
// 28/11/2026) at the instant now, with a pro-forma drawn then when renew
// is set; normalize replaces its random numbers.
func overviewAt(t *testing.T, now time.Time, renew bool) (*Tab, *overviewView, func(string) string) {
	t.Helper()
	f := tabtest.New(t, 30)
	f.Clock.Set(now)
	s := f.Session(t)
	var pro backend.Invoice
	if renew {
		var err error
		if pro, err = s.RenewContract(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	tab, _ := newTab(t, f, s)
	norm := func(v string) string {
		v = f.Normalize(v)
		if pro.Number != "" {
			v = strings.ReplaceAll(v, pro.Number, "2345678901")
		}
		return v
	}
	return tab, tab.views[viewOverview].(*overviewView), norm
}

func snapshotOverview(t *testing.T, now time.Time, renew bool) {
	eachSize(t, func(t *testing.T, w, h int) {
		tab, _, norm := overviewAt(t, now, renew)
		tabtest.Snapshot(t, norm(tabtest.View(t, tab, w, h)))
	})
}

// Invoices of two kinds in a normal period: the automatic switch's day.
func TestSnapshotOverviewInvoices(t *testing.T) {
	t.Parallel()
	snapshotOverview(t, time.Date(2027, 2, 10, 10, 0, 0, 0, clock.Paris()), true)
}

// From 6 to 20 July, the pre-version is offered, with its key.
func TestSnapshotOverviewPreVersion(t *testing.T) {
	t.Parallel()
	snapshotOverview(t, time.Date(2027, 7, 10, 10, 0, 0, 0, clock.Paris()), false)
}

// 57 days before the end (and the day before the pre-version's window),
// the contract's period turns to the warning colour (the sentence is on
// the status line, tui's TestContractWarningOnTheStatusLine); a day
// earlier, it does not.
func TestSnapshotOverviewWarning(t *testing.T) {
	t.Parallel()
	snapshotOverview(t, time.Date(2027, 7, 5, 9, 0, 0, 0, clock.Paris()), false)
	for _, c := range []struct {
		now  time.Time
		warn bool
	}{
		{time.Date(2027, 7, 5, 9, 0, 0, 0, clock.Paris()), true},
		{time.Date(2027, 7, 1, 9, 0, 0, 0, clock.Paris()), false}, // 61 days
	} {
		tab, v, _ := overviewAt(t, c.now, false)
		tab.SetSize(120, 40)
		period := "du " + fr.Date(v.c.Status.Establishment.ContractFrom) + " au 31/08/2027"
		if got := strings.Contains(tab.View(), v.c.Styles.Notice.Render(period)); got != c.warn {
			t.Errorf("at %s: the period in the warning colour: %v, want %v", c.now, got, c.warn)
		}
	}
}

// n draws the pro-forma and shows it: lines, HT, TVA, TTC and the file.
func TestSnapshotOverviewRenewDialog(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		tab, v, _ := overviewAt(t, time.Date(2027, 6, 1, 10, 0, 0, 0, clock.Paris()), false)
		c := v.c
		tab.SetSize(w, h)
		cmd := tab.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})
		if cmd == nil {
			t.Fatal("n did nothing")
		}
		msg := cmd()
		r, ok := msg.(renewedMsg)
		if !ok || r.err != nil {
			t.Fatalf("renewal: %#v", msg)
		}
		tab.Update(msg)
		top := c.Dialog()
		if top == nil {
			t.Fatal("no dialog")
		}
		out := top.View(w, h)
		tabtest.CheckClean(t, out)
		plain := strings.ReplaceAll(ansi.Strip(out), r.inv.Number, "2345678901")
		for _, want := range []string{"Facture pro forma n° 2345678901", "du 01/09/2027 au 31/08/2028", "Total HT", "816,00 €", "TVA 20 %",
			"163,20 €", "Total TTC", "979,20 €", "factures/proforma-2345678901.pdf"} {
			if !strings.Contains(plain, want) {
				t.Errorf("the dialog lacks %q:\n%s", want, plain)
			}
		}
		if text, _ := c.StatusLine(); !strings.Contains(text, "proforma-"+r.inv.Number+".pdf") {
			t.Errorf("status line %q", text)
		}
		tabtest.Snapshot(t, plain)
	})
}

// On a 60×20 screen the pro-forma dialog keeps the school year of the
// hosting line (wrapped, not cut) and the file's whole name, and leaves
// its blank lines out to cover less of the screen.
func TestProFormaDialogNarrow(t *testing.T) {
	t.Parallel()
	tab, v, _ := overviewAt(t, time.Date(2027, 6, 1, 10, 0, 0, 0, clock.Paris()), false)
	tab.SetSize(60, 20)
	msg := tab.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})()
	r, ok := msg.(renewedMsg)
	if !ok || r.err != nil {
		t.Fatalf("renewal: %#v", msg)
	}
	tab.Update(msg)
	out := v.c.Dialog().View(58, 18)
	tabtest.CheckClean(t, out)
	plain := ansi.Strip(out)
	for _, want := range []string{"2027-2028", "factures/proforma-" + r.inv.Number + ".pdf", "Total TTC"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the dialog lacks %q:\n%s", want, plain)
		}
	}
	if n := strings.Count(plain, "\n") + 1; n > 16 {
		t.Errorf("%d lines at 60×20:\n%s", n, plain)
	}
	for _, l := range strings.Split(plain, "\n") {
		if ansi.StringWidth(l) > 58 {
			t.Errorf("line wider than 58: %q", l)
		}
	}
}

// Below 70 columns the establishment and the contract share one pane of
// the whole width: two panes of 30 columns cut the labels.
func TestOverviewOnePaneWhenNarrow(t *testing.T) {
	t.Parallel()
	tab, _, _ := overviewAt(t, time.Date(2027, 6, 1, 10, 0, 0, 0, clock.Paris()), false)
	out := tabtest.View(t, tab, 60, 20)
	if !strings.Contains(out, "Établissement et contrat") || !strings.Contains(out, "N° d'hébergement") {
		t.Errorf("at 60×20:\n%s", out)
	}
	out = tabtest.View(t, tab, 80, 24)
	if !strings.Contains(out, "─ Contrat ─") {
		t.Errorf("at 80×24:\n%s", out)
	}
}

// A member of the groupe Administration is told who may renew, and the
// back end refuses the renewal anyway.
func TestOverviewAdministrationCannotRenew(t *testing.T) {
	t.Parallel()
	f, _ := filled(t)
	s := f.KeySession(t, fpOffice)
	tab, c := newTab(t, f, s)
	tab.SetSize(120, 40)
	if cmd := tab.Update(tea.KeyPressMsg{Code: 'n', Text: "n"}); cmd != nil {
		t.Errorf("n ran %#v for the groupe Administration", cmd())
	}
	text, _ := c.StatusLine()
	if !strings.Contains(text, "Réservé au responsable de l'hébergement (SPR).") {
		t.Errorf("status line %q", text)
	}
	help := fmt.Sprint(tab.views[viewOverview].shortHelp())
	if !strings.Contains(help, "réservé au responsable") {
		t.Errorf("help %s", help)
	}
	if _, err := s.RenewContract(context.Background()); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("RenewContract as Administration: %v", err)
	}
	if l, _ := s.Invoices(context.Background()); len(l) != 1 {
		t.Errorf("invoices = %+v", l)
	}
}

// p outside the window says when; inside, it asks before switching.
func TestOverviewPreVersionKey(t *testing.T) {
	t.Parallel()
	tab, v, _ := overviewAt(t, time.Date(2027, 2, 10, 10, 0, 0, 0, clock.Paris()), false)
	tab.SetSize(120, 40)
	p := tea.KeyPressMsg{Code: 'p', Text: "p"}
	tab.Update(p)
	if text, _ := v.c.StatusLine(); !strings.Contains(text, "du 06/07/2027 au 20/07/2027") || v.c.Dialog() != nil {
		t.Errorf("p in February: %q", text)
	}
	tab, v, _ = overviewAt(t, time.Date(2027, 7, 10, 10, 0, 0, 0, clock.Paris()), false)
	tab.SetSize(120, 40)
	tab.Update(p)
	if v.c.Dialog() == nil || !strings.Contains(ansi.Strip(v.c.Dialog().View(120, 40)), "Passer dès maintenant à PRONOTE 2027") {
		t.Fatal("no confirmation in July")
	}
	cmd := v.c.Dialog().Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	tab.Update(cmd())
	if text, _ := v.c.StatusLine(); text != "PRONOTE 2027 : la bascule est faite." {
		t.Errorf("after the switch: %q", text)
	}
}
