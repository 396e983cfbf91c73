package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

func TestKeyEnrollmentLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	key := backend.EnrollKey{Fingerprint: "SHA256:abcdefghijklmnop", PublicKey: "ssh-ed25519 AAAA test", Name: "Poste\x1b[31m du SPR"}

	if _, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.7"); !errors.Is(err, backend.ErrUnknownKey) {
		t.Fatalf("unknown key: %v, want ErrUnknownKey", err)
	}
	// First login of the establishment: the invoice number is asked, as locally.
	if _, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Addr: "192.0.2.7"}, key); !errors.Is(err, backend.ErrInvoiceRequired) {
		t.Fatalf("enroll without invoice: %v", err)
	}
	if _, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: "wrong-password", Invoice: est.Invoice, Addr: "192.0.2.7"}, key); !errors.Is(err, backend.ErrBadCredentials) {
		t.Fatalf("enroll with a wrong password: %v", err)
	}
	if _, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.7"); !errors.Is(err, backend.ErrUnknownKey) {
		t.Fatal("a refused enrollment enrolled the key")
	}
	s, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "192.0.2.7"}, key)
	ok(t, err)
	if s.Role() != backend.RoleSPR || s.Actor() != "Poste du SPR" {
		t.Errorf("enrolled session: role %v actor %q (the name must be sanitized)", s.Role(), s.Actor())
	}
	// The enrollment opened the key's first session: it is a use.
	if keys, err := e.b.Keys(ctx, est.HostingNumber); err != nil || len(keys) != 1 || keys[0].LastUsedAt.IsZero() {
		t.Fatalf("keys just after the enrollment = %+v, %v: want it used now", keys, err)
	}
	// A known key goes straight in, to its own establishment.
	s2, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.8")
	ok(t, err)
	if s2.EstablishmentID() != est.ID || s2.Role() != backend.RoleSPR {
		t.Errorf("key session: establishment %d role %v", s2.EstablishmentID(), s2.Role())
	}
	keys, err := e.b.Keys(ctx, est.HostingNumber)
	ok(t, err)
	if len(keys) != 1 || keys[0].Fingerprint != key.Fingerprint || keys[0].LastUsedAt.IsZero() {
		t.Fatalf("keys = %+v", keys)
	}
	// Revoked: back to enrollment; revoking twice is refused.
	ok(t, e.b.RevokeKey(ctx, key.Fingerprint, "operator"))
	if _, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.7"); !errors.Is(err, backend.ErrUnknownKey) {
		t.Fatalf("revoked key: %v", err)
	}
	if err := e.b.RevokeKey(ctx, key.Fingerprint, "operator"); err == nil {
		t.Error("revoking twice was accepted")
	}
	if err := e.b.RevokeKey(ctx, "SHA256:nope", "operator"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v", err)
	}
	// Enrolling the revoked key again (no invoice: not the first login any more).
	_, err = e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Addr: "192.0.2.7"}, key)
	ok(t, err)
	if _, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.7"); err != nil {
		t.Errorf("re-enrolled key: %v", err)
	}
}

func TestEnrollSharesTheLockout(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Collège Jean Moulin"))
	key := backend.EnrollKey{Fingerprint: "SHA256:lockout", PublicKey: "ssh-ed25519 AAAA x"}
	for i := 0; i < backend.MaxFailures; i++ {
		e.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: "nope", Addr: "local"}) //nolint:errcheck
	}
	var locked *backend.LockedError
	_, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "192.0.2.9"}, key)
	if !errors.As(err, &locked) {
		t.Fatalf("enroll after 5 local failures: %v, want locked", err)
	}
	e.clock.Advance(backend.LockDuration + time.Second)
	if _, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "192.0.2.9"}, key); err != nil {
		t.Fatalf("enroll after the lock: %v", err)
	}
}

// waitRevoked waits for a session's Revoked channel. The product promises a
// second (the watcher polls every PollInterval, 20 ms in these tests); the
// test waits far longer, so that a loaded machine under -race cannot fail
// it, and a watcher that never tells still does.
func waitRevoked(t *testing.T, s *backend.Session, what string) {
	t.Helper()
	select {
	case <-s.Revoked():
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: the session was not told of the revocation", what)
	}
}

