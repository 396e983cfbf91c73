package backups_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// Snapshots of the whole console on the tab, both views, at 80×24 and
// 120×40: go test ./tui/tabs/backups/ -update rewrites them.
func TestSnapshotBackups(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		history(t, f)
		s := open(t, f, w, h, "Prochaine sauvegarde automatique : cette nuit à 02:00", "28/11/2026 02:00", "Manuelle")
		ct.Snapshot(t, normalize(t, f, s.Final(t)))
	})
}

func TestSnapshotYears(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		history(t, f)
		s := open(t, f, w, h, "28/11/2026 02:00")
		s.Key("tab")
		s.WaitText(t, "2024-2025", "Collège Victor Hugo 2024", "Année 2025-2026", "e remplir l'année")
		ct.Snapshot(t, normalize(t, f, s.Final(t)))
	})
}

// A new establishment: no base, no backup; then a base in service and
// still no backup: the first is announced for tonight.
func TestSnapshotBackupsEmpty(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		f.Session(t) // the first login, with the invoice number
		s := open(t, f, w, h, "Pas de sauvegarde automatique : aucune base n'est ouverte ni en",
			"Aucune sauvegarde pour l'instant")
		ct.Snapshot(t, normalize(t, f, s.Final(t)))
	})
}

// A base in service and no backup yet: the first is announced for tonight.
func TestFirstBackupTonight(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	ctx := context.Background()
	sess := f.Session(t)
	b := f.Load(t, sess, f.Generate(t, "Collège Victor Hugo 2026", 2026, 530)[0])
	must(t, sess.OpenBase(ctx, b.ID))
	must(t, sess.PutInService(ctx))
	s := open(t, f, 120, 40, "Aucune sauvegarde pour l'instant : la première sera faite cette nuit à")
	// s: the first backup, manual, appears at the head of the list.
	s.Key("s")
	s.WaitText(t, "Sauvegarde faite", "28/11/2026 09:00 Manuelle", "Sauvegardes (1)")
}

// s makes a manual backup of the base in service: the status line says
// so, the new backup heads the list with its change count, the back end
// has it.
func TestBackupNow(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	history(t, f)
	before := backups(t, f)
	f.Clk.Set(ct.Epoch.Add(75 * time.Minute)) // 10:15
	s := open(t, f, 80, 24, "Sauvegardes (1/24)")
	s.Key("s")
	waitFlat(t, s, "Sauvegarde faite : « Collège Victor Hugo 2026 » le 28/11/2026 à 10:15", "Sauvegardes (1/25)",
		"28/11/2026 10:15 Manuelle")
	after := backups(t, f)
	if len(after) != len(before)+1 || after[0].Kind != backend.BackupManual || after[0].Changes != before[0].Changes {
		t.Fatalf("after s: %d backups (was %d), first %+v", len(after), len(before), after[0])
	}
	s.WaitText(t, "Sauvegarde du 28/11/2026 10:15", after[0].FileName[:20])
}

// o on a backup while the server runs asks to stop it, with the users it
// disconnects; o again stops the server and opens a new base holding
// exactly that state: the opened base has the backup's change count, the
// replaced one was backed up first. m then puts it in service.
func TestOpenBackupStopsFirst(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	h := history(t, f)
	f.Connect(t, "M. DUPONT", "Professeurs", "enseignant", "10.0.0.1")
	list := backups(t, f)
	// The nightly backup of 25/11, the fourth row.
	pick := -1
	for i, b := range list {
		if b.At.Equal(at(2026, 11, 25, 2, 0)) {
			pick = i
		}
	}
	if pick < 0 {
		t.Fatal("no backup of 25/11 at 02:00")
	}
	want := list[pick]
	s := open(t, f, 80, 24, "28/11/2026 02:00")
	for range pick {
		s.Key("down")
	}
	s.WaitText(t, "Sauvegarde du 25/11/2026 02:00")
	s.Key("o")
	s.WaitText(t, "Ouvrir cette sauvegarde", "il faut d'abord l'arrêter",
		"Arrêter le serveur ? 1 utilisateur connecté sera déconnecté.", "Arrêter et ouvrir (o)")
	ct.Snapshot(t, normalize(t, f, s.View()))
	s.Key("o")
	name := "Collège Victor Hugo 2026 (sauvegarde du 25/11/2026 02:00)"
	waitFlat(t, s, "La base « "+name+" » est ouverte : appuyez sur m")
	st, err := f.Session(t).Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != backend.ServerStopped || st.Opened == nil || st.Opened.Name != name || st.Changes != want.Changes {
		t.Fatalf("after the open: state %s, opened %+v, %d changes (want %d)", st.State, st.Opened, st.Changes, want.Changes)
	}
	after := backups(t, f)
	if b := after[0]; b.Kind != backend.BackupBeforeReplace || b.BaseID != h.Current.ID || b.Changes != list[0].Changes {
		t.Fatalf("the replaced base was not backed up first: %+v", b)
	}
	s.WaitText(t, "m mettre en service", "Pas de sauvegarde automatique")
	s.Key("m")
	waitFlat(t, s, "La base « "+name+" » est en service.", "Prochaine sauvegarde automatique")
}

