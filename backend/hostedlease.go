package backend

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hebergement/console/backend/filelock"
	"github.com/hebergement/console/backend/store"
)

// Hosted servers across instances (SPEC §14; see also the top of
// connections.go).
//
// A hosted server's connections are held in memory by one process, whose
// seat count is the one arbiter of that school's licences. With several
// instances on one database, each school's hosted server is held by one
// instance at a time: affinity by establishment, through a lease row per
// school ("hosted:ID"), rather than seats in the database. Why:
//
//   - admission, heartbeats and departures are the stand-in's hot path: a
//     school's clients send a heartbeat every few seconds, some 100,000 a
//     minute for 10,000 schools at their peak. Under a pool's mutex each
//     costs about a microsecond; as database writes they would queue behind
//     the one write lock every instance shares (a PostgreSQL commit costs
//     milliseconds), and the seat invariant would need a row lock per
//     school on every heartbeat;
//   - a hosted server is one server, as the real PRONOTE server is: its
//     live connections end with its process, and clients reconnect, which
//     is what they do when the real one restarts.
//
// The rules:
//
//   - the first request for a school's server, on any instance, takes the
//     school's lease (TakeLease) when it is free or expired; that instance
//     admits its clients from then on, and renews all its schools' leases
//     in one statement every third of DefaultLeaseTTL;
//   - any other instance relays the requests of that school's clients to
//     the holder's address (the stand-in's reverse proxy), and reads the
//     live table from it for its consoles; a relayed request is never
//     relayed again: the instance it reaches admits it only if it holds the
//     school or takes its lease (free or expired), and refuses it with 503
//     otherwise, so that two instances never count one school's seats;
//   - the holder of a school held elsewhere is read from its lease row
//     and remembered until that lease expires (or the holder does not
//     answer): only taking a lease writes;
//   - an instance acts on a lease only while a third of it is left, by its
//     own wall clock; past that it renews it first, or refuses;
//   - a renewal that no longer finds a lease (it expired, another took it)
//     closes that school's connections here at once;
//   - a school without a connection for a whole lease is released, as are
//     all of them when the process stops, so that another instance takes
//     them at once.
//
// The instances reach each other over HTTP with a secret shared through
// the data folder (PeerKeyFile), which they share as they share the files.

// hostedLeasePrefix starts the name of a school's hosted server lease.
const hostedLeasePrefix = "hosted:"

func hostedLeaseName(estID int64) string { return hostedLeasePrefix + strconv.FormatInt(estID, 10) }

// owners is this instance's view of who holds each hosted server.
type owners struct {
	b   *Backend
	ttl time.Duration

	// writeMu orders this instance's writes of its hosted leases (a
	// claim's take, the renewal, the release of idle schools): a claim
	// never lands between a renewal's statement and its bookkeeping, nor
	// between the decision to release a school and its release.
	writeMu sync.Mutex

	mu   sync.Mutex
	addr string              // this instance's address for the others
	held map[int64]time.Time // school → when its lease expires, by the last renewal
	used map[int64]time.Time // school → last request, for the release of idle ones
	// peers caches the holder of a school held elsewhere until its lease
	// expires (nobody may take it before), or until it does not answer
	// (HostedUnreachable): every request of its clients asks.
	peers map[int64]peerLease
}

type peerLease struct {
	addr  string
	until time.Time
}

func newOwners(b *Backend, ttl time.Duration) *owners {
	return &owners{b: b, ttl: ttl, held: map[int64]time.Time{}, used: map[int64]time.Time{}, peers: map[int64]peerLease{}}
}

// SetInstanceAddress is where the other instances reach this one's
// stand-in (its base URL, e.g. http://10.0.0.5:8080): they relay there the
// requests of the hosted servers this instance holds, and read their live
// tables there.
func (b *Backend) SetInstanceAddress(url string) {
	b.owners.mu.Lock()
	b.owners.addr = strings.TrimSuffix(url, "/")
	b.owners.mu.Unlock()
}

