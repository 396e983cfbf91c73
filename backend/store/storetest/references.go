package storetest

import (
	"errors"
	"testing"

	"github.com/hebergement/console/backend/store"
)

var referenceTests = []test{
	{"FileChecks", testFileChecks},
	{"SharedFilesCountOnce", testSharedFilesCountOnce},
}

// A file check is remembered, replaced, and forgotten.
func testFileChecks(t *testing.T, s store.Store) {
	obj := sha256('f')
	first := store.FileCheck{Size: 100, ModTime: 1_773_131_400_123_456_789, Inode: 42, ChangeTime: 1_773_131_400_987_654_321}
	second := store.FileCheck{Size: 200, ModTime: first.ModTime + 1, Inode: 43, ChangeTime: first.ChangeTime + 1}
	write(t, s, func(tx store.Tx) error { return tx.SetFileCheck(obj, first) })
	read(t, s, func(tx store.Tx) error {
		if c, err := tx.FileCheck(obj); err != nil || c != first {
			t.Errorf("FileCheck = %+v, %v; want %+v", c, err, first)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.SetFileCheck(obj, second) })
	read(t, s, func(tx store.Tx) error {
		if c, err := tx.FileCheck(obj); err != nil || c != second {
			t.Errorf("FileCheck after a second check = %+v, %v; want %+v", c, err, second)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		if err := tx.DeleteFileCheck(obj); err != nil {
			return err
		}
		return tx.DeleteFileCheck(sha256('0')) // never checked: nothing to do
	})
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.FileCheck(obj); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FileCheck after delete: %v", err)
		}
		return nil
	})
}

// A file that several rows of an establishment name counts once in its
// quota; it stays referenced while one row names it, whatever the
// establishment.
func testSharedFilesCountOnce(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a1, a2, b1 := base(es[0].ID, 'a'), base(es[0].ID, 'a'), base(es[1].ID, 'a')
	write(t, s, func(tx store.Tx) error {
		for _, b := range []*store.Base{a1, a2, b1} {
			if err := tx.InsertBase(b); err != nil {
				return err
			}
		}
		_, err := tx.PutAnnex(&store.Annex{BaseID: a2.ID, Kind: "HPHOTOS", Name: "p", SHA256: sha256('a'), Size: 100, LoadedBy: "SPR", LoadedAt: at})
		return err
	})
	read(t, s, func(tx store.Tx) error {
		for _, e := range es {
			if n, err := tx.UsedBytes(e.ID); err != nil || n != 100 {
				t.Errorf("UsedBytes(%d) = %d, %v; want the shared file once", e.ID, n, err)
			}
		}
		if ref, err := tx.ObjectReferenced(sha256('z')); err != nil || ref {
			t.Errorf("a file no row names is referenced: %v", err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		for _, b := range []*store.Base{a1, a2} {
			if err := tx.HideBase(es[0].ID, b.ID, at); err != nil {
				return err
			}
		}
		_, _, err := tx.CollectBases(es[0].ID, at)
		return err
	})
	read(t, s, func(tx store.Tx) error {
		if n, err := tx.UsedBytes(es[0].ID); err != nil || n != 0 {
			t.Errorf("UsedBytes after delete = %d, %v", n, err)
		}
		if ref, err := tx.ObjectReferenced(sha256('a')); err != nil || !ref {
			t.Errorf("the file another establishment's base names is not referenced: %v", err)
		}
		return nil
	})
}
