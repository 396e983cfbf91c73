package bases_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// "Créer une base" while the server runs asks first to stop it, in a
// confirmation over the form: no shows the form again with what was typed,
// yes closes both and creates the base.
func TestCreateFormComesBackUnderTheConfirmation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f)
	s := run(t, f, 80, 24)
	s.WaitText(t, "● En service")
	s.Key("n")
	s.WaitText(t, "Créer la base", "2026-2027")
	s.Key("ctrl+u")
	s.Type("2027-2028")
	s.Key("tab")
	s.Key("tab")
	s.Key("ctrl+u")
	s.Type("17h00")
	s.Key("enter")
	s.WaitText(t, "il faut d'abord l'arrêter", "Arrêter et créer")
	s.Key("n")
	s.WaitFor(t, "the form again", func(v string) bool {
		return !strings.Contains(v, "Arrêter et créer") && strings.Contains(v, "Créer la base") &&
			strings.Contains(v, "2027-2028") && strings.Contains(v, "17h00")
	})
	st, err := f.Session(t).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != backend.ServerRunning {
		t.Fatalf("server %s after no, want running", st.State)
	}

	s.Key("enter") // the form, as it was, submits again
	s.WaitText(t, "Arrêter et créer")
	s.Key("o")
	s.WaitText(t, "a été créée et ouverte", "Nouvelle base 2027-2028", "Arrêté")
	if v := s.View(); strings.Contains(v, "Créer la base") {
		t.Errorf("the form stayed open under the accepted confirmation:\n%s", v)
	}
	lists, err := f.Session(t).Bases(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var created *backend.Base
	for i, b := range lists.Uploaded {
		if b.Year == 2027 {
			created = &lists.Uploaded[i]
		}
	}
	if created == nil || !created.Opened || created.Grid.End != 17*60 {
		t.Errorf("created base %+v, want 2027, opened, ending at 17h00", created)
	}
}
