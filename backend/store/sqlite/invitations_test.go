package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

// An invitation is used or cancelled once, only while pending, and is only
// found from its own establishment.
func TestInvitationRows(t *testing.T) {
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	a, b := est("123456789012"), est("210987654321")
	hash := strings.Repeat("a", 64)
	inv := &store.Invitation{Label: "ABCD", CodeHash: hash, Name: "secrétariat", CreatedAt: at, CreatedBy: "SPR", ExpiresAt: at.Add(24 * time.Hour)}
	old := &store.Invitation{Label: "ABCD", CodeHash: strings.Repeat("b", 64), CreatedAt: at.Add(-48 * time.Hour), CreatedBy: "SPR", ExpiresAt: at.Add(-24 * time.Hour)}
	write(t, db, func(tx store.Tx) error {
		if err := tx.CreateEstablishment(a); err != nil {
			return err
		}
		if err := tx.CreateEstablishment(b); err != nil {
			return err
		}
		inv.EstablishmentID, old.EstablishmentID = a.ID, a.ID
		if err := tx.PutInvitation(inv); err != nil {
			return err
		}
		return tx.PutInvitation(old)
	})
	err := db.Write(context.Background(), func(tx store.Tx) error {
		if _, err := tx.InvitationByHash(b.ID, hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another establishment's invitation: %v", err)
		}
		list, err := tx.InvitationsByLabel(a.ID, "ABCD")
		if err != nil || len(list) != 2 || list[0].ID != inv.ID {
			t.Errorf("by label = %+v, %v; want the newest first", list, err)
		}
		if err := tx.UseInvitation(old.ID, at, "SHA256:x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("using an expired invitation: %v", err)
		}
		if err := tx.UseInvitation(inv.ID, at.Add(24*time.Hour), "SHA256:x"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("using it at its expiry: %v", err)
		}
		if err := tx.UseInvitation(inv.ID, at.Add(time.Hour), "SHA256:k"); err != nil {
			t.Errorf("using a pending invitation: %v", err)
		}
		if err := tx.UseInvitation(inv.ID, at.Add(time.Hour), "SHA256:other"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("using it twice: %v", err)
		}
		if err := tx.CancelInvitation(inv.ID, at.Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cancelling a used invitation: %v", err)
		}
		got, err := tx.InvitationByHash(a.ID, hash)
		if err != nil || got.UsedBy != "SHA256:k" || !got.UsedAt.Equal(at.Add(time.Hour)) || got.Name != "secrétariat" || !got.CancelledAt.IsZero() {
			t.Errorf("after use = %+v, %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
