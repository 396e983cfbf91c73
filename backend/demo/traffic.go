package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend/clock"
)

// The demo's traffic simulator (SPEC §7: "--demo runs a traffic
// simulator"). Simulated users of the demo establishment connect to its
// hosted server through the stand-in's real HTTP API (SPEC §8), as a
// PRONOTE client would: they arrive following the school day of profile.go
// by the clock's hour in Paris, send a heartbeat every 30 to 60 seconds,
// sometimes write a change, and leave; some vanish without a word and
// their connection expires. Those refused for lack of a licence (429) or
// while the server is stopped (503) try again a few minutes later, a few
// times, then give up; those whose connection is gone (404, the server
// was stopped from the console) reconnect. Nothing the server answers is
// an error to the simulator: it is what the demo is there to show.
//
// Each user is one goroutine that sleeps most of the time; a few tens run
// at the day's peak, never more than MaxUsers.

// TrafficConfig sets up the simulator.
type TrafficConfig struct {
	// BaseURL is the stand-in's address as this process reaches it, e.g.
	// "http://127.0.0.1:8080".
	BaseURL string
	// Number is the hosting number of the establishment whose clients are
	// simulated.
	Number string
	// Clock tells the hour of the school day; nil is the wall clock.
	Clock clock.Clock
	// Speed is how many simulated seconds pass per real second (the users'
	// pauses, heartbeats and stays, not the clock): 1 for the demo, more
	// in tests. 0 is 1.
	Speed float64
	// Seed makes the draws repeatable; 0 draws a seed.
	Seed uint64
	// MaxUsers bounds the simulated users at once; 0 is 300.
	MaxUsers int
	// Client sends the requests; nil is a client of the simulator's own,
	// whose idle connections close when it stops.
	Client *http.Client
	// Logger gets a line at start and stop, and at most one warning a
	// minute when requests fail; nil discards.
	Logger *log.Logger
}

// TrafficStats count what the simulated users did and were answered.
type TrafficStats struct {
	// Users are the simulated users now, connected or waiting to retry.
	Users int
	// Connected counts the connections admitted (201), Refused those
	// refused for lack of a licence (429), Unavailable those refused
	// because the server was not in service (503).
	Connected, Refused, Unavailable int64
	// Heartbeats and Changes count the heartbeats (204) and changes (201)
	// accepted; Lost the connections found gone (404) by one of them.
	Heartbeats, Changes, Lost int64
	// Left counts the users who disconnected (DELETE), Silent those who
	// vanished without a word (their connection expires).
	Left, Silent int64
	// Failed counts the requests that got no answer or an unexpected one.
	Failed int64
}

// Traffic is a running simulator.
type Traffic struct {
	cfg    TrafficConfig
	base   string
	client *http.Client
	own    *http.Transport // nil when the client was given
	log    *log.Logger
	rng    *rand.Rand // the spawner's only
	cancel context.CancelFunc
	wg     sync.WaitGroup
	done   chan struct{}

	users atomic.Int32
	live  []atomic.Int32 // users per population

	connected, refused, unavailable atomic.Int64
	heartbeats, changes, lost       atomic.Int64
	left, silent, failed            atomic.Int64
	lastWarn                        atomic.Int64 // unix nanoseconds
}

// How the simulated users behave, in simulated time.
const (
	step        = 2 * time.Second  // the spawner's step
	warmup      = 20 * time.Second // the first users arrive within it
	catchUp     = 10 * time.Minute // a shortfall of users is made up within it
	minBeat     = 30 * time.Second
	maxBeat     = 60 * time.Second
	minRetry    = time.Minute
	maxRetry    = 4 * time.Minute
	maxTries    = 3    // refused or unavailable connections before giving up
	silentShare = 0.15 // users who vanish without disconnecting
)

// requestTimeout bounds one request in real time.
const requestTimeout = 15 * time.Second

var reHosting = regexp.MustCompile(`^[0-9]{12}$`)

