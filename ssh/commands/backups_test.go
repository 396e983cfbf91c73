package commands

// The commands of the Sauvegardes tab on a real back end (SQLite in a temp
// folder, a fake clock): sauvegardes, sauvegarde creer, sauvegarde ouvrir
// (a backup, an instant), annees, annee remplacer.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
)

// The command lines the grammar refuses: status 2, no session.
func TestBackupsUsageErrors(t *testing.T) {
	t.Parallel()
	for _, line := range [][]string{
		{"sauvegardes", "x"}, {"sauvegardes", "--json=peut-etre"}, {"sauvegardes", "--instant", "2026-12-03T10:15"},
		{"sauvegarde"}, {"sauvegarde", "faire"}, {"sauvegarde", "creer", "x"}, {"sauvegarde", "creer", "-y"},
		{"sauvegarde", "ouvrir"}, {"sauvegarde", "ouvrir", "1", "2"}, {"sauvegarde", "ouvrir", "x"}, {"sauvegarde", "ouvrir", "0"},
		{"sauvegarde", "ouvrir", "-1"}, {"sauvegarde", "ouvrir", "+3"}, {"sauvegarde", "ouvrir", "1.5"},
		{"sauvegarde", "ouvrir", "99999999999999999999"}, {"sauvegarde", "ouvrir", "\x1b[31m3"},
		{"sauvegarde", "ouvrir", "3", "--instant", "2026-12-03T10:15"},
		{"sauvegarde", "ouvrir", "--instant", "demain"}, {"sauvegarde", "ouvrir", "--instant", "2026-12-03 10:15"},
		{"sauvegarde", "ouvrir", "--instant", "03/12/2026 10:15"}, {"sauvegarde", "ouvrir", "--instant", "2026-12-32T10:15"},
		{"sauvegarde", "ouvrir", "--instant", ""}, {"sauvegarde", "ouvrir", "--instant", "\x1b]0;x\x07"},
		{"sauvegarde", "ouvrir", "3", "--arreter"}, {"sauvegarde", "ouvrir", "3", "--arreter", "--oui=false"},
		{"sauvegarde", "ouvrir", "--instant", "2026-12-03T10:15", "--arreter"},
		{"annees", "2024-2025"}, {"annees", "--json=non"}, {"annee"}, {"annee", "archiver", "2024-2025", "X"},
		{"annee", "remplacer"}, {"annee", "remplacer", "2024-2025"}, {"annee", "remplacer", "2024", "LYCEE"},
		{"annee", "remplacer", "2024-2026", "LYCEE"}, {"annee", "remplacer", "LYCEE", "2024-2025"},
		{"annee", "remplacer", "2024-2025", "a", "b"},
	} {
		o := run(line...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.HasPrefix(o.stderr, "Error: ") ||
			!strings.Contains(o.stderr, "\n\nUsage: ssh console.hebergement COMMAND") {
			t.Errorf("%q: %+v, want status 2, one line and the usage on stderr, no session", line, o)
		}
		if first, _, _ := strings.Cut(o.stderr, "\n"); strings.ContainsAny(first, "\x1b\x07") {
			t.Errorf("%q: the error line carries control characters: %q", line, first)
		}
	}
	for line, want := range map[string]string{
		"sauvegarde ouvrir": "missing ID",
		"sauvegarde ouvrir 3 --instant 2026-12-03T10:15":       "not both",
		"sauvegarde ouvrir --instant demain":                   "want a minute such as 2026-12-03T10:15",
		"sauvegarde ouvrir 3 --arreter":                        "add --oui (-y)",
		"sauvegarde ouvrir x":                                  "ID must be a backup's n°",
		"annee remplacer 2024 LYCEE":                           "YEAR must be a school year",
		"sauvegarde ouvrir --instant 2026-12-03T10:15 --oui=x": "--oui",
	} {
		if o := run(strings.Fields(line)...); !strings.Contains(o.stderr, want) {
			t.Errorf("%s: %q does not say %q", line, o.stderr, want)
		}
	}
}

func TestBackupsHelp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"aide"}, []string{"sauvegardes [--json]", "sauvegarde creer", "sauvegarde ouvrir ID|--instant 2026-12-03T10:15 [--arreter -y]",
			"annees [--json]", "annee remplacer 2024-2025 NOM|ID", "           or a backup's n° as sauvegardes shows it (sauvegarde ouvrir)", "--instant  a minute of the last 7 days",
			"--arreter  with -y: stops the server first"}},
		{[]string{"sauvegarde", "--help"}, []string{"sauvegarde creer", "sauvegarde ouvrir ID"}},
		{[]string{"sauvegarde", "ouvrir", "--help"}, []string{"Usage: ssh console.hebergement sauvegarde ouvrir ID|--instant", "--arreter",
			"--instant DATE", "-y, --oui", "serveur mettre-en-service", "last 7 days"}},
		{[]string{"aide", "annee", "remplacer"}, []string{"Usage: ssh console.hebergement annee remplacer 2024-2025 NOM|ID", "of that school year"}},
		{[]string{"sauvegardes", "-h"}, []string{"retention policy", "--json"}},
		{[]string{"annees", "--help"}, []string{"previous years", "--json"}},
	} {
		o := run(c.args...)
		if o.code != ExitOK || o.opened || o.stderr != "" || !containsAll(o.stdout, c.want...) {
			t.Errorf("%q: %+v, want status 0 and %q on stdout", c.args, o, c.want)
		}
	}
	// The order of the usage follows SPEC §16.
	o := run("aide")
	order := []string{"serveur arreter", "sauvegardes [--json]", "sauvegarde creer", "sauvegarde ouvrir", "annees [--json]", "annee remplacer", "connexions [--json]"}
	for i := 1; i < len(order); i++ {
		if strings.Index(o.stdout, order[i-1]) > strings.Index(o.stdout, order[i]) {
			t.Errorf("%s after %s:\n%s", order[i-1], order[i], o.stdout)
		}
	}
}

