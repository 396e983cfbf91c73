package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/store"
)

// The concurrency cases: several transactions at once, from goroutines
// released together. The store serializes its write transactions (one
// writer at a time, across processes too), so a transaction that reads
// then writes never loses another's update, and an update guarded by a
// condition holds for exactly one of the racers. None of these tests waits
// for a duration: they count what committed.
var concurrencyTests = []test{
	{"LockoutCounterUnderParallelLogins", testLockoutCounter},
	{"InvitationUsedOnce", testInvitationUsedOnce},
	{"BackupsRacingPruning", testBackupsRacingPruning},
	{"SeatHistoryUpsertsKeepTheMax", testSeatHistoryUpserts},
	{"RevisionBumpsAreDistinct", testRevisionBumps},
	{"ReadsSeeASnapshot", testReadsSeeASnapshot},
	{"LeaseHasOneHolder", testLeaseOneHolder},
	{"ListenerTellsOfCommits", testListener},
}

// parallel runs fn(0)…fn(n-1) in n goroutines released at once, and
// returns their errors in order.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// noErrors fails the test for each error of errs.
func noErrors(t *testing.T, what string, errs []error) {
	t.Helper()
	for i, err := range errs {
		if err != nil {
			t.Errorf("%s %d: %v", what, i, err)
		}
	}
}

// N failed logins at once, each reading the establishment's counter and
// writing it plus one (as backend/auth.go does), end with exactly N: no
// update is lost; the lockout set by the last one is kept.
func testLockoutCounter(t *testing.T, s store.Store) {
	const n = 24
	es := establishments(t, s, 2)
	e := es[0]
	errs := parallel(n, func(i int) error {
		return s.Write(ctx, func(tx store.Tx) error {
			cur, err := tx.Establishment(e.ID)
			if err != nil {
				return err
			}
			failed := cur.FailedLogins + 1
			var until time.Time
			if failed >= n {
				until = at.Add(15 * time.Minute)
			}
			return tx.UpdateLogin(e.ID, failed, until, cur.FirstLoginDone)
		})
	})
	noErrors(t, "login", errs)
	read(t, s, func(tx store.Tx) error {
		got, err := tx.Establishment(e.ID)
		if err != nil {
			return err
		}
		if got.FailedLogins != n || !got.LockedUntil.Equal(at.Add(15*time.Minute)) {
			t.Errorf("after %d parallel failed logins: %d failed, locked until %v", n, got.FailedLogins, got.LockedUntil)
		}
		if o, err := tx.Establishment(es[1].ID); err != nil || o.FailedLogins != 0 {
			t.Errorf("the other establishment counted %d, %v", o.FailedLogins, err)
		}
		return nil
	})
}

