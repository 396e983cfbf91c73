package backups

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// These tests draw the tab from data made here (a loadedMsg), to check its
// layout and words for any data; the tests against the real back end are
// in tab_test.go and console_test.go.

// testTab is the tab without its periodic reload: tabtest runs the
// commands an answer returns, and a tick would wait RefreshEvery.
func testTab(c *common.Context) *Tab {
	t := newTab(c)
	t.every = 0
	return t
}

// paris is a date and time in Paris.
func paris(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, clock.Paris())
}

// made is the data of a school's autumn, named with name: nightly backups,
// a manual one, one before a replacement, a weekly one of a base deleted
// since, and a grid of three years, one archived.
func made(name string) loadedMsg {
	now := paris(2026, 11, 28, 9, 0)
	base := backend.Base{ID: 7, Name: name, Year: 2026, Size: 2 << 20, Opened: true, InService: true}
	b := func(id int64, at time.Time, kind backend.BackupKind, by string, n int64) backend.Backup {
		return backend.Backup{ID: id, At: at, Kind: kind, By: by, BaseID: 7, BaseName: name, Year: 2026,
			BaseSHA256: strings.Repeat("ab", 32), BaseSize: 2 << 20, Changes: n, ChangeSeq: n, Size: 2<<20 + n*100,
			FileName: name + at.In(clock.Paris()).Format("-20060102-1504") + ".HNOT", KeptUntil: at.Add(30 * 24 * time.Hour)}
	}
	backups := []backend.Backup{
		b(9, paris(2026, 11, 28, 2, 0), backend.BackupNightly, "Planificateur", 1204),
		b(8, paris(2026, 11, 27, 14, 30), backend.BackupManual, name, 1100),
		b(7, paris(2026, 11, 27, 2, 0), backend.BackupNightly, "Planificateur", 950),
		b(6, paris(2026, 11, 26, 2, 0), backend.BackupNightly, "Planificateur", 1),
		b(5, paris(2026, 11, 25, 17, 45), backend.BackupBeforeReplace, "M. DURAND", 0),
	}
	old := b(4, paris(2026, 10, 11, 2, 0), backend.BackupNightly, "Planificateur", 80)
	old.BaseName, old.BaseDeleted, old.Weekly = "ESSAI-2026", true, true
	old.KeptUntil = paris(2027, 4, 11, 2, 0)
	backups = append(backups, old)
	archived := backend.Base{ID: 3, Name: name + " 2024", Year: 2024, Size: 3 << 20, Students: 480, Teachers: 40, Classes: 19,
		SHA256: strings.Repeat("cd", 32)}
	return loadedMsg{
		gen: 1,
		now: now,
		view: backend.BackupsView{
			Backups: backups, Retention: backend.DefaultRetention, NextNightly: paris(2026, 11, 29, 2, 0),
			BackupBytes: 3 << 20, UsedBytes: 40 << 20, QuotaBytes: 1 << 30, Opened: &base, Running: true,
			InstantFrom: now.Add(-backend.PITRWindow),
		},
		years: []backend.YearRow{
			{Year: 2025},
			{Year: 2024, Base: &archived, ArchivedAt: paris(2025, 8, 22, 4, 0), ArchivedBy: "Planificateur"},
			{Year: 2023},
		},
		bases: []backend.Base{base, archived, {ID: 11, Name: name + " 2025", Year: 2025, Size: 1 << 20, LoadedAt: paris(2026, 9, 2, 8, 0)}},
	}
}

// loaded is the tab of a real session given made's data.
func loaded(t *testing.T, name string) *Tab {
	t.Helper()
	f := tabtest.New(t, 30)
	tab := testTab(f.Context(t, f.Session(t)))
	tab.Update(made(name))
	return tab
}

