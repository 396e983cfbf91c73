package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var baseTests = []test{
	{"BasesAnnexesPeriods", testBasesAnnexesPeriods},
	{"BasesListedAndHidden", testBasesListedAndHidden},
	{"ServerOpensABase", testServerOpensABase},
}

// Annexes replace those of their kind, periods end per establishment, an
// establishment never reaches another's base, and a hidden base collected
// takes its annexes and periods with it.
func testBasesAnnexesPeriods(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	a, b := es[0], es[1]
	ba, bb := base(a.ID, 'a'), base(b.ID, 'b')
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertBase(ba); err != nil {
			return err
		}
		if err := tx.InsertBase(bb); err != nil {
			return err
		}
		first := &store.Annex{BaseID: ba.ID, Kind: "HPHOTOS", Name: "x.HPHOTOS", SHA256: sha256('c'), Size: 10, LoadedBy: "SPR", LoadedAt: at}
		if replaced, err := tx.PutAnnex(first); err != nil || replaced != "" || first.ID == 0 {
			t.Errorf("first PutAnnex: replaced %q, id %d, %v", replaced, first.ID, err)
		}
		replaced, err := tx.PutAnnex(&store.Annex{BaseID: ba.ID, Kind: "HPHOTOS", Name: "y.HPHOTOS", SHA256: sha256('d'), Size: 20, LoadedBy: "SPR", LoadedAt: at})
		if err != nil {
			return err
		}
		if replaced != sha256('c') {
			t.Errorf("PutAnnex replaced %q", replaced)
		}
		if _, err := tx.PutAnnex(&store.Annex{BaseID: ba.ID, Kind: "HPDOCS", Name: "z.HPDOCS", SHA256: sha256('e'), Size: 5, LoadedBy: "SPR", LoadedAt: at}); err != nil {
			return err
		}
		if err := tx.StartPeriod(ba.ID, at); err != nil {
			return err
		}
		if err := tx.StartPeriod(bb.ID, at); err != nil {
			return err
		}
		return tx.EndOpenPeriods(a.ID, at.Add(time.Hour))
	})
	read(t, s, func(tx store.Tx) error {
		if n, err := tx.UsedBytes(a.ID); err != nil || n != 125 {
			t.Errorf("UsedBytes(a) = %d, %v; want 125", n, err)
		}
		if n, err := tx.UsedBytes(b.ID); err != nil || n != 100 {
			t.Errorf("UsedBytes(b) = %d, %v; want 100", n, err)
		}
		if _, err := tx.Base(a.ID, bb.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a reads b's base: %v", err)
		}
		an, err := tx.Annexes(a.ID)
		if err != nil || len(an) != 2 || an[0].Kind != "HPDOCS" || an[1].Kind != "HPHOTOS" || an[1].Name != "y.HPHOTOS" ||
			an[1].Size != 20 || an[1].BaseID != ba.ID || !an[1].LoadedAt.Equal(at) || an[1].LoadedBy != "SPR" {
			t.Errorf("Annexes(a) = %+v, %v", an, err)
		}
		if of, err := tx.AnnexesOf(ba.ID); err != nil || len(of) != 2 || of[0].Kind != "HPDOCS" || of[1].SHA256 != sha256('d') {
			t.Errorf("AnnexesOf = %+v, %v", of, err)
		}
		if an, err := tx.Annexes(b.ID); err != nil || len(an) != 0 {
			t.Errorf("Annexes(b) = %+v, %v", an, err)
		}
		pa, _ := tx.Periods(a.ID)
		pb, _ := tx.Periods(b.ID)
		if len(pa) != 1 || pa[0].BaseID != ba.ID || !pa[0].From.Equal(at) || !pa[0].To.Equal(at.Add(time.Hour)) || len(pb) != 1 || !pb[0].To.IsZero() {
			t.Errorf("EndOpenPeriods(a) ended a: %+v, b: %+v", pa, pb)
		}
		if ref, _ := tx.ObjectReferenced(sha256('c')); ref {
			t.Error("the replaced annex's file is still referenced")
		}
		if ref, _ := tx.ObjectReferenced(sha256('b')); !ref {
			t.Error("b's base file is not referenced")
		}
		return nil
	})
	// Deleting a base (hidden, then collected once nothing needs it) takes
	// its annexes and periods with it; another establishment cannot delete
	// it.
	if err := s.Write(ctx, func(tx store.Tx) error { return tx.HideBase(b.ID, ba.ID, at) }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("b deletes a's base: %v", err)
	}
	write(t, s, func(tx store.Tx) error {
		if err := tx.HideBase(a.ID, ba.ID, at); err != nil {
			return err
		}
		if err := tx.HideBase(a.ID, ba.ID, at); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("hiding a hidden base: %v", err)
		}
		n, files, err := tx.CollectBases(a.ID, at.Add(24*time.Hour))
		if n != 1 || !sameSet(files, []string{sha256('a'), sha256('d'), sha256('e')}) {
			t.Errorf("collected %d bases, files %v; want 1 and the files of the base and its annexes", n, files)
		}
		return err
	})
	read(t, s, func(tx store.Tx) error {
		an, _ := tx.Annexes(a.ID)
		p, _ := tx.Periods(a.ID)
		all, _ := tx.AllBases(a.ID)
		if len(an) != 0 || len(p) != 0 || len(all) != 0 {
			t.Errorf("after delete: annexes %+v, periods %+v, bases %+v", an, p, all)
		}
		if ref, _ := tx.ObjectReferenced(sha256('d')); ref {
			t.Error("the deleted base's annex file is still referenced")
		}
		if n, err := tx.UsedBytes(a.ID); err != nil || n != 0 {
			t.Errorf("UsedBytes after delete = %d, %v", n, err)
		}
		return nil
	})
}

