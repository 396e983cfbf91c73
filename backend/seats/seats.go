// Package seats is the licence broker of the hosted servers (SPEC §7): the
// connections each establishment's server holds, admitted or refused by the
// seat rules, with their heartbeats and expiry, and the 5-minute history of
// simultaneous connections and refusals that the console draws.
//
// It knows nothing of the store or of HTTP: the back end gives it the
// limits of the contract and the time, and persists what it reports
// (Drain). Each establishment has its own Pool under its own mutex, so that
// schools never wait on each other; the seat invariant is checked and the
// seat taken under that one mutex, which is what makes it hold with
// hundreds of clients racing for the last seat.
package seats

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"
)

// Limits are the seats of a contract. Teacher 0 is unlimited; 0 ≤ Reserved
// ≤ Admin.
type Limits struct {
	Admin, Reserved, Teacher int
}

// MaxConns bounds the connections one establishment's server holds in the
// modes without a licence limit (vie scolaire, the Espaces, an unlimited
// mode enseignant): they are unlimited by contract, but a client looping on
// POST …/connexions must not fill the memory of the process that serves
// every school. A large lycée has a few thousand users. The licensed seats
// are outside it, so such a flood never keeps the staff out.
const MaxConns = 20000

// Period is the service period a caller read the server in: ID is the
// open service period's row, 0 when the server does not serve, and Rev the
// revision of the establishment that reading was made at. Connections
// belong to one period; a pool follows the periods forward only, so that a
// caller holding an older reading can neither close the connections of a
// newer period nor bring an ended one back.
type Period struct {
	ID  int64
	Rev int64
}

// ErrStale is a call made with a reading older than the one the pool
// follows: read the server's state again and retry.
var ErrStale = errors.New("stale reading of the server's state")

// Idle is how long a connection lives without a heartbeat (SPEC §8).
const Idle = 5 * time.Minute

// Bucket is the history's step: one sample of the peaks per 5 minutes.
const Bucket = 5 * time.Minute

// Conn is one connection held by a hosted server.
type Conn struct {
	ID    string
	User  string
	Group string
	Mode  Mode
	Addr  string
	Since time.Time
	// Seen is the last heartbeat (or the admission, or a change sent).
	Seen time.Time
}

// Admin reports whether the connection's user is of the groupe
// Administration.
func (c Conn) Admin() bool { return InAdminGroup(c.Group) }

// Expired reports whether the connection has had no heartbeat for Idle.
func (c Conn) Expired(now time.Time) bool { return !now.Before(c.Seen.Add(Idle)) }

// Usage counts the connections held, per kind; AdminByAdminGroup is the
// part of Admin held by the groupe Administration.
type Usage struct {
	Admin, AdminByAdminGroup, Teacher, VieScolaire, Espaces int
}

// Total is every connection held.
func (u Usage) Total() int { return u.Admin + u.Teacher + u.VieScolaire + u.Espaces }

// Of is the count of one kind.
func (u Usage) Of(k Kind) int {
	return [...]int{u.Admin, u.Teacher, u.VieScolaire, u.Espaces}[k]
}

func (u *Usage) add(c *Conn, d int) {
	switch c.Mode.Kind() {
	case KindAdmin:
		u.Admin += d
		if c.Admin() {
			u.AdminByAdminGroup += d
		}
	case KindTeacher:
		u.Teacher += d
	case KindVieScolaire:
		u.VieScolaire += d
	default:
		u.Espaces += d
	}
}

// ErrNoSeat is every refusal for lack of a licence; the error is a
// *SeatError with the figures.
var ErrNoSeat = errors.New("no seat is free")

// ErrGone is a heartbeat, change or disconnection of a connection that is
// not held (never was, disconnected, expired, server stopped).
var ErrGone = errors.New("no such connection")

// SeatError is a refusal for lack of a licence.
type SeatError struct {
	Mode Mode
	// Used and Total are the seats of the mode; for a refusal by the
	// reservation, Used counts the users outside the groupe Administration
	// and Total is L − R.
	Used, Total int
	// Reserved is R when the free seats were reserved for the groupe
	// Administration, else 0.
	Reserved int
	// Full is set when the server holds MaxConns connections, whatever the
	// mode; Used and Total are then that count and MaxConns.
	Full bool
}

