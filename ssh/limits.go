package ssh

import (
	"net"
	"sync"
	"time"

	"charm.land/ssh"
	"golang.org/x/time/rate"
)

// What a client can hold, phase by phase.
//
// Every key passes SSH authentication (an unknown key must reach the
// enrollment screen), so "authenticated" says little: the limiter follows
// each connection through three phases and caps each on its own.
//
//   - Pre-authentication, from the TCP accept until a key is proven: at most
//     MaxUnauthenticated connections overall and MaxUnauthenticatedPerAddr
//     per address, and LoginGrace to get through. When the overall cap is
//     reached, a connection from an address that holds fewer of these slots
//     than the busiest address takes the slot of that address's oldest
//     connection, which is closed: a few addresses cannot lock everyone else
//     out by holding slow handshakes.
//   - An enrolled key: no cap but its sessions per key.
//   - An unknown key (enrollment): at most MaxEnrolling such connections
//     overall and MaxEnrollingPerAddr per address, refused at authentication
//     past that with a banner saying why; one console per connection; the
//     connection is closed EnrollTimeout after authentication unless the key
//     got enrolled.
//
// In every phase a connection without an open session is closed after
// LoginGrace: before its first session, and again after its last one ends,
// so that no connection sits idle holding a slot or a file descriptor.
//
// So idle connections of throwaway keys fill only the enrollment caps, and an
// enrolled key gets in whatever they do, while the machine has room.
type limiter struct {
	cfg Config

	mu           sync.Mutex
	pre          map[*connState]struct{} // pre-authentication connections
	preByAddr    map[string]int
	enrolling    int
	enrollByAddr map[string]int
	rates        map[string]*rate.Limiter
	sessions     map[string]int // open sessions per key fingerprint
	stats        *Stats
}

// Phases of a connection.
const (
	phasePre = iota
	phaseMember
	phaseEnrolling
	phaseClosed
)

// connState is what the limiter knows of one connection.
type connState struct {
	host  string
	conn  net.Conn
	since time.Time
	phase int
	// sessions counts the sessions open on the connection, consoles its
	// enrollment consoles; idle is when it last had none.
	sessions int
	consoles int
	// grace closes the connection when it has had no session for
	// LoginGrace; enrollBy closes an enrolling connection at EnrollTimeout.
	grace    *time.Timer
	enrollBy *time.Timer
}

func newLimiter(cfg Config) *limiter {
	return &limiter{cfg: cfg, pre: map[*connState]struct{}{}, preByAddr: map[string]int{}, enrollByAddr: map[string]int{},
		rates: map[string]*rate.Limiter{}, sessions: map[string]int{}}
}

type ctxKey int

const stateKey ctxKey = iota

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// stateOf is the limiter's record of the session's connection (nil for a
// connection that did not go through conn, which does not happen in serve).
func stateOf(ctx ssh.Context) *connState {
	st, _ := ctx.Value(stateKey).(*connState)
	return st
}

// conn admits or drops a new TCP connection (nil drops it).
func (l *limiter) conn(ctx ssh.Context, c net.Conn) net.Conn {
	host := hostOf(c.RemoteAddr())
	now := time.Now()
	l.mu.Lock()
	lim := l.rates[host]
	if lim == nil {
		if len(l.rates) >= 10000 {
			l.forgetRates(now)
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.cfg.ConnRate)/60), l.cfg.ConnBurst)
		l.rates[host] = lim
	}
	var victim *connState
	refused := ""
	switch {
	case !lim.AllowN(now, 1):
		refused = "rate"
	case l.preByAddr[host] >= l.cfg.MaxUnauthenticatedPerAddr:
		refused = "unauthenticated per address"
	case len(l.pre) >= l.cfg.MaxUnauthenticated:
		if victim = l.evictable(host); victim == nil {
			refused = "unauthenticated overall"
		} else {
			l.leave(victim)
			victim.phase = phaseClosed
		}
	}
	if refused != "" {
		l.stats.refusedBy(refused)
		l.mu.Unlock()
		l.cfg.Logger.Warn("connection refused by limits", "addr", host, "limit", refused)
		return nil
	}
	st := &connState{host: host, conn: c, since: now, phase: phasePre}
	l.pre[st] = struct{}{}
	l.preByAddr[host]++
	st.grace = time.AfterFunc(l.cfg.LoginGrace, func() { l.expire(st) })
	l.mu.Unlock()
	if victim != nil {
		l.stats.refusedBy("evicted")
		l.cfg.Logger.Warn("unauthenticated connection closed to make room", "addr", victim.host, "for", host)
		victim.conn.Close()
	}
	ctx.SetValue(stateKey, st)
	l.stats.admitted()
	return &trackedConn{Conn: c, close: func() { l.closed(st) }}
}

// evictable picks, when the pre-authentication slots are full, the oldest
// connection of the address holding the most of them, provided it holds
// more than host does; nil when host is itself among the busiest.
func (l *limiter) evictable(host string) *connState {
	busiest, most := "", 0
	for a, n := range l.preByAddr {
		if n > most || n == most && a < busiest {
			busiest, most = a, n
		}
	}
	if most <= l.preByAddr[host] {
		return nil
	}
	var oldest *connState
	for st := range l.pre {
		if st.host == busiest && (oldest == nil || st.since.Before(oldest.since)) {
			oldest = st
		}
	}
	return oldest
}

