package ssh_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
	hssh "github.com/hebergement/console/ssh"
)

// An invitation end to end: the SPR creates it with the real OpenSSH
// client, a new key enrolls with the code on the console's enrollment
// screen (a PTY through the Go client), and that key, of the groupe
// Administration, is refused the SPR's commands by the real client (exit 1)
// while statut answers; revoked by the SPR, its console ends.
func TestOpenSSHInvitation(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{ConnRate: 6000, ConnBurst: 1000})
	r := o.ssh(o.keyPath, "invitation", "creer", "--nom", "secrétariat")
	m := regexp.MustCompile(`Invitation créée : ([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})`).FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil {
		t.Fatalf("invitation creer: %+v", r)
	}
	invitedPath, invited := writeIdentity(t, o.home, "id_invited")
	console := o.openTerm(o.est.HostingNumber, invited, 100, 30)
	console.waitText("Enregistrer votre clé SSH", "Mot de passe ou code d'invitation")
	console.send(strings.ToLower(m[1]) + "\r")
	console.waitText(o.est.Name, "Administration", "secrétariat", "Autres bases")

	forbidden := backend.Message(backend.ErrForbidden)
	for _, args := range [][]string{{"invitations"}, {"cles"}, {"invitation", "creer"}, {"identifiants", "envoyer", "-y"}} {
		if r := o.ssh(invitedPath, args...); r.code != 1 || !strings.Contains(r.stderr, forbidden) || !strings.Contains(r.stderr, "(SPR)") {
			t.Errorf("%v by the invited key: %+v, want 1 and %q", args, r, forbidden)
		}
	}
	if r := o.ssh(invitedPath, "statut"); r.code != 0 || !strings.Contains(r.stdout, o.est.Name) {
		t.Errorf("statut by the invited key: %+v", r)
	}
	if r := o.ssh(o.keyPath, "invitations"); r.code != 0 || !strings.Contains(r.stdout, "utilisée") || !strings.Contains(r.stdout, "secrétariat") {
		t.Errorf("invitations after use: %+v", r)
	}
	// Revoked by the SPR with the real client: its console ends.
	if r := o.ssh(o.keyPath, "cle", "revoquer", fp(invited), "-y"); r.code != 0 {
		t.Fatalf("cle revoquer: %+v", r)
	}
	console.waitEnd(waitLimit)
}
