package tui

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
	ct "github.com/hebergement/console/tui/internal/consoletest"
	"github.com/hebergement/console/tui/tabs/bases"
)

// The house: the registry, switching tabs, the routing of events by topic,
// the dialog stack and quitting. The tests register their own tabs beside
// (or instead of) the real ones through Options.tabs.

// testTab is a tab that shows its title and what was typed in it, and
// counts its loads. u opens the upload dialog of send, when set.
type testTab struct {
	c      *common.Context
	title  string
	topics backend.Topic
	perm   backend.Permission
	typing bool
	send   dialogs.Send
	path   string
	loads  atomic.Int64
	typed  string
}

func (t *testTab) Title() string                  { return t.title }
func (t *testTab) Topics() backend.Topic          { return t.topics }
func (t *testTab) Permission() backend.Permission { return t.perm }
func (t *testTab) Load() tea.Cmd                  { t.loads.Add(1); return nil }
func (t *testTab) SetSize(int, int)               {}
func (t *testTab) Typing() bool                   { return t.typing }
func (t *testTab) ShortHelp() []key.Binding       { return nil }
func (t *testTab) FullHelp() [][]key.Binding      { return nil }
func (t *testTab) View() string {
	return "Contenu de " + t.title + "\ntapé : " + t.typed
}

func (t *testTab) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		if k.Text == "u" && t.send != nil {
			return t.c.Push(dialogs.NewUpload(t.c, "Envoi", t.path, filepath.Base(t.path), t.send))
		}
		t.typed += k.Text
	}
	return nil
}

// house runs a console whose registry is reg.
func house(t *testing.T, f *ct.Fixture, w, h int, reg func(c *common.Context) []common.Tab) *ct.Screen {
	t.Helper()
	f.Session(t) // the first login is done
	opts := options(f)
	opts.tabs = reg
	s := run(t, f, w, h, opts)
	s.WaitText(t, "Mot de passe")
	s.Type(f.Pw)
	s.Key("enter")
	s.WaitFor(t, "header read", func(v string) bool { return strings.Contains(v, "Serveur ●") })
	return s
}

// basesAndTests is the registry of Autres bases and three test tabs.
func basesAndTests(tabs ...*testTab) func(c *common.Context) []common.Tab {
	return func(c *common.Context) []common.Tab {
		out := []common.Tab{bases.New(c)}
		for _, t := range tabs {
			t.c = c
			t.perm = max(t.perm, backend.PermView)
			out = append(out, t)
		}
		return out
	}
}

// 1–5 jump to a tab; a digit without a tab does nothing; [ and ] cycle.
func TestDigitsSwitchTabs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := house(t, f, 80, 24, basesAndTests(&testTab{title: "Sauvegardes"}, &testTab{title: "Suivi"}))
	s.WaitText(t, "Aucune base chargée")
	s.Key("3")
	s.WaitText(t, "Contenu de Suivi")
	s.Key("2")
	s.WaitText(t, "Contenu de Sauvegardes")
	s.Key("5") // no fifth tab
	s.Key("]")
	s.WaitText(t, "Contenu de Suivi")
	s.Key("]")
	s.WaitText(t, "Aucune base chargée")
	s.Key("[")
	s.WaitText(t, "Contenu de Suivi")
	if v := s.View(); !strings.Contains(v, "tapé :"+strings.Repeat(" ", 74)) {
		t.Fatalf("5, ] or [ reached the tab:\n%s", v) // they are the root's
	}
	s.Key("1")
	s.WaitText(t, "Aucune base chargée")
}