// HostedHere tells whether this instance holds the hosted server of the
// establishment whose hosting number is number, taking it when nobody
// does; when another does, its address. Without a shared database, this
// process holds them all.
func (b *Backend) HostedHere(ctx context.Context, number string) (here bool, address string, err error) {
	if !b.shared {
		return true, "", nil
	}
	hs, err := b.hosted.get(ctx, number)
	if err != nil {
		return false, "", err
	}
	return b.owners.claim(ctx, hs.estID)
}

// HostedUnreachable is told that the instance given as holding number's
// hosted server did not answer: the next request reads the lease again
// instead of the cached holder.
func (b *Backend) HostedUnreachable(number string) {
	if e, err := b.hosted.get(context.Background(), number); err == nil {
		b.owners.mu.Lock()
		delete(b.owners.peers, e.estID)
		b.owners.mu.Unlock()
	}
}

// claim is whether this instance holds est's hosted server, taking its
// lease when it is free or expired. The lease is read first, and written
// only to take it: the clients of a school held elsewhere cost a read per
// lease, not a write per request.
func (o *owners) claim(ctx context.Context, est int64) (bool, string, error) {
	now := time.Now()
	o.mu.Lock()
	if until, ok := o.held[est]; ok && now.Before(until.Add(-o.ttl/3)) {
		o.used[est] = now
		o.mu.Unlock()
		return true, "", nil
	}
	if p, ok := o.peers[est]; ok && now.Before(p.until) {
		o.mu.Unlock()
		return false, p.addr, nil
	}
	o.mu.Unlock()
	if _, heldHere := o.heldUntil(est); !heldHere {
		l, err := o.readLease(ctx, est)
		switch {
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return false, "", err
		case err == nil && l.Holder != o.b.instance && l.Expires.After(now):
			o.mu.Lock()
			o.peers[est] = peerLease{addr: l.Address, until: l.Expires}
			o.mu.Unlock()
			return false, l.Address, nil
		}
	}
	o.writeMu.Lock()
	defer o.writeMu.Unlock()
	o.mu.Lock()
	addr := o.addr
	o.mu.Unlock()
	var l store.Lease
	var ok bool
	err := o.b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		l, ok, err = tx.TakeLease(store.Lease{Name: hostedLeaseName(est), Holder: o.b.instance, Address: addr, Expires: now.Add(o.ttl)}, now)
		return err
	})
	if err != nil {
		return false, "", err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if ok {
		o.held[est], o.used[est] = l.Expires, now
		delete(o.peers, est)
		return true, "", nil
	}
	if _, was := o.held[est]; was {
		// Held here until another took it: what this process holds of it is
		// not that school's any more.
		o.lostLocked(est)
	}
	o.peers[est] = peerLease{addr: l.Address, until: l.Expires}
	return false, l.Address, nil
}

// readLease reads est's hosted lease as it stands.
func (o *owners) readLease(ctx context.Context, est int64) (store.Lease, error) {
	var l store.Lease
	err := o.b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		l, err = tx.Lease(hostedLeaseName(est))
		return err
	})
	return l, err
}

// heldUntil is when this instance's lease of est expires, by its last
// renewal, and whether it holds one.
func (o *owners) heldUntil(est int64) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	until, ok := o.held[est]
	return until, ok
}

// holder tells, without taking anything, whether this instance holds
// est's hosted server, else the address of the instance that does ("" when
// none does: nobody is connected).
func (o *owners) holder(ctx context.Context, est int64) (bool, string, error) {
	now := time.Now()
	o.mu.Lock()
	if until, ok := o.held[est]; ok && now.Before(until) {
		o.mu.Unlock()
		return true, "", nil
	}
	o.mu.Unlock()
	l, err := o.readLease(ctx, est)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return false, "", nil
	case err != nil:
		return false, "", err
	case !l.Expires.After(now):
		return false, "", nil
	case l.Holder == o.b.instance:
		return true, "", nil
	}
	return false, l.Address, nil
}

