package backend

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/hebergement/console/backend/store"
)

// Espace is one of PRONOTE.net's web spaces, by its path under the hosting
// number on the hosted server (SPEC §8).
type Espace string

// The four Espaces, in the product's order.
const (
	EspaceProfesseur  Espace = "professeur"
	EspaceParent      Espace = "parent"
	EspaceEleve       Espace = "eleve"
	EspaceVieScolaire Espace = "viescolaire"
)

// Espaces are the four Espaces, in the product's order.
var Espaces = []Espace{EspaceProfesseur, EspaceParent, EspaceEleve, EspaceVieScolaire}

// ParseEspace reads an Espace's id as commands and URLs write it.
func ParseEspace(s string) (Espace, bool) {
	e := Espace(s)
	return e, slices.Contains(Espaces, e)
}

// French is the Espace's name as the console writes it.
func (e Espace) French() string {
	switch e {
	case EspaceProfesseur:
		return "Espace Professeurs"
	case EspaceParent:
		return "Espace Parents"
	case EspaceEleve:
		return "Espace Élèves"
	case EspaceVieScolaire:
		return "Espace Vie scolaire"
	}
	return string(e)
}

// AuthMode is how the users of PRONOTE.net authenticate ("Déléguer
// l'authentification").
type AuthMode string

// The authentication modes.
const (
	AuthPronote    AuthMode = "pronote"
	AuthCAS        AuthMode = "cas"
	AuthEduConnect AuthMode = "educonnect"
)

// French is the mode as the console writes it.
func (m AuthMode) French() string {
	switch m {
	case AuthCAS:
		return "CAS, par l'ENT"
	case AuthEduConnect:
		return "ÉduConnect"
	}
	return "Comptes PRONOTE"
}

// ParseAuthMode reads a mode as commands write it.
func ParseAuthMode(s string) (AuthMode, bool) {
	m := AuthMode(s)
	return m, m == AuthPronote || m == AuthCAS || m == AuthEduConnect
}

// ENTs are the common French ENTs offered for CAS, then "Autre".
var ENTs = []string{
	"Atrium", "e-primo", "ENT Auvergne-Rhône-Alpes", "ENT Hauts-de-France", "ENT Occitanie", "Éclat-BFC",
	"Lycée connecté", "Mon Bureau Numérique", "Monlycée.net", "Netocentre", "Skolengo", "Toutatice", "Autre",
}

// Publication is the PRONOTE.net tab's state (SPEC §9).
type Publication struct {
	// Published is the setting: "Publier la base" / "Arrêter la
	// publication". Online is whether the public sees it now: published
	// and the server in service.
	Published, Online bool
	// Espaces tells, for each of the four in order, whether it is
	// published.
	Espaces []EspaceState
	Auth    AuthMode
	// ENT and CASURL are the CAS settings (kept when another mode is
	// chosen).
	ENT, CASURL string
}

// EspaceState is one Espace and whether it is published.
type EspaceState struct {
	Espace    Espace
	Published bool
}

// On reports whether e is published (the setting, whatever the server).
func (p Publication) On(e Espace) bool {
	for _, s := range p.Espaces {
		if s.Espace == e {
			return s.Published
		}
	}
	return false
}

// AuthRequest is "Déléguer l'authentification": the mode and, for CAS, the
// ENT and its CAS server's URL.
type AuthRequest struct {
	Mode   AuthMode
	ENT    string
	CASURL string
}

func toPublication(p store.Publication, running bool) Publication {
	out := Publication{Published: p.Published, Online: p.Published && running, Auth: AuthMode(p.AuthMode), ENT: p.CASENT, CASURL: p.CASURL}
	if out.Auth == "" {
		out.Auth = AuthPronote
	}
	for _, e := range Espaces {
		out.Espaces = append(out.Espaces, EspaceState{Espace: e, Published: !slices.Contains(p.EspacesOff, string(e))})
	}
	return out
}

// Publication reads PRONOTE.net's settings.
func (s *Session) Publication(ctx context.Context) (Publication, error) {
	var out Publication
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		p, err := tx.Publication(s.estID)
		out = toPublication(p, e.ServerState == string(ServerRunning))
		return err
	})
	return out, err
}

