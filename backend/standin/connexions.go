package standin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/seats"
)

// Clients is what the stand-in asks of the back end for the hosted
// server's clients (SPEC §8): connect, keep alive, leave, write a change.
type Clients interface {
	Connect(ctx context.Context, number string, req backend.ConnectRequest) (backend.Connection, error)
	Heartbeat(ctx context.Context, number, id string) error
	Disconnect(ctx context.Context, number, id string) error
	RecordChange(ctx context.Context, number string, req backend.ChangeRequest) (backend.Change, error)
}

var _ Clients = (*backend.Backend)(nil)

// MaxBody bounds a request's body (SPEC §8: 64 KiB; over it, 400).
const MaxBody = 64 << 10

// French sentences of the clients' answers.
const (
	msgBadJSON = "Requête illisible : le corps doit être un seul objet JSON, par exemple " +
		`{"user": "M. DUPONT", "group": "Administration", "mode": "administratif"}.`
	msgTooLarge      = "Requête trop volumineuse : 64 Kio au plus."
	msgUnknownField  = "Champ inconnu dans la requête (les noms des champs s'écrivent en minuscules)"
	msgTwice         = "Champ en double dans la requête"
	msgBadMode       = "Mode inconnu : les modes sont administratif, enseignant, viescolaire, professeur, parent et eleve."
	msgBadUser       = "Nom d'utilisateur manquant ou incorrect : de 1 à 100 caractères, sans caractère de contrôle."
	msgBadGroup      = "Nom de groupe incorrect : 100 caractères au plus, sans caractère de contrôle."
	msgBadWhat       = "Saisie manquante, trop longue ou illisible : de 1 à 4 096 octets de texte, sans caractère de contrôle."
	msgNoConnection  = "Cette connexion n'existe pas ou plus (déconnectée, expirée après 5 minutes sans signe de vie, ou serveur arrêté) : reconnectez-vous."
	msgNoConnField   = "Connexion manquante : indiquez l'identifiant reçu à la connexion dans le champ \"connexion\"."
	msgPostOnly      = "Méthode non autorisée à cette adresse (acceptée : POST)."
	msgNotInServiceC = "Le Serveur PRONOTE de cet établissement n'est pas en service : la connexion est impossible pour le moment."
)

// clientRoutes are the endpoints of the hosted server's clients.
func (h *Handler) clientRoutes() {
	h.mux.HandleFunc("POST /{number}/connexions", h.connect)
	h.mux.HandleFunc("POST /{number}/connexions/{id}/heartbeat", h.heartbeat)
	h.mux.HandleFunc("DELETE /{number}/connexions/{id}", h.disconnect)
	h.mux.HandleFunc("POST /{number}/saisies", h.change)
}

// postOnlyPath reports whether p is /{number}/connexions or
// /{number}/saisies: POST only. ServeHTTP answers any other method there
// before routing, since the mux would read GET as an Espace's name (404)
// and list GET in the Allow of a 405. The list of connections is never
// public.
func postOnlyPath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/")
	if !ok {
		return false
	}
	number, tail, ok := strings.Cut(rest, "/")
	return ok && number != "" && (tail == "connexions" || tail == "saisies")
}

func postOnly(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Allow", "POST")
	writeError(w, http.StatusMethodNotAllowed, msgPostOnly)
}

// connectBody is POST …/connexions.
type connectBody struct {
	User  *string `json:"user"`
	Group *string `json:"group"`
	Mode  *string `json:"mode"`
}

// connected is its answer.
type connected struct {
	ID    string    `json:"id"`
	User  string    `json:"user"`
	Group string    `json:"group,omitempty"`
	Mode  string    `json:"mode"`
	Since time.Time `json:"since"`
}

