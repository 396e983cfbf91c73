package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

var backupTests = []test{
	{"BackupRows", testBackupRows},
	{"LogPoints", testLogPoints},
	{"CopyLog", testCopyLog},
	{"ArchivesReplaceTheirYear", testArchivesReplaceTheirYear},
	{"BackupsAndArchivesKeepHiddenBases", testBackupsAndArchivesKeepHiddenBases},
}

// recordSize is the size of a change's record in a backup's changes block
// (hostfile.ChangeRecordSize): 20 bytes and its three texts.
func recordSize(c *store.Change) int64 {
	return 20 + int64(len(c.ConnectionID)+len(c.Author)+len(c.What))
}

// Backups are read back as written, most recent first, their annexes with
// them one at a time; one nightly backup per night and one name per
// establishment; DeleteBackups deletes only the establishment's own and
// returns their annexes' files.
func testBackupRows(t *testing.T, s store.Store) {
	es := establishments(t, s, 2)
	e, other := es[0], es[1]
	b, ob := base(e.ID, 'a'), base(other.ID, 'b')
	manual := &store.Backup{EstablishmentID: e.ID, At: at, Kind: "manuelle", Actor: "SPR", LogPoint: store.LogPoint{Seq: 0, Count: 0, RecordBytes: 0},
		FileName: "manuelle-1.zip", Size: 500, Annexes: []store.BackupAnnex{
			{Kind: "HPHOTOS", Name: "photos.HPHOTOS", SHA256: sha256('p'), Size: 10},
			{Kind: "HPDOCS", Name: "docs.HPDOCS", SHA256: sha256('q'), Size: 20},
		}}
	nightly := &store.Backup{EstablishmentID: e.ID, At: at.Add(time.Hour), Kind: "nuit", Actor: "planificateur", Night: 20260310,
		LogPoint: store.LogPoint{Seq: 7, Count: 3, RecordBytes: 90}, FileName: "nuit-20260310.zip", Size: 600}
	theirs := &store.Backup{EstablishmentID: other.ID, At: at, Kind: "manuelle", Actor: "SPR", FileName: "manuelle-1.zip", Size: 50,
		Annexes: []store.BackupAnnex{{Kind: "HPHOTOS", Name: "p.HPHOTOS", SHA256: sha256('r'), Size: 5}}}
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertBase(b); err != nil {
			return err
		}
		if err := tx.InsertBase(ob); err != nil {
			return err
		}
		manual.BaseID, nightly.BaseID, theirs.BaseID = b.ID, b.ID, ob.ID
		for _, k := range []*store.Backup{manual, nightly, theirs} {
			if err := tx.InsertBackup(k); err != nil {
				return err
			}
		}
		return nil
	})
	if manual.ID == 0 || nightly.ID == 0 || manual.ID == nightly.ID {
		t.Fatalf("ids %d, %d", manual.ID, nightly.ID)
	}
	for _, c := range []struct {
		what string
		k    store.Backup
	}{
		{"a second backup of the night", store.Backup{EstablishmentID: e.ID, BaseID: b.ID, At: at.Add(2 * time.Hour), Kind: "nuit",
			Actor: "planificateur", Night: 20260310, FileName: "nuit-bis.zip", Size: 1}},
		{"a name taken", store.Backup{EstablishmentID: e.ID, BaseID: b.ID, At: at.Add(2 * time.Hour), Kind: "manuelle",
			Actor: "SPR", FileName: "manuelle-1.zip", Size: 1}},
	} {
		if err := s.Write(ctx, func(tx store.Tx) error { return tx.InsertBackup(&c.k) }); !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v, want ErrConflict", c.what, err)
		}
	}
	read(t, s, func(tx store.Tx) error {
		list, err := tx.Backups(e.ID)
		if err != nil || len(list) != 2 || list[0].ID != nightly.ID || list[1].ID != manual.ID {
			t.Fatalf("Backups = %+v, %v; want the nightly then the manual one", list, err)
		}
		n := list[0]
		if n.BaseID != b.ID || !n.At.Equal(nightly.At) || n.Kind != "nuit" || n.Actor != "planificateur" || n.Night != 20260310 ||
			n.LogPoint != nightly.LogPoint || n.FileName != nightly.FileName || n.Size != 600 || len(n.Annexes) != 0 {
			t.Errorf("nightly read back as %+v", n)
		}
		if list[1].Night != 0 || list[1].Annexes != nil {
			t.Errorf("manual backup listed as %+v", list[1])
		}
		one, err := tx.Backup(e.ID, manual.ID)
		if err != nil || len(one.Annexes) != 2 || one.Annexes[0] != manual.Annexes[1] || one.Annexes[1] != manual.Annexes[0] {
			t.Errorf("Backup = %+v, %v; want its annexes ordered by kind", one, err)
		}
		if named, err := tx.BackupNamed(e.ID, "manuelle-1.zip"); err != nil || named.ID != manual.ID || len(named.Annexes) != 2 {
			t.Errorf("BackupNamed = %+v, %v", named, err)
		}
		if _, err := tx.Backup(other.ID, manual.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another establishment's backup: %v", err)
		}
		for _, c := range []struct {
			est  int64
			name string
			want bool
		}{{e.ID, "manuelle-1.zip", true}, {e.ID, "nuit-20260310.zip", true}, {e.ID, "autre.zip", false}, {other.ID, "nuit-20260310.zip", false}} {
			if got, err := tx.BackupNameTaken(c.est, c.name); err != nil || got != c.want {
				t.Errorf("BackupNameTaken(%d, %s) = %v, %v", c.est, c.name, got, err)
			}
		}
		if ref, err := tx.ObjectReferenced(sha256('q')); err != nil || !ref {
			t.Errorf("a backup annex's file is not referenced: %v", err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error {
		files, err := tx.DeleteBackups(e.ID, []int64{manual.ID, theirs.ID})
		if err != nil {
			return err
		}
		if !sameSet(files, []string{sha256('p'), sha256('q')}) {
			t.Errorf("DeleteBackups returned %v, want the two annexes of the manual backup", files)
		}
		if files, err := tx.DeleteBackups(e.ID, nil); err != nil || len(files) != 0 {
			t.Errorf("DeleteBackups(nothing) = %v, %v", files, err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		if list, _ := tx.Backups(e.ID); len(list) != 1 || list[0].ID != nightly.ID {
			t.Errorf("after delete: %+v", list)
		}
		if list, _ := tx.Backups(other.ID); len(list) != 1 {
			t.Errorf("another establishment's backup was deleted: %+v", list)
		}
		if ref, _ := tx.ObjectReferenced(sha256('q')); ref {
			t.Error("a deleted backup's annex file is still referenced")
		}
		if taken, _ := tx.BackupNameTaken(e.ID, "manuelle-1.zip"); taken {
			t.Error("a deleted backup's name is still taken")
		}
		return nil
	})
}

// A base's log point is its last change, its count and record bytes; at an
// instant, the longest run of the log written at or before it.
func testLogPoints(t *testing.T, s store.Store) {
	e, b := withBase(t, s)
	cs := []*store.Change{
		{EstablishmentID: e.ID, BaseID: b.ID, At: at, ConnectionID: "c1", Author: "A", What: "un"},
		{EstablishmentID: e.ID, BaseID: b.ID, At: at.Add(time.Second), ConnectionID: "c1", Author: "A", What: "deux"},
		{EstablishmentID: e.ID, BaseID: b.ID, At: at.Add(3 * time.Second), ConnectionID: "c2", Author: "Bé", What: "trois"},
		// Committed with the one before, dated before it.
		{EstablishmentID: e.ID, BaseID: b.ID, At: at.Add(2 * time.Second), ConnectionID: "c2", Author: "Bé", What: "quatre"},
	}
	read(t, s, func(tx store.Tx) error {
		if p, err := tx.LogPoint(b.ID); err != nil || p != (store.LogPoint{}) {
			t.Errorf("LogPoint of an empty log = %+v, %v", p, err)
		}
		return nil
	})
	write(t, s, func(tx store.Tx) error { return tx.AppendChanges(cs) })
	point := func(n int) store.LogPoint {
		p := store.LogPoint{}
		for _, c := range cs[:n] {
			p.Seq, p.Count, p.RecordBytes = c.ID, p.Count+1, p.RecordBytes+recordSize(c)
		}
		return p
	}
	read(t, s, func(tx store.Tx) error {
		if p, err := tx.LogPoint(b.ID); err != nil || p != point(4) {
			t.Errorf("LogPoint = %+v, %v; want %+v", p, err, point(4))
		}
		for _, c := range []struct {
			at   time.Time
			want store.LogPoint
		}{
			{at.Add(-time.Second), point(0)},
			{at, point(1)},
			{at.Add(1500 * time.Millisecond), point(2)},
			{at.Add(2 * time.Second), point(2)}, // the fourth is after the third, dated later
			{at.Add(3 * time.Second), point(4)},
			{at.Add(time.Hour), point(4)},
		} {
			if p, err := tx.LogPointAt(b.ID, c.at); err != nil || p != c.want {
				t.Errorf("LogPointAt(%s) = %+v, %v; want %+v", c.at.Sub(at), p, err, c.want)
			}
		}
		return nil
	})
}

// CopyLog copies a prefix of a base's log to another base, keeping the
// instants and counting the copies.
func testCopyLog(t *testing.T, s store.Store) {
	e, from := withBase(t, s)
	to := base(e.ID, 'b')
	cs := []*store.Change{
		{EstablishmentID: e.ID, BaseID: from.ID, At: at, ConnectionID: "c1", Author: "A", What: "un"},
		{EstablishmentID: e.ID, BaseID: from.ID, At: at.Add(time.Second), ConnectionID: "c1", Author: "A", What: "deux"},
		{EstablishmentID: e.ID, BaseID: from.ID, At: at.Add(2 * time.Second), ConnectionID: "c1", Author: "A", What: "trois"},
	}
	var before int64
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertBase(to); err != nil {
			return err
		}
		if err := tx.AppendChanges(cs); err != nil {
			return err
		}
		var err error
		before, err = tx.UsedBytes(e.ID)
		return err
	})
	write(t, s, func(tx store.Tx) error { return tx.CopyLog(e.ID, from.ID, to.ID, cs[1].ID) })
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Changes(to.ID, 0, 0)
		if err != nil {
			return err
		}
		if len(got) != 2 || got[0].What != "un" || got[1].What != "deux" || !got[1].At.Equal(at.Add(time.Second)) ||
			got[0].BaseID != to.ID || got[0].ConnectionID != "c1" || got[0].Author != "A" || got[0].ID <= cs[2].ID || got[1].ID <= got[0].ID {
			t.Errorf("copied log = %+v", got)
		}
		if n, err := tx.ChangeCount(to.ID); err != nil || n != 2 {
			t.Errorf("ChangeCount of the copy = %d, %v", n, err)
		}
		want := store.LogPoint{Seq: got[1].ID, Count: 2, RecordBytes: recordSize(cs[0]) + recordSize(cs[1])}
		if p, err := tx.LogPoint(to.ID); err != nil || p != want {
			t.Errorf("LogPoint of the copy = %+v, %v; want %+v", p, err, want)
		}
		if n, err := tx.ChangeCount(from.ID); err != nil || n != 3 {
			t.Errorf("ChangeCount of the original = %d, %v", n, err)
		}
		if after, err := tx.UsedBytes(e.ID); err != nil || after-before != int64(len("un")+len("deux")) {
			t.Errorf("quota grew by %d (%v)", after-before, err)
		}
		return nil
	})
}

