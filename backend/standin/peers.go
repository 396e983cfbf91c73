package standin

import (
	"context"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
)

// Peers is what the stand-in asks of the back end when several instances
// share a database (backend/hostedlease.go): which instance holds a
// school's hosted server, and, for the other instances, that server's live
// table and its "Déconnecter".
type Peers interface {
	// HasPeers reports whether other instances may share the database.
	HasPeers() bool
	// SignPeerRequest signs a request to another instance, and
	// PeerRequestValid checks one from another instance.
	SignPeerRequest(r *http.Request)
	PeerRequestValid(r *http.Request) bool
	HostedHere(ctx context.Context, number string) (here bool, address string, err error)
	PeerHeld(ctx context.Context, est int64) (seats.Held, error)
	PeerRelease(ctx context.Context, est int64, id string) (backend.Connection, error)
	// HostedUnreachable is told that the holder given for number did not
	// answer.
	HostedUnreachable(number string)
}

var _ Peers = (*backend.Backend)(nil)

// clientHeader carries, on a request relayed by another instance, the
// address of the client it came from; it is believed only with a good
// signature, which covers it.
const clientHeader = backend.PeerClientHeader

const (
	msgForbidden = "Accès refusé."
	msgElsewhere = "Le Serveur PRONOTE de cet établissement change d'instance d'hébergement : réessayez dans quelques secondes."
)

// peerRoutes are the endpoints the other instances call.
func (h *Handler) peerRoutes() {
	h.mux.HandleFunc("GET "+backend.PeerPath+"{est}", h.peerHeld)
	h.mux.HandleFunc("DELETE "+backend.PeerPath+"{est}/{id}", h.peerRelease)
}

// fromPeer reports whether r bears another instance's signature.
func (h *Handler) fromPeer(r *http.Request) bool {
	return r.Header.Get(backend.PeerKeyHeader) != "" && h.cfg.Peers.PeerRequestValid(r)
}

// peerEstablishment is the path's establishment of a peer request, after
// the key's check; it answers 403 or 404 itself.
func (h *Handler) peerEstablishment(w http.ResponseWriter, r *http.Request) (int64, bool) {
	if !h.fromPeer(r) {
		writeError(w, http.StatusForbidden, msgForbidden)
		return 0, false
	}
	est, err := strconv.ParseInt(r.PathValue("est"), 10, 64)
	if err != nil || est <= 0 {
		writeError(w, http.StatusNotFound, msgNoSuchPath)
		return 0, false
	}
	return est, true
}

// peerHeld is GET /_instances/connexions/{est}: the live table of a
// hosted server held here.
func (h *Handler) peerHeld(w http.ResponseWriter, r *http.Request) {
	est, ok := h.peerEstablishment(w, r)
	if !ok {
		return
	}
	held, err := h.cfg.Peers.PeerHeld(r.Context(), est)
	if err != nil {
		writeError(w, backend.PeerStatus(err), backend.Message(err))
		return
	}
	writeJSON(w, http.StatusOK, held)
}

// peerRelease is DELETE /_instances/connexions/{est}/{id}: "Déconnecter"
// from another instance's console; it answers the connection let go.
func (h *Handler) peerRelease(w http.ResponseWriter, r *http.Request) {
	est, ok := h.peerEstablishment(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusNotFound, msgNoConnection)
		return
	}
	c, err := h.cfg.Peers.PeerRelease(r.Context(), est, id)
	if err != nil {
		writeError(w, backend.PeerStatus(err), backend.Message(err))
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// clientPath reports whether p is one of the hosted server's client
// endpoints (/{number}/connexions…, /{number}/saisies), and its number.
func clientPath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return "", false
	}
	number, tail, ok := strings.Cut(rest, "/")
	if !ok || number == "" || strings.HasPrefix(number, "_") {
		return "", false
	}
	return number, tail == "saisies" || tail == "connexions" || strings.HasPrefix(tail, "connexions/")
}

// relayed sorts out a client request for a hosted server: one relayed by
// another instance gets its client's address back; one for a server
// another instance holds is relayed there, and true is returned.
func (h *Handler) relayed(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get(clientHeader) != "" || r.Header.Get(backend.PeerKeyHeader) != "" {
		if !h.fromPeer(r) {
			// A client posing as an instance: what it claims is dropped.
			r.Header.Del(clientHeader)
			r.Header.Del(backend.PeerKeyHeader)
		} else {
			if ip := net.ParseIP(r.Header.Get(clientHeader)); ip != nil {
				r.RemoteAddr = net.JoinHostPort(ip.String(), "0")
			}
			return false // served here, or refused: never relayed twice
		}
	}
	number, ok := clientPath(r.URL.Path)
	if !ok {
		return false
	}
	here, addr, err := h.cfg.Peers.HostedHere(r.Context(), number)
	if err != nil || here {
		return false // the handler answers (an unknown number, an error)
	}
	if addr == "" {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, msgElsewhere)
		return true
	}
	p, err := h.proxyTo(addr)
	if err != nil {
		h.log.Error("stand-in: another instance's address is malformed", "address", addr, "err", err)
		writeError(w, http.StatusInternalServerError, msgInternal)
		return true
	}
	p.ServeHTTP(w, r)
	return true
}

// proxyTo is the reverse proxy to the instance at addr.
func (h *Handler) proxyTo(addr string) (*httputil.ReverseProxy, error) {
	if p, ok := h.proxies.Load(addr); ok {
		return p.(*httputil.ReverseProxy), nil
	}
	target, err := url.Parse(addr)
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") || target.Host == "" {
		return nil, &url.Error{Op: "parse", URL: addr, Err: err}
	}
	p := &httputil.ReverseProxy{
		Transport: backend.PeerTransport,
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host
			pr.Out.Header.Set(clientHeader, clientAddr(pr.In))
			h.cfg.Peers.SignPeerRequest(pr.Out)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.log.Warn("stand-in: the instance holding this hosted server did not answer", "address", addr, "err", err)
			if number, ok := clientPath(r.URL.Path); ok {
				h.cfg.Peers.HostedUnreachable(number)
			}
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusServiceUnavailable, msgElsewhere)
		},
	}
	v, _ := h.proxies.LoadOrStore(addr, p)
	return v.(*httputil.ReverseProxy), nil
}