func TestInstantValue(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		"2026-12-03T10:15":          time.Date(2026, 12, 3, 10, 15, 0, 0, clock.Paris()),
		"2026-07-03T10:15":          time.Date(2026, 7, 3, 8, 15, 0, 0, time.UTC), // summer time
		"2026-12-03T10:15:30":       time.Date(2026, 12, 3, 10, 15, 30, 0, clock.Paris()),
		"2026-12-03T10:15+02:00":    time.Date(2026, 12, 3, 8, 15, 0, 0, time.UTC),
		"2026-12-03T10:15:00Z":      time.Date(2026, 12, 3, 10, 15, 0, 0, time.UTC),
		"2026-12-03T10:15:00-05:00": time.Date(2026, 12, 3, 15, 15, 0, 0, time.UTC),
	} {
		var v instantValue
		if err := v.Set(in); err != nil || !v.set || !v.t.Equal(want) {
			t.Errorf("--instant %s: %v %v, want %v", in, v.t, err, want)
		}
	}
	for _, bad := range []string{"demain", "2026-12-03", "2026-12-03 10:15", "03/12/2026", "2026-12-03T25:00", "10:15", "2026-12-03T10:15+2"} {
		if err := (&instantValue{}).Set(bad); err == nil {
			t.Errorf("--instant %q accepted", bad)
		}
	}
}

