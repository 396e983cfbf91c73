package account

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/internal/tabtest"
)

// shownCode is what a drawn code reads as in the goldens.
const shownCode = "ABCD-EFGH-JKMN"

// invited is filled with four invitations, newest first: one pending
// (« Mme Durand »), one used by a key it enrolled, one cancelled, one
// expired. labels maps each drawn label to a fixed one for the goldens.
func invited(t *testing.T) (*tabtest.Fixture, *backend.Session, map[string]string) {
	t.Helper()
	ctx := context.Background()
	f, s := filled(t)
	labels := map[string]string{}
	create := func(name string) (backend.Invitation, string) {
		inv, code, err := s.CreateInvitation(ctx, name)
		tabtest.Must(t, err)
		labels[inv.Label] = []string{"WXYZ", "QRST", "MNPQ", "EFGH"}[len(labels)]
		return inv, code
	}
	create("stagiaire")
	f.Clock.Advance(25 * time.Hour) // expired
	cancelled, _ := create("")
	tabtest.Must(t, s.CancelInvitation(ctx, cancelled.Label))
	f.Clock.Advance(time.Hour)
	_, code := create("vie scolaire")
	_, err := f.B.Enroll(ctx, backend.LoginRequest{HostingNumber: f.Est.HostingNumber, Password: code, Addr: "198.51.100.9"},
		backend.EnrollKey{Fingerprint: "SHA256:cpe", PublicKey: "ssh-ed25519 AAAA cpe", Name: "Poste CPE"})
	tabtest.Must(t, err)
	f.Clock.Advance(time.Hour)
	create("Mme Durand\x1b[31m")
	return f, s, labels
}

func normalizeLabels(s string, labels map[string]string) string {
	for from, to := range labels {
		s = strings.ReplaceAll(s, from+"-…", to+"-…")
	}
	return s
}

// The keys and the invitations in each state, at both sizes.
func TestSnapshotAccess(t *testing.T) {
	t.Parallel()
	eachSize(t, func(t *testing.T, w, h int) {
		f, s, labels := invited(t)
		tab, _ := newTab(t, f, s)
		tab.SetSize(w, h)
		if cmd := tab.show(viewAccess); cmd != nil {
			tab.Update(cmd())
		}
		v := tabtest.View(t, tab, w, h)
		for _, want := range []string{"en attente", "utilisée", "Poste CPE", "annulée", "expirée", "Mme Durand"} {
			if !strings.Contains(v, want) {
				t.Errorf("the view does not show %q:\n%s", want, v)
			}
		}
		tabtest.CheckClean(t, tab.View())
		tabtest.Snapshot(t, f.Normalize(normalizeLabels(v, labels)))
	})
}

// i: a name, then the code shown once in its dialog; entrée closes it and
// the code is shown nowhere else.
func TestAccessInvite(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 0)
	if !strings.Contains(helpText(tab.ShortHelp()), "inviter un utilisateur") {
		t.Errorf("the help does not show i: %s", helpText(tab.ShortHelp()))
	}
	r.press("i")
	if v := ansi.Strip(r.dialogView()); !strings.Contains(v, "Nom de l'invitation (facultatif)") {
		t.Fatalf("no form:\n%s", v)
	}
	r.typeText("Mme Durand")
	r.press("enter")
	d, ok := c.Dialog().(*codeDialog)
	if !ok {
		t.Fatalf("no code dialog; status %q", r.status())
	}
	code := d.code
	if _, isCode := backend.NormalizeInvitationCode(code); !isCode || len(code) != len(shownCode) {
		t.Fatalf("code %q", code)
	}
	flat := strings.Join(strings.Fields(strings.ReplaceAll(ansi.Strip(r.dialogView()), "│", "")), " ")
	for _, want := range []string{code, "Notez ce code : il ne sera plus affiché. Valable 24 heures, pour une seule clé.", "Mme Durand", "ssh -t console.hebergement"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the dialog does not say %q:\n%s", want, flat)
		}
	}
	for _, sz := range tabtest.Sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.W, sz.H), func(t *testing.T) {
			v := ansi.Strip(c.Dialog().View(sz.W, sz.H-2))
			tabtest.Snapshot(t, f.Normalize(strings.ReplaceAll(v, code, shownCode)))
		})
	}
	r.press("enter")
	if c.Dialog() != nil {
		t.Fatal("entrée did not close the code dialog")
	}
	list, err := s.Invitations(context.Background())
	tabtest.Must(t, err)
	if len(list) != 1 || list[0].Name != "Mme Durand" || list[0].State != backend.InvitationPending || list[0].Label != code[:4] {
		t.Fatalf("invitations = %+v", list)
	}
	tabtest.Run(tab) // the reload the event brings
	if v := tabtest.View(t, tab, 120, 40); strings.Contains(v, code) || !strings.Contains(v, code[:4]+"-…") {
		t.Errorf("the table shows the code, or not its label:\n%s", v)
	}
	if !strings.HasPrefix(r.status(), "Invitation "+code[:4]+"-… créée") {
		t.Errorf("status %q", r.status())
	}
}

