package backend_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
)

var reCode = regexp.MustCompile(`^[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}-[ABCDEFGHJKMNPQRSTUVWXYZ2-9]{4}$`)

func enrollCode(e *env, est backend.Establishment, code, fp, name string) (*backend.Session, error) {
	return e.b.Enroll(context.Background(), backend.LoginRequest{HostingNumber: est.HostingNumber, Password: code, Addr: "192.0.2.30"},
		backend.EnrollKey{Fingerprint: fp, PublicKey: "ssh-ed25519 AAAA " + fp, Name: name})
}

func findInvitation(t *testing.T, s *backend.Session, label string) backend.Invitation {
	t.Helper()
	list, err := s.Invitations(context.Background())
	ok(t, err)
	for _, inv := range list {
		if inv.Label == label {
			return inv
		}
	}
	t.Fatalf("no invitation %s in %+v", label, list)
	return backend.Invitation{}
}

// The SPR invites; the code, typed any way, enrolls a new key in the groupe
// Administration once; the invitation then reads as used by that key; the
// journal never holds the code.
func TestInvitationLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Victor Hugo")
	inv, code, err := spr.CreateInvitation(ctx, "  Mme Durand\x1b[31m (secrétariat)\n"+strings.Repeat("x", 100))
	ok(t, err)
	if !reCode.MatchString(code) || inv.Label != code[:4] {
		t.Fatalf("code %q, label %q", code, inv.Label)
	}
	if !strings.HasPrefix(inv.Name, "Mme Durand (secrétariat) x") || len([]rune(inv.Name)) != backend.MaxKeyName ||
		strings.ContainsAny(inv.Name, "\x1b\n") || inv.State != backend.InvitationPending ||
		!inv.ExpiresAt.Equal(start.Add(24*time.Hour)) || inv.CreatedBy != "SPR" {
		t.Fatalf("invitation = %+v", inv)
	}
	raw := strings.ReplaceAll(code, "-", "")
	for _, j := range e.journal(t, est.ID) {
		if strings.Contains(j.Detail, raw) || strings.Contains(j.Detail, code) {
			t.Errorf("the journal holds the code: %+v", j)
		}
	}
	if count(e.journal(t, est.ID), "invitation.create", true) != 1 {
		t.Error("the creation is not journaled")
	}

	// Typed in lower case with spaces: a code, not a password.
	typed := strings.ToLower(code[:4]) + " " + code[5:9] + " - " + code[10:]
	admin, err := enrollCode(e, est, typed, "SHA256:invited", "")
	ok(t, err)
	defer admin.Close()
	if admin.Role() != backend.RoleAdmin || admin.EstablishmentID() != est.ID || admin.Actor() != inv.Name {
		t.Fatalf("enrolled by invitation: role %v, est %d, actor %q", admin.Role(), admin.EstablishmentID(), admin.Actor())
	}
	again, err := e.b.KeySession(ctx, "SHA256:invited", "192.0.2.31")
	ok(t, err)
	defer again.Close()
	if again.Role() != backend.RoleAdmin {
		t.Errorf("the key's next session: %v", again.Role())
	}
	used := findInvitation(t, spr, inv.Label)
	if used.State != backend.InvitationUsed || used.UsedBy != "SHA256:invited" || used.UsedByName != inv.Name || !used.UsedAt.Equal(start) {
		t.Errorf("after use = %+v", used)
	}
	j := e.journal(t, est.ID)
	if count(j, "invitation.use", true) != 1 || count(j, "key.enroll", true) != 1 {
		t.Errorf("use and enrollment journaled %d and %d times", count(j, "invitation.use", true), count(j, "key.enroll", true))
	}
	for _, x := range j {
		if strings.Contains(x.Detail, raw) {
			t.Errorf("the journal holds the code: %+v", x)
		}
	}
	// Single use: another key with the same code is refused, and that is a
	// failed attempt.
	if _, err := enrollCode(e, est, code, "SHA256:second", "poste 2"); !errors.Is(err, backend.ErrBadCode) || !errors.Is(err, backend.ErrBadCredentials) {
		t.Fatalf("the code a second time: %v, want ErrBadCode", err)
	}
	if got := backend.Message(backend.ErrBadCode); got != "Numéro d'hébergement, mot de passe ou code d'invitation incorrect." {
		t.Errorf("message %q", got)
	}
	if _, err := e.b.KeySession(ctx, "SHA256:second", "x"); !errors.Is(err, backend.ErrUnknownKey) {
		t.Errorf("the refused key was enrolled: %v", err)
	}
}

