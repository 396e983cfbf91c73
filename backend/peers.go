package backend

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/store"
)

// What the instances ask each other of the hosted servers they hold
// (hostedlease.go): the live table, for a console of another instance, and
// "Déconnecter" from it. The stand-in serves these under PeerPath, for the
// callers whose PeerKeyHeader bears a good signature.
const (
	PeerPath      = "/_instances/connexions/"
	PeerKeyHeader = "X-Hebergement-Instances"
	// maxPeerBody bounds a live table read from another instance: a
	// school's connections are bounded by its licences (1,000 at most
	// administratif, plus the Espaces), a few hundred bytes each.
	maxPeerBody = 16 << 20
	peerTimeout = 3 * time.Second
)

// HasPeers reports whether other instances may share this one's database.
func (b *Backend) HasPeers() bool { return b.peerKey != "" }

// The instances sign their calls to each other with the key of the data
// folder they share (PeerKeyFile), which never travels: PeerKeyHeader is
// "UNIXSECONDS.HMAC", an HMAC-SHA256 of the method, the path, the instant
// and the relayed client's address (PeerClientHeader). A signature is good
// for peerSkew either side of the receiver's clock: one sniffed on the
// provider's network can be replayed for that long only, on that request.
const (
	// PeerClientHeader carries, on a request relayed by another instance,
	// the address of the client it came from.
	PeerClientHeader = "X-Hebergement-Client"
	peerSkew         = time.Minute
)

// SignPeerRequest signs r, whose PeerClientHeader is already set when it
// has one.
func (b *Backend) SignPeerRequest(r *http.Request) {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	r.Header.Set(PeerKeyHeader, ts+"."+b.peerMAC(r, ts))
}