// writeChanges records n changes on the base in service of est, from one
// connected teacher.
func (f *fixture) writeChanges(est backend.Establishment, n int) {
	f.t.Helper()
	c := f.connect(est, "M. DUPONT", "Professeurs", "enseignant", "192.0.2.8")
	for i := range n {
		if _, err := f.b.RecordChange(context.Background(), est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: "note " + itoa(int64(i))}); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := f.b.Disconnect(context.Background(), est.HostingNumber, c.ID); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) status(bs *backend.Session) backend.Status {
	f.t.Helper()
	st, err := bs.Status(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return st
}

// loadBase loads a generated base of school year y into the session's
// Autres bases.
func (f *fixture) loadBase(bs *backend.Session, name string, y hostfile.SchoolYear) backend.Base {
	f.t.Helper()
	paths, err := hostfile.Generate(f.t.TempDir(), hostfile.GenerateOptions{HostingNumber: f.est.HostingNumber, Name: name,
		Establishment: f.est.Name, Year: y, Students: 10, Teachers: 2, Classes: 1, Size: 4 << 10})
	if err != nil {
		f.t.Fatal(err)
	}
	file, err := os.Open(paths[0])
	if err != nil {
		f.t.Fatal(err)
	}
	defer file.Close()
	b, err := bs.LoadBase(context.Background(), filepath.Base(paths[0]), file, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return b
}

// backupsOut is sauvegardes --json.
type backupsOut struct {
	Backups     []backupJSON   `json:"backups"`
	Retention   *retentionJSON `json:"retention"`
	NextNightly *time.Time     `json:"next_nightly"`
	BackupBytes *int64         `json:"backup_bytes"`
	UsedBytes   *int64         `json:"used_bytes"`
	QuotaBytes  *int64         `json:"quota_bytes"`
	Opened      *baseJSON      `json:"opened_base"`
	Running     *bool          `json:"running"`
	InstantFrom *time.Time     `json:"instant_from"`
}

var fileNameRE = regexp.MustCompile(`^[^/]+-[0-9]{8}-[0-9]{4}\.HNOT$`)

func TestBackupsListAndCreate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.HoldConnections(true)
	policy := backend.DefaultRetention.French()

	f.must(f.spr, []string{"sauvegardes"}, "Sauvegardes (0)\n", "Aucune sauvegarde", "Conservation : "+policy,
		"Prochaine sauvegarde automatique : aucune, car aucune base n'est en service.", "Espace des sauvegardes : ")
	o := f.must(f.spr, []string{"sauvegardes", "--json"})
	v := decodeJSON[backupsOut](t, o)
	if v.Backups == nil || len(v.Backups) != 0 || v.NextNightly != nil || v.Retention == nil || *v.Retention != (retentionJSON{30, 26}) ||
		v.Running == nil || *v.Running || v.QuotaBytes == nil || *v.QuotaBytes != f.est.QuotaBytes || v.InstantFrom == nil {
		t.Errorf("sauvegardes --json without a base:\n%s", o.stdout)
	}
	for _, null := range []string{`"backups": []`, `"next_nightly": null`, `"opened_base": null`} {
		if !strings.Contains(o.stdout, null) {
			t.Errorf("no %s in\n%s", null, o.stdout)
		}
	}
	f.refused(f.spr, []string{"sauvegarde", "creer"}, backend.Message(backend.ErrNothingToBackUp))

	f.inService(f.spr)
	f.writeChanges(f.est, 3)
	opened := f.status(f.spr).Opened
	o = f.must(f.spr, []string{"sauvegarde", "creer"}, "Sauvegarde créée : n° ", "du 05/10/2026 09:00", "base "+opened.Name, "3 saisies",
		"Fichier : sauvegardes/")
	// The nightly backup of the next night, by the scheduler.
	f.clk.Set(time.Date(2026, 10, 6, 9, 0, 0, 0, clock.Paris()))
	if n, err := f.b.NightlyBackups(ctx, f.clk.Now()); err != nil || n != 1 {
		t.Fatalf("NightlyBackups: %d, %v", n, err)
	}

	v = decodeJSON[backupsOut](t, f.must(f.spr, []string{"sauvegardes", "--json"}))
	if len(v.Backups) != 2 {
		t.Fatalf("sauvegardes --json: %+v", v)
	}
	night, manual := v.Backups[0], v.Backups[1]
	if night.Kind != string(backend.BackupNightly) || manual.Kind != string(backend.BackupManual) || night.By != "Planificateur" ||
		manual.By != f.spr.Actor() || manual.Changes != 3 || night.Changes != 3 || manual.BaseID != opened.ID ||
		manual.Year != opened.Year.String() || manual.Size <= 0 || manual.BaseSize <= 0 || len(manual.BaseSHA256) != 64 ||
		!fileNameRE.MatchString(manual.FileName) || !fileNameRE.MatchString(night.FileName) || night.FileName == manual.FileName ||
		!manual.At.Equal(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris())) || manual.BaseDeleted || manual.KeptUntil == nil {
		t.Errorf("backups: %+v\n%+v", night, manual)
	}
	if !strings.Contains(o.stdout, "n° "+itoa(manual.ID)+" ") || !strings.Contains(o.stdout, "sauvegardes/"+manual.FileName+"\n") {
		t.Errorf("sauvegarde creer said:\n%s\nwant n° %d and %s", o.stdout, manual.ID, manual.FileName)
	}
	if v.NextNightly == nil || !v.NextNightly.Equal(time.Date(2026, 10, 7, 2, 0, 0, 0, clock.Paris())) || !*v.Running ||
		v.Opened == nil || v.Opened.ID != opened.ID || *v.BackupBytes < 0 || *v.UsedBytes <= 0 {
		t.Errorf("sauvegardes --json: next %v, running %v, opened %+v", v.NextNightly, *v.Running, v.Opened)
	}
	if !v.InstantFrom.Equal(f.clk.Now().Add(-backend.PITRWindow)) {
		t.Errorf("instant_from %v, want 7 days ago", v.InstantFrom)
	}
	// RFC 3339 dates, kinds as stored, sizes in bytes.
	var raw struct {
		Backups []map[string]any `json:"backups"`
	}
	o = f.must(f.spr, []string{"sauvegardes", "--json"})
	if err := json.Unmarshal([]byte(o.stdout), &raw); err != nil || len(raw.Backups) != 2 {
		t.Fatal(err)
	}
	if at, _ := raw.Backups[1]["at"].(string); at == "" {
		t.Errorf("at: %v", raw.Backups[1]["at"])
	} else if _, err := time.Parse(time.RFC3339, at); err != nil {
		t.Errorf("at %q is not RFC 3339", at)
	}
	if size, _ := raw.Backups[1]["size"].(float64); int64(size) != manual.Size {
		t.Errorf("size %v", raw.Backups[1]["size"])
	}

	o = f.must(f.spr, []string{"sauvegardes"}, "Sauvegardes (2)", "n°", "Date", "Type", "Par", "Taille", "Saisies", "Fichier (sauvegardes/)", "Base",
		"Nuit", "Planificateur", "Manuelle", "05/10/2026 09:00", manual.FileName, night.FileName, opened.Name+" (n° "+itoa(opened.ID)+")",
		"Conservation : "+policy, "Prochaine sauvegarde automatique : 07/10/2026 02:00.")
	// Most recent first.
	if strings.Index(o.stdout, night.FileName) > strings.Index(o.stdout, manual.FileName) {
		t.Errorf("not most recent first:\n%s", o.stdout)
	}

	entries, err := f.spr.Journal(ctx, backend.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		found = found || (e.Action == "backup.create" && e.OK && e.Actor == f.spr.Actor())
	}
	if !found {
		t.Errorf("no backup.create in the journal: %+v", entries)
	}
}