// The key is named as typed on the screen when a name was typed, else after
// the invitation, else after its fingerprint.
func TestInvitationKeyName(t *testing.T) {
	e := newEnv(t)
	spr, est := e.session(t, "Collège Colette")
	ctx := context.Background()
	_, c1, err := spr.CreateInvitation(ctx, "vie scolaire")
	ok(t, err)
	_, c2, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	s1, err := enrollCode(e, est, c1, "SHA256:typed", "poste CPE")
	ok(t, err)
	s2, err := enrollCode(e, est, c2, "SHA256:abcdefghij", "")
	ok(t, err)
	if s1.Actor() != "poste CPE" || s2.Actor() != "Clé abcdefgh" {
		t.Errorf("names %q and %q", s1.Actor(), s2.Actor())
	}
}

// What the groupe Administration may not do, the back end refuses: the
// invitations, the keys and the credentials are the SPR's.
func TestInvitationsAreSPROnly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Condorcet")
	_, code, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	admin, err := enrollCode(e, est, code, "SHA256:admin", "")
	ok(t, err)
	defer admin.Close()
	if _, err := admin.Invitations(ctx); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("Invitations: %v", err)
	}
	if _, _, err := admin.CreateInvitation(ctx, "x"); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("CreateInvitation: %v", err)
	}
	if err := admin.CancelInvitation(ctx, code[:4]); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("CancelInvitation: %v", err)
	}
	if err := admin.SendCredentials(ctx); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("SendCredentials: %v", err)
	}
	if _, err := admin.Keys(ctx); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("Keys: %v", err)
	}
	if _, err := admin.Status(ctx); err != nil {
		t.Errorf("Status: %v", err)
	}
	if count(e.journal(t, est.ID), "invitation.create", false) != 1 {
		t.Error("the refused creation is not journaled")
	}
	// Another establishment's SPR sees none of them and cannot cancel them.
	other, _ := e.session(t, "Collège Racine")
	list, err := other.Invitations(ctx)
	ok(t, err)
	if len(list) != 0 {
		t.Errorf("another establishment lists %+v", list)
	}
	_, pending, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	if err := other.CancelInvitation(ctx, pending); !errors.Is(err, backend.ErrInvitationNotFound) {
		t.Errorf("cancelling another establishment's invitation: %v", err)
	}
}

// Each state has its own refusal; cancel takes the label or the code.
func TestInvitationStates(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Pasteur")
	_, expiring, err := spr.CreateInvitation(ctx, "expire")
	ok(t, err)
	e.clock.Advance(time.Hour)
	a, codeA, err := spr.CreateInvitation(ctx, "a")
	ok(t, err)
	_, codeB, err := spr.CreateInvitation(ctx, "b")
	ok(t, err)
	_, codeC, err := spr.CreateInvitation(ctx, "c")
	ok(t, err)

	ok(t, spr.CancelInvitation(ctx, a.Label))
	if err := spr.CancelInvitation(ctx, strings.ToLower(codeA)); !errors.Is(err, backend.ErrInvitationCancelled) {
		t.Errorf("cancel twice: %v", err)
	}
	ok(t, spr.CancelInvitation(ctx, " "+strings.ToLower(strings.ReplaceAll(codeB, "-", " "))+" "))
	_, err = enrollCode(e, est, codeC, "SHA256:c", "")
	ok(t, err)
	if err := spr.CancelInvitation(ctx, codeC); !errors.Is(err, backend.ErrInvitationUsed) {
		t.Errorf("cancel a used one: %v", err)
	}
	e.clock.Advance(23 * time.Hour) // the first is 24 h old
	if err := spr.CancelInvitation(ctx, expiring[:4]+"-…"); !errors.Is(err, backend.ErrInvitationExpired) {
		t.Errorf("cancel an expired one: %v", err)
	}
	for _, bad := range []string{"", "ZZZZ-ZZZZ-ZZZZ", "2222", "ABC", "0000-0000-0000", "\x1b[31mABCD", strings.Repeat("A", 500)} {
		if err := spr.CancelInvitation(ctx, bad); !errors.Is(err, backend.ErrInvitationNotFound) {
			t.Errorf("cancel %q: %v", bad, err)
		}
	}
	for _, code := range []string{expiring, codeA, codeB} {
		if _, err := enrollCode(e, est, code, "SHA256:late", ""); !errors.Is(err, backend.ErrBadCode) {
			t.Errorf("enroll with %s: %v, want ErrBadCode", code, err)
		}
	}
	states := map[string]backend.InvitationState{}
	list, err := spr.Invitations(ctx)
	ok(t, err)
	for _, inv := range list {
		states[inv.Name] = inv.State
	}
	want := map[string]backend.InvitationState{"expire": backend.InvitationExpired, "a": backend.InvitationCancelled,
		"b": backend.InvitationCancelled, "c": backend.InvitationUsed}
	for n, s := range want {
		if states[n] != s {
			t.Errorf("%s: %v, want %v", n, states[n].French(), s.French())
		}
	}
	if list[0].Name != "c" || list[len(list)-1].Name != "expire" {
		t.Errorf("not newest first: %+v", list)
	}
	for _, err := range []error{backend.ErrInvitationUsed, backend.ErrInvitationExpired, backend.ErrInvitationCancelled, backend.ErrInvitationNotFound} {
		if !strings.Contains(backend.Message(err), "invitation") {
			t.Errorf("message of %v: %q", err, backend.Message(err))
		}
	}
}

