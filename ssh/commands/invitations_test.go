package commands

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

var reShownCode = regexp.MustCompile(`Invitation créée : ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\n`)

// TestInvitationCommands: the SPR creates, lists and cancels invitations;
// the code is printed once; a key enrolled with one is of the groupe
// Administration, refused the SPR's commands with exit 1; usage errors are 2.
func TestInvitationCommands(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := f.must(f.spr, []string{"invitation", "creer", "--nom", "Mme Durand\x1b[31m"}, "Nom : Mme Durand\n",
		"Valable jusqu'au 06/10/2026 09:00, pour une seule clé", "ssh -t console.hebergement", f.est.HostingNumber)
	m := reShownCode.FindStringSubmatch(o.stdout)
	if m == nil {
		t.Fatalf("no code in:\n%s", o.stdout)
	}
	code := m[1]
	f.must(f.spr, []string{"invitation", "creer"}, "Invitation créée : ")
	list := f.must(f.spr, []string{"invitations"}, "Invitations (2)", code[:4]+"-…", "Mme Durand", "en attente", "06/10/2026 09:00")
	if strings.Contains(list.stdout, code) || strings.Contains(list.stdout, strings.ReplaceAll(code, "-", "")) {
		t.Errorf("invitations shows the code:\n%s", list.stdout)
	}

	f.clk.Advance(time.Minute)
	admin, err := f.b.Enroll(ctx, backend.LoginRequest{HostingNumber: f.est.HostingNumber, Password: code, Addr: "192.0.2.9"},
		backend.EnrollKey{Fingerprint: "SHA256:invited", PublicKey: "ssh-ed25519 AAAA invited"})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	type row struct {
		Label, Name, State string
		UsedBy             string `json:"used_by"`
		UsedByName         string `json:"used_by_name"`
	}
	j := decodeJSON[struct{ Invitations []row }](t, f.must(f.spr, []string{"invitations", "--json"}))
	if len(j.Invitations) != 2 || j.Invitations[1].State != "used" || j.Invitations[1].UsedBy != "SHA256:invited" ||
		j.Invitations[1].UsedByName != "Mme Durand" || j.Invitations[1].Label != code[:4] || j.Invitations[0].State != "pending" {
		t.Errorf("invitations --json = %+v", j)
	}
	if strings.Contains(f.run(f.spr, "invitations", "--json").stdout, strings.ReplaceAll(code, "-", "")) {
		t.Error("the JSON carries the code")
	}
	f.must(f.spr, []string{"invitations"}, "utilisée le 05/10/2026 09:01", "Mme Durand")

	// The invited key: Administration.
	who := " " + backend.PermInvitations.Who()
	f.refused(admin, []string{"invitations"}, backend.Message(backend.ErrForbidden)+who)
	f.refused(admin, []string{"invitation", "creer"}, backend.Message(backend.ErrForbidden)+who)
	f.refused(admin, []string{"invitation", "annuler", j.Invitations[0].Label}, backend.Message(backend.ErrForbidden)+who)
	f.refused(admin, []string{"cles"}, backend.Message(backend.ErrForbidden)+" "+backend.PermKeys.Who())
	f.refused(admin, []string{"identifiants", "envoyer", "-y"}, backend.Message(backend.ErrForbidden)+" "+backend.PermCredentials.Who())
	f.must(admin, []string{"statut"})

	// Cancel: by label, then refusals with their own sentences.
	pending := j.Invitations[0].Label
	f.must(f.spr, []string{"invitation", "annuler", strings.ToLower(pending)}, "Invitation "+pending+"-… annulée")
	f.refused(f.spr, []string{"invitation", "annuler", pending + "-…"}, backend.Message(backend.ErrInvitationCancelled))
	f.refused(f.spr, []string{"invitation", "annuler", code}, backend.Message(backend.ErrInvitationUsed))
	f.refused(f.spr, []string{"invitation", "annuler", "ZZZZ-ZZZZ-ZZZZ"}, backend.Message(backend.ErrInvitationNotFound))
	o = f.must(f.spr, []string{"invitation", "creer"})
	f.clk.Advance(25 * time.Hour)
	f.refused(f.spr, []string{"invitation", "annuler", reShownCode.FindStringSubmatch(o.stdout)[1]}, backend.Message(backend.ErrInvitationExpired))
	f.must(f.spr, []string{"invitations"}, "expirée", "annulée")

	for _, args := range [][]string{
		{"invitation"}, {"invitation", "annuler"}, {"invitation", "annuler", "ABC"}, {"invitation", "annuler", "0000-0000-0000"},
		{"invitation", "annuler", "\x1b[31m"}, {"invitation", "creer", "x"}, {"invitation", "creer", "--nom", "\x1b[0m"},
		{"invitations", "x"}, {"identifiants", "envoyer"}, {"identifiants"},
	} {
		if o := f.run(f.spr, args...); o.code != ExitUsage || o.opened {
			t.Errorf("%q: %+v, want a usage error that opens no session", args, o)
		}
	}
}

// identifiants envoyer -y: a new password by SMS; the old one stops working.
func TestSendCredentialsCommand(t *testing.T) {
	f := newFixture(t)
	f.must(f.spr, []string{"identifiants", "envoyer", "-y"}, "Identifiants envoyés (SMS au •• •• •• •• 78, e-mail à c•••@ac-paris.fr)",
		"L'ancien mot de passe ne fonctionne plus")
	j, err := f.b.Journal(context.Background(), f.est.ID, 5)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range j {
		found = found || e.Action == "credentials.send" && e.OK
	}
	if !found {
		t.Errorf("journal = %+v", j)
	}
}