// StartTraffic starts the simulator; it runs until ctx ends or Stop.
// The establishment should already have its demo history (SeedHistory):
// the simulator adds the present to it.
func StartTraffic(ctx context.Context, cfg TrafficConfig) (*Traffic, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("demo traffic: %q is not the stand-in's base URL", cfg.BaseURL)
	}
	if !reHosting.MatchString(cfg.Number) {
		return nil, fmt.Errorf("demo traffic: %q is not a hosting number", cfg.Number)
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Speed <= 0 || math.IsInf(cfg.Speed, 0) || math.IsNaN(cfg.Speed) {
		cfg.Speed = 1
	}
	if cfg.MaxUsers <= 0 {
		cfg.MaxUsers = 300
	}
	if cfg.Seed == 0 {
		cfg.Seed = rand.Uint64()
	}
	t := &Traffic{cfg: cfg, base: strings.TrimRight(u.String(), "/") + "/" + cfg.Number, client: cfg.Client, log: cfg.Logger,
		rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)), live: make([]atomic.Int32, len(populations)),
		done: make(chan struct{})}
	if t.log == nil {
		t.log = log.New(io.Discard)
	}
	if t.client == nil {
		t.own = &http.Transport{
			Proxy:               nil, // the stand-in is reached directly, whatever the environment says
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}
		t.client = &http.Client{Transport: t.own, Timeout: requestTimeout}
	}
	ctx, t.cancel = context.WithCancel(ctx)
	t.log.Info("simulated traffic running", "url", t.base, "speed", cfg.Speed)
	go t.run(ctx)
	return t, nil
}

// Stop ends the simulator and waits until every simulated user has gone.
func (t *Traffic) Stop() {
	t.cancel()
	<-t.done
}

// Done is closed once the simulator has stopped: its context ended, every
// user's goroutine returned and its idle connections closed.
func (t *Traffic) Done() <-chan struct{} { return t.done }

// Stats are the counts so far.
func (t *Traffic) Stats() TrafficStats {
	return TrafficStats{Users: int(t.users.Load()),
		Connected: t.connected.Load(), Refused: t.refused.Load(), Unavailable: t.unavailable.Load(),
		Heartbeats: t.heartbeats.Load(), Changes: t.changes.Load(), Lost: t.lost.Load(),
		Left: t.left.Load(), Silent: t.silent.Load(), Failed: t.failed.Load()}
}

// run is the spawner: the users of the moment at once (spread over the
// warm-up), then arrivals that keep each population near its target of
// the hour.
func (t *Traffic) run(ctx context.Context) {
	now := t.cfg.Clock.Now()
	for i, p := range populations {
		for range int(math.Round(p.target(now))) {
			t.spawn(ctx, i, time.Duration(t.rng.Int64N(int64(warmup))))
		}
	}
	tick := time.NewTicker(t.real(step))
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			t.arrivals(ctx)
		}
	}
	tick.Stop()
	t.wg.Wait()
	if t.own != nil {
		t.own.CloseIdleConnections()
	}
	s := t.Stats()
	t.log.Info("simulated traffic stopped", "connected", s.Connected, "refused", s.Refused, "changes", s.Changes,
		"failed", s.Failed)
	close(t.done)
}

// arrivals draws the users arriving during one step: as many as leave on
// average at the target (target ÷ mean stay), plus a share of the
// shortfall when the day's curve rises faster than people leave.
func (t *Traffic) arrivals(ctx context.Context) {
	now := t.cfg.Clock.Now()
	for i, p := range populations {
		target := p.target(now)
		mean := target / p.meanStay().Seconds() * step.Seconds()
		if gap := target - float64(t.live[i].Load()); gap > 0 {
			mean += gap * step.Seconds() / catchUp.Seconds()
		}
		for range poisson(t.rng, mean) {
			t.spawn(ctx, i, 0)
		}
	}
}

// spawn starts one user of population i after a pause.
func (t *Traffic) spawn(ctx context.Context, i int, after time.Duration) {
	if int(t.users.Load()) >= t.cfg.MaxUsers {
		return
	}
	t.users.Add(1)
	t.live[i].Add(1)
	r := rand.New(rand.NewPCG(t.rng.Uint64(), t.rng.Uint64()))
	t.wg.Go(func() {
		defer t.users.Add(-1)
		defer t.live[i].Add(-1)
		if t.sleep(ctx, after) {
			t.user(ctx, populations[i], r)
		}
	})
}

// user is one simulated user's visit: connect, stay with heartbeats and
// changes, leave (or vanish).
func (t *Traffic) user(ctx context.Context, p *population, r *rand.Rand) {
	name, group := p.names(r), p.group(r)
	stay := p.stay(r)
	silent := r.Float64() < silentShare
	id, tries := "", 0
	for stay > 0 {
		if id == "" {
			var retry bool
			if id, retry = t.connect(ctx, p, name, group); id == "" {
				if tries++; !retry || tries >= maxTries {
					return
				}
				if !t.sleep(ctx, between(r, minRetry, maxRetry)) {
					return
				}
				continue
			}
		}
		wait := min(between(r, minBeat, maxBeat), stay)
		if !t.sleep(ctx, wait) {
			return
		}
		if stay -= wait; stay <= 0 {
			break
		}
		if r.Float64() < p.write && !t.change(ctx, id, p.what(r)) {
			id = ""
			continue
		}
		if !t.heartbeat(ctx, id) {
			id = ""
		}
	}
	switch {
	case id == "":
	case silent:
		t.silent.Add(1)
	default:
		t.leave(ctx, id)
	}
}

