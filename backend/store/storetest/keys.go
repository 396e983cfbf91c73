package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var keyTests = []test{
	{"KeysLifecycle", testKeysLifecycle},
	{"KeyUpdatesOfNothing", testKeyUpdatesOfNothing},
}

// A key is enrolled, used, renamed, revoked once, and enrolled again under
// the same row; each establishment lists its own, oldest first.
func testKeysLifecycle(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	spr := &store.Key{EstablishmentID: es[0].ID, Fingerprint: "SHA256:spr", PublicKey: "ssh-ed25519 AAAA spr", Name: "poste SPR", Role: "spr", AddedAt: at}
	admin := &store.Key{EstablishmentID: es[0].ID, Fingerprint: "SHA256:adm", PublicKey: "ssh-ed25519 AAAA adm", Name: "secrétariat", Role: "admin", AddedAt: at.Add(time.Hour)}
	other := &store.Key{EstablishmentID: es[1].ID, Fingerprint: "SHA256:oth", PublicKey: "ssh-ed25519 AAAA oth", Name: "autre", Role: "spr", AddedAt: at}
	write(t, s, func(tx store.Tx) error {
		for _, k := range []*store.Key{admin, spr, other} {
			if err := tx.PutKey(k); err != nil {
				return err
			}
		}
		return nil
	})
	if spr.ID == 0 || admin.ID == 0 || spr.ID == admin.ID {
		t.Fatalf("ids %d, %d", spr.ID, admin.ID)
	}
	read(t, s, func(tx store.Tx) error {
		keys, err := tx.Keys(es[0].ID)
		if err != nil || len(keys) != 2 || keys[0] != *spr || keys[1] != *admin {
			t.Errorf("Keys = %+v, %v; want spr then admin, as written", keys, err)
		}
		if k, err := tx.KeyByFingerprint("SHA256:oth"); err != nil || k != *other {
			t.Errorf("KeyByFingerprint = %+v, %v", k, err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		for _, err := range []error{
			tx.TouchKey(admin.ID, at.Add(2*time.Hour)),
			tx.RenameKey("SHA256:adm", "accueil"),
			tx.RevokeKey("SHA256:adm", at.Add(3*time.Hour)),
		} {
			if err != nil {
				return err
			}
		}
		if err := tx.RevokeKey("SHA256:adm", at.Add(4*time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("revoking twice: %v", err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		k, err := tx.KeyByFingerprint("SHA256:adm")
		if err != nil || k.Name != "accueil" || !k.LastUsedAt.Equal(at.Add(2*time.Hour)) || !k.RevokedAt.Equal(at.Add(3*time.Hour)) {
			t.Errorf("after use, rename, revoke: %+v, %v", k, err)
		}
		if k, err := tx.KeyByFingerprint("SHA256:spr"); err != nil || !k.LastUsedAt.IsZero() || !k.RevokedAt.IsZero() || k.Name != "poste SPR" {
			t.Errorf("the other key changed: %+v, %v", k, err)
		}
		return nil
	})
	// Enrolled again: the same row, valid, never used, with its new name.
	again := &store.Key{EstablishmentID: es[0].ID, Fingerprint: "SHA256:adm", PublicKey: "ssh-ed25519 AAAA adm", Name: "direction", Role: "admin", AddedAt: at.Add(5 * time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.PutKey(again) })
	if again.ID != admin.ID {
		t.Errorf("enrolled again as row %d, was %d", again.ID, admin.ID)
	}
	read(t, s, func(tx store.Tx) error {
		k, err := tx.KeyByFingerprint("SHA256:adm")
		if err != nil || k != *again {
			t.Errorf("enrolled again: %+v, %v; want %+v", k, err, *again)
		}
		return nil
	})
}

// Updates of a key that does not exist are ErrNotFound.
func testKeyUpdatesOfNothing(t *testing.T, s store.Store) {
	establishments(t, s, 1)
	for what, fn := range map[string]func(tx store.Tx) error{
		"TouchKey":  func(tx store.Tx) error { return tx.TouchKey(42, at) },
		"RevokeKey": func(tx store.Tx) error { return tx.RevokeKey("SHA256:none", at) },
		"RenameKey": func(tx store.Tx) error { return tx.RenameKey("SHA256:none", "x") },
	} {
		if err := s.Write(ctx, fn); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s of nothing: %v, want ErrNotFound", what, err)
		}
	}
}