func (e *SeatError) Error() string {
	if e.Full {
		return fmt.Sprintf("the server holds its %d connections", e.Total)
	}
	if e.Reserved > 0 {
		return fmt.Sprintf("the free %s seats are reserved for the groupe Administration (%d of %d held by others)", e.Mode, e.Used, e.Total)
	}
	return fmt.Sprintf("every %s seat is taken (%d of %d)", e.Mode, e.Used, e.Total)
}

func (e *SeatError) Unwrap() error { return ErrNoSeat }

// Pool is the connections of one establishment's server.
type Pool struct {
	id int64
	mu sync.Mutex
	// conns are the connections held, by id.
	conns map[string]*Conn
	usage Usage
	// run identifies the service period the connections belong to: when
	// the server stops or starts anew, every connection closes.
	run Period
	// seen is the latest revision the back end has told of (Revise).
	seen int64
	// cur is the bucket being filled; done the buckets closed since the
	// last Drain; dirty tells Drain that cur changed.
	cur   Sample
	done  []Sample
	dirty bool
	// refusals are the latest refusals, newest last, and fresh those not
	// drained yet.
	refusals []Refusal
	fresh    int
	// version moves on every change, for the console's live updates.
	version uint64
}

// Broker holds the pools of every establishment of a process.
type Broker struct {
	mu    sync.RWMutex
	pools map[int64]*Pool
	// changed is called with an establishment whose connections changed;
	// the back end coalesces these into events. It must not call back into
	// the broker (it may run under a pool's lock).
	changed func(id int64)
	// reason words a refusal for the people who read the list of refusals.
	reason func(*SeatError) string
}

// New returns an empty broker. changed may be nil; reason, which words a
// refusal for people, may be nil (the error's English text).
func New(changed func(id int64), reason func(*SeatError) string) *Broker {
	if changed == nil {
		changed = func(int64) {}
	}
	if reason == nil {
		reason = (*SeatError).Error
	}
	return &Broker{pools: map[int64]*Pool{}, changed: changed, reason: reason}
}

// Pool returns the pool of an establishment, creating it.
func (b *Broker) Pool(id int64) *Pool {
	b.mu.RLock()
	p := b.pools[id]
	b.mu.RUnlock()
	if p != nil {
		return p
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p = b.pools[id]; p == nil {
		p = &Pool{id: id, conns: map[string]*Conn{}}
		b.pools[id] = p
	}
	return p
}

// lookup is the pool of an establishment, nil when it has none.
func (b *Broker) lookup(id int64) *Pool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.pools[id]
}

// Pools are every pool, for the sweeper and Drain.
func (b *Broker) Pools() []*Pool {
	b.mu.RLock()
	defer b.mu.RUnlock()
	out := make([]*Pool, 0, len(b.pools))
	for _, p := range b.pools {
		out = append(out, p)
	}
	return out
}

// Admit takes a seat for c in the pool of establishment id, under the
// limits lim, for the service period run (a new period closes the
// connections of the previous one first). It fills c's ID, Since and Seen,
// or returns a *SeatError. Connections that expired are let go before a
// refusal: a seat held by a client that vanished is not a seat taken.
func (b *Broker) Admit(id int64, lim Limits, run Period, c Conn, now time.Time) (Conn, error) {
	p := b.Pool(id)
	p.mu.Lock()
	n, stale := p.follow(run, now)
	if stale {
		p.mu.Unlock()
		return Conn{}, ErrStale
	}
	if n > 0 {
		defer b.changed(id)
	}
	p.touch(now)
	var err *SeatError
	err = p.check(lim, &c)
	if err != nil && p.expire(now) > 0 {
		err = p.check(lim, &c)
	}
	if err != nil {
		if !err.Full { // the history counts refusals for lack of a licence only
			p.refuse(c, b.reason(err), now)
		}
		p.mu.Unlock()
		b.changed(id)
		return Conn{}, err
	}
	c.ID = newID()
	c.Since, c.Seen = now, now
	held := c
	p.conns[c.ID] = &held
	p.usage.add(&held, 1)
	p.version++
	p.touch(now)
	p.mu.Unlock()
	b.changed(id)
	return c, nil
}