func TestOpenBackup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.HoldConnections(true)
	f.inService(f.spr)
	f.writeChanges(f.est, 2)
	f.must(f.spr, []string{"sauvegarde", "creer"}, "2 saisies")
	list := decodeJSON[backupsOut](t, f.must(f.spr, []string{"sauvegardes", "--json"}))
	if len(list.Backups) != 1 {
		t.Fatal(list)
	}
	id := itoa(list.Backups[0].ID)
	f.writeChanges(f.est, 3)
	before := f.status(f.spr)
	if before.Changes != 5 {
		t.Fatalf("changes before: %d", before.Changes)
	}

	// The server is in service: refused, with the way out, and nothing changes.
	o := f.run(f.spr, "sauvegarde", "ouvrir", id)
	if o.code != ExitRefused || o.stdout != "" || !strings.HasPrefix(o.stderr, backend.Message(backend.ErrServerRunning)+" ") ||
		!strings.Contains(o.stderr, "--arreter -y") {
		t.Errorf("open while in service: %+v", o)
	}
	f.refused(f.spr, []string{"sauvegarde", "ouvrir", "999999", "--arreter", "-y"}, backend.Message(backend.ErrBackupNotFound))
	if st := f.status(f.spr); st.State != backend.ServerRunning || st.Opened.ID != before.Opened.ID || st.Changes != 5 {
		t.Fatalf("a refused open changed the state: %+v", st)
	}

	f.connect(f.est, "Mme MARTIN", "Administration", "administratif", "192.0.2.7")
	o = f.must(f.spr, []string{"sauvegarde", "ouvrir", id, "--arreter", "-y"}, "Le serveur est arrêté ; 1 utilisateur déconnecté.",
		"La base ouverte jusqu'ici, "+before.Opened.Name+" (n° "+itoa(before.Opened.ID)+"), a d'abord été sauvegardée.",
		"Base ouverte : ", "Mettez-la en service avec « serveur mettre-en-service ».")
	st := f.status(f.spr)
	if st.State != backend.ServerStopped || st.Opened == nil || st.Opened.ID == before.Opened.ID || !strings.Contains(st.Opened.Name, "(sauvegarde du ") ||
		!strings.Contains(o.stdout, "Base ouverte : "+st.Opened.Name+" ("+st.Opened.Year.String()+", n° "+itoa(st.Opened.ID)+")") {
		t.Fatalf("after the open: %+v\n%s", st, o.stdout)
	}
	// The opened base holds exactly the backup's state.
	f.must(f.spr, []string{"serveur", "mettre-en-service"}, "en service")
	if st := f.status(f.spr); st.Changes != 2 || st.InService == nil || st.InService.ID != st.Opened.ID {
		t.Fatalf("in service after the open: %d changes, %+v", st.Changes, st.InService)
	}
	// The base it replaced was backed up first: nothing is lost.
	list = decodeJSON[backupsOut](t, f.must(f.spr, []string{"sauvegardes", "--json"}))
	var saved *backupJSON
	for i, b := range list.Backups {
		if b.Kind == string(backend.BackupBeforeReplace) {
			saved = &list.Backups[i]
		}
	}
	if saved == nil || saved.BaseID != before.Opened.ID || saved.Changes != 5 {
		t.Fatalf("no backup of the replaced base with its 5 changes: %+v", list.Backups)
	}
	f.must(f.spr, []string{"sauvegardes"}, "Avant remplacement")

	// Stopped, the open needs no --arreter, and says no stop.
	f.must(f.spr, []string{"serveur", "arreter", "-y"})
	o = f.must(f.spr, []string{"sauvegarde", "ouvrir", itoa(saved.ID)}, "Base ouverte : ")
	if strings.Contains(o.stdout, "arrêté") {
		t.Errorf("a stop is told where none happened:\n%s", o.stdout)
	}
	f.must(f.spr, []string{"serveur", "mettre-en-service"})
	if st := f.status(f.spr); st.Changes != 5 {
		t.Errorf("the replaced base reopened with %d changes, want 5", st.Changes)
	}
	entries, err := f.spr.Journal(ctx, backend.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	opens := 0
	for _, e := range entries {
		if e.Action == "backup.open" && e.OK {
			opens++
		}
	}
	if opens != 2 {
		t.Errorf("%d backup.open done in the journal, want 2", opens)
	}
}