// PeerRequestValid reports whether r was signed by an instance sharing
// this one's data folder, within peerSkew.
func (b *Backend) PeerRequestValid(r *http.Request) bool {
	if b.peerKey == "" {
		return false
	}
	ts, mac, ok := strings.Cut(r.Header.Get(PeerKeyHeader), ".")
	if !ok {
		return false
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	if d := time.Since(time.Unix(sec, 0)); d > peerSkew || d < -peerSkew {
		return false
	}
	return hmac.Equal([]byte(mac), []byte(b.peerMAC(r, ts)))
}

func (b *Backend) peerMAC(r *http.Request, ts string) string {
	m := hmac.New(sha256.New, []byte(b.peerKey))
	for _, part := range []string{r.Method, r.URL.EscapedPath(), ts, r.Header.Get(PeerClientHeader)} {
		m.Write([]byte(part)) //nolint:errcheck // a hash never fails
		m.Write([]byte{0})    //nolint:errcheck
	}
	return hex.EncodeToString(m.Sum(nil))
}

// PeerHeld is the live table of the hosted server of establishment est
// when this instance holds it (for another instance's console);
// ErrHostedElsewhere otherwise.
func (b *Backend) PeerHeld(ctx context.Context, est int64) (seats.Held, error) {
	hs, err := b.heldEntry(ctx, est)
	if err != nil {
		return seats.Held{}, err
	}
	return b.seats.Held(est, hs.run, b.clock.Now()), nil
}

// PeerRelease ends one connection of a hosted server held here ("Déconnecter"
// in another instance's console, which journals it).
func (b *Backend) PeerRelease(ctx context.Context, est int64, id string) (Connection, error) {
	hs, err := b.heldEntry(ctx, est)
	if err != nil {
		return Connection{}, err
	}
	c, err := b.seats.Release(est, hs.run, id, b.clock.Now())
	return c, connErr(err)
}

// heldEntry is the hosted entry of est when this instance holds its
// server.
func (b *Backend) heldEntry(ctx context.Context, est int64) (*hostedEntry, error) {
	here, _, err := b.owners.holder(ctx, est)
	if err != nil {
		return nil, err
	}
	if !here {
		return nil, ErrHostedElsewhere
	}
	var number string
	if err := b.store.Read(ctx, func(tx store.Tx) error {
		e, err := tx.Establishment(est)
		number = e.HostingNumber
		return err
	}); err != nil {
		return nil, err
	}
	return b.hosted.get(ctx, number)
}

// heldConnections is the live table of est's hosted server wherever it is
// held: here, or read from the instance holding it. known is false when
// that instance could not be reached.
func (b *Backend) heldConnections(ctx context.Context, est int64, hs *hostedEntry) (held seats.Held, known bool, err error) {
	now := b.clock.Now()
	if !b.shared {
		return b.seats.Held(est, hs.run, now), b.HoldsConnections(), nil
	}
	here, addr, err := b.owners.holder(ctx, est)
	switch {
	case err != nil:
		return seats.Held{}, false, err
	case here:
		return b.seats.Held(est, hs.run, now), true, nil
	case addr == "":
		// No instance holds it: nobody is connected.
		return seats.Held{Current: seats.Sample{Establishment: est, At: now.Truncate(seats.Bucket)}}, true, nil
	}
	if err := b.peerCall(ctx, http.MethodGet, addr, est, "", &held); err != nil {
		b.log.Warn("live table of another instance not read", "establishment", est, "instance", addr, "err", err)
		return seats.Held{Current: seats.Sample{Establishment: est, At: now.Truncate(seats.Bucket)}}, false, nil
	}
	return held, true, nil
}

// releaseAnywhere ends a connection of est's hosted server wherever it is
// held.
func (b *Backend) releaseAnywhere(ctx context.Context, number string, est int64, id string) (Connection, error) {
	if !b.shared {
		var c Connection
		err := b.fresh(ctx, number, func(hs *hostedEntry) error {
			var err error
			c, err = b.seats.Release(est, hs.run, id, b.clock.Now())
			return connErr(err)
		})
		return c, err
	}
	here, addr, err := b.owners.holder(ctx, est)
	switch {
	case err != nil:
		return Connection{}, err
	case here:
		return b.PeerRelease(ctx, est, id)
	case addr == "":
		return Connection{}, ErrConnectionNotFound
	}
	var c Connection
	return c, b.peerCall(ctx, http.MethodDelete, addr, est, id, &c)
}

// PeerTransport carries the instances' calls and the stand-in's relays:
// connections kept open to each instance (the relays of many schools go to
// a few), a short dial, and an answer's headers awaited for a bounded time,
// so that a dead instance costs seconds, not the system's TCP timeout.
var PeerTransport = &http.Transport{
	Proxy:                 nil,
	DialContext:           (&net.Dialer{Timeout: 2 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	MaxIdleConns:          256,
	MaxIdleConnsPerHost:   64,
	IdleConnTimeout:       90 * time.Second,
	ResponseHeaderTimeout: 10 * time.Second,
	ForceAttemptHTTP2:     false,
}

// peerClient calls the other instances.
var peerClient = &http.Client{Transport: PeerTransport, Timeout: peerTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
	return http.ErrUseLastResponse
}}

// peerCall asks the instance at addr about est's hosted server (one
// connection of it when id is set), decoding its JSON answer into out.
func (b *Backend) peerCall(ctx context.Context, method, addr string, est int64, id string, out any) error {
	u := addr + PeerPath + strconv.FormatInt(est, 10)
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	ctx, cancel := context.WithTimeout(ctx, peerTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, nil)
	if err != nil {
		return err
	}
	b.SignPeerRequest(req)
	resp, err := peerClient.Do(req)
	if err != nil {
		// The school's sentence: its server is moving, try again.
		return fmt.Errorf("%w: instance %s: %v", ErrHostedElsewhere, addr, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound:
		return ErrConnectionNotFound
	case http.StatusConflict:
		return ErrHostedElsewhere
	default:
		return fmt.Errorf("%w: instance %s answered %s", ErrHostedElsewhere, addr, resp.Status)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxPeerBody))
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("instance %s: %w", addr, err)
	}
	return nil
}

// PeerStatus is the HTTP status the stand-in answers a peer request that
// failed with err.
func PeerStatus(err error) int {
	switch {
	case errors.Is(err, ErrHostedElsewhere):
		return http.StatusConflict
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}