// Wrong codes count for the lockout exactly like wrong passwords.
func TestInvitationCodeLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Hoche")
	_, code, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	for i := 0; i < backend.MaxFailures-1; i++ {
		if _, err := enrollCode(e, est, "AAAA-BBBB-CCCC", "SHA256:guess", ""); !errors.Is(err, backend.ErrBadCode) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	// One wrong password makes five in a row.
	_, err = e.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: "wrong-password", Addr: "local"})
	var locked *backend.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("fifth failure: %v, want the lock", err)
	}
	if _, err := enrollCode(e, est, code, "SHA256:guess", ""); !errors.As(err, &locked) {
		t.Fatalf("the right code while locked: %v", err)
	}
	e.clock.Advance(backend.LockDuration + time.Second)
	if _, err := enrollCode(e, est, code, "SHA256:guess", ""); err != nil {
		t.Fatalf("the right code after the lock: %v", err)
	}
	// Codes of an unknown number are refused the same way.
	if _, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: "999999999999", Password: code, Addr: "x"},
		backend.EnrollKey{Fingerprint: "SHA256:y", PublicKey: "ssh-ed25519 AAAA y"}); !errors.Is(err, backend.ErrBadCode) {
		t.Errorf("unknown number: %v", err)
	}
}

// Two keys racing for one code: exactly one is enrolled.
func TestInvitationRace(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Fermat")
	_, code, err := spr.CreateInvitation(ctx, "course")
	ok(t, err)
	const n = backend.MaxFailures - 1 // the losers' failed attempts do not lock
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = enrollCode(e, est, code, "SHA256:racer"+string(rune('a'+i)), "")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, backend.ErrBadCode):
			t.Errorf("a loser got %v, want ErrBadCode", err)
		}
	}
	keys, err := spr.Keys(ctx)
	ok(t, err)
	admins := 0
	for _, k := range keys {
		if k.Role == backend.RoleAdmin {
			admins++
		}
	}
	if won != 1 || admins != 1 {
		t.Fatalf("%d enrollments succeeded, %d admin keys; want exactly one", won, admins)
	}
}

// A code only works with its own establishment's hosting number.
func TestInvitationOtherEstablishment(t *testing.T) {
	e := newEnv(t)
	spr, _ := e.session(t, "Lycée Buffon")
	other, _ := e.establish(t, school("Collège Camus"))
	_, code, err := spr.CreateInvitation(context.Background(), "")
	ok(t, err)
	if _, err := enrollCode(e, other, code, "SHA256:z", ""); !errors.Is(err, backend.ErrBadCode) {
		t.Fatalf("a code with another hosting number: %v", err)
	}
}