// While a field has the focus, the digits (and q, ?) are typed into it: in
// a tab's own field (Typing), in the create form (a dialog).
func TestDigitsDoNotSwitchWhileTyping(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	field := &testTab{title: "Champ", typing: true}
	s := house(t, f, 80, 24, basesAndTests(&testTab{title: "Autre"}, field))
	s.WaitText(t, "Aucune base chargée")

	s.Key("n")
	s.WaitText(t, "Créer la base", "2026-2027")
	s.Key("2")
	s.WaitText(t, "2026-20272")
	if v := s.View(); strings.Contains(v, "Contenu de Autre") || !strings.Contains(v, "Créer la base") {
		t.Fatalf("2 typed in the create form switched tabs:\n%s", v)
	}
	s.Key("esc")
	s.WaitText(t, "Création annulée.")

	s.Key("3")
	s.WaitText(t, "Contenu de Champ")
	s.Type("12q?")
	s.WaitText(t, "tapé : 12q?")
	if v := s.View(); strings.Contains(v, "Aucune base chargée") || strings.Contains(v, "masquer l'aide") {
		t.Fatalf("keys typed in a tab's field reached the root:\n%s", v)
	}
}

// With a dialog open, the digits belong to it: the tab stays.
func TestDigitsDoNotSwitchWithADialogOpen(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Generate(t, "Rentrée", 2026, 400)
	s := house(t, f, 80, 24, basesAndTests(&testTab{title: "Autre"}))
	s.WaitText(t, "Aucune base chargée")
	s.Key("c")
	s.WaitText(t, "Rentrée.HNOT")
	s.Key("2")
	s.Key("up") // a key after the 2: once its effect shows, the 2 went through
	s.WaitText(t, "▸ ..")
	if v := s.View(); strings.Contains(v, "Contenu de Autre") || !strings.Contains(v, "Charger une base") {
		t.Fatalf("2 pressed in the picker switched tabs:\n%s", v)
	}
}

// A click on a tab's title in the bar puts it in focus.
func TestMouseOnTheTabBar(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := house(t, f, 120, 40, basesAndTests(&testTab{title: "Sauvegardes"}, &testTab{title: "Suivi des connexions"}))
	s.WaitText(t, "Aucune base chargée")
	click := func(title string) {
		t.Helper()
		lines := strings.Split(s.View(), "\n")
		x := strings.Index(lines[2], title)
		if x < 0 {
			t.Fatalf("no %q in the tab bar %q", title, lines[2])
		}
		s.Send(tea.MouseClickMsg{X: x + 2, Y: 2, Button: tea.MouseLeft})
	}
	click("Suivi des connexions")
	s.WaitText(t, "Contenu de Suivi des connexions")
	click("Autres bases")
	s.WaitText(t, "Aucune base chargée")
	// A click on the rule after the titles changes nothing.
	s.Send(tea.MouseClickMsg{X: 110, Y: 2, Button: tea.MouseLeft})
	s.Key("2")
	s.WaitText(t, "Contenu de Sauvegardes")
}

// An event reloads the tabs that listen to one of its topics, and only
// them: a base loaded by another session reaches Autres bases and a tab of
// the bases, not a tab of the backups.
func TestEventsReachOnlyTheirTabs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	other := f.Session(t)
	backups := &testTab{title: "Sauvegardes", topics: backend.TopicBackups}
	ofBases := &testTab{title: "Des bases", topics: backend.TopicBases}
	s := house(t, f, 80, 24, basesAndTests(backups, ofBases))
	s.WaitText(t, "Aucune base chargée")
	if b, o := backups.loads.Load(), ofBases.loads.Load(); b != 1 || o != 1 {
		t.Fatalf("loads at login: %d and %d, want 1 each", b, o)
	}
	f.Load(t, other, f.Generate(t, "Chargée ailleurs", 2026, 400)[0])
	s.WaitText(t, "Chargée ailleurs")
	s.WaitFor(t, "the bases' tab reloaded", func(string) bool { return ofBases.loads.Load() == 2 })
	if n := backups.loads.Load(); n != 1 {
		t.Errorf("the backups' tab loaded %d times, want once (at login)", n)
	}
}

