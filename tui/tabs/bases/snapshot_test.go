package bases_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Snapshots of plain-text screens, each at 80×24 and 120×40. Refresh them
// with go test ./tui/tabs/bases/ -update.

func TestSnapshotBasesEmpty(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.Session(t) // the first login is done
		s := run(t, f, w, h)
		s.WaitText(t, "Aucune base chargée. Appuyez sur c")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotBasesFilled(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := run(t, f, w, h)
		s.WaitText(t, "Essai", "Annexes", "courriers")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotUploadedSelected(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := run(t, f, w, h)
		s.WaitText(t, "Essai")
		s.Key("tab")
		s.WaitText(t, "jamais mise en", "Essai rentrée 2026")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotCreateForm(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.Session(t)
		s := run(t, f, w, h)
		s.Key("n")
		s.WaitText(t, "Créer la base", "2026-2027", "réinitialisée")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotCreateFormErrors(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.Session(t)
		s := run(t, f, w, h)
		s.Key("n")
		s.WaitText(t, "Créer la base")
		s.Key("ctrl+u")
		s.Type("2026-2020")
		s.Key("tab")
		s.Key("tab")
		s.Key("ctrl+u")
		s.Type("07h00")
		s.Key("enter")
		s.WaitText(t, "Année scolaire incorrecte", "doit venir après le début")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotConfirmStop(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := run(t, f, w, h)
		s.WaitText(t, "En service")
		s.Key("a")
		s.WaitText(t, "Arrêter le serveur ?", "Aucun utilisateur n'est connecté.")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotConfirmDelete(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		filled(t, f)
		s := run(t, f, w, h)
		s.WaitText(t, "Essai")
		s.Key("tab")
		s.Key("d")
		s.WaitText(t, "Supprimer la base « Essai rentrée 2026 »")
		snapshot(t, s.Final(t))
	})
}

func TestSnapshotPicker(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.Session(t)
		f.Generate(t, "Collège Victor Hugo 2026", 2026, 512)
		damaged(t, f, "Base abîmée.hnot")
		os.WriteFile(filepath.Join(f.Files, "notes.txt"), []byte("pas une base"), 0o644)
		os.Mkdir(filepath.Join(f.Files, "Exports PRONOTE"), 0o755)
		s := run(t, f, w, h)
		s.Key("c")
		s.WaitText(t, "Collège Victor Hugo 2026.HNOT", "Exports PRONOTE")
		out := s.Final(t)
		if strings.Contains(out, "notes.txt") || strings.Contains(out, "HPHOTOS") {
			t.Errorf("the picker lists files that are not *.HNOT:\n%s", out)
		}
		snapshot(t, out)
	})
}

func TestSnapshotFileRefused(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f := newFixture(t)
		f.Session(t)
		damaged(t, f, "Base abîmée.HNOT")
		s := run(t, f, w, h)
		s.Key("c")
		s.WaitText(t, "Base abîmée.HNOT")
		s.Key("enter")
		s.WaitText(t, "refusé")
		snapshot(t, s.Final(t))
	})
}