// forgetRates drops the rate limiters that are full again (the same as new),
// so the map stays small.
func (l *limiter) forgetRates(now time.Time) {
	for h, lim := range l.rates {
		if lim.TokensAt(now) >= float64(l.cfg.ConnBurst) {
			delete(l.rates, h)
		}
	}
}

// leave takes st out of the slots of its phase. Called with l.mu held.
func (l *limiter) leave(st *connState) {
	switch st.phase {
	case phasePre:
		delete(l.pre, st)
		if l.preByAddr[st.host]--; l.preByAddr[st.host] <= 0 {
			delete(l.preByAddr, st.host)
		}
	case phaseEnrolling:
		l.enrolling--
		if l.enrollByAddr[st.host]--; l.enrollByAddr[st.host] <= 0 {
			delete(l.enrollByAddr, st.host)
		}
	}
}

// authenticated moves a connection whose key was just proven out of the
// pre-authentication slots: to no cap for an enrolled key, to the enrollment
// slots for an unknown one. It says why not when the enrollment slots are
// full (full) or the connection was closed meanwhile (evicted, expired).
func (l *limiter) authenticated(st *connState, enrolled bool) (ok, full bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case st.phase == phaseClosed:
		return false, false
	case st.phase != phasePre:
		return true, false
	case !enrolled && (l.enrolling >= l.cfg.MaxEnrolling || l.enrollByAddr[st.host] >= l.cfg.MaxEnrollingPerAddr):
		return false, true
	}
	l.leave(st)
	if enrolled {
		st.phase = phaseMember
		return true, false
	}
	l.enroll(st)
	return true, false
}

// enroll puts a connection in the enrollment slots, with its deadline.
// Called with l.mu held.
func (l *limiter) enroll(st *connState) {
	st.phase = phaseEnrolling
	l.enrolling++
	l.enrollByAddr[st.host]++
	// The console says so at EnrollTimeout after it opened; the connection
	// goes at the latest LoginGrace after that.
	st.enrollBy = time.AfterFunc(l.cfg.EnrollTimeout+l.cfg.LoginGrace, func() { l.enrollExpired(st) })
}

// demote moves the connection of a key revoked since it authenticated to the
// enrollment slots; false when they are full.
func (l *limiter) demote(st *connState) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case st.phase == phaseEnrolling:
		return true
	case st.phase != phaseMember:
		return false
	case l.enrolling >= l.cfg.MaxEnrolling || l.enrollByAddr[st.host] >= l.cfg.MaxEnrollingPerAddr:
		return false
	}
	l.enroll(st)
	return true
}

// enrolled frees the enrollment slot of a connection whose key was just
// enrolled, on its console or elsewhere.
func (l *limiter) enrolled(st *connState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.phase == phaseEnrolling {
		l.leave(st)
		st.phase = phaseMember
		st.enrollBy.Stop()
	}
}

// enrollExpired closes an enrolling connection at its deadline.
func (l *limiter) enrollExpired(st *connState) {
	l.shut(st, func() bool { return st.phase == phaseEnrolling },
		"connection closed: key not enrolled in time", "timeout", l.cfg.EnrollTimeout)
}

// shut closes st when cond holds, deciding and freeing its slots under the
// lock, so that nothing opens on a connection being closed (opened refuses
// it).
func (l *limiter) shut(st *connState, cond func() bool, why string, kv ...any) {
	l.mu.Lock()
	closing := st.phase != phaseClosed && cond()
	if closing {
		l.leave(st)
		st.phase = phaseClosed
	}
	l.mu.Unlock()
	if closing {
		l.cfg.Logger.Warn(why, append([]any{"addr", st.host}, kv...)...)
		st.conn.Close()
	}
}

// opened records a session opened on the connection, which holds the login
// grace off until its last session ends; false when the connection is
// already closing.
func (l *limiter) opened(st *connState) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.phase == phaseClosed {
		return false
	}
	st.sessions++
	st.grace.Stop()
	return true
}

// ended records the end of a session; the connection's last starts the
// login grace again.
func (l *limiter) ended(st *connState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.sessions--; st.sessions == 0 && st.phase != phaseClosed {
		st.grace.Reset(l.cfg.LoginGrace)
	}
}

// enrollConsole takes the one enrollment console of a connection; release
// gives it back.
func (l *limiter) enrollConsole(st *connState) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if st.consoles > 0 {
		return nil, false
	}
	st.consoles++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			st.consoles--
			l.mu.Unlock()
		})
	}, true
}

// expire closes a connection that has had no session for the login grace,
// whatever its phase: an idle connection holds nothing for long.
func (l *limiter) expire(st *connState) {
	l.shut(st, func() bool { return st.sessions == 0 },
		"connection closed: no session within the login grace", "grace", l.cfg.LoginGrace)
}

// closed frees whatever the connection held.
func (l *limiter) closed(st *connState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.leave(st)
	st.phase = phaseClosed
	st.grace.Stop()
	if st.enrollBy != nil {
		st.enrollBy.Stop()
	}
}

// session takes one of the key's session slots.
func (l *limiter) session(fp string) (func(), bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sessions[fp] >= l.cfg.MaxSessionsPerKey {
		return nil, false
	}
	l.sessions[fp]++
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			if l.sessions[fp]--; l.sessions[fp] <= 0 {
				delete(l.sessions, fp)
			}
			l.mu.Unlock()
		})
	}, true
}

type trackedConn struct {
	net.Conn
	close func()
}

func (c *trackedConn) Close() error {
	c.close()
	return c.Conn.Close()
}
