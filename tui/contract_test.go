package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
)

// From 60 days before the end of the contract, the status line of every
// tab says so when it has nothing else to say (SPEC §10): here on Autres
// bases, at 80×24.
func TestContractWarningOnTheStatusLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t) // the first login, with the invoice number
	f.Clk.Set(time.Date(2027, 7, 17, 9, 0, 0, 0, clock.Paris()))
	s := run(t, f, 80, 24, options(f))
	s.Login(t)
	s.WaitText(t, "Autres bases", "Fin du contrat le", "(dans 45 jours)")
	out := s.Final(t)
	if !strings.Contains(out, "renouvelez-le dans Mon compte.") || !strings.Contains(out, "Autres bases") {
		t.Errorf("no warning on the status line:\n%s", out)
	}
}