// Keys racing for one invitation code: exactly one UseInvitation
// succeeds, the others are ErrNotFound, and the invitation names the
// winner's key, which alone is enrolled.
func testInvitationUsedOnce(t *testing.T, s store.Store) {
	const rounds, racers = 8, 6
	e := establishments(t, s, 1)[0]
	for r := range rounds {
		inv := &store.Invitation{EstablishmentID: e.ID, Label: "ABCD", CodeHash: fmt.Sprintf("%064x", r+1), CreatedAt: at,
			CreatedBy: "SPR", ExpiresAt: at.Add(time.Hour)}
		write(t, s, func(tx store.Tx) error { return tx.PutInvitation(inv) })
		errs := parallel(racers, func(i int) error {
			fp := fmt.Sprintf("SHA256:round%d-key%d", r, i)
			return s.Write(ctx, func(tx store.Tx) error {
				if err := tx.UseInvitation(inv.ID, at.Add(time.Minute), fp); err != nil {
					return err
				}
				return tx.PutKey(&store.Key{EstablishmentID: e.ID, Fingerprint: fp, PublicKey: "ssh-ed25519 " + fp, Role: "admin", AddedAt: at})
			})
		})
		winner := -1
		for i, err := range errs {
			switch {
			case err == nil && winner < 0:
				winner = i
			case err == nil:
				t.Errorf("round %d: keys %d and %d both used the invitation", r, winner, i)
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("round %d: key %d: %v, want ErrNotFound", r, i, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no key used the invitation: %v", r, errs)
		}
		read(t, s, func(tx store.Tx) error {
			got, err := tx.InvitationByHash(e.ID, inv.CodeHash)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("SHA256:round%d-key%d", r, winner); got.UsedBy != want {
				t.Errorf("round %d: used by %q, the winner was %q", r, got.UsedBy, want)
			}
			return nil
		})
	}
	read(t, s, func(tx store.Tx) error {
		keys, err := tx.Keys(e.ID)
		if err == nil && len(keys) != rounds {
			t.Errorf("%d keys enrolled by %d invitations", len(keys), rounds)
		}
		return err
	})
}

// One writer takes backups (now and then of a new base, hiding the one it
// replaces), another prunes (keeps the newest few backups, collects the
// hidden bases nothing needs), at once. At the end every backup taken is
// either kept or was deleted once, every kept backup's base and annex
// files are there, and every file a deletion returned is referenced by
// nothing.
func testBackupsRacingPruning(t *testing.T, s store.Store) {
	const backups, prunes, keep = 60, 20, 3
	e, _ := withBase(t, s)
	var adding atomic.Bool
	adding.Store(true)
	var taken, deleted []int64
	var freed, collected []string
	annexOf := map[int64]string{}
	errs := parallel(2, func(i int) error {
		if i == 0 {
			for k := range backups {
				err := s.Write(ctx, func(tx store.Tx) error {
					bs, err := tx.Bases(e.ID)
					if err != nil {
						return err
					}
					if len(bs) != 1 {
						return fmt.Errorf("%d listed bases", len(bs))
					}
					cur := bs[0]
					if k%5 == 4 { // replaced by a new base, as a restore does
						next := base(e.ID, 'a')
						next.SHA256 = fmt.Sprintf("%064x", 1_000_000+k)
						if err := tx.InsertBase(next); err != nil {
							return err
						}
						if err := tx.HideBase(e.ID, cur.ID, at.Add(time.Duration(k)*time.Minute)); err != nil {
							return err
						}
						cur = *next
					}
					p, err := tx.LogPoint(cur.ID)
					if err != nil {
						return err
					}
					b := &store.Backup{EstablishmentID: e.ID, BaseID: cur.ID, At: at.Add(time.Duration(k) * time.Minute), Kind: "manuelle",
						Actor: "SPR", LogPoint: p, FileName: fmt.Sprintf("k-%03d.zip", k), Size: 1,
						Annexes: []store.BackupAnnex{{Kind: "HPHOTOS", Name: "p", SHA256: fmt.Sprintf("%064x", k+1), Size: 1}}}
					if err := tx.InsertBackup(b); err != nil {
						return err
					}
					taken = append(taken, b.ID)
					annexOf[b.ID] = b.Annexes[0].SHA256
					return nil
				})
				if err != nil {
					return fmt.Errorf("backup %d: %w", k, err)
				}
			}
			adding.Store(false)
			return nil
		}
		// At least prunes, and on while backups are taken: the last one
		// begins once every backup is committed.
		for p := 0; ; p++ {
			last := p >= prunes && !adding.Load()
			err := s.Write(ctx, func(tx store.Tx) error {
				rows, err := tx.Backups(e.ID)
				if err != nil {
					return err
				}
				var drop []int64
				for j, b := range rows {
					if j >= keep {
						drop = append(drop, b.ID)
					}
				}
				files, err := tx.DeleteBackups(e.ID, drop)
				if err != nil {
					return err
				}
				_, bases, err := tx.CollectBases(e.ID, at.Add(24*time.Hour))
				if err != nil {
					return err
				}
				deleted, freed, collected = append(deleted, drop...), append(freed, files...), append(collected, bases...)
				return nil
			})
			if err != nil {
				return fmt.Errorf("prune: %w", err)
			}
			if last {
				return nil
			}
		}
	})
	noErrors(t, "writer", errs)
	var kept []store.Backup
	read(t, s, func(tx store.Tx) error {
		var err error
		if kept, err = tx.Backups(e.ID); err != nil {
			return err
		}
		if len(taken) != backups || len(kept) != keep || len(kept)+len(deleted) != len(taken) {
			t.Errorf("%d backups taken, %d kept, %d deleted", len(taken), len(kept), len(deleted))
		}
		seen := map[int64]int{}
		for _, id := range deleted {
			seen[id]++
		}
		for _, b := range kept {
			seen[b.ID]++
			if _, err := tx.AnyBase(e.ID, b.BaseID); err != nil {
				t.Errorf("backup %d: its base %d: %v", b.ID, b.BaseID, err)
			}
			full, err := tx.Backup(e.ID, b.ID)
			if err != nil || len(full.Annexes) != 1 || full.Annexes[0].SHA256 != annexOf[b.ID] {
				t.Errorf("backup %d: %+v, %v", b.ID, full, err)
			} else if ref, err := tx.ObjectReferenced(annexOf[b.ID]); err != nil || !ref {
				t.Errorf("backup %d: its annex's file is not referenced (%v)", b.ID, err)
			}
		}
		for _, id := range taken {
			if seen[id] != 1 {
				t.Errorf("backup %d: kept or deleted %d times", id, seen[id])
			}
		}
		var want []string
		for _, id := range deleted {
			want = append(want, annexOf[id])
		}
		if !sameSet(freed, want) {
			t.Errorf("deletions returned %d files, the deleted backups had %d annexes", len(freed), len(want))
		}
		for _, f := range append(slices.Clone(freed), collected...) {
			if ref, err := tx.ObjectReferenced(f); err != nil || ref {
				t.Errorf("file %s returned for the garbage collection is still referenced (%v)", f[:8], err)
			}
		}
		all, err := tx.AllBases(e.ID)
		if err != nil {
			return err
		}
		// Every base still there is listed or needed by a kept backup.
		needed := map[int64]bool{}
		for _, b := range kept {
			needed[b.BaseID] = true
		}
		for _, b := range all {
			if !b.DeletedAt.IsZero() && !needed[b.ID] {
				t.Errorf("hidden base %d needed by nothing was not collected", b.ID)
			}
		}
		if len(all)+len(collected) != 1+backups/5 {
			t.Errorf("%d bases left and %d collected, %d created", len(all), len(collected), 1+backups/5)
		}
		return nil
	})
}

// Writers of the same 5-minute buckets at once keep, per bucket, the
// highest figure each reported.
func testSeatHistoryUpserts(t *testing.T, s store.Store) {
	const writers, buckets = 12, 3
	es := establishments(t, s, 2)
	sample := func(w, b int, estID int64) store.HistorySample {
		return store.HistorySample{EstablishmentID: estID, At: at.Add(time.Duration(b) * 5 * time.Minute),
			Admin: w, Teacher: writers - w, VieScolaire: (w * 7) % writers, Espaces: w % 3, Refused: b * w}
	}
	errs := parallel(writers, func(w int) error {
		var samples []store.HistorySample
		for b := range buckets {
			for _, e := range es {
				samples = append(samples, sample(w, b, e.ID))
			}
		}
		return s.Write(ctx, func(tx store.Tx) error { return tx.UpsertHistory(samples) })
	})
	noErrors(t, "upsert", errs)
	read(t, s, func(tx store.Tx) error {
		for _, e := range es {
			got, err := tx.History(e.ID, at)
			if err != nil {
				return err
			}
			if len(got) != buckets {
				t.Fatalf("%d buckets, want %d", len(got), buckets)
			}
			for b := range buckets {
				want := store.HistorySample{EstablishmentID: e.ID, At: at.Add(time.Duration(b) * 5 * time.Minute)}
				for w := range writers {
					x := sample(w, b, e.ID)
					want.Admin, want.Teacher = max(want.Admin, x.Admin), max(want.Teacher, x.Teacher)
					want.VieScolaire, want.Espaces, want.Refused = max(want.VieScolaire, x.VieScolaire), max(want.Espaces, x.Espaces), max(want.Refused, x.Refused)
				}
				if got[b] != want {
					t.Errorf("bucket %d: %+v, want %+v", b, got[b], want)
				}
			}
		}
		return nil
	})
}

// N bumps at once give the revisions 1…N, each once; a process's second
// bump is after its first.
func testRevisionBumps(t *testing.T, s store.Store) {
	const n = 16
	e := establishments(t, s, 1)[0]
	revs := make([][2]int64, n)
	errs := parallel(n, func(i int) error {
		for j := range 2 {
			if err := s.Write(ctx, func(tx store.Tx) error {
				var err error
				revs[i][j], err = tx.BumpRevision(e.ID)
				return err
			}); err != nil {
				return err
			}
		}
		return nil
	})
	noErrors(t, "bump", errs)
	var all []int64
	for i, r := range revs {
		if r[1] <= r[0] {
			t.Errorf("goroutine %d: revision %d after %d", i, r[1], r[0])
		}
		all = append(all, r[0], r[1])
	}
	slices.Sort(all)
	for i, r := range all {
		if r != int64(i+1) {
			t.Fatalf("revisions given: %v, want 1…%d each once", all, 2*n)
		}
	}
	read(t, s, func(tx store.Tx) error {
		revs, err := tx.Revisions()
		if err == nil && revs[e.ID] != 2*n {
			t.Errorf("revision %d after %d bumps", revs[e.ID], 2*n)
		}
		return err
	})
}

// A read transaction sees one state of the store: what it reads twice is
// the same though writers commit in between, and the next read sees what
// they wrote. Writers do not wait for readers.
func testReadsSeeASnapshot(t *testing.T, s store.Store) {
	const readers, writes = 4, 5
	es := establishments(t, s, 2)
	type view struct {
		revs    map[int64]int64
		journal int
		history int
	}
	look := func(tx store.Tx) (view, error) {
		var v view
		var err error
		if v.revs, err = tx.Revisions(); err != nil {
			return v, err
		}
		j, err := tx.Journal(store.JournalQuery{})
		if err != nil {
			return v, err
		}
		h, err := tx.History(es[0].ID, time.Time{})
		v.journal, v.history = len(j), len(h)
		return v, err
	}
	same := func(a, b view) bool {
		return a.journal == b.journal && a.history == b.history && len(a.revs) == len(b.revs) &&
			a.revs[es[0].ID] == b.revs[es[0].ID] && a.revs[es[1].ID] == b.revs[es[1].ID]
	}
	var firstReads sync.WaitGroup
	firstReads.Add(readers)
	committed := make(chan struct{})
	errs := parallel(readers+1, func(i int) error {
		if i == readers { // the writer
			firstReads.Wait()
			defer close(committed)
			for k := range writes {
				if err := s.Write(ctx, func(tx store.Tx) error {
					for _, e := range es {
						if _, err := tx.BumpRevision(e.ID); err != nil {
							return err
						}
					}
					if err := tx.UpsertHistory([]store.HistorySample{{EstablishmentID: es[0].ID, At: at.Add(time.Duration(k) * 5 * time.Minute), Admin: 1}}); err != nil {
						return err
					}
					return tx.AppendJournal(&store.JournalEntry{EstablishmentID: es[0].ID, At: at, Actor: "SPR", Action: "x", OK: true})
				}); err != nil {
					return err
				}
			}
			return nil
		}
		return s.Read(ctx, func(tx store.Tx) error {
			before, err := look(tx)
			firstReads.Done()
			if err != nil {
				return err
			}
			<-committed
			after, err := look(tx)
			if err != nil {
				return err
			}
			if !same(before, after) {
				t.Errorf("reader %d: read %+v, then %+v in the same transaction", i, before, after)
			}
			return nil
		})
	})
	noErrors(t, "transaction", errs)
	read(t, s, func(tx store.Tx) error {
		v, err := look(tx)
		if err == nil && (v.revs[es[0].ID] != writes || v.revs[es[1].ID] != writes || v.journal != writes || v.history != writes) {
			t.Errorf("after the writes: %+v", v)
		}
		return err
	})
}
