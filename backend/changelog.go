package backend

import (
	"context"
	"errors"
	"sync"

	"github.com/hebergement/console/backend/store"
)

// The change log's group commit (SPEC §17; see the top of connections.go).

// changeWriter commits the changes clients send in groups: each submit
// waits for the commit of the group it joined, so that a 201 means
// durable, and concurrent clients share one transaction (one fsync)
// instead of queueing for one each. SQLite has no group commit of its own
// for separate transactions, hence this.
type changeWriter struct {
	b    *Backend
	in   chan *changeReq
	mu   sync.RWMutex
	shut bool
	quit chan struct{}
	done chan struct{}
}

type changeReq struct {
	c    *store.Change
	done chan error
}

// maxGroup bounds one group commit.
const maxGroup = 512

var errClosed = errors.New("the back end is closing")

func newChangeWriter(b *Backend) *changeWriter {
	w := &changeWriter{b: b, in: make(chan *changeReq, maxGroup), quit: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *changeWriter) submit(ctx context.Context, c *store.Change) error {
	r := &changeReq{c: c, done: make(chan error, 1)}
	w.mu.RLock()
	if w.shut {
		w.mu.RUnlock()
		return errClosed
	}
	select {
	case w.in <- r:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	return <-r.done // the group commits even if the client left
}

func (w *changeWriter) run() {
	defer close(w.done)
	for {
		select {
		case r := <-w.in:
			w.commit(w.group(r))
		case <-w.quit:
			for {
				select {
				case r := <-w.in:
					w.commit(w.group(r))
				default:
					return
				}
			}
		}
	}
}

// group is r and whatever else waits, up to maxGroup.
func (w *changeWriter) group(r *changeReq) []*changeReq {
	batch := []*changeReq{r}
	for len(batch) < maxGroup {
		select {
		case r := <-w.in:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

func (w *changeWriter) commit(batch []*changeReq) {
	errs := make([]error, len(batch))
	err := w.b.store.Write(context.Background(), func(tx store.Tx) error {
		keep, err := w.admissible(tx, batch, errs)
		if err != nil {
			return err
		}
		return tx.AppendChanges(keep)
	})
	if err != nil {
		err = mapStoreErr(err)
		w.b.log.Warn("store changes", "changes", len(batch), "err", err)
	}
	for i, r := range batch {
		if errs[i] != nil {
			r.done <- errs[i]
		} else {
			r.done <- err
		}
	}
}

// admissible are the changes of batch that may be appended, checked in the
// transaction that appends them: the base must still be the one in service
// (a change never lands after the stop, whatever the cache said), and the
// establishment's storage must hold it (changes count in the quota). The
// others get their refusal in errs.
func (w *changeWriter) admissible(tx store.Tx, batch []*changeReq, errs []error) ([]*store.Change, error) {
	type room struct {
		base int64 // the base in service, 0 when none
		left int64 // bytes left under the quota
	}
	rooms := map[int64]*room{}
	var keep []*store.Change
	for i, r := range batch {
		c := r.c
		rm := rooms[c.EstablishmentID]
		if rm == nil {
			rm = &room{}
			e, err := tx.Establishment(c.EstablishmentID)
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return nil, err
			case e.ServerState == string(ServerRunning):
				used, err := tx.UsedBytes(e.ID)
				if err != nil {
					return nil, err
				}
				rm.base, rm.left = e.OpenedBaseID, e.QuotaBytes-used
			}
			rooms[c.EstablishmentID] = rm
		}
		size := int64(len(c.What))
		switch {
		case rm.base == 0 || rm.base != c.BaseID:
			errs[i] = ErrNotInService
		case size > rm.left:
			errs[i] = ErrStorageFull
		default:
			rm.left -= size
			keep = append(keep, c)
		}
	}
	return keep, nil
}

// close stops accepting changes and commits those already submitted.
func (w *changeWriter) close() {
	w.mu.Lock()
	w.shut = true
	w.mu.Unlock()
	close(w.quit)
	<-w.done
}