// An action of this console reloads its tab once: from the event the back
// end publishes for it, not from its outcome as well. A refused action
// reloads nothing.
func TestActingConsoleLoadsOncePerAction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Generate(t, "Rentrée", 2026, 400)
	var loads atomic.Int64
	s := house(t, f, 120, 40, func(c *common.Context) []common.Tab {
		return []common.Tab{counted{bases.New(c), &loads}}
	})
	s.WaitText(t, "Aucune base chargée")
	want := int64(1)
	check := func(what string) {
		t.Helper()
		if n := loads.Load(); n != want {
			t.Fatalf("after %s: %d loads, want %d", what, n, want)
		}
	}
	check("login")

	s.Key("s") // no base opened: refused by the back end
	s.WaitText(t, backend.Message(backend.ErrNoOpenedBase))
	check("a refused action")

	s.Key("c")
	s.WaitText(t, "Rentrée.HNOT")
	s.Key("enter")
	s.WaitText(t, "Base « Rentrée » chargée", "jamais mise en service")
	want++
	check("an upload")

	s.Key("o")
	s.WaitText(t, "La base « Rentrée » est ouverte.", "│ ouverte ")
	want++
	check("opening")

	s.Key("s")
	s.WaitText(t, "La base « Rentrée » est en service.", "● En service")
	s.WaitFor(t, "the lists reloaded", func(v string) bool { return strings.Contains(v, "Bases précédemment mises en service (1)") })
	want++
	check("putting in service")
}

// counted counts the loads of a tab.
type counted struct {
	common.Tab
	loads *atomic.Int64
}

func (c counted) Load() tea.Cmd {
	c.loads.Add(1)
	return c.Tab.Load()
}

// blockingSend is a back end that takes its time: it holds the upload until
// release is closed, after its context was cancelled, and says when it has
// returned.
type blockingSend struct {
	started, cancelled, release chan struct{}
	returned                    atomic.Bool
}

func newBlockingSend() *blockingSend {
	return &blockingSend{started: make(chan struct{}), cancelled: make(chan struct{}), release: make(chan struct{})}
}

func (b *blockingSend) send(ctx context.Context, name string, r io.Reader, p backend.Progress) (tea.Msg, error) {
	close(b.started)
	<-ctx.Done()
	close(b.cancelled)
	<-b.release
	b.returned.Store(true)
	return nil, ctx.Err()
}

func waitClosed(t *testing.T, ch chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: timed out", what)
	}
}

