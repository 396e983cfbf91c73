package account

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// root stands for the console's root: keys go to the dialog on top, or to
// the tab; every other message to the tab and to every open dialog. The
// commands run in goroutines, as Bubble Tea runs them; settle waits until
// none is left.
type root struct {
	t       *testing.T
	tab     *Tab
	c       *common.Context
	msgs    chan tea.Msg
	pending int
}

func newRoot(t *testing.T, tab *Tab, c *common.Context) *root {
	tab.SetSize(80, 24)
	c.DialogW, c.DialogH = 80, 22
	return &root{t: t, tab: tab, c: c, msgs: make(chan tea.Msg, 64)}
}

func (r *root) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	r.pending++
	go func() { r.msgs <- cmd() }()
}

func (r *root) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range m {
			r.run(c)
		}
		return
	case tea.KeyPressMsg, tea.PasteMsg:
		if d := r.c.Dialog(); d != nil {
			r.run(d.Update(msg))
		} else {
			r.run(r.tab.Update(msg))
		}
		return
	}
	// The cursor's blinking would never end: it is left out.
	if s := fmt.Sprintf("%T", msg); s == "dialogs.formMsg" && strings.Contains(fmt.Sprintf("%#v", msg), "cursor.") {
		return
	}
	// tea.Sequence's message (not exported): its commands, in order.
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
		cmds := make([]tea.Cmd, 0, v.Len())
		for i := range v.Len() {
			cmds = append(cmds, v.Index(i).Interface().(tea.Cmd))
		}
		r.pending += len(cmds)
		go func() {
			for _, c := range cmds {
				var m tea.Msg
				if c != nil {
					m = c()
				}
				r.msgs <- m
			}
		}()
		return
	}
	r.run(r.tab.Update(msg))
	for _, d := range append([]common.Dialog(nil), r.c.Dialogs()...) {
		r.run(d.Update(msg))
	}
}

// settle delivers the answers of the commands until none is running.
func (r *root) settle() {
	r.t.Helper()
	deadline := time.After(10 * time.Second)
	for r.pending > 0 {
		select {
		case msg := <-r.msgs:
			r.pending--
			r.deliver(msg)
		case <-deadline:
			r.t.Fatalf("%d commands still running", r.pending)
		}
	}
}

func (r *root) press(keys ...string) {
	r.t.Helper()
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab}
		case "shift+tab":
			msg = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "up":
			msg = tea.KeyPressMsg{Code: tea.KeyUp}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "delete":
			msg = tea.KeyPressMsg{Code: tea.KeyDelete}
		case "ctrl+u":
			msg = tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		r.deliver(msg)
		r.settle()
	}
}

func (r *root) typeText(s string) {
	r.t.Helper()
	// One key press after the other, as typed; the answers (the cursor's
	// timers among them) are waited for once.
	for _, c := range s {
		r.deliver(tea.KeyPressMsg{Code: c, Text: string(c)})
	}
	r.settle()
}

func (r *root) status() string {
	s, _ := r.c.StatusLine()
	return s
}

func (r *root) dialogView() string {
	r.t.Helper()
	d := r.c.Dialog()
	if d == nil {
		r.t.Fatal("no dialog open")
	}
	return d.View(r.c.DialogW, r.c.DialogH)
}

// keyNamed is the back end's key of fingerprint fp.
func keyNamed(t *testing.T, s *backend.Session, fp string) backend.Key {
	t.Helper()
	keys, err := s.Keys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Fingerprint == fp {
			return k
		}
	}
	t.Fatalf("no key %s", fp)
	return backend.Key{}
}

// access is the tab's view "Accès".
func (r *root) access() *accessView { return r.tab.views[viewAccess].(*accessView) }

// onKeys shows the view "Accès", the cursor of its keys table on the n-th
// key (oldest first: the revoked one, the head's own, the office's).
func onKeys(t *testing.T, r *root, n int) {
	t.Helper()
	r.press("right")
	if r.tab.cur != viewAccess {
		t.Fatalf("view %d, want Accès", r.tab.cur)
	}
	for range n {
		r.press("down")
	}
}

func TestAccountRenameKey(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 1)
	if !strings.Contains(helpText(tab.ShortHelp()), "renommer la clé") {
		t.Errorf("the help does not show e: %s", helpText(tab.ShortHelp()))
	}
	r.press("e")
	v := ansi.Strip(r.dialogView())
	if !strings.Contains(v, "Nouveau nom de la clé") || !strings.Contains(v, "Poste du proviseur") {
		t.Fatalf("the dialog does not show the field with the name:\n%s", v)
	}
	t.Run("80x24", func(t *testing.T) { tabtest.Snapshot(t, v) })

	// An empty name: the French error, nothing changes.
	r.press("ctrl+u", "enter")
	if v := ansi.Strip(r.dialogView()); !strings.Contains(v, "Saisissez un nom.") {
		t.Fatalf("no error for an empty name:\n%s", v)
	}
	if k := keyNamed(t, s, fpHead); k.Name != "Poste du proviseur" {
		t.Fatalf("renamed to %q", k.Name)
	}

	// A name, entrée: the back end has it.
	r.typeText("Portable du proviseur")
	r.press("enter")
	if c.Dialog() != nil {
		t.Fatalf("the dialog is still open:\n%s", ansi.Strip(r.dialogView()))
	}
	if k := keyNamed(t, s, fpHead); k.Name != "Portable du proviseur" {
		t.Fatalf("name %q", k.Name)
	}
	if got := r.status(); got != "La clé « Portable du proviseur » est renommée." {
		t.Fatalf("status %q", got)
	}

	// échap closes, nothing changes.
	r.press("e", "ctrl+u")
	r.typeText("Autre")
	r.press("esc")
	if c.Dialog() != nil || r.status() != "Action annulée." {
		t.Fatalf("échap: dialog %v, status %q", c.Dialog(), r.status())
	}
	if k := keyNamed(t, s, fpHead); k.Name != "Portable du proviseur" {
		t.Fatalf("échap renamed to %q", k.Name)
	}
}