// With the server stopped, the confirmation says the opened base is backed
// up first; n changes nothing.
func TestOpenBackupServerStopped(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	history(t, f)
	must(t, f.Session(t).StopServer(context.Background()))
	s := open(t, f, 120, 40, "Pas de sauvegarde automatique")
	s.Key("enter")
	s.WaitText(t, "Ouvrir la sauvegarde du 28/11/2026 02:00 de « Collège Victor",
		"La base ouverte « Collège Victor Hugo 2026 » sera d'abord")
	s.Key("n")
	s.WaitText(t, "Action annulée.")
	if st, _ := f.Session(t).Status(context.Background()); st.Opened == nil || st.Opened.Name != "Collège Victor Hugo 2026" {
		t.Fatalf("n opened %+v", st.Opened)
	}
	s.Key("o")
	s.WaitText(t, "sera d'abord")
	s.Key("o")
	waitFlat(t, s, "La base « Collège Victor Hugo 2026 (sauvegarde du 28/11/2026 02:00) » est ouverte")
}

// i asks a date and time: an unreadable one, a future one and one older
// than 7 days are refused in the form with a French sentence and change
// nothing; a minute of the last days opens the state of then, with the
// changes written up to it.
func TestOpenInstant(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	history(t, f)
	s := open(t, f, 80, 24, "28/11/2026 02:00")
	s.Key("i")
	s.WaitText(t, "Ouvrir l'état à une date", "Date et heure (heure de Paris)", "> 28/11/2026 09:00",
		"21/11/2026 09:00 et maintenant")
	retype := func(text string) {
		s.Key("ctrl+u")
		s.Type(text)
		s.Key("enter")
	}
	retype("hier à midi")
	s.WaitText(t, "Date illisible : écrivez-la JJ/MM/AAAA HH:MM")
	ct.Snapshot(t, normalize(t, f, s.View()))
	retype("28/11/2026 09:01")
	s.WaitText(t, "Cette date est dans le futur")
	retype("20/11/2026 18:00")
	s.WaitText(t, "Trop ancienne : au plus tôt le 21/11/2026 09:00")
	if st, _ := f.Session(t).Status(context.Background()); st.State != backend.ServerRunning {
		t.Fatal("a refused date stopped the server")
	}
	// The evening of 26/11, after its changes: the nightly of 27/11 holds
	// as many.
	var want int64 = -1
	for _, b := range backups(t, f) {
		if b.At.Equal(at(2026, 11, 27, 2, 0)) {
			want = b.Changes
		}
	}
	retype("26/11/2026 23h30")
	s.WaitText(t, "Ouvrir l'état à une date", "pour ouvrir l'état du 26/11/2026", "il faut d'abord l'arrêter")
	s.Key("o")
	name := "Collège Victor Hugo 2026 (état du 26/11/2026 23:30)"
	waitFlat(t, s, "La base « "+name+" » est ouverte")
	st, err := f.Session(t).Status(context.Background())
	if err != nil || st.Opened == nil || st.Opened.Name != name || st.Changes != want {
		t.Fatalf("opened %+v with %d changes (want %d), %v", st.Opened, st.Changes, want, err)
	}
}