func press(tab *Tab, keys ...string) {
	for _, k := range keys {
		switch k {
		case "tab":
			tab.Update(tea.KeyPressMsg{Code: tea.KeyTab})
		case "shift+tab":
			tab.Update(tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
		case "down":
			tab.Update(tea.KeyPressMsg{Code: tea.KeyDown})
		case "pgdown":
			tab.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
		default:
			tab.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
		}
	}
}

func wants(t *testing.T, v string, texts ...string) {
	t.Helper()
	for _, x := range texts {
		if !strings.Contains(v, x) {
			t.Errorf("the view lacks %q:\n%s", x, v)
		}
	}
}

// Every size draws exactly its size, in both views, before and after the
// load; the contract with the root.
func TestBackupsSizesAndContract(t *testing.T) {
	t.Parallel()
	f := tabtest.New(t, 30)
	tab := testTab(f.Context(t, f.Session(t)))
	if tab.Typing() || tab.Title() != "Sauvegardes" || tab.Permission() != backend.PermBackups ||
		!tab.Topics().Has(backend.TopicBackups) || !tab.Topics().Has(backend.TopicBases) || !tab.Topics().Has(backend.TopicServer) {
		t.Fatal("contract")
	}
	tabtest.CheckSizes(t, tab)
	tab.Update(made("VICTOR-HUGO"))
	tabtest.CheckSizes(t, tab)
	press(tab, "tab")
	tabtest.CheckSizes(t, tab)
	if New(tab.c).(*Tab).every != RefreshEvery {
		t.Fatal("the tab does not reload on its own")
	}
}

// What matters shows at 80×24 and 120×40 in the backups' view: the date,
// kind, by, size and change log of each backup, the next automatic backup,
// the storage, the policy, the file and its download.
func TestBackupsViewWords(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	for _, sz := range tabtest.Sizes {
		v := tabtest.View(t, tab, sz.W, sz.H-6) // the header, bar, status and help take 6 lines
		wants(t, v, "6) ─ Années précédentes (3)",
			"28/11/2026 02:00", "Nuit", "27/11/2026 14:30", "Manuelle", "Planificateur", "2,1 Mo",
			"1 204 saisies", "1 saisie", "0 saisie",
			"Prochaine sauvegarde automatique : cette nuit à 02:00",
			"40,0 Mo sur 1,0 Go, dont 3,0 Mo pour les seules sauvegardes",
			"Toutes les sauvegardes des 30 derniers jours sont conservées",
			"Sauvegarde du 28/11/2026 02:00", "Fichier   sauvegardes/VICTOR-HUGO-", "Télécharger : scp")
		if sz.W >= wideFrom {
			wants(t, v, "11/10/2026 02:00", "Avant remplacement", "Ou par sftp", "abababab…abababab (base)", "◆ gardée pour sa semaine")
		}
	}
	wants(t, detailText(tab), "Télécharger : scp console.hebergement:sauvegardes/VICTOR-HUGO-20261128-0200.HNOT .",
		"sftp console.hebergement, puis get sauvegardes/VICTOR-HUGO-20261128-0200.HNOT.")
	wants(t, tabtest.View(t, tab, 200, 34), "ESSAI-2026 (supprimée)", "VICTOR-HUGO") // the Base column
}

// detailText is what the details say, each item on a line of its own.
func detailText(tab *Tab) string {
	var b strings.Builder
	for _, it := range tab.detailItems() {
		b.WriteString(it.Label + " " + it.Value + "\n")
	}
	return b.String()
}

// The deleted base and the weekly backup say so in the details.
func TestBackupDetailsMarks(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	press(tab, "G")
	v := tabtest.View(t, tab, 120, 34)
	wants(t, v, "Sauvegarde du 11/10/2026 02:00", "ESSAI-2026 (2026-2027)", "✕")
	wants(t, detailText(tab), "Cette base a été supprimée d'Autres bases depuis : la sauvegarde en garde l'état.",
		"jusqu'au 11/04/2027 (gardée pour sa semaine)")
	// Past the policy and not pruned yet: the details do not show a date
	// gone by.
	m := made("VICTOR-HUGO")
	m.gen = 2
	m.view.Backups[len(m.view.Backups)-1].KeptUntil = paris(2026, 11, 1, 2, 0)
	tab.Update(m)
	wants(t, detailText(tab), "au-delà de la politique de conservation : supprimée au prochain nettoyage (03:00)")
}

// tab shows the previous years: each year, its archived base or "vide",
// when and by whom; the details say how to fill the year.
func TestYearsViewWords(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	press(tab, "tab")
	if h := tab.ShortHelp(); h[0].Help().Desc != "sauvegardes" || h[1].Help().Desc != "remplir l'année" {
		t.Fatalf("help %+v %+v", h[0].Help(), h[1].Help())
	}
	for _, sz := range tabtest.Sizes {
		v := tabtest.View(t, tab, sz.W, sz.H-6)
		wants(t, v, "Années précédentes (3)", "2025-2026", "vide", "2024-2025", "VICTOR-HUGO 2024", "2023-2024",
			"Année 2025-2026", "e : remplir l'année avec la base de")
		if sz.W >= wideFrom {
			wants(t, v, "22/08/2025 04:00", "Planificateur")
		}
	}
	press(tab, "down")
	if h := tab.ShortHelp(); h[1].Help().Desc != "remplacer la base archivée" {
		t.Fatalf("help on an archived year: %+v", h[1].Help())
	}
	wants(t, tabtest.View(t, tab, 120, 34), "Année 2024-2025", "Base archivée")
	wants(t, detailText(tab), "480 élèves, 40 professeurs, 19 classes",
		"Aucune autre base de 2024-2025 n'est chargée : chargez-la dans Autres bases (c), ou déposez le fichier *.HNOT dans depot/ par sftp")
	press(tab, "down")
	wants(t, detailText(tab), "Aucune base de 2023-2024 n'est chargée")
	// e on a year without a base of its own says how to load one, opens
	// nothing.
	press(tab, "e")
	if tab.c.Dialog() != nil {
		t.Fatal("a dialog opened for a year without a candidate")
	}
	if s, kind := tab.c.StatusLine(); kind != common.StatusErr || !strings.Contains(s, "Autres bases") {
		t.Fatalf("status %q", s)
	}
	press(tab, "shift+tab")
	if tab.view != viewBackups {
		t.Fatal("maj+tab did not come back")
	}
}

// A click on a view's name in the border shows it.
func TestViewsByMouse(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	tab.SetSize(120, 34)
	x := strings.Index(ansi.Strip(strings.Split(tab.View(), "\n")[0]), "Années")
	tab.Update(tea.MouseClickMsg{X: len([]rune(ansi.Strip(strings.Split(tab.View(), "\n")[0])[:x])), Y: 0, Button: tea.MouseLeft})
	if tab.view != viewYears {
		t.Fatalf("click at %d: view %d", x, tab.view)
	}
}

// The empty states: no backup yet with a base in service, and with none.
func TestBackupsEmpty(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	m := made("VICTOR-HUGO")
	m.gen = 2
	m.view.Backups = nil
	tab.Update(m)
	wants(t, tabtest.View(t, tab, 80, 18), "Aucune sauvegarde pour l'instant : la première sera faite")
	if s := tab.backupsEmpty(); s != "Aucune sauvegarde pour l'instant : la première sera faite cette nuit à 02:00." {
		t.Errorf("empty: %q", s)
	}
	m.gen = 3
	m.view.NextNightly, m.view.Opened, m.view.Running = time.Time{}, nil, false
	tab.Update(m)
	v := tabtest.View(t, tab, 120, 34)
	wants(t, v, "Pas de sauvegarde automatique : aucune base n'est ouverte ni en", "Aucune sauvegarde sélectionnée.")
	if s := tab.backupsEmpty(); s != "Aucune sauvegarde pour l'instant : elles seront faites chaque nuit dès qu'une base sera en service." {
		t.Errorf("empty: %q", s)
	}
	press(tab, "s")
	if s, kind := tab.c.StatusLine(); kind != common.StatusErr || !strings.Contains(s, "Aucune base n'est ouverte") {
		t.Fatalf("s without an opened base: %q", s)
	}
}

// A name with escape sequences and invisible characters is drawn clean
// everywhere: the list, the details, the grid, the file name.
func TestBackupsHostile(t *testing.T) {
	t.Parallel()
	tab := loaded(t, tabtest.Hostile)
	for _, view := range []int{viewBackups, viewYears} {
		tab.setView(view)
		for _, w := range []int{40, 80, 120, 200} {
			tab.SetSize(w, 30)
			out := tab.View()
			tabtest.CheckClean(t, out)
			tabtest.CheckSize(t, out, w, 30)
		}
	}
}

// The help line names the actions of the view shown, and m once a base
// waits for its mise en service.
func TestBackupsHelp(t *testing.T) {
	t.Parallel()
	tab := loaded(t, "VICTOR-HUGO")
	tab.SetSize(80, 18)
	keys := func() string {
		var out []string
		for _, b := range tab.ShortHelp() {
			out = append(out, b.Help().Key)
		}
		return strings.Join(out, " ")
	}
	if k := keys(); k != "tab s o i ↑/k ↓/j pg↓" {
		t.Fatalf("help %q", k)
	}
	m := made("VICTOR-HUGO")
	m.gen = 2
	m.view.Running = false
	tab.Update(m)
	if k := keys(); !strings.Contains(k, "m") {
		t.Fatalf("help %q without m", k)
	}
}

func TestParseInstant(t *testing.T) {
	t.Parallel()
	now := paris(2026, 11, 28, 9, 0).Add(30 * time.Second)
	from := now.Add(-backend.PITRWindow)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"27/11/2026 10:15", paris(2026, 11, 27, 10, 15), ""},
		{" 3/11/2026  10h15 ", time.Time{}, "Trop ancienne : au plus tôt le 21/11/2026 09:01 (les 7 derniers jours)."},
		{"21/11/2026 09:01", paris(2026, 11, 21, 9, 1), ""},
		{"21/11/2026 09:00", time.Time{}, "Trop ancienne"},
		{"28/11/2026 9h00", paris(2026, 11, 28, 9, 0), ""},
		{"28/11/2026 09:01", time.Time{}, "Cette date est dans le futur : choisissez une minute passée."},
		{"", time.Time{}, "Saisissez une date et une heure : JJ/MM/AAAA HH:MM."},
		{"hier", time.Time{}, "Date illisible : écrivez-la JJ/MM/AAAA HH:MM, par exemple 28/11/2026 09:00."},
		{"31/02/2026 10:00", time.Time{}, "Date illisible"},
		{"27/11/2026 25:00", time.Time{}, "Date illisible"},
	} {
		got, err := parseInstant(tc.in, now, from)
		switch {
		case tc.err == "" && (err != nil || !got.Equal(tc.want)):
			t.Errorf("%q: %v, %v; want %v", tc.in, got, err, tc.want)
		case tc.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestNextWords(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		now, next time.Time
		want      string
	}{
		{paris(2026, 11, 28, 9, 0), paris(2026, 11, 29, 2, 0), "cette nuit à 02:00"},
		{paris(2026, 11, 29, 1, 30), paris(2026, 11, 29, 2, 0), "cette nuit à 02:00"},
		{paris(2026, 11, 26, 9, 0), paris(2026, 11, 29, 2, 0), "le 29/11/2026 à 02:00"},
	} {
		if got := nextWords(tc.next, tc.now); got != tc.want {
			t.Errorf("%v → %v: %q, want %q", tc.now, tc.next, got, tc.want)
		}
	}
}

func TestShellQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"console.hebergement:sauvegardes/LYCEE-20261203-0200.HNOT": "console.hebergement:sauvegardes/LYCEE-20261203-0200.HNOT",
		"sauvegardes/Collège V. Hugo-20261203-0200.HNOT":           "'sauvegardes/Collège V. Hugo-20261203-0200.HNOT'",
		"l'école": `'l'\''école'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
	if changes(1204) != "1 204 saisies" || changes(0) != "0 saisie" {
		t.Error("changes")
	}
}

// The tab reads its data again on its own (the next backup is said from
// now): the answer of a load arms a tick, whose message loads again and
// re-arms it.
func TestPeriodicReload(t *testing.T) {
	t.Parallel()
	f := tabtest.New(t, 30)
	tab := newTab(f.Context(t, f.Session(t)))
	tab.every = 20 * time.Millisecond
	cmd := tab.Update(made("VICTOR-HUGO"))
	if cmd == nil {
		t.Fatal("no tick after the first load")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		if _, ok := msg.(tickMsg); !ok {
			t.Fatalf("the tick answered %T", msg)
		}
		if tab.Update(msg) == nil {
			t.Fatal("a tick neither loads nor re-arms")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no tick")
	}
	// A second load does not arm a second tick.
	m := made("VICTOR-HUGO")
	m.gen = 2
	if tab.Update(m) != nil {
		t.Fatal("a second tick armed")
	}
}