// tab moves to the invitations; d cancels the pending one after a
// confirmation and refuses the others with their sentence.
func TestAccessCancelInvitation(t *testing.T) {
	t.Parallel()
	f, s, _ := invited(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 0)
	r.press("tab")
	a := r.access()
	if a.focus != paneInvitations {
		t.Fatalf("focus %d after tab", a.focus)
	}
	if !strings.Contains(helpText(tab.ShortHelp()), "annuler l'invitation") {
		t.Errorf("the help: %s", helpText(tab.ShortHelp()))
	}
	r.press("down") // the used one
	r.press("d")
	if c.Dialog() != nil || r.status() != backend.Message(backend.ErrInvitationUsed) {
		t.Fatalf("d on a used invitation: dialog %v, status %q", c.Dialog(), r.status())
	}
	r.press("up", "d")
	if v := strings.Join(strings.Fields(ansi.Strip(r.dialogView())), " "); !strings.Contains(v, "Mme Durand") {
		t.Fatalf("the confirmation:\n%s", v)
	}
	r.press("n")
	r.press("delete", "o")
	list, err := s.Invitations(context.Background())
	tabtest.Must(t, err)
	if list[0].State != backend.InvitationCancelled {
		t.Fatalf("not cancelled: %+v; status %q", list[0], r.status())
	}
	if !strings.HasSuffix(r.status(), "est annulée.") {
		t.Errorf("status %q", r.status())
	}
	r.press("shift+tab")
	if a.focus != paneKeys {
		t.Fatalf("focus %d after maj+tab", a.focus)
	}
}

// m: "Recevoir mes identifiants d'hébergement" after a confirmation; the
// old password stops working.
func TestAccessSendCredentials(t *testing.T) {
	t.Parallel()
	f, s := filled(t)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	onKeys(t, r, 0)
	r.press("m")
	if v := strings.Join(strings.Fields(strings.ReplaceAll(ansi.Strip(r.dialogView()), "│", "")), " "); !strings.Contains(v,
		"Un nouveau mot de passe vous sera envoyé par SMS ; l'ancien ne fonctionnera plus.") {
		t.Fatalf("the confirmation:\n%s", v)
	}
	r.press("n")
	ctx := context.Background()
	if _, err := f.B.Login(ctx, backend.LoginRequest{HostingNumber: f.Est.HostingNumber, Password: f.PW, Addr: "x"}); err != nil {
		t.Fatalf("n changed the password: %v", err)
	}
	r.press("m", "o")
	if !strings.HasPrefix(r.status(), "Identifiants envoyés") {
		t.Fatalf("status %q", r.status())
	}
	if _, err := f.B.Login(ctx, backend.LoginRequest{HostingNumber: f.Est.HostingNumber, Password: f.PW, Addr: "x"}); err == nil {
		t.Fatal("the old password still works")
	}
	if _, err := s.Status(ctx); err != nil {
		t.Errorf("the key session after the new password: %v", err)
	}
}

// The groupe Administration: i, m, tab do nothing; the view says who may.
func TestAccessAdministration(t *testing.T) {
	t.Parallel()
	f, _ := filled(t)
	s := f.KeySession(t, fpOffice)
	tab, c := newTab(t, f, s)
	r := newRoot(t, tab, c)
	r.press("right")
	r.press("i", "m", "tab", "d")
	if c.Dialog() != nil {
		t.Fatal("a dialog opened for the groupe Administration")
	}
	if v := tabtest.View(t, tab, 80, 24); !strings.Contains(v, backend.PermInvitations.Who()) || strings.Contains(v, "Invitations") {
		t.Errorf("the view:\n%s", v)
	}
}
