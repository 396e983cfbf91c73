package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var invitationTests = []test{
	{"InvitationRows", testInvitationRows},
	{"InvitationCancelled", testInvitationCancelled},
}

// An invitation is used or cancelled once, only while pending, and is only
// found from its own establishment.
func testInvitationRows(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a, b := es[0], es[1]
	hash := sha256('a')
	inv := &store.Invitation{EstablishmentID: a.ID, Label: "ABCD", CodeHash: hash, Name: "secrétariat", CreatedAt: at, CreatedBy: "SPR", ExpiresAt: at.Add(24 * time.Hour)}
	old := &store.Invitation{EstablishmentID: a.ID, Label: "ABCD", CodeHash: sha256('b'), CreatedAt: at.Add(-48 * time.Hour), CreatedBy: "SPR", ExpiresAt: at.Add(-24 * time.Hour)}
	write(t, s, func(tx store.Tx) error {
		if err := tx.PutInvitation(inv); err != nil {
			return err
		}
		return tx.PutInvitation(old)
	})
	if inv.ID == 0 || old.ID == 0 || inv.ID == old.ID {
		t.Fatalf("ids %d and %d", inv.ID, old.ID)
	}
	write(t, s, func(tx store.Tx) error {
		if _, err := tx.InvitationByHash(b.ID, hash); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another establishment's invitation: %v", err)
		}
		if list, err := tx.Invitations(b.ID); err != nil || len(list) != 0 {
			t.Errorf("another establishment's invitations: %+v, %v", list, err)
		}
		if list, err := tx.Invitations(a.ID); err != nil || len(list) != 2 || list[0] != *inv || list[1] != *old {
			t.Errorf("Invitations = %+v, %v; want the newest first, as written", list, err)
		}
		list, err := tx.InvitationsByLabel(a.ID, "ABCD")
		if err != nil || len(list) != 2 || list[0].ID != inv.ID {
			t.Errorf("by label = %+v, %v; want the newest first", list, err)
		}
		if list, err := tx.InvitationsByLabel(a.ID, "WXYZ"); err != nil || len(list) != 0 {
			t.Errorf("by another label = %+v, %v", list, err)
		}
		refused := []struct {
			what string
			err  error
		}{
			{"using an expired invitation", tx.UseInvitation(old.ID, at, "SHA256:x")},
			{"cancelling an expired invitation", tx.CancelInvitation(old.ID, at)},
			{"using it at its expiry", tx.UseInvitation(inv.ID, at.Add(24*time.Hour), "SHA256:x")},
			{"using an unknown invitation", tx.UseInvitation(inv.ID+old.ID, at, "SHA256:x")},
		}
		for _, c := range refused {
			if !errors.Is(c.err, store.ErrNotFound) {
				t.Errorf("%s: %v, want ErrNotFound", c.what, c.err)
			}
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
	read(t, s, func(tx store.Tx) error {
		if got, err := tx.InvitationByHash(a.ID, sha256('b')); err != nil || !got.UsedAt.IsZero() || !got.CancelledAt.IsZero() {
			t.Errorf("the expired invitation changed: %+v, %v", got, err)
		}
		return nil
	})
}

// A cancelled invitation can be neither used nor cancelled again.
func testInvitationCancelled(t *testing.T, s store.Store) {
	e := establishments(t, s, 1)[0]
	inv := &store.Invitation{EstablishmentID: e.ID, Label: "EFGH", CodeHash: sha256('c'), CreatedAt: at, CreatedBy: "SPR", ExpiresAt: at.Add(time.Hour)}
	write(t, s, func(tx store.Tx) error { return tx.PutInvitation(inv) })
	write(t, s, func(tx store.Tx) error { return tx.CancelInvitation(inv.ID, at.Add(time.Minute)) })
	write(t, s, func(tx store.Tx) error {
		if err := tx.CancelInvitation(inv.ID, at.Add(2*time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("cancelling twice: %v", err)
		}
		if err := tx.UseInvitation(inv.ID, at.Add(2*time.Minute), "SHA256:k"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("using a cancelled invitation: %v", err)
		}
		got, err := tx.InvitationByHash(e.ID, inv.CodeHash)
		if err == nil && (!got.CancelledAt.Equal(at.Add(time.Minute)) || !got.UsedAt.IsZero() || got.UsedBy != "") {
			t.Errorf("after cancel = %+v", got)
		}
		return err
	})
}