func TestOpenInstant(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // 05/10/2026 09:00, Paris
	f.b.HoldConnections(true)
	f.inService(f.spr)
	f.clk.Advance(10 * time.Minute)
	f.writeChanges(f.est, 1) // 09:10
	f.clk.Advance(50 * time.Minute)
	f.writeChanges(f.est, 3) // 10:00
	f.clk.Advance(time.Hour) // 11:00
	before := f.status(f.spr)

	tooOld := backend.Message(&backend.InstantError{Earliest: f.clk.Now().Add(-backend.PITRWindow)})
	future := backend.Message(&backend.InstantError{Future: true})
	for at, want := range map[string]string{
		f.clk.Now().Add(-8 * 24 * time.Hour).In(clock.Paris()).Format("2006-01-02T15:04"): tooOld, // 8 days ago
		"2026-10-05T12:00":     future, // in an hour
		"2026-10-05T10:00:00Z": future, // 12:00 Paris, in an hour too
	} {
		f.refused(f.spr, []string{"sauvegarde", "ouvrir", "--instant", at, "--arreter", "-y"}, want)
	}
	// In the window, before anything was in service.
	f.refused(f.spr, []string{"sauvegarde", "ouvrir", "--instant", "2026-10-04T09:00", "-y", "--arreter"}, backend.Message(backend.ErrNothingAtInstant))
	if st := f.status(f.spr); st.State != backend.ServerRunning || st.Opened.ID != before.Opened.ID || st.Changes != 4 {
		t.Fatalf("a refused open changed the state (the server must not have stopped): %+v", st)
	}
	o := f.run(f.spr, "sauvegarde", "ouvrir", "--instant", "2026-10-05T09:30")
	if o.code != ExitRefused || !strings.HasPrefix(o.stderr, backend.Message(backend.ErrServerRunning)) {
		t.Errorf("open an instant while in service: %+v", o)
	}

	// 09:30 Paris, with its offset: the change of 09:10 only.
	f.must(f.spr, []string{"sauvegarde", "ouvrir", "--instant", "2026-10-05T09:30:00+02:00", "--arreter", "-y"},
		"Le serveur est arrêté ; aucun utilisateur n'était connecté.", "Base ouverte : ", "(état du ", "serveur mettre-en-service")
	f.must(f.spr, []string{"serveur", "mettre-en-service"})
	if st := f.status(f.spr); st.Changes != 1 || st.Opened.ID == before.Opened.ID {
		t.Fatalf("the state at 09:30: %+v", st)
	}
	// 10:30 Paris time without an offset: the replaced base as it was then.
	f.clk.Advance(time.Minute)
	f.must(f.spr, []string{"serveur", "arreter", "-y"})
	f.must(f.spr, []string{"sauvegarde", "ouvrir", "--instant", "2026-10-05T10:30"}, "Base ouverte : ")
	f.must(f.spr, []string{"serveur", "mettre-en-service"})
	if st := f.status(f.spr); st.Changes != 4 {
		t.Fatalf("the state at 10:30: %d changes, want 4", st.Changes)
	}
	entries, err := f.spr.Journal(context.Background(), backend.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, e := range entries {
		if e.Action == "backup.instant" && e.OK && e.Actor == f.spr.Actor() {
			done++
		}
	}
	if done != 2 {
		t.Errorf("%d backup.instant done in the journal, want 2", done)
	}
}

// yearsOut is annees --json.
type yearsOut struct {
	Years []yearJSON `json:"years"`
}

func TestYears(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // school year 2026-2027 under way
	o := f.must(f.spr, []string{"annees"}, "Bases des années précédentes (", "2025-2026", "(vide)", "annee remplacer")
	v := decodeJSON[yearsOut](t, f.must(f.spr, []string{"annees", "--json"}))
	if len(v.Years) == 0 || v.Years[0].Year != "2025-2026" || v.Years[0].Base != nil || v.Years[0].ArchivedAt != nil {
		t.Fatalf("annees --json:\n%+v\n%s", v, o.stdout)
	}
	if strings.Contains(f.must(f.spr, []string{"annees", "--json"}).stdout, `"base": {`) {
		t.Error("a base in an empty grid")
	}

	first := f.loadBase(f.spr, "LYCEE2025", 2025)
	second := f.loadBase(f.spr, "LYCEE2025B", 2025)
	other := f.loadBase(f.spr, "LYCEE2024", 2024)
	current := f.loadBase(f.spr, "LYCEE2026", 2026)

	f.refused(f.spr, []string{"annee", "remplacer", "2025-2026", "INCONNUE"}, backend.Message(backend.ErrBaseNotFound))
	f.refused(f.spr, []string{"annee", "remplacer", "2025-2026", other.Name}, backend.Message(&backend.YearMismatchError{Base: 2024, Want: 2025}))
	notPrevious := backend.Message(&backend.NotPreviousYearError{First: 2024, Last: 2025})
	f.refused(f.spr, []string{"annee", "remplacer", "2026-2027", itoa(current.ID)}, notPrevious)
	f.refused(f.spr, []string{"annee", "remplacer", "2010-2011", itoa(first.ID)}, notPrevious)
	if v := decodeJSON[yearsOut](t, f.must(f.spr, []string{"annees", "--json"})); v.Years[0].Base != nil {
		t.Fatalf("a refusal filled the year: %+v", v.Years[0])
	}

	o = f.must(f.spr, []string{"annee", "remplacer", "2025-2026", first.Name},
		"Année 2025-2026 : la base "+first.Name+" (n° "+itoa(first.ID)+") en est désormais la base archivée.")
	if strings.Contains(o.stdout, "remplace ") {
		t.Errorf("an empty year replaced something:\n%s", o.stdout)
	}
	f.must(f.spr, []string{"annees"}, "2025-2026", first.Name+" (n° "+itoa(first.ID)+")")
	v = decodeJSON[yearsOut](t, f.must(f.spr, []string{"annees", "--json"}))
	if y := v.Years[0]; y.Base == nil || y.Base.ID != first.ID || y.Base.Year != "2025-2026" {
		t.Fatalf("after the fill: %+v", y)
	}
	f.must(f.spr, []string{"annee", "remplacer", "2025-2026", itoa(second.ID)},
		"la base "+second.Name+" (n° "+itoa(second.ID)+")", "Elle remplace "+first.Name+" (n° "+itoa(first.ID)+").")
	if v := decodeJSON[yearsOut](t, f.must(f.spr, []string{"annees", "--json"})); v.Years[0].Base == nil || v.Years[0].Base.ID != second.ID {
		t.Fatalf("after the replacement: %+v", v.Years[0])
	}
	entries, err := f.spr.Journal(context.Background(), backend.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	done := 0
	for _, e := range entries {
		if e.Action == "year.replace" && e.OK {
			done++
		}
	}
	if done != 2 {
		t.Errorf("%d year.replace done in the journal, want 2", done)
	}
}

// The groupe Administration makes, lists and opens backups and manages the
// previous years, journaled under its key's name.
func TestBackupsAdministrationRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.inService(f.spr)
	admin := f.adminSession(f.est, "SHA256:"+strings.Repeat("d", 43))
	f.must(admin, []string{"sauvegarde", "creer"}, "Sauvegarde créée")
	v := decodeJSON[backupsOut](t, f.must(admin, []string{"sauvegardes", "--json"}))
	if len(v.Backups) != 1 || v.Backups[0].By != "secrétariat" {
		t.Fatalf("backups: %+v", v.Backups)
	}
	f.must(admin, []string{"sauvegardes"}, "secrétariat", "Manuelle")
	f.must(admin, []string{"sauvegarde", "ouvrir", itoa(v.Backups[0].ID), "--arreter", "-y"}, "Base ouverte : ")
	f.must(admin, []string{"annees"}, "2025-2026")
	base := f.loadBase(admin, "ARCHIVE2025", 2025)
	f.must(admin, []string{"annee", "remplacer", "2025-2026", base.Name}, "Année 2025-2026")
	entries, err := f.spr.Journal(ctx, backend.JournalQuery{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"backup.create": false, "backup.open": false, "year.replace": false}
	for _, e := range entries {
		if _, ok := want[e.Action]; ok && e.OK && e.Actor == "secrétariat" {
			want[e.Action] = true
		}
	}
	for action, seen := range want {
		if !seen {
			t.Errorf("no %s by the Administration key in the journal", action)
		}
	}
}