// A revoked key's open sessions can do nothing more, and are told so within
// a second, whether the revocation comes from this process or another one on
// the same data folder (the operator's CLI).
func TestRevokedKeySessionsEnd(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée Condorcet"))
	req := backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "192.0.2.7"}
	key := backend.EnrollKey{Fingerprint: "SHA256:revokeme", PublicKey: "ssh-ed25519 AAAA r", Name: "secrétariat"}
	enrolled, err := e.b.Enroll(ctx, req, key)
	ok(t, err)
	other := backend.EnrollKey{Fingerprint: "SHA256:staysvalid", PublicKey: "ssh-ed25519 AAAA s", Name: "direction"}
	_, err = e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Addr: "192.0.2.7"}, other)
	ok(t, err)
	keySess, err := e.b.KeySession(ctx, key.Fingerprint, "192.0.2.8")
	ok(t, err)
	otherSess, err := e.b.KeySession(ctx, other.Fingerprint, "192.0.2.8")
	ok(t, err)
	defer otherSess.Close()
	_, err = keySess.CreateBase(ctx, keySess.DefaultCreateBase())
	ok(t, err)
	base := mustStatus(t, keySess).Opened

	// Revoked by the operator's CLI: another back end on the same folder.
	cli := openEnv(t, e.dir, e.clock)
	ok(t, cli.b.RevokeKey(ctx, key.Fingerprint, "operator"))
	waitRevoked(t, keySess, "session opened by KeySession")
	waitRevoked(t, enrolled, "session opened by Enroll")
	select {
	case <-otherSess.Revoked():
		t.Fatal("revoking one key ended the session of another")
	default:
	}

	// Nothing more goes through, even if the front end ignores the signal.
	if err := keySess.DeleteBase(ctx, base.ID); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("DeleteBase after revocation: %v, want ErrKeyRevoked", err)
	}
	if err := keySess.StopServer(ctx); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("StopServer after revocation: %v", err)
	}
	if _, err := keySess.Bases(ctx); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("Bases after revocation: %v", err)
	}
	path := generate(t, est.HostingNumber, "APRES-REVOCATION", 1<<20)[0]
	if _, err := loadErr(keySess, "APRES-REVOCATION.HNOT", path); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("LoadBase after revocation: %v", err)
	}
	if got := backend.Message(backend.ErrKeyRevoked); !strings.Contains(got, "révoquée") {
		t.Errorf("message %q", got)
	}
	if names := baseNames(t, otherSess); len(names) != 1 {
		t.Errorf("bases after the refused calls: %v, want the created one only", names)
	}
	for _, j := range e.journal(t, est.ID) {
		if j.Actor == "secrétariat" && j.OK && j.At.After(start) && (j.Action == "base.delete" || j.Action == "base.load") {
			t.Errorf("journal records a success of the revoked key: %+v", j)
		}
	}

	// Enrolled again: a new key; the old sessions stay ended.
	again, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Addr: "192.0.2.7"}, key)
	ok(t, err)
	if _, err := again.Bases(ctx); err != nil {
		t.Errorf("session of the re-enrolled key: %v", err)
	}
	if _, err := keySess.Bases(ctx); !errors.Is(err, backend.ErrKeyRevoked) {
		t.Errorf("old session after re-enrollment: %v", err)
	}
	// Revoked from this process too.
	ok(t, e.b.RevokeKey(ctx, key.Fingerprint, "operator"))
	waitRevoked(t, again, "in-process revocation")
}

// A session opened with the hosting credentials has no key to lose.
func TestPasswordSessionNeverRevoked(t *testing.T) {
	e := newEnv(t)
	s, _ := e.session(t, "Collège Pasteur")
	select {
	case <-s.Revoked():
		t.Fatal("a password session reads as revoked")
	default:
	}
	s.Close()
	if _, err := s.Bases(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func baseNames(t *testing.T, s *backend.Session) []string {
	t.Helper()
	var out []string
	for _, b := range allBases(mustBases(t, s)) {
		out = append(out, b.Name)
	}
	return out
}

// A revoked key's session gets no more events: its subscription is closed
// from the start.
func TestRevokedKeySubscription(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée Lavoisier"))
	s, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "x"},
		backend.EnrollKey{Fingerprint: "SHA256:subscriber", PublicKey: "ssh-ed25519 AAAA s", Name: "poste"})
	ok(t, err)
	ok(t, e.b.RevokeKey(ctx, "SHA256:subscriber", "operator"))
	events := s.Subscribe()
	defer events.Close()
	select {
	case _, open := <-events.Ready():
		if open {
			t.Fatal("an event for a revoked key's session")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a revoked key's subscription stays open")
	}
}

// A key enrolled twice (two enrollment screens of the same key) stays the
// same key: the first session goes on; it cannot be taken to another
// establishment while valid.
func TestEnrollAnEnrolledKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	est, pw := e.establish(t, school("Lycée Molière"))
	other, otherPW := e.establish(t, school("Collège Racine"))
	key := backend.EnrollKey{Fingerprint: "SHA256:twice", PublicKey: "ssh-ed25519 AAAA t", Name: "poste"}
	first, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "x"}, key)
	ok(t, err)
	e.clock.Advance(time.Minute)
	second, err := e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Addr: "x"}, key)
	ok(t, err)
	time.Sleep(100 * time.Millisecond) // a few ticks of the watcher
	for name, s := range map[string]*backend.Session{"first": first, "second": second} {
		if _, err := s.Bases(ctx); err != nil {
			t.Errorf("%s session after the second enrollment: %v", name, err)
		}
	}
	_, err = e.b.Enroll(ctx, backend.LoginRequest{HostingNumber: other.HostingNumber, Password: otherPW, Invoice: other.Invoice, Addr: "x"}, key)
	if !errors.Is(err, backend.ErrKeyTaken) {
		t.Fatalf("enrolling a valid key for another establishment: %v, want ErrKeyTaken", err)
	}
	// The refusal is in the journal of the establishment it was tried for,
	// with the address it came from.
	var refused []backend.JournalEntry
	for _, j := range e.journal(t, other.ID) {
		if j.Action == "key.enroll" && !j.OK {
			refused = append(refused, j)
		}
	}
	if len(refused) != 1 || refused[0].Addr != "x" || !strings.HasPrefix(refused[0].Detail, "SHA256:twice") {
		t.Errorf("the refused move in the other establishment's journal: %+v", refused)
	}
	if _, err := first.Bases(ctx); err != nil {
		t.Errorf("the key's session after the refused move: %v", err)
	}
}