// connect is POST /{number}/connexions: 201 with the connection's id, 429
// when no licence is free, 503 when the server does not serve.
func (h *Handler) connect(w http.ResponseWriter, r *http.Request) {
	var body connectBody
	hs, ok := h.clientRequest(w, r, map[string]**string{"user": &body.User, "group": &body.Group, "mode": &body.Mode})
	if !ok {
		return
	}
	req := backend.ConnectRequest{Addr: clientAddr(r)}
	switch {
	case body.Mode == nil || !validMode(*body.Mode):
		writeError(w, http.StatusBadRequest, msgBadMode)
		return
	case body.User == nil:
		writeError(w, http.StatusBadRequest, msgBadUser)
		return
	}
	req.Mode, req.User = *body.Mode, *body.User
	if body.Group != nil {
		req.Group = *body.Group
	}
	c, err := h.cfg.Clients.Connect(r.Context(), hs.HostingNumber, req)
	var seat *backend.SeatError
	switch {
	case err == nil:
		w.Header().Set("Location", "/"+hs.HostingNumber+"/connexions/"+c.ID)
		writeJSON(w, http.StatusCreated, connected{ID: c.ID, User: c.User, Group: c.Group, Mode: string(c.Mode), Since: c.Since})
	case errors.As(err, &seat):
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusTooManyRequests, backend.Message(err))
	case errors.Is(err, backend.ErrInvalidInput):
		msg := msgBadUser
		if strings.Contains(err.Error(), "group") {
			msg = msgBadGroup
		}
		writeError(w, http.StatusBadRequest, msg)
	default:
		h.clientError(w, r, err)
	}
}

// heartbeat is POST /{number}/connexions/{id}/heartbeat: 204, or 404 once
// the connection is gone.
func (h *Handler) heartbeat(w http.ResponseWriter, r *http.Request) {
	h.onConnection(w, r, h.cfg.Clients.Heartbeat)
}

// disconnect is DELETE /{number}/connexions/{id}: 204, or 404 when the
// connection is not held.
func (h *Handler) disconnect(w http.ResponseWriter, r *http.Request) {
	h.onConnection(w, r, h.cfg.Clients.Disconnect)
}

// onConnection runs fn on the path's connection and answers 204, or the
// error.
func (h *Handler) onConnection(w http.ResponseWriter, r *http.Request, fn func(ctx context.Context, number, id string) error) {
	hs, ok := h.establishment(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if !validID(id) {
		writeError(w, http.StatusNotFound, msgNoConnection)
		return
	}
	if err := fn(r.Context(), hs.HostingNumber, id); err != nil {
		h.clientError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// changeBody is POST …/saisies.
type changeBody struct {
	Connexion *string `json:"connexion"`
	What      *string `json:"what"`
}

// recorded is its answer.
type recorded struct {
	ID        int64     `json:"id"`
	Connexion string    `json:"connexion"`
	At        time.Time `json:"at"`
}

// change is POST /{number}/saisies: 201 once the change is durable in the
// log of the base in service.
func (h *Handler) change(w http.ResponseWriter, r *http.Request) {
	var body changeBody
	hs, ok := h.clientRequest(w, r, map[string]**string{"connexion": &body.Connexion, "what": &body.What})
	if !ok {
		return
	}
	switch {
	case body.Connexion == nil || *body.Connexion == "":
		writeError(w, http.StatusBadRequest, msgNoConnField)
		return
	case body.What == nil:
		writeError(w, http.StatusBadRequest, msgBadWhat)
		return
	case !validID(*body.Connexion):
		writeError(w, http.StatusNotFound, msgNoConnection)
		return
	}
	c, err := h.cfg.Clients.RecordChange(r.Context(), hs.HostingNumber, backend.ChangeRequest{Connection: *body.Connexion, What: *body.What})
	switch {
	case err == nil:
		writeJSON(w, http.StatusCreated, recorded{ID: c.ID, Connexion: c.ConnectionID, At: c.At})
	case errors.Is(err, backend.ErrInvalidInput):
		writeError(w, http.StatusBadRequest, msgBadWhat)
	default:
		h.clientError(w, r, err)
	}
}

// clientRequest is the start of a client's POST with a body: the
// address's rate, the path's establishment, then the body into fields. It
// answers itself, and returns false, when one of them refuses.
func (h *Handler) clientRequest(w http.ResponseWriter, r *http.Request, fields map[string]**string) (backend.HostedServer, bool) {
	if !h.rates.allow(w, r) {
		return backend.HostedServer{}, false
	}
	hs, ok := h.establishment(w, r)
	if !ok || !decode(w, r, fields) {
		return backend.HostedServer{}, false
	}
	return hs, true
}

// clientError answers the errors the clients' endpoints share.
func (h *Handler) clientError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, backend.ErrConnectionNotFound):
		writeError(w, http.StatusNotFound, msgNoConnection)
	case errors.Is(err, backend.ErrStorageFull):
		writeError(w, http.StatusInsufficientStorage, backend.Message(err))
	case errors.Is(err, backend.ErrNotInService):
		w.Header().Set("Retry-After", "60")
		writeError(w, http.StatusServiceUnavailable, msgNotInServiceC)
	case errors.Is(err, backend.ErrHostedElsewhere):
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, msgElsewhere)
	case errors.Is(err, backend.ErrEstablishmentNotFound), errors.Is(err, backend.ErrInvalidInput):
		writeError(w, http.StatusNotFound, msgNoSuchNumber)
	case r.Context().Err() != nil:
		writeError(w, http.StatusServiceUnavailable, msgInternal)
	default:
		h.log.Error("stand-in: client request failed", "path", r.URL.Path, "err", err)
		writeError(w, http.StatusInternalServerError, msgInternal)
	}
}