func TestNormalizeInvitationCode(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"ABCD-EFGH-JKMN", true},
		{"abcd efgh jkmn", true},
		{" abcdEFGH-jkmn ", true},
		{"ABCD-EFGH-JKM", false},   // 11
		{"ABCD-EFGH-JKMNP", false}, // 13
		{"ABCD-EFGH-JKM0", false},  // 0
		{"ABCD-EFGH-JKMO", false},  // O
		{"ABCD-EFGH-JKM1", false},  // 1
		{"ABCD-EFGH-JKMI", false},  // I
		{"ABCD-EFGH-JKML", false},  // L
		{"ÀBCD-EFGH-JKMN", false},
	}
	for _, c := range cases {
		if _, ok := backend.NormalizeInvitationCode(c.in); ok != c.want {
			t.Errorf("%q: %v, want %v", c.in, ok, c.want)
		}
	}
	// A hosting password is never read as a code.
	for range 500 {
		pw, err := password.Generate()
		ok(t, err)
		if _, isCode := backend.NormalizeInvitationCode(pw); isCode {
			t.Fatalf("password %q reads as a code", pw)
		}
	}
}

// A label stays unique among the pending invitations: a drawn code whose
// first group is taken is drawn again; used or expired ones free theirs.
func TestInvitationLabelRedrawn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, _ := e.session(t, "Lycée Carnot")
	codes := []string{"ABCDEFGHJKMN", "ABCDPQRSTUVW", "ABCDXYZ23456", "WXYZ23456789"}
	backend.SetDrawCode(t, func() (string, error) {
		c := codes[0]
		codes = codes[1:]
		return c, nil
	})
	first, c1, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	second, c2, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	if first.Label != "ABCD" || c1 != "ABCD-EFGH-JKMN" || second.Label != "WXYZ" || c2 != "WXYZ-2345-6789" {
		t.Fatalf("labels %s (%s) and %s (%s)", first.Label, c1, second.Label, c2)
	}
}

// At most MaxPendingInvitations are pending at once.
func TestTooManyInvitations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, _ := e.session(t, "Lycée Montaigne")
	var last string
	for range backend.MaxPendingInvitations {
		_, c, err := spr.CreateInvitation(ctx, "")
		ok(t, err)
		last = c
	}
	if _, _, err := spr.CreateInvitation(ctx, ""); !errors.Is(err, backend.ErrTooManyInvitations) {
		t.Fatalf("one too many: %v", err)
	}
	ok(t, spr.CancelInvitation(ctx, last))
	if _, _, err := spr.CreateInvitation(ctx, ""); err != nil {
		t.Fatalf("after a cancellation: %v", err)
	}
}

// "Recevoir mes identifiants d'hébergement": a new password by SMS, the old
// one stops working, key sessions go on.
func TestSendCredentials(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, oldPW := e.establish(t, school("Lycée Chaptal"))
	keySess, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: oldPW, Invoice: est.Invoice, Addr: "x"},
		backend.EnrollKey{Fingerprint: "SHA256:spr", PublicKey: "ssh-ed25519 AAAA spr", Name: "direction"})
	ok(t, err)
	defer keySess.Close()
	before := len(e.outboxMessages(t))
	ok(t, keySess.SendCredentials(ctx))
	if got := len(e.outboxMessages(t)) - before; got != 2 {
		t.Fatalf("%d messages, want an e-mail and an SMS", got)
	}
	newPW := e.lastSMSPassword(t)
	if _, err := e.b.Login(ctx, loginReq(est, oldPW, "", "a")); !errors.Is(err, backend.ErrBadCredentials) {
		t.Errorf("old password: %v", err)
	}
	if _, err := e.b.Login(ctx, loginReq(est, newPW, "", "a")); err != nil {
		t.Errorf("new password: %v", err)
	}
	if _, err := keySess.Bases(ctx); err != nil {
		t.Errorf("the key session after the new password: %v", err)
	}
	found := false
	for _, j := range e.journal(t, est.ID) {
		if j.Action == "credentials.send" && j.OK && j.Actor == "direction" && j.Addr == "x" && !strings.Contains(j.Detail, newPW) {
			found = true
		}
	}
	if !found {
		t.Error("the request is not journaled with its actor")
	}
}

// A key enrolled by invitation is revoked like any other: its sessions end.
func TestInvitedKeyRevoked(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée Janson")
	_, code, err := spr.CreateInvitation(ctx, "")
	ok(t, err)
	admin, err := enrollCode(e, est, code, "SHA256:torevoke", "")
	ok(t, err)
	ok(t, spr.RevokeKey(ctx, "SHA256:torevoke"))
	waitRevoked(t, admin, "key enrolled by invitation")
	if _, err := admin.Status(ctx); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("Status after revocation: %v", err)
	}
}
