package backend

import (
	"context"
	"testing"

	"github.com/hebergement/console/backend/store"
)

// SetDropHook makes dropUnreferenced call f between finding a stored file
// unreferenced and removing it, for the rest of the test.
func SetDropHook(t testing.TB, f func(sum string)) {
	dropHook = f
	t.Cleanup(func() { dropHook = nil })
}

// AdminKeySession enrolls a key of the groupe Administration for estID
// straight in the store (invitations, which do that for real, come later)
// and opens its session.
func AdminKeySession(t testing.TB, b *Backend, estID int64, fingerprint string) *Session {
	t.Helper()
	err := b.store.Write(context.Background(), func(tx store.Tx) error {
		return tx.PutKey(&store.Key{EstablishmentID: estID, Fingerprint: fingerprint, PublicKey: "ssh-ed25519 AAAA " + fingerprint,
			Name: "secrétariat", Role: "admin", AddedAt: b.clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.KeySession(context.Background(), fingerprint, "192.0.2.50")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
