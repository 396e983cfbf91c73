package backend_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hebergement/console/backend"
)

// The one table: SPR-only are the credentials, the keys, the invitations and
// the contract (SPEC §3); everything else is SPR or Administration.
func TestPolicyTable(t *testing.T) {
	t.Parallel()
	sprOnly := map[backend.Permission]bool{backend.PermKeys: true, backend.PermInvitations: true,
		backend.PermCredentials: true, backend.PermContract: true}
	for _, p := range backend.Permissions() {
		if !backend.RoleSPR.Can(p) {
			t.Errorf("SPR cannot %d", p)
		}
		if got := backend.RoleAdmin.Can(p); got == sprOnly[p] {
			t.Errorf("Administration Can(%d) = %v, want %v", p, got, !sprOnly[p])
		}
		if p.Who() == "" {
			t.Errorf("permission %d has no French line", p)
		}
	}
	if backend.Role(0).Can(backend.PermView) || backend.RoleSPR.Can(backend.Permission(999)) {
		t.Error("an unknown role or permission is allowed")
	}
}

// The back end refuses what the role may not do, whatever the console shows,
// and journals the refusal.
func TestAdministrationCannotManageKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée A")
	admin := backend.AdminKeySession(t, e.b, est.ID, "SHA256:admin")
	if admin.Role() != backend.RoleAdmin || admin.Can(backend.PermKeys) || !admin.Can(backend.PermBases) {
		t.Fatalf("admin session: role %v, Can(keys) %v", admin.Role(), admin.Can(backend.PermKeys))
	}
	if _, err := admin.Keys(ctx); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("Keys by Administration: %v, want ErrForbidden", err)
	}
	if err := admin.RevokeKey(ctx, "SHA256:admin"); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("RevokeKey by Administration: %v, want ErrForbidden", err)
	}
	if err := admin.RenameKey(ctx, "SHA256:admin", "x"); !errors.Is(err, backend.ErrForbidden) {
		t.Errorf("RenameKey by Administration: %v, want ErrForbidden", err)
	}
	// What Administration may do, it does.
	if _, err := admin.CreateBase(ctx, admin.DefaultCreateBase()); err != nil {
		t.Errorf("CreateBase by Administration: %v", err)
	}
	if j, err := admin.Journal(ctx, backend.JournalQuery{Limit: 5}); err != nil || len(j) == 0 {
		t.Errorf("Journal by Administration: %d entries, %v", len(j), err)
	}
	if count(e.journal(t, est.ID), "key.revoke", false) != 1 {
		t.Error("the refused revocation is not journaled")
	}
	keys, err := spr.Keys(ctx)
	if err != nil || len(keys) != 1 || !keys[0].RevokedAt.IsZero() {
		t.Errorf("keys after the refusals = %+v, %v", keys, err)
	}
}

// The SPR manages its own establishment's keys only: another's key is not
// found, and stays valid.
func TestKeyManagementStaysInTheEstablishment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	spr, est := e.session(t, "Lycée A")
	_, other := e.session(t, "Lycée B")
	mine := backend.AdminKeySession(t, e.b, est.ID, "SHA256:mine")
	theirs := backend.AdminKeySession(t, e.b, other.ID, "SHA256:theirs")

	if err := spr.RevokeKey(ctx, "SHA256:theirs"); !errors.Is(err, backend.ErrKeyNotFound) {
		t.Errorf("revoking another establishment's key: %v, want ErrKeyNotFound", err)
	}
	if err := spr.RenameKey(ctx, "SHA256:theirs", "pris"); !errors.Is(err, backend.ErrKeyNotFound) {
		t.Errorf("renaming another establishment's key: %v, want ErrKeyNotFound", err)
	}
	if _, err := theirs.Bases(ctx); err != nil {
		t.Errorf("the other establishment's key no longer works: %v", err)
	}

	if err := spr.RenameKey(ctx, "SHA256:mine", "  poste\x1b[31m du CPE \u202e "); err != nil {
		t.Fatal(err)
	}
	if err := spr.RenameKey(ctx, "SHA256:mine", "\x1b[2J"); !errors.Is(err, backend.ErrInvalidInput) {
		t.Errorf("a name with nothing printable: %v, want ErrInvalidInput", err)
	}
	keys, err := spr.Keys(ctx)
	if err != nil || len(keys) != 1 || keys[0].Name != "poste du CPE" {
		t.Errorf("keys = %+v, %v; want the cleaned name", keys, err)
	}
	if err := spr.RevokeKey(ctx, "SHA256:mine"); err != nil {
		t.Fatal(err)
	}
	waitRevoked(t, mine, "a key revoked by the SPR")
	if err := spr.RevokeKey(ctx, "SHA256:mine"); !errors.Is(err, backend.ErrAlreadyRevoked) {
		t.Errorf("revoking twice: %v, want ErrAlreadyRevoked", err)
	}
	if err := spr.RevokeKey(ctx, "SHA256:nope"); !errors.Is(err, backend.ErrKeyNotFound) || backend.Message(err) == backend.Message(backend.ErrAlreadyRevoked) {
		t.Errorf("revoking an unknown key: %v (%q)", err, backend.Message(err))
	}
}