// uploading starts a console whose tab uploads through b on u, and starts
// the upload.
func uploading(t *testing.T, b *blockingSend) *ct.Screen {
	t.Helper()
	f := newFixture(t)
	path := filepath.Join(f.Files, "lent.HNOT")
	if err := os.WriteFile(path, []byte("contenu"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := house(t, f, 80, 24, func(c *common.Context) []common.Tab {
		return []common.Tab{&testTab{c: c, title: "Envois", perm: backend.PermView, send: b.send, path: path}}
	})
	s.WaitText(t, "Contenu de Envois")
	s.Key("u")
	s.WaitText(t, "Envoi et vérification de « lent.HNOT »")
	waitClosed(t, b.started, "upload started")
	return s
}

// Quitting during an upload (ctrl+c: every other key belongs to the upload
// dialog) cancels it and ends the program only once the back end has
// returned: the program keeps running meanwhile.
func TestQuitDuringUploadWaitsForTheBackEnd(t *testing.T) {
	t.Parallel()
	b := newBlockingSend()
	s := uploading(t, b)
	s.Key("ctrl+c")
	waitClosed(t, b.cancelled, "upload cancelled")
	s.Send(Notice{Text: "encore là"})
	s.WaitText(t, "encore là") // the program runs while the back end holds the upload
	close(b.release)
	s.TM.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	if !b.returned.Load() {
		t.Error("the program ended before the back-end call returned")
	}
}

// A program ended from outside (Program.Quit) does not tell its model:
// tui.Wait, called with the model Run returned, cancels the upload and
// waits for the back end.
func TestWaitJoinsTheUploadOfAProgramEndedFromOutside(t *testing.T) {
	t.Parallel()
	b := newBlockingSend()
	s := uploading(t, b)
	m := s.FinalModel(t) // Program.Quit
	waited := make(chan struct{})
	go func() {
		Wait(m)
		close(waited)
	}()
	waitClosed(t, b.cancelled, "upload cancelled by Wait")
	select {
	case <-waited:
		t.Fatal("Wait returned while the back end held the upload")
	default:
	}
	close(b.release)
	waitClosed(t, waited, "Wait")
	if !b.returned.Load() {
		t.Error("Wait returned before the back-end call")
	}
}

// A tab the role may not use is shown; the status line says who may, in
// the words of the back end's policy.
func TestForbiddenTabSaysWho(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	nobody := backend.Permission(1000) // held by no role
	s := house(t, f, 80, 24, basesAndTests(&testTab{title: "Réservé", perm: nobody}))
	s.WaitText(t, "Aucune base chargée")
	s.Key("2")
	s.WaitText(t, "Contenu de Réservé", nobody.Who())
}

// What the process runs besides the console is said after login, until an
// action replaces it.
func TestServicesInTheStatusLine(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t)
	opts := options(f)
	opts.Services = "Serveur web http://127.0.0.1:8080 · planificateur actif"
	s := run(t, f, 80, 24, opts)
	s.Login(t)
	s.WaitText(t, "Serveur web http://127.0.0.1:8080 · planificateur actif")
	s.Key("r")
	s.WaitText(t, "Données actualisées à 09h00.")
}

// The latest notice of an event shows, cleaned, with how many older ones
// were not shown.
func TestEventNotices(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.Session(t)
	s := run(t, f, 120, 40, options(f))
	s.Login(t)
	s.Send(eventMsg{ev: backend.Event{Notices: []backend.Notice{
		{Text: "premier", OK: true}, {Text: "Fichier reçu\x1b[31m par sftp", OK: true},
	}, Missed: 3}})
	s.WaitText(t, "Fichier reçu par sftp (4 messages plus anciens)")
	s.Send(eventMsg{ev: backend.Event{Notices: []backend.Notice{{Text: "seul"}}}})
	s.WaitFor(t, "one notice", func(v string) bool {
		return strings.Contains(v, " seul ") && !strings.Contains(v, "plus ancien")
	})
}

// Below the smallest window only the notice shows, so keys do nothing but
// quit: a confirmation nobody can read must not stop the server.
func TestTooSmallWindowKeysDoNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	filled(t, f) // a base in service
	s := house(t, f, 80, 24, basesAndTests())
	s.WaitText(t, "Essai")
	s.Send(tea.WindowSizeMsg{Width: 30, Height: 10})
	s.WaitText(t, "Agrandissez la")
	for _, k := range []string{"a", "o", "enter", "2", "n"} {
		s.Key(k)
	}
	s.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	s.WaitText(t, "Essai")
	v := s.View()
	if !strings.Contains(v, "En service") || strings.Contains(v, "Arrêter le serveur ?") || strings.Contains(v, "Créer") {
		t.Fatalf("keys acted while the console was not shown:\n%s", v)
	}
	st, err := f.Session(t).Status(context.Background())
	if err != nil || st.State != backend.ServerRunning {
		t.Fatalf("server state %v, %v; want still in service", st.State, err)
	}
}

// On a narrow window the bar shows the tab in focus, after a mark for the
// tabs left out; a click on it still lands on the tab drawn there.
func TestNarrowTabBarShowsTheActiveTab(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := house(t, f, 40, 16, basesAndTests(&testTab{title: "Sauvegardes"}, &testTab{title: "Suivi des connexions"},
		&testTab{title: "PRONOTE.net"}, &testTab{title: "Mon compte"}))
	s.WaitText(t, "Aucune base")
	s.Key("5")
	s.WaitText(t, "Contenu de Mon compte")
	bar := strings.Split(s.View(), "\n")[2]
	if !strings.Contains(bar, "Mon compte") || !strings.HasPrefix(bar, "‹ ") {
		t.Fatalf("tab bar at 40 columns: %q", bar)
	}
	x := strings.Index(bar, "PRONOTE.net")
	if x < 0 {
		t.Fatalf("tab bar at 40 columns: %q", bar)
	}
	s.Send(tea.MouseClickMsg{X: ansi.StringWidth(bar[:x]) + 1, Y: 2, Button: tea.MouseLeft})
	s.WaitText(t, "Contenu de PRONOTE.net")
}
