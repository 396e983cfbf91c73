package tui

import (
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// Snapshots of the login screens, plain text, each at 80×24 and 120×40.
// Refresh them with go test ./tui/ -update. Those of the tabs are beside
// each tab (tui/tabs/<name>/testdata).

func TestSnapshotLogin(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := run(t, f, w, h, options(f))
		s.WaitText(t, "Mot de passe", "Identifiants perdus ?")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotLoginError(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := run(t, f, w, h, options(f))
		s.WaitText(t, "Mot de passe")
		s.Type("mauvais-mot-de-passe")
		s.Key("enter")
		s.WaitText(t, backend.Message(backend.ErrBadCredentials))
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotInvoiceAsked(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := run(t, f, w, h, options(f))
		s.WaitText(t, "Mot de passe")
		s.Type(f.Pw)
		s.Key("enter")
		s.WaitText(t, "Numéro de facture", "première connexion")
		snapshot(t, s.Final(t))
	})
}

// The whole screen on each of the four other tabs (Autres bases has its own,
// beside its package), with the data set of the bases' snapshots and a
// stand-in serving the data folder: header, the five tabs in the bar, the
// tab, its help.
func TestSnapshotEveryTab(t *testing.T) {
	t.Parallel()
	for _, tab := range []struct {
		key, name string
		wait      []string
	}{
		{"2", "Sauvegardes", []string{"Années précédentes (", "Prochaine sauvegarde automatique"}},
		{"3", "SuiviDesConnexions", []string{"Mode administratif", "Aucun utilisateur connecté"}},
		{"4", "PRONOTE.net", []string{"Comptes PRONOTE", "http://127.0.0.1:8080/"}},
		{"5", "MonCompte", []string{"Établissement", "Journal", "Factures (1)", "Passage automatique"}}, // the view read its account
	} {
		t.Run(tab.name, func(t *testing.T) {
			t.Parallel()
			eachSize(t, func(t *testing.T, w, h int) {
				f := newFixture(t)
				filled(t, f)
				opts := options(f)
				opts.PublicURL = "http://127.0.0.1:8080"
				s := run(t, f, w, h, opts)
				s.Login(t)
				s.WaitText(t, "Essai")
				s.Key(tab.key)
				s.WaitText(t, tab.wait...)
				snapshot(t, strings.ReplaceAll(s.Final(t), f.Est.Invoice, "1234567890"))
			})
		})
	}
}
