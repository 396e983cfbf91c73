package standin

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/hebergement/console/backend"
)

// PRONOTE.net's settings as the public sees them (SPEC §8, §9): whether the
// base is published, which Espaces, and where users are sent to
// authenticate. The back end re-reads them once per revision
// (Backend.HostedServer), so a change made in any process applies to the
// next request within the store watcher's interval.

// DefaultEduConnectURL is where an Espace of an establishment that
// delegates its authentication to ÉduConnect sends its users, with the
// Espace's public URL as ?service=, unless the operator names another
// (Config.EduConnectURL, serve --educonnect-url): the CAS login endpoint
// of ÉduConnect's identity provider.
const DefaultEduConnectURL = "https://educonnect.education.gouv.fr/idp/profile/cas/login"

// French sentences of PRONOTE.net's refusals.
const (
	msgPublicationStopped = "La publication est arrêtée : l'établissement ne publie pas PRONOTE.net pour le moment."
	msgEspaceUnpublished  = "Cet Espace n'est pas publié par l'établissement."
	msgAuthMisconfigured  = "L'authentification de cet établissement est mal configurée ; réessayez plus tard."
)

// CheckEduConnectURL checks the address of ÉduConnect (or of its stand-in)
// as an operator gives it: http or https, a host, no user information,
// query or fragment, no control or space character. The redirect adds
// ?service= to it.
func CheckEduConnectURL(raw string) (*url.URL, error) {
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f || r > unicode.MaxASCII }) {
		return nil, fmt.Errorf("%q has control, space or non-ASCII characters", raw)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, err
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("%q is not an http or https URL", raw)
	case u.Host == "" || u.Hostname() == "":
		return nil, fmt.Errorf("%q names no host", raw)
	case u.Port() != "" && !backend.ValidPort(u.Port()):
		return nil, fmt.Errorf("%q has a port out of 1…65535", raw)
	case u.User != nil, u.RawQuery != "", u.ForceQuery, u.Fragment != "", strings.Contains(raw, "#"):
		return nil, fmt.Errorf("%q has user information, a query or a fragment (the stand-in adds ?service=)", raw)
	}
	return u, nil
}

// online answers 503 and returns false when the server does not serve or
// publication is stopped (two different sentences).
func online(w http.ResponseWriter, hs backend.HostedServer) bool {
	if !inService(w, hs) {
		return false
	}
	if !hs.Publication.Published {
		writeError(w, http.StatusServiceUnavailable, msgPublicationStopped)
		return false
	}
	return true
}

// loginURL is where a user of the Espace e (its public URL publicURL) is
// sent to authenticate: "" for PRONOTE accounts, else the CAS server's
// /login or ÉduConnect's address, with service= the escaped public URL.
// The CAS URL is checked again (backend.CheckCASURL) though the back end
// stores only checked ones: a stored value never reaches the header
// unchecked; ok is false when it fails.
func (h *Handler) loginURL(hs backend.HostedServer, publicURL string) (string, bool) {
	var u *url.URL
	switch hs.Publication.Auth {
	case backend.AuthCAS:
		cas, err := backend.CheckCASURL(hs.Publication.CASURL)
		if err != nil {
			h.log.Error("stand-in: stored CAS URL refused", "number", hs.HostingNumber, "err", err)
			return "", false
		}
		if u, err = url.Parse(cas); err != nil {
			return "", false
		}
		// Appended as is (JoinPath would tidy the path: the address users
		// reach must be the one the console shows, plus /login).
		u.Path, u.RawPath = u.Path+"/login", ""
	case backend.AuthEduConnect:
		if h.educonnect == nil {
			return "", false
		}
		c := *h.educonnect
		u = &c
	default:
		return "", true
	}
	u.RawQuery = url.Values{"service": {publicURL}}.Encode()
	u.Fragment, u.RawFragment = "", ""
	return u.String(), true
}

// redirect answers 302 to loc (made by loginURL only).
func redirect(w http.ResponseWriter, loc string) {
	w.Header().Set("Location", loc)
	writeJSON(w, http.StatusFound, map[string]string{"location": loc})
}
