package ssh

import (
	"net"
	"sync"
	"time"

	"charm.land/ssh"
)

// limiter caps what a client can hold before and after authentication:
// unauthenticated connections overall and per address, new connections per
// address and minute, and sessions per key.
type limiter struct {
	cfg Config

	mu       sync.Mutex
	pending  int            // unauthenticated connections
	perAddr  map[string]int // unauthenticated connections per address
	buckets  map[string]*bucket
	sessions map[string]int // open sessions per key fingerprint
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(cfg Config) *limiter {
	return &limiter{cfg: cfg, perAddr: map[string]int{}, buckets: map[string]*bucket{}, sessions: map[string]int{}}
}

type ctxKey int

const releaseKey ctxKey = iota

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

// conn admits or drops a new TCP connection (nil drops it). An admitted one
// holds an unauthenticated slot until its first session starts or it closes.
func (l *limiter) conn(ctx ssh.Context, c net.Conn) net.Conn {
	host := hostOf(c.RemoteAddr())
	now := time.Now()
	l.mu.Lock()
	b := l.buckets[host]
	if b == nil {
		b = &bucket{tokens: float64(l.cfg.ConnBurst), at: now}
		l.buckets[host] = b
	}
	b.tokens = min(float64(l.cfg.ConnBurst), b.tokens+now.Sub(b.at).Minutes()*float64(l.cfg.ConnRate))
	b.at = now
	if b.tokens < 1 || l.pending >= l.cfg.MaxUnauthenticated || l.perAddr[host] >= l.cfg.MaxUnauthenticatedPerAddr {
		l.mu.Unlock()
		l.cfg.Logger.Warn("connection refused by limits", "addr", host)
		return nil
	}
	b.tokens--
	l.pending++
	l.perAddr[host]++
	if len(l.buckets) > 10000 { // forget full buckets so the map stays small
		for h, bk := range l.buckets {
			if bk.tokens+now.Sub(bk.at).Minutes()*float64(l.cfg.ConnRate) >= float64(l.cfg.ConnBurst) {
				delete(l.buckets, h)
			}
		}
	}
	l.mu.Unlock()
	var once sync.Once
	release := func() {
		once.Do(func() {
			l.mu.Lock()
			l.pending--
			if l.perAddr[host]--; l.perAddr[host] <= 0 {
				delete(l.perAddr, host)
			}
			l.mu.Unlock()
		})
	}
	ctx.SetValue(releaseKey, release)
	return &trackedConn{Conn: c, release: release}
}

// authenticated frees the unauthenticated slot of the session's connection.
func (l *limiter) authenticated(ctx ssh.Context) {
	if f, ok := ctx.Value(releaseKey).(func()); ok {
		f()
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
	release func()
}

func (c *trackedConn) Close() error {
	c.release()
	return c.Conn.Close()
}
