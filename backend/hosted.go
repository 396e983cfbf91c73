package backend

import (
	"context"
	"sync"

	"golang.org/x/sync/singleflight"

	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/store"
)

// The state of each hosted server as the connections read it, cached per
// revision (see the top of connections.go).

// hostedEntry is the cached public state of one establishment's server.
type hostedEntry struct {
	hs     HostedServer
	estID  int64
	lim    seats.Limits
	baseID int64
	// run is the service period the server is in (its start zero when it
	// does not serve) at this reading: connections belong to one period.
	run seats.Period
	rev int64
}

// hostedCache keeps each establishment's hostedEntry, read once per
// revision instead of once per request. An entry is fresh while its
// revision is the latest this process has seen for its establishment;
// revised moves that mark at once for this process's actions and within
// the watcher's interval for other processes'.
type hostedCache struct {
	b        *Backend
	mu       sync.Mutex
	byNumber map[string]*hostedEntry
	latest   map[int64]int64
	// loads makes the requests that find an entry stale at once share one
	// read (after a change, every client of the school asks together).
	loads singleflight.Group
}

func newHostedCache(b *Backend) *hostedCache {
	return &hostedCache{b: b, byNumber: map[string]*hostedEntry{}, latest: map[int64]int64{}}
}

// active reports whether the cache holds anything the watcher must keep
// fresh.
func (c *hostedCache) active() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.byNumber) > 0
}

// get returns the fresh entry of a hosting number, reading it when needed.
func (c *hostedCache) get(ctx context.Context, number string) (*hostedEntry, error) {
	c.mu.Lock()
	e := c.byNumber[number]
	if e != nil && e.rev >= c.latest[e.estID] {
		c.mu.Unlock()
		return e, nil
	}
	c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		v, err, _ := c.loads.Do(number, func() (any, error) {
			// Not the request's context: the read serves every request
			// that joined it, and one client leaving must not fail the
			// others.
			return c.load(context.WithoutCancel(ctx), number)
		})
		if err != nil {
			return nil, err
		}
		e = v.(*hostedEntry)
		c.mu.Lock()
		older := e.rev < c.latest[e.estID]
		c.mu.Unlock()
		// A read that began before a change this process already knows of
		// (a request joined it late) is read again.
		if !older || attempt == 3 {
			break
		}
	}
	c.mu.Lock()
	if e.rev >= c.latest[e.estID] {
		c.latest[e.estID] = e.rev
		if len(c.byNumber) >= maxCached {
			clear(c.byNumber) // rare: more establishments than the bound; they reload
		}
		c.byNumber[number] = e
	}
	c.mu.Unlock()
	return e, nil
}

// maxCached bounds the cache: unknown numbers are never cached, so its size
// is bounded by the establishments anyway; this is a second fence.
const maxCached = 1 << 20

// load reads an establishment's public state in one read transaction.
func (c *hostedCache) load(ctx context.Context, number string) (*hostedEntry, error) {
	return c.b.loadHosted(ctx, number)
}

// forget drops the entry of a hosting number: the next get reads it.
func (c *hostedCache) forget(number string) {
	c.mu.Lock()
	delete(c.byNumber, number)
	c.mu.Unlock()
}

// revise marks rev as the latest revision of an establishment and reports
// whether it is news.
func (c *hostedCache) revise(estID, rev int64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.latest[estID]; ok && old >= rev {
		return false
	}
	c.latest[estID] = rev
	return true
}

// revised is every change of an establishment this process learns of (its
// own actions, and other processes' through the watcher): the cache entry
// is stale, and when the server no longer serves the period its
// connections belong to, they close now rather than at their next
// heartbeat.
func (b *Backend) revised(estID, rev int64) {
	if !b.hosted.revise(estID, rev) {
		return
	}
	b.seats.Revise(estID, rev)
	if b.seats.Len(estID) == 0 {
		return
	}
	now := b.clock.Now()
	var number string
	err := b.store.Read(context.Background(), func(tx store.Tx) error {
		e, err := tx.Establishment(estID)
		number = e.HostingNumber
		return err
	})
	if err != nil {
		return
	}
	if hs, err := b.hosted.get(context.Background(), number); err == nil {
		b.seats.Count(estID, hs.run, now) // closes them when the period ended
	}
}