// SetPublished is "Publier la base" (true) / "Arrêter la publication".
func (s *Session) SetPublished(ctx context.Context, on bool) error {
	action := "publication.stop"
	if on {
		action = "publication.publish"
	}
	return s.setPublication(ctx, action, "", func(p *store.Publication) error {
		if p.Published == on {
			if on {
				return ErrAlreadyPublished
			}
			return ErrPublicationStopped
		}
		p.Published = on
		return nil
	})
}

// SetEspace publishes (true) or unpublishes one Espace.
func (s *Session) SetEspace(ctx context.Context, e Espace, on bool) error {
	if _, ok := ParseEspace(string(e)); !ok {
		return fmt.Errorf("%w: no Espace %q", ErrInvalidInput, e)
	}
	action := "espace.unpublish"
	if on {
		action = "espace.publish"
	}
	return s.setPublication(ctx, action, e.French(), func(p *store.Publication) error {
		off := slices.Contains(p.EspacesOff, string(e))
		switch {
		case on && !off:
			return ErrEspaceAlreadyPublished
		case !on && off:
			return ErrEspaceAlreadyUnpublished
		}
		// Rewritten in the product's order, from the four known ids only.
		var offs []string
		for _, x := range Espaces {
			if x == e && !on || x != e && slices.Contains(p.EspacesOff, string(x)) {
				offs = append(offs, string(x))
			}
		}
		p.EspacesOff = offs
		return nil
	})
}

// SetAuth is "Déléguer l'authentification". As in the original, it is
// refused while the base is published (ErrPublished). A CAS URL is
// checked (CheckCASURL) and stored as it normalizes it.
func (s *Session) SetAuth(ctx context.Context, req AuthRequest) error {
	detail := req.Mode.French()
	switch req.Mode {
	case AuthPronote, AuthEduConnect, AuthCAS:
	default:
		return fmt.Errorf("%w: no authentication mode %q", ErrInvalidInput, req.Mode)
	}
	url, urlErr := CheckCASURL(req.CASURL)
	if req.Mode == AuthCAS {
		detail = fmt.Sprintf("%s (%s, %s)", detail, req.ENT, url)
	}
	// The refusals come from the transaction, after the permission and the
	// key checks: a refusal is journaled as the session's, like any other.
	return s.setPublication(ctx, "auth.set", detail, func(p *store.Publication) error {
		if req.Mode == AuthCAS {
			if !slices.Contains(ENTs, req.ENT) {
				return ErrUnknownENT
			}
			if urlErr != nil {
				return urlErr
			}
		}
		if p.Published {
			return ErrPublished
		}
		p.AuthMode = string(req.Mode)
		if req.Mode == AuthCAS {
			p.CASENT, p.CASURL = req.ENT, url
		}
		return nil
	})
}

// setPublication changes the settings in one transaction: the hosted
// servers read them at their next request, in every process, once the
// revision is seen (hostedCache).
func (s *Session) setPublication(ctx context.Context, action, detail string, change func(p *store.Publication) error) error {
	return s.act(ctx, PermPublication, TopicPublication, action, detail, func(tx store.Tx, e store.Establishment) (string, error) {
		p, err := tx.Publication(s.estID)
		if err != nil {
			return "", err
		}
		if err := change(&p); err != nil {
			return "", err
		}
		return detail, tx.SetPublication(s.estID, p)
	})
}

// MaxCASURL bounds a CAS server's URL.
const MaxCASURL = 2048

// CASURLError is a CAS server's URL refused, with the reason in French.
type CASURLError struct{ Reason string }

func (e *CASURLError) Error() string { return "invalid CAS URL: " + e.Reason }

// Is makes a CASURLError an ErrInvalidCASURL.
func (e *CASURLError) Is(target error) bool { return target == ErrInvalidCASURL }

