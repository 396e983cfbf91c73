package backend_test

import (
	"context"
	"errors"
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