// decode reads the body as exactly one JSON object of string members, each
// stored in its field: at most MaxBody bytes, every key one of fields,
// exactly as written (encoding/json would take "User" for "user") and at
// most once (it would keep the last of two), nothing after the object. It
// answers 400 itself and returns false otherwise. A member that is null
// leaves its field empty but present.
func decode(w http.ResponseWriter, r *http.Request, fields map[string]**string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	err := decodeObject(json.NewDecoder(r.Body), fields)
	if err == nil {
		return true
	}
	writeError(w, http.StatusBadRequest, decodeMessage(err))
	return false
}

// fieldError is a member the body may not have.
type fieldError struct {
	name  string
	twice bool
}

func (e *fieldError) Error() string { return "field " + e.name }

var errNotObject = errors.New("not one JSON object")

func decodeObject(dec *json.Decoder, fields map[string]**string) error {
	if tok, err := dec.Token(); err != nil {
		return err
	} else if tok != json.Delim('{') {
		return errNotObject
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		dst, ok := fields[key]
		switch {
		case !ok:
			return &fieldError{name: key}
		case *dst != nil:
			return &fieldError{name: key, twice: true}
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*dst = &v
	}
	if tok, err := dec.Token(); err != nil {
		return err
	} else if tok != json.Delim('}') {
		return errNotObject
	}
	if _, err := dec.Token(); err != io.EOF { // one object, then only white space
		if err == nil {
			err = errNotObject
		}
		return err
	}
	return nil
}

// decodeMessage is the French sentence of a decoding error.
func decodeMessage(err error) string {
	var tooLarge *http.MaxBytesError
	var field *fieldError
	switch {
	case errors.As(err, &tooLarge):
		return msgTooLarge
	case errors.As(err, &field) && field.twice:
		return msgTwice + " : " + strconv.Quote(field.name) + "."
	case errors.As(err, &field) && utf8.ValidString(field.name) && len(field.name) <= 64:
		return msgUnknownField + " : " + strconv.Quote(field.name) + "."
	case errors.As(err, &field):
		return msgUnknownField + "."
	}
	return msgBadJSON
}

// validMode reports whether s is one of the six modes.
func validMode(s string) bool {
	_, ok := seats.ParseMode(s)
	return ok
}

// validID reports whether s has the form of a connection id (32 lower-case
// hex digits); anything else is unknown without asking the back end.
func validID(s string) bool {
	if len(s) != 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// clientAddr is the client's IP address as the listener saw it (a proxy's
// X-Forwarded-For is not trusted: anyone can send one).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
