package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// The enrollment screen's second field takes a password or an invitation
// code; the local login screen only a password.
func TestLoginLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	local := run(t, f, 100, 30, options(f))
	local.WaitText(t, "Mot de passe")
	if v := local.View(); strings.Contains(v, "code d'invitation") {
		t.Errorf("the local login screen mentions a code:\n%s", v)
	}
	enroll := run(t, f, 100, 30, enrollOptions(f))
	enroll.WaitText(t, "Enregistrer votre clé SSH", "Mot de passe ou code d'invitation")
}

// An invitation code typed on the enrollment screen (as read from a note:
// lower case, spaces) enrolls the key in the groupe Administration with no
// invoice number, and the header shows the role; a used code is refused
// with the sentence that mentions codes.
func TestEnrollWithInvitationCode(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, code, err := f.Session(t).CreateInvitation(context.Background(), "secrétariat")
	if err != nil {
		t.Fatal(err)
	}
	opts := enrollOptions(f)
	opts.Enroll.Name = ""
	s := run(t, f, 100, 30, opts)
	s.WaitText(t, "Mot de passe ou code d'invitation")
	s.Type(strings.ToLower(strings.ReplaceAll(code, "-", " ")))
	s.Key("enter")
	s.WaitText(t, "Administration", "secrétariat", "Autres bases")
	if v := s.View(); strings.Contains(v, "Numéro de facture") {
		t.Errorf("the invoice number was asked:\n%s", v)
	}

	again := enrollOptions(f)
	again.Enroll.Fingerprint = "SHA256:another"
	s2 := run(t, f, 100, 30, again)
	s2.WaitText(t, "Mot de passe ou code d'invitation")
	s2.Type(code)
	s2.Key("enter")
	s2.WaitText(t, backend.Message(backend.ErrBadCode))
}

// At 80 columns, a key enrolled with an invitation whose name is long
// still shows its role in the header: the key's name gives way first.
func TestHeaderKeepsTheRoleOfALongKeyName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, code, err := f.Session(t).CreateInvitation(context.Background(), "Mme Durand, secrétariat")
	if err != nil {
		t.Fatal(err)
	}
	opts := enrollOptions(f)
	opts.Enroll.Name = ""
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Mot de passe ou code d'invitation")
	s.Type(code)
	s.Key("enter")
	s.WaitText(t, "Autres bases")
	first := strings.SplitN(s.View(), "\n", 2)[0]
	if !strings.Contains(first, "Administration") {
		t.Errorf("the header's first line lost the role:\n%s", first)
	}
}

// At 80 columns the enrollment screen's placeholders hold whole in their
// narrower fields, and the second one does not say the code comes by SMS.
func TestEnrollPlaceholdersAt80(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	opts := enrollOptions(f)
	opts.Enroll.Name = ""
	s := run(t, f, 80, 24, opts)
	s.WaitText(t, "Mot de passe ou code d'invitation")
	v := s.View()
	for _, want := range []string{"reçu par SMS ou du responsable", "ex. : poste du secrétariat"} {
		if !strings.Contains(v, want) {
			t.Errorf("placeholder %q not whole:\n%s", want, v)
		}
	}
}
