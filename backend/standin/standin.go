// Package standin is the HTTP stand-in of the hosted PRONOTE server (SPEC
// §8): one listener for every establishment, whose answers follow what the
// console did (server in service or not, PRONOTE.net's publication, its
// Espaces and delegated authentication, connections and changes), so that a person or a test can see each action's effect from
// outside.
//
// Routes are Go 1.22 ServeMux patterns registered in routes; a new one is
// one line there and a handler that starts with h.establishment (which
// answers 404 itself for a malformed or unknown number, so that nothing of
// one establishment is reachable from another's path). Every answer is JSON;
// errors are {"error": "…"} in French, whether they come from a handler
// (writeError) or from the mux itself (404 and 405, rewritten by the
// recorder). Paths that are not in their clean form (//, /./, /../, their
// escaped forms, control characters) are refused with 404 before routing
// instead of being redirected.
package standin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
)

// Reader is what the stand-in reads of the back end.
type Reader interface {
	HostedServer(ctx context.Context, number string) (backend.HostedServer, error)
}

var _ Reader = (*backend.Backend)(nil)

// Health is the body of /healthz: the state of each component of the
// process, filled by whoever composes them (backend/app).
type Health struct {
	// Status is "ok", or "stopping" once the process shuts down (then
	// /healthz answers 503).
	Status     string      `json:"status"`
	Components []Component `json:"components"`
}

