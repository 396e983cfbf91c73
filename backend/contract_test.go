package backend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
)

func TestContractNotice(t *testing.T) {
	until := paris(2027, 8, 31)
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, clock.Paris()) }
	for _, c := range []struct {
		now  time.Time
		want string
	}{
		{at(2027, 6, 1, 12), ""},
		{at(2027, 7, 1, 23), ""}, // 61 days
		{at(2027, 7, 2, 0), "Fin du contrat le 31/08/2027 (dans 60 jours) : renouvelez-le dans Mon compte."},
		{at(2027, 7, 17, 9), "Fin du contrat le 31/08/2027 (dans 45 jours) : renouvelez-le dans Mon compte."},
		{at(2027, 8, 30, 9), "Fin du contrat demain (31/08/2027) : renouvelez-le dans Mon compte."},
		{at(2027, 8, 31, 23), "Fin du contrat aujourd'hui (31/08/2027) : renouvelez-le dans Mon compte."},
		{at(2027, 9, 2, 9), "Contrat terminé le 31/08/2027 : renouvelez-le dans Mon compte."},
	} {
		if got := backend.ContractNotice(until, c.now, backend.RoleSPR); got != c.want {
			t.Errorf("at %s: %q, want %q", c.now, got, c.want)
		}
		// The groupe Administration may not renew: it is told who may.
		admin := strings.ReplaceAll(c.want, "renouvelez-le dans Mon compte.", "à renouveler par le SPR.")
		if got := backend.ContractNotice(until, c.now, backend.RoleAdmin); got != admin {
			t.Errorf("at %s, Administration: %q, want %q", c.now, got, admin)
		}
	}
	if backend.ContractNotice(time.Time{}, at(2027, 8, 31, 1), backend.RoleSPR) != "" {
		t.Error("a contract without an end warns")
	}
}

func TestContractEndAndVAT(t *testing.T) {
	for _, c := range []struct{ at, want time.Time }{
		{time.Date(2026, 8, 31, 21, 59, 0, 0, time.UTC), paris(2026, 8, 31)},
		{time.Date(2026, 8, 31, 22, 0, 0, 0, time.UTC), paris(2027, 8, 31)}, // 1 September in Paris
		{paris(2027, 1, 15), paris(2027, 8, 31)},
	} {
		if got := backend.ContractEnd(c.at); !got.Equal(c.want) {
			t.Errorf("ContractEnd(%s) = %s, want %s", c.at, got, c.want)
		}
	}
	for ht, vat := range map[int64]int64{0: 0, 1: 0, 2: 0, 3: 1, 7: 1, 8: 2, 93600: 18720, 12345: 2469, 12347: 2469, 12348: 2470} {
		if got := backend.VAT(ht); got != vat {
			t.Errorf("VAT(%d) = %d, want %d", ht, got, vat)
		}
	}
}