// check applies the seat rules of SPEC §7 to c.
func (p *Pool) check(lim Limits, c *Conn) *SeatError {
	u := p.usage
	licensed := c.Mode.Kind() == KindAdmin || (c.Mode.Kind() == KindTeacher && lim.Teacher > 0)
	if unlimited := u.Total() - u.Admin - min(u.Teacher, lim.Teacher); !licensed && unlimited >= MaxConns {
		return &SeatError{Mode: c.Mode, Used: unlimited, Total: MaxConns, Full: true}
	}
	switch c.Mode.Kind() {
	case KindAdmin:
		if u.Admin >= lim.Admin {
			return &SeatError{Mode: c.Mode, Used: u.Admin, Total: lim.Admin}
		}
		others := u.Admin - u.AdminByAdminGroup
		if !c.Admin() && others >= lim.Admin-lim.Reserved {
			return &SeatError{Mode: c.Mode, Used: others, Total: max(lim.Admin-lim.Reserved, 0), Reserved: lim.Reserved}
		}
	case KindTeacher:
		if lim.Teacher > 0 && u.Teacher >= lim.Teacher {
			return &SeatError{Mode: c.Mode, Used: u.Teacher, Total: lim.Teacher}
		}
	}
	return nil
}

// Touch keeps a connection of the service period run alive (a heartbeat,
// or a change sent) and returns it; ErrGone once it is not held.
func (b *Broker) Touch(id int64, run Period, connID string, now time.Time) (Conn, error) {
	return b.held(id, run, connID, now, func(p *Pool, c *Conn) { c.Seen = now })
}

// Release ends one connection (the client left, or a user was
// disconnected from the console) and returns it; ErrGone when it was not
// held.
func (b *Broker) Release(id int64, run Period, connID string, now time.Time) (Conn, error) {
	return b.held(id, run, connID, now, func(p *Pool, c *Conn) {
		p.remove(c, now)
		b.changed(id)
	})
}