func TestAccountRevokeKey(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 2) // Secrétariat
	r.press("d")
	v := strings.Join(strings.Fields(ansi.Strip(r.dialogView())), " ")
	for _, want := range []string{"Secrétariat", fpOffice, "dans la seconde"} {
		if !strings.Contains(v, want) {
			t.Errorf("the confirmation does not say %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "cette console") {
		t.Errorf("another key's confirmation says this console closes:\n%s", v)
	}
	r.press("n")
	if c.Dialog() != nil || !keyNamed(t, s, fpOffice).RevokedAt.IsZero() {
		t.Fatal("n revoked the key or left the confirmation open")
	}
	r.press("delete", "o")
	if keyNamed(t, s, fpOffice).RevokedAt.IsZero() {
		t.Fatalf("not revoked; status %q", r.status())
	}
	if got := r.status(); got != "La clé « Secrétariat » est révoquée." {
		t.Fatalf("status %q", got)
	}

	// The session's own key: this console closes too.
	r.press("up")
	if row, _ := r.access().keyTable.Selected(); row.Key != fpHead {
		t.Fatalf("cursor on %s", row.Key)
	}
	r.press("d")
	if v := strings.Join(strings.Fields(strings.ReplaceAll(ansi.Strip(r.dialogView()), "│", "")), " "); !strings.Contains(v, "cette console se fermera aussi") {
		t.Errorf("the confirmation of the own key does not say the console closes:\n%s", v)
	}
	r.press("n")
}

// A revoked key: both actions are refused with a French sentence.
func TestAccountRevokedKeyRefused(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 0) // Ancien portable, revoked
	for _, k := range []string{"e", "d", "delete"} {
		c.SetStatus("", common.StatusInfo)
		r.press(k)
		if c.Dialog() != nil {
			t.Fatalf("%s opened a dialog on a revoked key", k)
		}
		if got := r.status(); got != "Cette clé SSH est déjà révoquée." {
			t.Fatalf("%s: status %q", k, got)
		}
	}
}

// A member of the groupe Administration has neither action: the keys do
// nothing, the help does not show them, the section says who may.
func TestAccountAdministrationNoKeyActions(t *testing.T) {
	t.Parallel()
	f, _ := filled(t)
	s := f.KeySession(t, fpOffice)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	for range tab.views {
		r.press("e", "d", "delete")
		if c.Dialog() != nil {
			t.Fatalf("a dialog opened in view %d", tab.cur)
		}
		if h := helpText(tab.ShortHelp()) + helpText(flat(tab.FullHelp())); strings.Contains(h, "clé") {
			t.Fatalf("the help shows the key actions: %s", h)
		}
		if tab.cur == viewAccess {
			if v := strings.Join(strings.Fields(tabtest.View(t, tab, 80, 24)), " "); !strings.Contains(v, "Réservé au responsable de l'hébergement (SPR).") {
				t.Errorf("no line saying who may:\n%s", v)
			}
		}
		r.press("right")
	}
	head := f.KeySession(t, fpHead)
	if k := keyNamed(t, head, fpOffice); k.Name != "Secrétariat" || !k.RevokedAt.IsZero() {
		t.Fatalf("key changed: %+v", k)
	}
}

// A hostile name typed (pasted) into the field is never drawn raw, and the
// back end stores it cleaned.
func TestAccountRenameHostile(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 1)
	r.press("e", "ctrl+u")
	r.deliver(tea.PasteMsg{Content: tabtest.Hostile})
	r.settle()
	r.deliver(tea.KeyPressMsg{Code: 'x', Text: "\u202ex\x1b]0;titre volé\a"})
	r.settle()
	tabtest.CheckClean(t, r.dialogView())
	r.press("enter")
	k := keyNamed(t, s, fpHead)
	tabtest.CheckClean(t, k.Name)
	if !strings.Contains(k.Name, "Lycée rouge") {
		t.Fatalf("stored %q", k.Name)
	}
	tabtest.CheckClean(t, r.status())
	tabtest.Run(tab) // the reload the event brings
	tabtest.CheckClean(t, tab.View())
	r.press("e")
	tabtest.CheckClean(t, r.dialogView())
}

func helpText(bs []key.Binding) string {
	var b strings.Builder
	for _, k := range bs {
		b.WriteString(k.Help().Key + " " + k.Help().Desc + " · ")
	}
	return b.String()
}

func flat(groups [][]key.Binding) []key.Binding {
	var out []key.Binding
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
