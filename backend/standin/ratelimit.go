package standin

import (
	"net/http"
	"net/netip"
	"sync"

	"golang.org/x/time/rate"
)

// DefaultClientRate is how many connections and changes one client
// address may send per second (with bursts of ten times as many) unless
// Config.ClientRate says otherwise. A school's staff behind one address at
// 8 o'clock connects a few per second and writes a few dozen changes a
// second; a client looping on POST …/connexions or …/saisies is slowed
// long before it fills the memory (seats.MaxConns) or the disk (the
// quota).
const DefaultClientRate = 100

// maxAddrs bounds the addresses the limiter remembers; past it, it forgets
// them all and starts again (each address then gets a full burst once).
const maxAddrs = 65536

// msgTooFast is the answer past the rate.
const msgTooFast = "Trop de requêtes depuis cette adresse : réessayez dans un instant."

// addrLimiter is a token bucket per client address.
type addrLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	addrs map[string]*rate.Limiter
}

// newAddrLimiter returns the limiter of perSecond (0: DefaultClientRate;
// negative: none, nil).
func newAddrLimiter(perSecond float64) *addrLimiter {
	switch {
	case perSecond < 0:
		return nil
	case perSecond == 0:
		perSecond = DefaultClientRate
	}
	return &addrLimiter{limit: rate.Limit(perSecond), burst: max(int(10*perSecond), 1), addrs: map[string]*rate.Limiter{}}
}

// allow takes a token for the request's address, or answers 429 itself and
// returns false.
func (l *addrLimiter) allow(w http.ResponseWriter, r *http.Request) bool {
	if l == nil {
		return true
	}
	addr := rateKey(clientAddr(r))
	l.mu.Lock()
	lim := l.addrs[addr]
	if lim == nil {
		if len(l.addrs) >= maxAddrs {
			clear(l.addrs)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.addrs[addr] = lim
	}
	l.mu.Unlock()
	if lim.Allow() {
		return true
	}
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, msgTooFast)
	return false
}

// rateKey is the bucket of an address: the address for IPv4, its /64 for
// IPv6, where one subscriber is given a whole /64 and could otherwise take
// a fresh burst from each of its addresses.
func rateKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil || ip.Is4() || ip.Is4In6() {
		return addr
	}
	p, err := ip.Prefix(64)
	if err != nil {
		return addr
	}
	return p.String()
}
