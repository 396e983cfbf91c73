package commands

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
)

// TestAccountCommands: compte and factures for every role, with --json;
// contrat renouveler for the SPR only, idempotent; usage errors are 2.
func TestAccountCommands(t *testing.T) {
	f := newFixture(t) // 05/10/2026: contract from 05/10/2026 to 31/08/2027
	f.must(f.spr, []string{"compte"}, "Lycée Victor Hugo", f.est.HostingNumber, "c•••@ac-paris.fr", "•• •• •• •• 78",
		"du 05/10/2026 au 31/08/2027", "mode administratif 4", "mode enseignant 50", "PRONOTE 2026", "Bascule automatique")
	if o := f.must(f.spr, []string{"compte"}); strings.Contains(o.stdout, "renouvelez-le") {
		t.Errorf("a warning 330 days before the end:\n%s", o.stdout)
	}
	var a struct {
		Email    string `json:"email"`
		Contract struct {
			From, Until string
			Days        int `json:"days_left"`
		} `json:"contract"`
		Teacher *int `json:"teacher_seats"`
	}
	o := f.must(f.spr, []string{"compte", "--json"})
	if err := json.Unmarshal([]byte(o.stdout), &a); err != nil || a.Contract.From != "2026-10-05" || a.Contract.Until != "2027-08-31" ||
		a.Email != "c•••@ac-paris.fr" || a.Teacher == nil || *a.Teacher != 50 {
		t.Fatalf("compte --json: %+v %v\n%s", a, err, o.stdout)
	}

	admin := f.adminSession(f.est, "SHA256:admin")
	f.refused(admin, []string{"contrat", "renouveler"},
		"Votre profil ne permet pas cette action. Réservé au responsable de l'hébergement (SPR).")
	o = f.must(f.spr, []string{"contrat", "renouveler"}, "Facture pro forma n° ", "Période : du 01/09/2027 au 31/08/2028",
		"Hébergement PRONOTE, année scolaire 2027-2028", "Licences mode administratif", "Licences mode enseignant",
		"Total HT", "936,00 €", "TVA 20 %", "187,20 €", "Total TTC", "1 123,20 €", "factures/proforma-")
	again := f.must(f.spr, []string{"contrat", "renouveler"})
	if again.stdout != o.stdout {
		t.Errorf("a second renewal printed another pro-forma:\n%s\n%s", o.stdout, again.stdout)
	}
	for _, bs := range []*backend.Session{f.spr, admin} {
		f.must(bs, []string{"factures"}, "Pro forma", "Facture", "du 01/09/2027 au 31/08/2028", "1 123,20 €", "factures/proforma-", "factures/facture-"+f.est.Invoice+".pdf")
	}
	var l []struct {
		Number, Kind, File string
		Total              *int64 `json:"total_cents"`
		Lines              []struct {
			Quantity int `json:"quantity"`
		} `json:"lines"`
	}
	o = f.must(admin, []string{"factures", "--json"})
	if err := json.Unmarshal([]byte(o.stdout), &l); err != nil || len(l) != 2 || l[0].Kind != "pro-forma" || *l[0].Total != 112320 ||
		len(l[0].Lines) != 3 || l[1].File != "factures/facture-"+f.est.Invoice+".pdf" {
		t.Fatalf("factures --json: %+v %v\n%s", l, err, o.stdout)
	}
	for _, args := range [][]string{{"compte", "x"}, {"factures", "x"}, {"contrat"}, {"contrat", "renouveler", "x"}, {"contrat", "annuler"}} {
		if o := f.run(f.spr, args...); o.code != ExitUsage {
			t.Errorf("%v: %+v, want a usage error", args, o)
		}
	}
}

// From 60 days before the contract's end, compte says so.
func TestCompteWarnsBeforeTheEnd(t *testing.T) {
	f := newFixture(t)
	f.clk.Set(time.Date(2027, 7, 17, 9, 0, 0, 0, clock.Paris()))
	f.must(f.spr, []string{"compte"}, "Fin du contrat le 31/08/2027 (dans 45 jours) : renouvelez-le dans Mon compte.")
	if _, err := f.spr.RenewContract(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.IssueInvoice(context.Background(), f.est.HostingNumber); err != nil {
		t.Fatal(err)
	}
	if o := f.must(f.spr, []string{"compte"}, "au 31/08/2028"); strings.Contains(o.stdout, "renouvelez-le") {
		t.Errorf("still a warning once renewed:\n%s", o.stdout)
	}
}