// Component is one line of Health.
type Component struct {
	Name   string `json:"name"`
	State  string `json:"state"`
	Addr   string `json:"addr,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Config sets up the stand-in.
type Config struct {
	// Backend is read on every request.
	Backend Reader
	// Clients serves the hosted server's clients (connections, changes);
	// nil means Backend when it can, else those routes do not exist.
	Clients Clients
	// ClientRate is how many connections and changes one client address
	// may send per second, in bursts of ten times as many; 0 means
	// DefaultClientRate, negative no limit (behind a proxy, where every
	// client has the proxy's address, limit there instead).
	ClientRate float64
	// BaseURL is the stand-in's public address, from which the Espaces'
	// public URLs are made, e.g. "http://127.0.0.1:8080".
	BaseURL string
	// EduConnectURL is where the Espaces of an establishment that
	// delegates its authentication to ÉduConnect redirect, with
	// ?service=; "" means DefaultEduConnectURL. It must pass
	// CheckEduConnectURL (serve checks it at start); otherwise those
	// Espaces answer 500 and New logs why.
	EduConnectURL string
	// Health, when set, reports the process's components for /healthz.
	Health func() Health
	// Observe, when set, is told of every request: its route pattern
	// ("unmatched" when none), its status and how long it took (metrics).
	Observe func(route string, code int, d time.Duration)
	// Peers, when several instances share a database, says which holds
	// each hosted server: the requests of the others' are relayed there,
	// and the instances' own endpoints are served. nil means Backend when
	// it can and has other instances.
	Peers Peers
	// Logger gets the internal errors; nil discards them.
	Logger *log.Logger
}

// Handler is the stand-in's http.Handler.
type Handler struct {
	cfg        Config
	log        *log.Logger
	mux        *http.ServeMux
	rates      *addrLimiter
	educonnect *url.URL // nil when Config.EduConnectURL is invalid
	proxies    sync.Map // address → *httputil.ReverseProxy to another instance
}

// New builds the stand-in's handler.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), rates: newAddrLimiter(cfg.ClientRate)}
	if h.log == nil {
		h.log = log.New(io.Discard)
	}
	h.cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	if h.cfg.EduConnectURL == "" {
		h.cfg.EduConnectURL = DefaultEduConnectURL
	}
	u, err := CheckEduConnectURL(h.cfg.EduConnectURL)
	if err != nil {
		h.log.Error("stand-in: invalid ÉduConnect URL; the Espaces that delegate to ÉduConnect answer 500", "err", err)
	}
	h.educonnect = u
	if c, ok := cfg.Backend.(Clients); ok && h.cfg.Clients == nil {
		h.cfg.Clients = c
	}
	if p, ok := cfg.Backend.(Peers); ok && h.cfg.Peers == nil && p.HasPeers() {
		h.cfg.Peers = p
	}
	h.routes()
	return h
}

// routes is the table of the stand-in's endpoints. GET patterns answer HEAD
// too; any other method on a known path gets 405 with Allow.
func (h *Handler) routes() {
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /{number}", h.toHome)
	h.mux.HandleFunc("GET /{number}/{$}", h.home)
	h.mux.HandleFunc("GET /{number}/{espace}", h.espace)
	if h.cfg.Clients != nil {
		h.clientRoutes()
	}
	if h.cfg.Peers != nil {
		h.peerRoutes()
	}
}

// Limits of what a request may be.
const (
	// MaxRequestURI bounds the request target; the longest path the
	// stand-in serves is well under 100 bytes.
	MaxRequestURI = 2048
	// MaxHeaderBytes bounds the request line and headers (http.Server).
	MaxHeaderBytes = 16 << 10
)

// NewServer is the stand-in's http.Server with the timeouts and limits a
// public listener needs: a slow client cannot hold a connection for long.
func NewServer(h http.Handler, logger *log.Logger) *http.Server {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
	if logger != nil {
		srv.ErrorLog = logger.StandardLog(log.StandardLogOptions{ForceLevel: log.WarnLevel})
	}
	return srv
}

// ServeHTTP refuses malformed targets, routes, and reports the request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cache-Control", "no-store")
	switch {
	case len(r.RequestURI) > MaxRequestURI || len(r.URL.RawQuery) > MaxRequestURI:
		writeError(rec, http.StatusRequestURITooLong, msgTooLong)
	case !cleanPath(r.URL.Path) || !cleanPath(r.URL.EscapedPath()):
		writeError(rec, http.StatusNotFound, msgNoSuchPath)
	case h.cfg.Clients != nil && r.Method != http.MethodPost && postOnlyPath(r.URL.Path):
		postOnly(rec, r)
	case h.cfg.Peers != nil && h.relayed(rec, r):
	default:
		if _, pattern := h.mux.Handler(r); pattern == "" {
			rec.rewrite = true // the mux's own 404 or 405, in plain text
		}
		h.mux.ServeHTTP(rec, r)
	}
	if h.cfg.Observe != nil {
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		h.cfg.Observe(route, rec.status(), time.Since(start))
	}
}

// cleanPath reports whether p is an absolute path in its clean form (a
// trailing slash allowed) without control characters or backslashes.
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return false
		}
	}
	if !strings.Contains(p, "//") && !strings.Contains(p, "/.") {
		return true // no empty, "." or ".." segment: already clean (and no allocation)
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// French sentences of the answers.
const (
	msgNoSuchPath    = "Cette adresse n'existe pas sur le serveur d'hébergement."
	msgNoSuchNumber  = "Aucun établissement n'est hébergé sous ce numéro."
	msgNoSuchEspace  = "Cet Espace n'existe pas : les Espaces sont professeur, parent, eleve et viescolaire."
	msgNotInService  = "Le Serveur PRONOTE de cet établissement n'est pas en service : PRONOTE.net est indisponible pour le moment."
	msgTooLong       = "Adresse trop longue."
	msgInternal      = "Erreur interne du serveur d'hébergement ; réessayez dans un instant."
	msgMethodPrefix  = "Méthode non autorisée à cette adresse"
	msgGenericRefuse = "Requête refusée."
)

// establishment reads the server of the path's {number}. It answers itself,
// and returns false, for a malformed or unknown number (404, the same
// answer for both) and for a back-end failure (500).
func (h *Handler) establishment(w http.ResponseWriter, r *http.Request) (backend.HostedServer, bool) {
	hs, err := h.cfg.Backend.HostedServer(r.Context(), r.PathValue("number"))
	switch {
	case err == nil:
		return hs, true
	case errors.Is(err, backend.ErrInvalidInput), errors.Is(err, backend.ErrNotFound):
		writeError(w, http.StatusNotFound, msgNoSuchNumber)
	case r.Context().Err() != nil:
		// The client left; nobody reads the answer.
		writeError(w, http.StatusServiceUnavailable, msgInternal)
	default:
		h.log.Error("stand-in: back-end read failed", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, msgInternal)
	}
	return backend.HostedServer{}, false
}

// inService answers 503 and returns false when the server does not serve.
func inService(w http.ResponseWriter, hs backend.HostedServer) bool {
	if !hs.InService() {
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, msgNotInService)
		return false
	}
	return true
}

// Espace is one of PRONOTE.net's web spaces.
type Espace struct {
	// ID is the Espace's path segment.
	ID   string `json:"espace"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// publicURL is the public address of the Espace id (a known one) of the
// establishment hs.
func (h *Handler) publicURL(hs backend.HostedServer, id backend.Espace) string {
	return h.cfg.BaseURL + "/" + hs.HostingNumber + "/" + string(id)
}

// published are the Espaces the establishment publishes (PRONOTE.net's
// settings, SPEC §9), in the order the console shows them, with their
// public URLs.
func (h *Handler) published(hs backend.HostedServer) []Espace {
	out := []Espace{}
	for _, e := range backend.Espaces {
		if hs.Publication.On(e) {
			out = append(out, Espace{ID: string(e), Name: e.French(), URL: h.publicURL(hs, e)})
		}
	}
	return out
}

// homeBody is the PRONOTE.net home of one establishment.
type homeBody struct {
	Establishment string `json:"establishment"`
	HostingNumber string `json:"hosting_number"`
	Version       string `json:"version"`
	BaseInService string `json:"base_in_service"`
	SchoolYear    string `json:"school_year"`
	URL           string `json:"url"`
	// Auth is how users authenticate: pronote, cas or educonnect.
	Auth    string   `json:"auth"`
	Espaces []Espace `json:"espaces"`
}

// home is GET /{number}/: the published Espaces, or 503 when the server is
// not in service or publication is stopped.
func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	hs, ok := h.establishment(w, r)
	if !ok || !online(w, hs) {
		return
	}
	writeJSON(w, http.StatusOK, homeBody{Establishment: hs.Name, HostingNumber: hs.HostingNumber, Version: hs.Version,
		BaseInService: hs.Base, SchoolYear: hs.Year.String(), URL: h.cfg.BaseURL + "/" + hs.HostingNumber + "/",
		Auth: string(hs.Publication.Auth), Espaces: h.published(hs)})
}