// Listed bases are newest first and found by id or file; a hidden one is
// only seen by AllBases and AnyBase, and CollectBases keeps it while a
// period of service ended within keepSince, or an open one, needs it.
func testBasesListedAndHidden(t *testing.T, s store.Store) {
	e := establishments(t, s, 1)[0]
	old, recent, hidden := base(e.ID, 'a'), base(e.ID, 'b'), base(e.ID, 'c')
	recent.LoadedAt, hidden.LoadedAt = at.Add(time.Hour), at.Add(2*time.Hour)
	recent.Students, recent.Teachers, recent.Classes, recent.Origin, recent.SchoolYear = 900, 70, 30, "created", 2026
	write(t, s, func(tx store.Tx) error {
		for _, b := range []*store.Base{old, recent, hidden} {
			if err := tx.InsertBase(b); err != nil {
				return err
			}
		}
		if err := tx.StartPeriod(hidden.ID, at); err != nil {
			return err
		}
		if err := tx.EndOpenPeriods(e.ID, at.Add(3*time.Hour)); err != nil {
			return err
		}
		return tx.HideBase(e.ID, hidden.ID, at.Add(4*time.Hour))
	})
	read(t, s, func(tx store.Tx) error {
		listed, err := tx.Bases(e.ID)
		if err != nil || len(listed) != 2 || listed[0].ID != recent.ID || listed[1].ID != old.ID {
			t.Errorf("Bases = %+v, %v; want recent then old", listed, err)
		}
		got, err := tx.Base(e.ID, recent.ID)
		if err != nil || got.Name != "B" || got.SchoolYear != 2026 || got.Origin != "created" || got.SHA256 != sha256('b') ||
			got.Size != 100 || got.BaseUID != recent.BaseUID || got.Students != 900 || got.Teachers != 70 || got.Classes != 30 ||
			got.Grid != recent.Grid || got.LoadedBy != "SPR" || !got.LoadedAt.Equal(at.Add(time.Hour)) || !got.DeletedAt.IsZero() {
			t.Errorf("Base = %+v, %v; inserted %+v", got, err, recent)
		}
		if got, err := tx.BaseBySHA256(e.ID, sha256('b')); err != nil || got.ID != recent.ID {
			t.Errorf("BaseBySHA256 = %+v, %v", got, err)
		}
		for what, err := range map[string]error{
			"Base":         second(tx.Base(e.ID, hidden.ID)),
			"BaseBySHA256": second(tx.BaseBySHA256(e.ID, sha256('c'))),
		} {
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("%s of a hidden base: %v, want ErrNotFound", what, err)
			}
		}
		all, err := tx.AllBases(e.ID)
		if err != nil || len(all) != 3 || all[0].ID != hidden.ID || !all[0].DeletedAt.Equal(at.Add(4*time.Hour)) {
			t.Errorf("AllBases = %+v, %v", all, err)
		}
		if got, err := tx.AnyBase(e.ID, hidden.ID); err != nil || got.ID != hidden.ID || got.DeletedAt.IsZero() {
			t.Errorf("AnyBase = %+v, %v", got, err)
		}
		return nil
	})
	// Its period ended at 3 h: "Ouvrir l'état à une date" reaching back to
	// 2 h still needs it; reaching back to 5 h does not.
	for _, c := range []struct {
		keepSince time.Time
		want      int
	}{{at.Add(2 * time.Hour), 0}, {at.Add(5 * time.Hour), 1}} {
		write(t, s, func(tx store.Tx) error {
			n, files, err := tx.CollectBases(e.ID, c.keepSince)
			if n != c.want || len(files) != c.want {
				t.Errorf("CollectBases(keep since %s) = %d, %v; want %d", c.keepSince, n, files, c.want)
			}
			return err
		})
	}
}

// The server state and its opened base are kept; the opened base, even
// hidden, is never collected.
func testServerOpensABase(t *testing.T, s store.Store) {
	e, b := withBase(t, s)
	write(t, s, func(tx store.Tx) error {
		if err := tx.SetServer(e.ID, "running", b.ID); err != nil {
			return err
		}
		return tx.HideBase(e.ID, b.ID, at)
	})
	write(t, s, func(tx store.Tx) error {
		got, err := tx.Establishment(e.ID)
		if err != nil {
			return err
		}
		if got.ServerState != "running" || got.OpenedBaseID != b.ID {
			t.Errorf("after SetServer: %s, %d", got.ServerState, got.OpenedBaseID)
		}
		if n, _, err := tx.CollectBases(e.ID, at.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("the opened base was collected: %d, %v", n, err)
		}
		return tx.SetServer(e.ID, "stopped", 0)
	})
	write(t, s, func(tx store.Tx) error {
		got, err := tx.Establishment(e.ID)
		if err == nil && (got.ServerState != "stopped" || got.OpenedBaseID != 0) {
			t.Errorf("after stopping: %s, %d", got.ServerState, got.OpenedBaseID)
		}
		if n, _, err := tx.CollectBases(e.ID, at.Add(time.Hour)); err != nil || n != 1 {
			t.Errorf("the base closed and hidden was not collected: %d, %v", n, err)
		}
		return err
	})
}

// sameSet reports whether a and b hold the same strings, each as many
// times.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	n := map[string]int{}
	for _, s := range a {
		n[s]++
	}
	for _, s := range b {
		n[s]--
	}
	for _, v := range n {
		if v != 0 {
			return false
		}
	}
	return true
}
