package tui

import (
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