// held runs fn, under the pool's lock, on a connection of the service
// period run that has not expired, and returns it as fn left it; an
// expired one is let go and, like one not held, is ErrGone.
func (b *Broker) held(id int64, run Period, connID string, now time.Time, fn func(*Pool, *Conn)) (Conn, error) {
	p := b.lookup(id)
	if p == nil {
		return Conn{}, ErrGone
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch n, stale := p.follow(run, now); {
	case stale:
		return Conn{}, ErrStale
	case n > 0:
		b.changed(id)
	}
	c, ok := p.conns[connID]
	switch {
	case !ok:
		return Conn{}, ErrGone
	case c.Expired(now):
		p.remove(c, now)
		b.changed(id)
		return Conn{}, ErrGone
	}
	fn(p, c)
	return *c, nil
}

// Held is what the console reads of a pool: the connections (expired ones
// left out), their usage, the latest refusals, newest first, and the
// bucket being filled.
type Held struct {
	Conns    []Conn
	Usage    Usage
	Refusals []Refusal
	Current  Sample
	// Pending are the buckets closed but not drained yet.
	Pending []Sample
	Version uint64
}

// Held reads an establishment's pool for the service period run.
func (b *Broker) Held(id int64, run Period, now time.Time) Held {
	p := b.lookup(id)
	if p == nil {
		return Held{Current: Sample{Establishment: id, At: now.Truncate(Bucket)}}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, _ := p.follow(run, now); n > 0 { // a stale reading reads what the pool holds
		defer b.changed(id)
	}
	h := Held{Conns: make([]Conn, 0, len(p.conns)), Version: p.version}
	for _, c := range p.conns {
		if !c.Expired(now) {
			h.Conns = append(h.Conns, *c)
			h.Usage.add(c, 1)
		}
	}
	sort.Slice(h.Conns, func(i, j int) bool {
		if !h.Conns[i].Since.Equal(h.Conns[j].Since) {
			return h.Conns[i].Since.Before(h.Conns[j].Since)
		}
		return h.Conns[i].ID < h.Conns[j].ID
	})
	for i := len(p.refusals) - 1; i >= 0; i-- {
		h.Refusals = append(h.Refusals, p.refusals[i])
	}
	h.Pending = append(h.Pending, p.done...)
	h.Current = p.cur
	if p.cur.At.IsZero() || !p.cur.At.Equal(now.Truncate(Bucket)) {
		h.Current = Sample{Establishment: id, At: now.Truncate(Bucket), Peak: peaks(h.Usage)}
	}
	return h
}

// Count is how many connections an establishment holds (expired ones
// aside), for the stop confirmation.
func (b *Broker) Count(id int64, run Period, now time.Time) int {
	p := b.lookup(id)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n, _ := p.follow(run, now); n > 0 { // a stale reading counts what the pool holds
		defer b.changed(id)
	}
	n := 0
	for _, c := range p.conns {
		if !c.Expired(now) {
			n++
		}
	}
	return n
}

// Revise tells an establishment's pool, if it has one, that rev is the
// latest revision seen: a reading older than that is stale from now on,
// even before anyone reads the new state.
func (b *Broker) Revise(id, rev int64) {
	if p := b.lookup(id); p != nil {
		p.mu.Lock()
		p.seen = max(p.seen, rev)
		p.mu.Unlock()
	}
}

// Len is how many connections an establishment's pool has, expired ones
// included, without looking at the service period.
func (b *Broker) Len(id int64) int {
	p := b.lookup(id)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.conns)
}

// Total is how many connections every pool has (expired ones included),
// for the metrics.
func (b *Broker) Total() int {
	n := 0
	for _, p := range b.Pools() {
		p.mu.Lock()
		n += len(p.conns)
		p.mu.Unlock()
	}
	return n
}

// Close drops every connection of an establishment's pool, whatever their
// period (this process no longer holds its server: another instance took
// it over), and returns how many were live.
func (b *Broker) Close(id int64, now time.Time) int {
	p := b.lookup(id)
	if p == nil {
		return 0
	}
	p.mu.Lock()
	n := p.closeAll(now)
	p.mu.Unlock()
	if n > 0 {
		b.changed(id)
	}
	return n
}

// Sweep lets the expired connections go and closes the history buckets
// that ended, in every pool; run it every few seconds.
func (b *Broker) Sweep(now time.Time) {
	for _, p := range b.Pools() {
		p.mu.Lock()
		n := p.expire(now)
		p.touch(now)
		p.mu.Unlock()
		if n > 0 {
			b.changed(p.id)
		}
	}
}

// follow moves the pool to the period run and closes every connection
// when that period is not the one they belong to (the server stopped, or
// stopped and started again), returning how many closed. A reading older
// than the pool's changes nothing and is reported stale.
func (p *Pool) follow(run Period, now time.Time) (closed int, stale bool) {
	if run.Rev < p.run.Rev || run.Rev < p.seen {
		return 0, true
	}
	if p.run.ID == run.ID {
		p.run.Rev = run.Rev
		return 0, false
	}
	closed = p.closeAll(now)
	p.run = run
	return closed, false
}

// closeAll drops every connection; the caller holds p.mu.
func (p *Pool) closeAll(now time.Time) int {
	p.touch(now)
	n := 0
	for _, c := range p.conns {
		if !c.Expired(now) {
			n++
		}
		delete(p.conns, c.ID)
	}
	p.usage = Usage{}
	p.version++
	return n
}

// expire drops the connections without a heartbeat for Idle and returns
// how many.
func (p *Pool) expire(now time.Time) int {
	n := 0
	for _, c := range p.conns {
		if c.Expired(now) {
			p.remove(c, now)
			n++
		}
	}
	return n
}

func (p *Pool) remove(c *Conn, now time.Time) {
	p.touch(now) // the bucket it ends in counts it
	delete(p.conns, c.ID)
	p.usage.add(c, -1)
	p.version++
}

// newID is a connection id: 128 random bits in hex, unguessable, so that
// knowing one connection's id tells nothing of another's.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read never fails (Go ≥ 1.24)
	return hex.EncodeToString(b[:])
}