// PutArchive sets a year's archived base and says which it replaced;
// Archives lists the most recent year first.
func testArchivesReplaceTheirYear(t *testing.T, s store.Store) {
	e, b := withBase(t, s)
	b2 := base(e.ID, 'b')
	write(t, s, func(tx store.Tx) error {
		if err := tx.InsertBase(b2); err != nil {
			return err
		}
		for _, c := range []struct {
			a    store.Archive
			want int64
		}{
			{store.Archive{EstablishmentID: e.ID, SchoolYear: 2024, BaseID: b.ID, At: at, By: "SPR"}, 0},
			{store.Archive{EstablishmentID: e.ID, SchoolYear: 2025, BaseID: b.ID, At: at, By: "SPR"}, 0},
			{store.Archive{EstablishmentID: e.ID, SchoolYear: 2025, BaseID: b2.ID, At: at.Add(time.Hour), By: "planificateur"}, b.ID},
		} {
			replaced, err := tx.PutArchive(&c.a)
			if err != nil {
				return err
			}
			if replaced != c.want {
				t.Errorf("PutArchive(%d, base %d) replaced %d, want %d", c.a.SchoolYear, c.a.BaseID, replaced, c.want)
			}
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		l, err := tx.Archives(e.ID)
		want := []store.Archive{
			{EstablishmentID: e.ID, SchoolYear: 2025, BaseID: b2.ID, At: at.Add(time.Hour), By: "planificateur"},
			{EstablishmentID: e.ID, SchoolYear: 2024, BaseID: b.ID, At: at, By: "SPR"},
		}
		if err != nil || len(l) != 2 || l[0] != want[0] || l[1] != want[1] {
			t.Errorf("Archives = %+v, %v; want %+v", l, err, want)
		}
		return nil
	})
}

// A hidden base that a backup or an archived year needs is kept, and what
// only backups keep is counted by BackupOnlyBytes; once its backups are
// deleted, it is collected.
func testBackupsAndArchivesKeepHiddenBases(t *testing.T, s store.Store) {
	e, listed := withBase(t, s) // file 'a', 100 bytes
	hidden, archived := base(e.ID, 'h'), base(e.ID, 'k')
	hidden.Size, archived.Size = 300, 1000
	var kept *store.Backup
	var changes []*store.Change
	write(t, s, func(tx store.Tx) error {
		for _, b := range []*store.Base{hidden, archived} {
			if err := tx.InsertBase(b); err != nil {
				return err
			}
		}
		// The listed base's annex is shared with a backup: it counts for
		// the listed base, not for the backups.
		if _, err := tx.PutAnnex(&store.Annex{BaseID: listed.ID, Kind: "HPHOTOS", Name: "p", SHA256: sha256('p'), Size: 10, LoadedBy: "SPR", LoadedAt: at}); err != nil {
			return err
		}
		if _, err := tx.PutAnnex(&store.Annex{BaseID: hidden.ID, Kind: "HPDOCS", Name: "r", SHA256: sha256('r'), Size: 11, LoadedBy: "SPR", LoadedAt: at}); err != nil {
			return err
		}
		changes = []*store.Change{{EstablishmentID: e.ID, BaseID: hidden.ID, At: at, ConnectionID: "c", Author: "A", What: "1234567"}}
		if err := tx.AppendChanges(changes); err != nil {
			return err
		}
		kept = &store.Backup{EstablishmentID: e.ID, BaseID: hidden.ID, At: at, Kind: "manuelle", Actor: "SPR", FileName: "h.zip", Size: 1,
			Annexes: []store.BackupAnnex{{Kind: "HPHOTOS", Name: "p", SHA256: sha256('p'), Size: 10}, {Kind: "HPDOCS", Name: "q", SHA256: sha256('q'), Size: 13}}}
		if err := tx.InsertBackup(kept); err != nil {
			return err
		}
		if err := tx.InsertBackup(&store.Backup{EstablishmentID: e.ID, BaseID: archived.ID, At: at, Kind: "manuelle", Actor: "SPR", FileName: "k.zip", Size: 1}); err != nil {
			return err
		}
		if _, err := tx.PutArchive(&store.Archive{EstablishmentID: e.ID, SchoolYear: 2024, BaseID: archived.ID, At: at, By: "SPR"}); err != nil {
			return err
		}
		if err := tx.HideBase(e.ID, hidden.ID, at); err != nil {
			return err
		}
		return tx.HideBase(e.ID, archived.ID, at)
	})
	write(t, s, func(tx store.Tx) error {
		if n, files, err := tx.CollectBases(e.ID, at.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("collected %d bases (%v), %v; backups and archives need them", n, files, err)
		}
		// The hidden base's file (300), its annex (11), the backup annex
		// no listed base uses (13) and its change log (7); not the
		// archived year's base, nor the listed base's annex.
		if n, err := tx.BackupOnlyBytes(e.ID); err != nil || n != 300+11+13+7 {
			t.Errorf("BackupOnlyBytes = %d, %v; want %d", n, err, 300+11+13+7)
		}
		if _, err := tx.DeleteBackups(e.ID, []int64{kept.ID}); err != nil {
			return err
		}
		n, files, err := tx.CollectBases(e.ID, at.Add(time.Hour))
		if err != nil {
			return err
		}
		if n != 1 || !sameSet(files, []string{sha256('h'), sha256('r')}) {
			t.Errorf("after deleting its backup: collected %d, files %v; want the hidden base and its annex", n, files)
		}
		if n, err := tx.BackupOnlyBytes(e.ID); err != nil || n != 0 {
			t.Errorf("BackupOnlyBytes after = %d, %v", n, err)
		}
		return nil
	})
	read(t, s, func(tx store.Tx) error {
		if _, err := tx.AnyBase(e.ID, hidden.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the collected base: %v", err)
		}
		if n, err := tx.ChangeCount(hidden.ID); err != nil || n != 0 {
			t.Errorf("the collected base's log: %d, %v", n, err)
		}
		if b, err := tx.AnyBase(e.ID, archived.ID); err != nil || b.DeletedAt.IsZero() {
			t.Errorf("the archived base: %+v, %v", b, err)
		}
		return nil
	})
}