// A minute when no base was in service is refused by the back end, with
// its sentence, and nothing changes.
func TestOpenInstantNothingThen(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	history(t, f)
	ctx := context.Background()
	sess := f.Session(t)
	f.Clk.Set(at(2026, 11, 28, 9, 30))
	must(t, sess.StopServer(ctx))
	f.Clk.Set(at(2026, 11, 28, 10, 0))
	s := open(t, f, 120, 40, "28/11/2026 02:00")
	s.Key("i")
	s.WaitText(t, "Date et heure (heure de Paris)")
	s.Key("ctrl+u")
	s.Type("28/11/2026 09:45")
	s.Key("enter")
	s.WaitText(t, "Ouvrir l'état du 28/11/2026 09:45 ?")
	s.Key("o")
	waitFlat(t, s, backend.Message(backend.ErrNothingAtInstant))
	if st, _ := sess.Status(ctx); st.Opened == nil || st.Opened.Name != "Collège Victor Hugo 2026" {
		t.Fatalf("refused, yet opened %+v", st.Opened)
	}
}

// e on an empty previous year offers the bases of that year; choosing one
// and confirming archives it: the grid shows it, the back end has it.
func TestFillYear(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	h := history(t, f)
	s := open(t, f, 80, 24, "28/11/2026 02:00")
	s.Key("tab")
	s.WaitText(t, "2025-2026 vide", "e remplir l'année")
	s.Key("e")
	s.WaitText(t, "Remplir l'année 2025-2026", "Base de 2025-2026", "Collège Victor Hugo 2025 — 2,0 Mo, chargée le 25/08/2025")
	s.Key("enter")
	s.WaitText(t, "Archiver « Collège Victor Hugo 2025 » pour l'année 2025-2026")
	s.Key("o")
	waitFlat(t, s, "« Collège Victor Hugo 2025 » est la base archivée de l'année 2025-2026.")
	s.WaitFor(t, "the grid filled", func(v string) bool {
		return strings.Contains(v, "2025-2026 Collège Victor Hugo 2025") && strings.Contains(v, "28/11/2026 09:00")
	})
	years, err := f.Session(t).Years(context.Background())
	if err != nil || len(years) != 2 || years[0].Base == nil || years[0].Base.ID != h.Last.ID {
		t.Fatalf("years %+v, %v", years, err)
	}
	// The help now says e replaces; and with no other base of that year,
	// e says how to load one.
	s.WaitText(t, "e remplacer la base archivée")
	s.Key("e")
	waitFlat(t, s, "Aucune autre base de 2025-2026 n'est chargée : chargez-la dans Autres bases")
}

// e on the archived year offers the other bases of that year and says the
// archived one stays in Autres bases; n in the confirmation and échap in
// the form change nothing.
func TestReplaceYearCancel(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	h := history(t, f)
	sess := f.Session(t)
	f.Load(t, sess, f.Generate(t, "Victor Hugo 2024 corrigée", 2024, 481)[0])
	s := open(t, f, 120, 40, "28/11/2026 02:00")
	s.Key("tab")
	s.WaitText(t, "Collège Victor Hugo 2024")
	s.Key("down")
	s.WaitText(t, "Année 2024-2025", "e remplacer la base archivée")
	s.Key("e")
	s.WaitText(t, "Remplacer la base archivée de 2024-2025", "Victor Hugo 2024 corrigée")
	s.Key("enter")
	s.WaitText(t, "Archiver « Victor Hugo 2024 corrigée » pour l'année", "Elle remplace « Collège Victor Hugo 2024 »",
		"reste dans Autres bases.")
	s.Key("n")
	s.WaitText(t, "Action annulée.")
	s.Key("e")
	s.WaitText(t, "Remplacer la base archivée de 2024-2025")
	s.Key("esc")
	s.WaitFor(t, "the form closed", func(v string) bool { return !strings.Contains(v, "Remplacer la base archivée de") })
	years, err := sess.Years(context.Background())
	if err != nil || years[1].Base == nil || years[1].Base.ID != h.Old.ID {
		t.Fatalf("échap changed the grid: %+v, %v", years, err)
	}
}

// A new nightly backup made by the scheduler shows without a key press
// (TopicBackups).
func TestLiveNightly(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	history(t, f)
	s := open(t, f, 120, 40, "Sauvegardes (24)")
	f.Clk.Set(at(2026, 11, 29, 2, 0))
	if _, err := f.B.NightlyBackups(context.Background(), f.Clk.Now()); err != nil {
		t.Fatal(err)
	}
	s.WaitText(t, "Sauvegardes (25)", "29/11/2026 02:00 Nuit")
}