var reID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// connect is POST /{number}/connexions: the connection's id, or "" and
// whether trying again later makes sense.
func (t *Traffic) connect(ctx context.Context, p *population, name, group string) (string, bool) {
	code, body, err := t.do(ctx, http.MethodPost, "/connexions", map[string]string{"user": name, "group": group, "mode": string(p.mode)})
	switch {
	case err != nil:
		return "", true // the listener is gone for now
	case code == http.StatusCreated:
		var c struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(body, &c) != nil || !reID.MatchString(c.ID) {
			t.unexpected(code, body)
			return "", false
		}
		t.connected.Add(1)
		return c.ID, false
	case code == http.StatusTooManyRequests:
		t.refused.Add(1)
		return "", true
	case code == http.StatusServiceUnavailable:
		t.unavailable.Add(1)
		return "", true
	}
	t.unexpected(code, body)
	return "", false
}

// heartbeat keeps the connection alive; false once it is gone.
func (t *Traffic) heartbeat(ctx context.Context, id string) bool {
	code, body, err := t.do(ctx, http.MethodPost, "/connexions/"+id+"/heartbeat", nil)
	return t.kept(code, body, err, http.StatusNoContent, &t.heartbeats)
}

// change writes a change; false once the connection is gone.
func (t *Traffic) change(ctx context.Context, id, what string) bool {
	code, body, err := t.do(ctx, http.MethodPost, "/saisies", map[string]string{"connexion": id, "what": what})
	return t.kept(code, body, err, http.StatusCreated, &t.changes)
}

// kept reads the answer to a heartbeat or a change.
func (t *Traffic) kept(code int, body []byte, err error, want int, count *atomic.Int64) bool {
	switch {
	case err != nil:
		return false
	case code == want:
		count.Add(1)
		return true
	case code == http.StatusNotFound:
		t.lost.Add(1)
	case code == http.StatusServiceUnavailable:
		t.unavailable.Add(1)
	default:
		t.unexpected(code, body)
	}
	return false
}

// leave is DELETE /{number}/connexions/{id}.
func (t *Traffic) leave(ctx context.Context, id string) {
	code, body, err := t.do(ctx, http.MethodDelete, "/connexions/"+id, nil)
	switch {
	case err != nil:
	case code == http.StatusNoContent:
		t.left.Add(1)
	case code == http.StatusNotFound:
		t.lost.Add(1)
	default:
		t.unexpected(code, body)
	}
}

// do sends one request to the establishment's path and reads the answer.
// An error is a request without an answer; it is counted and warned of
// unless ctx ended (the simulator stops).
func (t *Traffic) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	rctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, t.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "hebergement-demo/1")
	resp, err := t.client.Do(req)
	if err == nil {
		var data []byte
		data, err = io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if err == nil {
			return resp.StatusCode, data, nil
		}
	}
	if ctx.Err() == nil {
		t.fail(err)
	}
	return 0, nil, err
}

// unexpected counts an answer the API does not give to a well-formed
// request.
func (t *Traffic) unexpected(code int, body []byte) {
	t.fail(fmt.Errorf("unexpected answer %d: %.200s", code, bytes.TrimSpace(body)))
}

// fail counts a failed request and warns of it at most once a minute.
func (t *Traffic) fail(err error) {
	n := t.failed.Add(1)
	now := time.Now().UnixNano()
	last := t.lastWarn.Load()
	if now-last < int64(time.Minute) || !t.lastWarn.CompareAndSwap(last, now) {
		return
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in the start line already
	}
	t.log.Warn("simulated traffic: requests fail (next warning in a minute at the earliest)", "failed", n, "err", err)
}

// sleep waits d of simulated time; false when ctx ended first.
func (t *Traffic) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(t.real(d))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// real is how long d of simulated time lasts.
func (t *Traffic) real(d time.Duration) time.Duration {
	return max(time.Duration(float64(d)/t.cfg.Speed), time.Millisecond)
}

// between draws a duration in [lo, hi].
func between(r *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Int64N(int64(hi-lo)+1))
}
