package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

// Snapshots of plain-text screens, each at 80×24 and 120×40. Refresh them
// with go test ./tui/ -update.

func eachSize(t *testing.T, fn func(t *testing.T, w, h int)) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) { fn(t, sz.w, sz.h) })
	}
}

func TestSnapshotLogin(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := f.start(t, w, h, f.options())
		s.waitText(t, "Mot de passe", "Identifiants perdus ?")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotLoginError(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := f.start(t, w, h, f.options())
		s.waitText(t, "Mot de passe")
		s.tm.Type("mauvais-mot-de-passe")
		s.key("enter")
		s.waitText(t, backend.Message(backend.ErrBadCredentials))
		snapshot(t, s.final(t))
	})
}

func TestSnapshotInvoiceAsked(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		s := f.start(t, w, h, f.options())
		s.waitText(t, "Mot de passe")
		s.tm.Type(f.pw)
		s.key("enter")
		s.waitText(t, "Numéro de facture", "première connexion")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotBasesEmpty(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.session(t) // the first login is done
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "Aucune base chargée. Appuyez sur c")
		snapshot(t, s.final(t))
	})
}

// filled prepares a year of history: a 2024 base served in September and
// stopped, a 2025 base in service with two annexes, a 2026 base uploaded.
func filled(t *testing.T, f *fixture) {
	t.Helper()
	ctx := context.Background()
	sess := f.session(t)
	old := f.generate(t, "Collège Victor Hugo 2024", 2024, 480)
	cur := f.generate(t, "Collège Victor Hugo 2025", 2025, 512)
	next := f.generate(t, "Essai rentrée 2026", 2026, 530)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.clk.Set(time.Date(2025, 8, 22, 7, 30, 0, 0, start.Location()))
	a := f.load(t, sess, old[0])
	must(sess.OpenBase(ctx, a.ID))
	must(sess.PutInService(ctx))
	f.clk.Set(time.Date(2025, 9, 1, 18, 5, 0, 0, start.Location()))
	must(sess.StopServer(ctx))
	b := f.load(t, sess, cur[0])
	must(sess.OpenBase(ctx, b.ID))
	must(sess.PutInService(ctx))
	f.clk.Set(time.Date(2025, 9, 2, 8, 15, 0, 0, start.Location()))
	for _, p := range cur[1:3] {
		r, err := os.Open(p)
		must(err)
		_, err = sess.AttachAnnex(ctx, filepath.Base(p), r, nil)
		r.Close()
		must(err)
	}
	f.clk.Set(start)
	f.load(t, sess, next[0])
}

func TestSnapshotBasesFilled(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "Essai", "Annexes", "courriers")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotUploadedSelected(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "Essai")
		s.key("tab")
		s.waitText(t, "jamais mise en", "Essai rentrée 2026")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotCreateForm(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.session(t)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.key("n")
		s.waitText(t, "Créer la base", "2026-2027", "réinitialisée")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotCreateFormErrors(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.session(t)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.key("n")
		s.waitText(t, "Créer la base")
		s.key("ctrl+u")
		s.tm.Type("2026-2020")
		s.key("tab")
		s.key("tab")
		s.key("ctrl+u")
		s.tm.Type("07h00")
		s.key("enter")
		s.waitText(t, "Année scolaire incorrecte", "doit venir après le début")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotConfirmStop(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "En service")
		s.key("a")
		s.waitText(t, "Arrêter le serveur ?", "Toutes les connexions")
		snapshot(t, s.final(t))
	})
}

func TestSnapshotConfirmDelete(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.waitText(t, "Essai")
		s.key("tab")
		s.key("d")
		s.waitText(t, "Supprimer la base « Essai rentrée 2026 »")
		snapshot(t, s.final(t))
	})
}

// damaged writes a copy of a generated base with its last bytes cut off.
func damaged(t *testing.T, f *fixture, name string) {
	t.Helper()
	paths := f.generate(t, "source", 2026, 300)
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		os.Remove(p)
	}
	p := filepath.Join(f.files, name)
	if err := os.WriteFile(p, data[:len(data)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, start, start)
}

func TestSnapshotPicker(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.session(t)
		f.generate(t, "Collège Victor Hugo 2026", 2026, 512)
		damaged(t, f, "Base abîmée.hnot")
		os.WriteFile(filepath.Join(f.files, "notes.txt"), []byte("pas une base"), 0o644)
		os.Mkdir(filepath.Join(f.files, "Exports PRONOTE"), 0o755)
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.key("c")
		s.waitText(t, "Collège Victor Hugo 2026.HNOT", "Exports PRONOTE")
		out := s.final(t)
		if strings.Contains(out, "notes.txt") || strings.Contains(out, "HPHOTOS") {
			t.Errorf("the picker lists files that are not *.HNOT:\n%s", out)
		}
		snapshot(t, out)
	})
}

func TestSnapshotFileRefused(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.session(t)
		damaged(t, f, "Base abîmée.HNOT")
		s := f.start(t, w, h, f.options())
		s.login(t)
		s.key("c")
		s.waitText(t, "Base abîmée.HNOT")
		s.key("enter")
		s.waitText(t, "refusé")
		snapshot(t, s.final(t))
	})
}
