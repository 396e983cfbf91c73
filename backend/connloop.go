package backend

import (
	"context"
	"sync"
	"time"

	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/store"
)

// The connections' chores: live updates, expiry, and storing the history
// and refusals (see the top of connections.go).

// connLoop runs the connections' chores until the back end closes: the
// live updates of the consoles (at most one per notifyEvery per
// establishment), the expiry of silent connections, and the storing of the
// history and refusals.
func (b *Backend) connLoop() {
	defer close(b.connDone)
	notify := time.NewTicker(notifyEvery)
	defer notify.Stop()
	lastSweep, lastFlush, lastPrune := time.Now(), time.Now(), time.Time{}
	for {
		select {
		case <-b.stop:
			b.flushConnections(true)
			return
		case <-notify.C:
		}
		for _, id := range b.dirty.take() {
			b.bus.touch(id, TopicConnections)
		}
		if time.Since(lastSweep) >= sweepEvery {
			lastSweep = time.Now()
			b.seats.Sweep(b.clock.Now())
		}
		if time.Since(lastFlush) >= flushEvery {
			lastFlush = time.Now()
			prune := time.Since(lastPrune) >= pruneEvery
			if prune {
				lastPrune = time.Now()
			}
			b.flushConnections(prune)
		}
	}
}

// FlushConnections stores the history and refusals held in memory now (the
// loop does it every flushEvery; tests and the demo call it).
func (b *Backend) FlushConnections() { b.flushConnections(false) }

// Only the process that holds the connections prunes the history, on its
// own clock: a CLI or a console beside it, perhaps on another clock
// (--now), must not delete what it does not write.
func (b *Backend) flushConnections(prune bool) {
	prune = prune && b.HoldsConnections()
	now := b.clock.Now()
	samples, refusals := b.seats.Drain(now)
	if len(samples) == 0 && len(refusals) == 0 && !prune {
		return
	}
	var before time.Time
	if prune {
		before = now.Add(-pruneAfter)
	}
	err := b.storeHistory(context.Background(), samples, refusals, before)
	if err != nil {
		b.log.Warn("store connection history", "err", err)
		b.seats.Restore(samples, refusals)
	}
}

// storeHistory writes history samples and refusals in one transaction,
// and deletes the samples older than pruneBefore unless it is zero.
func (b *Backend) storeHistory(ctx context.Context, samples []seats.Sample, refusals []seats.Refusal, pruneBefore time.Time) error {
	rows := make([]store.HistorySample, len(samples))
	for i, s := range samples {
		rows[i] = store.HistorySample{EstablishmentID: s.Establishment, At: s.At, Admin: s.Peak[seats.KindAdmin],
			Teacher: s.Peak[seats.KindTeacher], VieScolaire: s.Peak[seats.KindVieScolaire], Espaces: s.Peak[seats.KindEspaces],
			Refused: s.Refused}
	}
	rrows := make([]store.Refusal, len(refusals))
	for i, r := range refusals {
		rrows[i] = store.Refusal{EstablishmentID: r.Establishment, At: r.At, User: r.User, Group: r.Group, Mode: string(r.Mode),
			Addr: r.Addr, Reason: r.Reason}
	}
	return b.store.Write(ctx, func(tx store.Tx) error {
		if err := tx.UpsertHistory(rows); err != nil {
			return err
		}
		if err := tx.AppendRefusals(rrows, seats.KeptRefusals); err != nil {
			return err
		}
		if pruneBefore.IsZero() {
			return nil
		}
		return tx.PruneHistory(pruneBefore)
	})
}

// dirtySet collects the establishments whose connections changed since
// the last live update.
type dirtySet struct {
	mu  sync.Mutex
	ids map[int64]struct{}
}

func (d *dirtySet) add(id int64) {
	d.mu.Lock()
	if d.ids == nil {
		d.ids = map[int64]struct{}{}
	}
	d.ids[id] = struct{}{}
	d.mu.Unlock()
}

func (d *dirtySet) take() []int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]int64, 0, len(d.ids))
	for id := range d.ids {
		out = append(out, id)
	}
	clear(d.ids)
	return out
}