// lostLocked forgets a school whose lease this instance lost, closing its
// connections here; o.mu is held.
func (o *owners) lostLocked(est int64) {
	delete(o.held, est)
	delete(o.used, est)
	if n := o.b.seats.Close(est, o.b.clock.Now()); n > 0 {
		o.b.log.Warn("hosted server taken over by another instance: its connections here are closed", "establishment", est, "connections", n)
	}
}

// renew extends every hosted lease of this instance, closes the schools
// it lost, and releases those without a connection for a whole lease, all
// under writeMu: a claim waits for it, so the schools it looks at are
// those it renewed or lost.
func (o *owners) renew(ctx context.Context) {
	o.writeMu.Lock()
	defer o.writeMu.Unlock()
	o.mu.Lock()
	n := len(o.held)
	o.mu.Unlock()
	if n == 0 {
		return
	}
	now := time.Now()
	until := now.Add(o.ttl)
	var renewed []string
	err := o.b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		renewed, err = tx.RenewLeases(o.b.instance, hostedLeasePrefix, until)
		return err
	})
	if err != nil {
		o.b.log.Warn("hosted servers' leases not renewed", "err", err)
		return
	}
	kept := make(map[int64]bool, len(renewed))
	for _, name := range renewed {
		if id, err := strconv.ParseInt(strings.TrimPrefix(name, hostedLeasePrefix), 10, 64); err == nil {
			kept[id] = true
		}
	}
	var idle []int64
	o.mu.Lock()
	for est := range o.held {
		switch {
		case !kept[est]:
			o.lostLocked(est)
		case o.b.seats.Len(est) == 0 && now.Sub(o.used[est]) >= o.ttl:
			idle = append(idle, est)
		default:
			o.held[est] = until
		}
	}
	for _, est := range idle {
		delete(o.held, est)
		delete(o.used, est)
	}
	o.mu.Unlock()
	if len(idle) > 0 {
		o.release(ctx, idle)
	}
}

// release gives up the leases of schools; the caller holds writeMu, so no
// claim takes one of them again in between.
func (o *owners) release(ctx context.Context, ests []int64) {
	err := o.b.store.Write(ctx, func(tx store.Tx) error {
		for _, est := range ests {
			if err := tx.ReleaseLease(hostedLeaseName(est), o.b.instance); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.b.log.Warn("hosted servers' leases not released: they expire", "err", err)
	}
}

// releaseAll gives up every hosted lease at the stop.
func (o *owners) releaseAll() {
	o.writeMu.Lock()
	defer o.writeMu.Unlock()
	o.mu.Lock()
	ests := make([]int64, 0, len(o.held))
	for est := range o.held {
		ests = append(ests, est)
	}
	clear(o.held)
	o.mu.Unlock()
	if len(ests) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		o.release(ctx, ests)
	}
}

// loop renews the leases every third of one, until the back end stops.
func (o *owners) loop(stop <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(o.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-stop:
			o.releaseAll()
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), o.ttl/3)
		o.renew(ctx)
		cancel()
	}
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// PeerKeyFile holds, in the data folder the instances share, the secret
// with which they call each other (hex, 32 random bytes), made by the
// first instance that needs it.
const PeerKeyFile = "instances.key"

// loadPeerKey reads the instances' secret from dir, making it when absent.
func loadPeerKey(dir string) (string, error) {
	path := filepath.Join(dir, PeerKeyFile)
	for range 3 {
		data, err := os.ReadFile(path)
		if err == nil {
			key := strings.TrimSpace(string(data))
			if b, err := hex.DecodeString(key); err != nil || len(b) < 32 {
				return "", fmt.Errorf("%s: not a key of 32 bytes in hex; delete it on every instance to make a new one", path)
			}
			return key, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("instances' key: %w", err)
		}
		var raw [32]byte
		rand.Read(raw[:]) //nolint:errcheck // never fails (crypto/rand)
		if _, err := filelock.CreateOnce(path, []byte(hex.EncodeToString(raw[:])+"\n")); err != nil {
			return "", fmt.Errorf("instances' key: %w", err)
		}
	}
	return "", fmt.Errorf("instances' key: %s keeps changing", path)
}