// CheckCASURL checks the URL of an ENT's CAS server and returns it
// normalized (scheme and host in lower case, no trailing slash): https
// only, a host name (not an address, ASCII only: an internationalized name
// can imitate another), an optional port in 1…65535, a path; no user
// information, query or fragment, no control or space character, at most
// MaxCASURL bytes.
func CheckCASURL(raw string) (string, error) {
	bad := func(reason string) (string, error) { return "", &CASURLError{Reason: reason} }
	switch {
	case raw == "":
		return bad("saisissez l'adresse du serveur CAS de l'ENT, par exemple https://cas.mon-ent.fr/cas.")
	case len(raw) > MaxCASURL:
		return bad(fmt.Sprintf("l'adresse est trop longue (%d caractères au plus).", MaxCASURL))
	case strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) }):
		return bad("l'adresse contient des espaces ou des caractères invisibles.")
	}
	u, err := url.Parse(raw)
	switch {
	case err == nil && !strings.EqualFold(u.Scheme, "https"), err != nil && !strings.HasPrefix(strings.ToLower(raw), "https://"):
		return bad("l'adresse doit commencer par https:// (une connexion chiffrée).")
	case err != nil || u.Opaque != "":
		return bad("l'adresse est illisible : écrivez-la comme https://cas.mon-ent.fr/cas.")
	}
	switch {
	case u.User != nil:
		return bad("l'adresse ne doit pas contenir d'identifiant ni de mot de passe (avant un @).")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("l'adresse ne doit pas contenir de fragment (#…).")
	case u.RawQuery != "" || strings.Contains(raw, "?"):
		return bad("l'adresse ne doit pas contenir de paramètres (?…) : la console ajoute le sien.")
	}
	// The path as the server reads it, decoded: no hidden character, and no
	// empty, "." or ".." segment (a browser would resolve them, and users
	// would not reach the address the console shows).
	if strings.ContainsFunc(u.Path, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
		return bad("l'adresse contient des espaces ou des caractères invisibles, même encodés (%…).")
	}
	if p := strings.TrimSuffix(u.Path, "/"); p != "" {
		for _, seg := range strings.Split(p[1:], "/") {
			if seg == "" || seg == "." || seg == ".." {
				return bad("le chemin de l'adresse ne doit pas contenir de « // », « . » ni « .. ».")
			}
		}
	}
	host, port := u.Hostname(), u.Port()
	if strings.Contains(u.Host, ":") && port == "" && !strings.HasSuffix(u.Host, "]") {
		return bad("le port est vide.")
	}
	if port != "" && !ValidPort(port) {
		return bad("le port doit être un nombre de 1 à 65535.")
	}
	switch {
	case host == "":
		return bad("l'adresse doit nommer le serveur, par exemple https://cas.mon-ent.fr/cas.")
	case net.ParseIP(host) != nil:
		return bad("l'adresse doit nommer le serveur par son nom, pas par une adresse IP.")
	}
	host = strings.ToLower(host)
	if err := checkHostName(host); err != "" {
		return bad(err)
	}
	u.Scheme, u.Host = "https", host
	if port != "" {
		u.Host = host + ":" + port
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// checkHostName is why host is not a plain DNS name of ASCII letters,
// digits and hyphens, "" when it is.
func checkHostName(host string) string {
	if len(host) > 253 || !strings.Contains(host, ".") {
		return "le nom du serveur doit être un nom complet, par exemple cas.mon-ent.fr."
	}
	// A name whose last label is not a word is an address to a browser
	// (0177.0.0.1, 127.1, 0x7f.0.0.1) or no name at all (10.0.0.256).
	if tld := host[strings.LastIndex(host, ".")+1:]; tld == "" || !(tld[0] >= 'a' && tld[0] <= 'z') {
		return "l'adresse doit nommer le serveur par son nom, pas par une adresse IP."
	}
	for _, label := range strings.Split(host, ".") {
		if strings.HasPrefix(label, "xn--") {
			return "le nom du serveur doit s'écrire en lettres ASCII : un nom internationalisé (IDN) peut en imiter un autre."
		}
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return "le nom du serveur est mal formé."
		}
		for _, r := range label {
			if r > unicode.MaxASCII {
				return "le nom du serveur doit s'écrire en lettres ASCII : un nom internationalisé (IDN) peut en imiter un autre."
			}
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				return "le nom du serveur ne peut contenir que des lettres, des chiffres, des tirets et des points."
			}
		}
	}
	return ""
}

// ValidPort reports whether p is a port number 1…65535 written plainly.
func ValidPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && strconv.Itoa(n) == p
}