// toHome redirects /{number} to its home, /{number}/, for an establishment
// that exists (the target is made of the verified number only).
func (h *Handler) toHome(w http.ResponseWriter, r *http.Request) {
	hs, ok := h.establishment(w, r)
	if !ok {
		return
	}
	w.Header().Set("Location", "/"+hs.HostingNumber+"/")
	writeJSON(w, http.StatusMovedPermanently, map[string]string{"location": "/" + hs.HostingNumber + "/"})
}

// espaceBody is one Espace's page.
type espaceBody struct {
	Establishment string `json:"establishment"`
	HostingNumber string `json:"hosting_number"`
	Espace
	Message string `json:"message"`
}

// espace is GET /{number}/{espace}, in this order: 404 for a name that is
// no Espace; 503 when the server does not serve or publication is stopped;
// 404 for an Espace not published; then, with delegated authentication, a
// 302 to the CAS server's /login or to ÉduConnect with ?service= the
// Espace's public URL, else 200.
func (h *Handler) espace(w http.ResponseWriter, r *http.Request) {
	hs, ok := h.establishment(w, r)
	if !ok {
		return
	}
	id, known := backend.ParseEspace(r.PathValue("espace"))
	if !known {
		writeError(w, http.StatusNotFound, msgNoSuchEspace)
		return
	}
	if !online(w, hs) {
		return
	}
	if !hs.Publication.On(id) {
		writeError(w, http.StatusNotFound, msgEspaceUnpublished)
		return
	}
	e := Espace{ID: string(id), Name: id.French(), URL: h.publicURL(hs, id)}
	loc, ok := h.loginURL(hs, e.URL)
	switch {
	case !ok:
		writeError(w, http.StatusInternalServerError, msgAuthMisconfigured)
	case loc != "":
		redirect(w, loc)
	default:
		writeJSON(w, http.StatusOK, espaceBody{Establishment: hs.Name, HostingNumber: hs.HostingNumber, Espace: e,
			Message: e.Name + " de " + hs.Name})
	}
}

// healthz is GET /healthz: each component's state; 503 once stopping.
func (h *Handler) healthz(w http.ResponseWriter, _ *http.Request) {
	hl := Health{Status: "ok", Components: []Component{{Name: "http", State: "running"}}}
	if h.cfg.Health != nil {
		hl = h.cfg.Health()
	}
	code := http.StatusOK
	if hl.Status != "ok" {
		code = http.StatusServiceUnavailable
	}
	writeJSON(w, code, hl)
}

// errorBody is every error's body.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil { // a programming error: the types above always marshal
		code, data = http.StatusInternalServerError, []byte(`{"error":"`+msgInternal+`"}`)
	}
	data = append(data, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(code)
	w.Write(data) //nolint:errcheck // the client left
}

// recorder keeps the status for Observe and, when rewrite is set (a request
// no route matched), turns the mux's plain-text 404 and 405 into JSON
// errors, keeping the Allow header of a 405.
type recorder struct {
	http.ResponseWriter
	code    int
	rewrite bool
	swallow bool
}

func (r *recorder) WriteHeader(code int) {
	if r.code != 0 {
		return
	}
	r.code = code
	if !r.rewrite || code < 400 {
		r.ResponseWriter.WriteHeader(code)
		return
	}
	msg := msgGenericRefuse
	switch code {
	case http.StatusNotFound:
		msg = msgNoSuchPath
	case http.StatusMethodNotAllowed:
		msg = msgMethodPrefix
		if allow := r.Header().Get("Allow"); allow != "" {
			msg += " (acceptées : " + allow + ")"
		}
		msg += "."
	}
	r.rewrite = false
	writeError(r.ResponseWriter, code, msg)
	r.swallow = true
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.code == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if r.swallow {
		return len(p), nil
	}
	return r.ResponseWriter.Write(p)
}

func (r *recorder) status() int {
	if r.code == 0 {
		return http.StatusOK
	}
	return r.code
}

// Unwrap lets http.ResponseController reach the connection.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
