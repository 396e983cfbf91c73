package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// publication, espace, authentification: the tab PRONOTE.net (SPEC §9).
// The SPR and the groupe Administration may use them.
//
// Rules chosen here:
//
//   - `publication arreter` takes the Espaces offline for every user: it
//     needs --oui (-y) like the other destructive commands. `publication
//     publier` and `espace publier|depublier` do not: they are undone by
//     their opposite and cut off at most one Espace.
//   - ESPACE is professeur, parent, eleve or viescolaire, exactly as the
//     stand-in's paths write them; anything else is a usage error.
//   - `authentification cas` needs both --ent and --url (a usage error
//     otherwise); --ent and --url with pronote or educonnect are usage
//     errors too. The ENT is matched against the console's list ignoring
//     case and French accents ("eclat-bfc" is "Éclat-BFC"); a name not in
//     the list is refused by the back end (1) with the list. The URL is the
//     back end's to judge (CheckCASURL): refused with its reason (1),
//     nothing stored.
//   - The public addresses are the stand-in's (Env.PublicURL). Without one,
//     the commands give the paths under the stand-in (/NUMBER/professeur)
//     and say that no web server is known.

func (r *runner) publicationCommands(root *cobra.Command) {
	subsOnly := func(c *cobra.Command, got []string) error {
		if len(got) > 0 {
			return unknownCommand(c, got[0])
		}
		return nil
	}
	publication := r.leaf(root, &cobra.Command{
		Use:   "publication [--json]",
		Short: "whether the base is published, its Espaces and their public addresses",
		Long: "The PRONOTE.net publication: whether the base is published and online (published and the server in service), " +
			"each Espace (Professeurs, Parents, Élèves, Vie scolaire) published or not with its public address, " +
			"and the authentication mode.",
		Args: subsOnly,
	}, r.runPublication)
	addJSON(publication)

	arreter := r.leaf(publication, &cobra.Command{
		Use:   "arreter -y",
		Short: "stop the publication: the Espaces go offline",
		Long: "\"Arrêter la publication\": the home page and every Espace answer that the publication is stopped; " +
			"the authentication can then be changed. --oui (-y) is required: the users of the Espaces are cut off.",
		Args: args(),
	}, r.runPublish(false))
	arreter.Flags().BoolP("oui", "y", false, "confirm: the Espaces go offline for their users")
	r.leaf(publication, &cobra.Command{
		Use:   "publier",
		Short: "publish the base: its published Espaces go online",
		Long:  "\"Publier la base\": the home page and the published Espaces are online while the server is in service.",
		Args:  args(),
	}, r.runPublish(true))

	g := r.group(root, "espace", "publish or unpublish one Espace")
	for _, on := range []bool{true, false} {
		use, short := "publier ESPACE", "publish an Espace: professeur, parent, eleve or viescolaire"
		if !on {
			use, short = "depublier ESPACE", "unpublish an Espace: its address answers 404"
		}
		r.leaf(g, &cobra.Command{
			Use:   use,
			Short: short,
			Long: "Publish or unpublish one Espace of PRONOTE.net. ESPACE is professeur (Espace Professeurs), parent (Espace Parents), " +
				"eleve (Espace Élèves) or viescolaire (Espace Vie scolaire).",
			Args: args("ESPACE"),
		}, r.runEspace(on))
	}

	auth := r.leaf(root, &cobra.Command{
		Use:   "authentification [--json]",
		Short: "how the users of the Espaces authenticate",
		Long: "\"Déléguer l'authentification\": PRONOTE accounts, CAS through an ENT (its name and its CAS server's address), " +
			"or ÉduConnect. It can only be changed while the publication is stopped.",
		Args: subsOnly,
	}, r.runAuth)
	addJSON(auth)
	r.leaf(auth, &cobra.Command{
		Use:   "pronote",
		Short: "PRONOTE accounts (publication stopped)",
		Long:  "The users authenticate with their PRONOTE accounts. Refused while the base is published.",
		Args:  args(),
	}, r.runSetAuth(backend.AuthPronote))
	r.leaf(auth, &cobra.Command{
		Use:   "educonnect",
		Short: "delegate to ÉduConnect (publication stopped)",
		Long:  "The users authenticate with ÉduConnect. Refused while the base is published.",
		Args:  args(),
	}, r.runSetAuth(backend.AuthEduConnect))
	cas := r.leaf(auth, &cobra.Command{
		Use:   "cas --ent NOM --url URL",
		Short: "delegate to an ENT's CAS server (publication stopped)",
		Long: "The users authenticate with the CAS server of their ENT. Refused while the base is published.\n" +
			"NOM is one of: " + strings.Join(backend.ENTs, ", ") + " (case and accents ignored).\n" +
			"URL is the CAS server's address: https, a host name (ASCII, not an IP address), an optional port, a path; " +
			"no user information, query or fragment; such as https://cas.mon-ent.fr/cas.",
		Args: args(),
	}, r.runSetAuth(backend.AuthCAS))
	cas.Flags().String("ent", "", "the ENT (`NOM`), as the list names it")
	cas.Flags().String("url", "", "the CAS server's address (`URL`), https://…")
}

// publicURL is the public address of path ("" for the home page) of the
// establishment number: under Env.PublicURL, or the path alone when no
// stand-in is known.
func (r *runner) publicURL(number, path string) string {
	return strings.TrimRight(r.env.PublicURL, "/") + "/" + number + "/" + path
}

// espaceJSON is one Espace in JSON.
type espaceJSON struct {
	Espace    string `json:"espace"` // professeur, parent, eleve, viescolaire
	Name      string `json:"name"`   // "Espace Professeurs"
	Published bool   `json:"published"`
	// Online: published, the base published and the server in service.
	Online bool   `json:"online"`
	URL    string `json:"url"`
}

// authJSON is the authentication settings in JSON; ent and cas_url are the
// CAS settings, kept (and given) when another mode is chosen, null when
// never set.
type authJSON struct {
	Mode   string  `json:"mode"` // pronote, cas, educonnect
	Name   string  `json:"name"` // "Comptes PRONOTE"
	ENT    *string `json:"ent"`
	CASURL *string `json:"cas_url"`
}

func authOf(p backend.Publication) authJSON {
	out := authJSON{Mode: string(p.Auth), Name: p.Auth.French()}
	if p.ENT != "" {
		out.ENT = &p.ENT
	}
	if p.CASURL != "" {
		out.CASURL = &p.CASURL
	}
	return out
}

// authLine is the mode as the text writes it, with the ENT and its CAS
// server for CAS.
func authLine(p backend.Publication) string {
	if p.Auth == backend.AuthCAS {
		return fmt.Sprintf("%s %s (%s)", p.Auth.French(), orDash(p.ENT), orDash(p.CASURL))
	}
	return p.Auth.French()
}

func (r *runner) runPublication(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	st, err := bs.Status(ctx)
	if err != nil {
		return err
	}
	p, err := bs.Publication(ctx)
	if err != nil {
		return err
	}
	number := sanitize.Line(st.Establishment.HostingNumber)
	w := r.env.Stdout
	if wantJSON(c) {
		var base *string
		if r.env.PublicURL != "" {
			b := strings.TrimRight(r.env.PublicURL, "/")
			base = &b
		}
		espaces := make([]espaceJSON, len(p.Espaces))
		for i, e := range p.Espaces {
			espaces[i] = espaceJSON{Espace: string(e.Espace), Name: e.Espace.French(), Published: e.Published,
				Online: p.Online && e.Published, URL: r.publicURL(number, string(e.Espace))}
		}
		return writeJSON(w, map[string]any{"hosting_number": st.Establishment.HostingNumber, "published": p.Published,
			"online": p.Online, "in_service": st.State == backend.ServerRunning, "public_url": base,
			"home_url": r.publicURL(number, ""), "espaces": espaces, "authentication": authOf(p)})
	}
	var state string
	switch {
	case p.Online:
		state = "Base publiée, en ligne"
	case p.Published:
		state = "Base publiée, hors ligne : le serveur n'est pas en service"
	default:
		state = "Publication arrêtée : les Espaces ne sont pas accessibles"
	}
	fmt.Fprintf(w, "PRONOTE.net\nÉtat              %s\nAuthentification  %s\n", state, authLine(p))
	onOff := func(on bool, word string) string {
		if on {
			return word
		}
		return "non " + word
	}
	rows := [][]string{{"Accueil", onOff(p.Published, "publiée"), r.publicURL(number, "")}}
	for _, e := range p.Espaces {
		rows = append(rows, []string{e.Espace.French(), onOff(e.Published, "publié"), r.publicURL(number, string(e.Espace))})
	}
	header := "Page\tÉtat\tAdresse publique"
	if r.env.PublicURL == "" {
		header = "Page\tÉtat\tChemin"
	}
	if err := table(w, header, rows); err != nil {
		return err
	}
	if r.env.PublicURL == "" {
		_, err = fmt.Fprintln(w, "Aucun serveur web n'est connu ici : les chemins sont ceux des pages sous l'adresse du serveur web (hebergement serve en lance un).")
	}
	return err
}

func (r *runner) runPublish(on bool) func(c *cobra.Command, _ []string) error {
	return func(c *cobra.Command, _ []string) error {
		if !on {
			if err := confirmed(c, "takes the Espaces offline"); err != nil {
				return err
			}
		}
		bs, err := r.session()
		if err != nil {
			return err
		}
		ctx := c.Context()
		if err := bs.SetPublished(ctx, on); err != nil {
			return &refusal{err: err, perm: backend.PermPublication}
		}
		msg := "Publication arrêtée : l'accueil et les Espaces ne sont plus accessibles. L'authentification peut être modifiée."
		if on {
			msg = "La base est publiée : l'accueil et les Espaces publiés sont en ligne."
			if p, err := bs.Publication(ctx); err == nil && !p.Online {
				msg = "La base est publiée ; elle sera en ligne dès que le serveur sera en service."
			}
		}
		_, err = fmt.Fprintln(r.env.Stdout, msg)
		return err
	}
}

func (r *runner) runEspace(on bool) func(c *cobra.Command, a []string) error {
	return func(c *cobra.Command, a []string) error {
		e, ok := backend.ParseEspace(a[0])
		if !ok {
			names := make([]string, len(backend.Espaces))
			for i, x := range backend.Espaces {
				names[i] = string(x)
			}
			return usagef("%s: ESPACE must be one of %s, not %q", path(c), strings.Join(names, ", "), a[0])
		}
		bs, err := r.session()
		if err != nil {
			return err
		}
		ctx := c.Context()
		if err := bs.SetEspace(ctx, e, on); err != nil {
			return &refusal{err: err, perm: backend.PermPublication}
		}
		var msg string
		switch p, err := bs.Publication(ctx); {
		case !on:
			msg = fmt.Sprintf("%s n'est plus publié : son adresse répond qu'il n'existe pas.", e.French())
		case err == nil && !p.Online:
			msg = fmt.Sprintf("%s est publié ; il sera en ligne quand la base sera publiée et le serveur en service.", e.French())
		default:
			msg = fmt.Sprintf("%s est publié.", e.French())
		}
		_, err = fmt.Fprintln(r.env.Stdout, msg)
		return err
	}
}

func (r *runner) runAuth(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	p, err := bs.Publication(c.Context())
	if err != nil {
		return err
	}
	w := r.env.Stdout
	if wantJSON(c) {
		a := authOf(p)
		return writeJSON(w, map[string]any{"mode": a.Mode, "name": a.Name, "ent": a.ENT, "cas_url": a.CASURL,
			"published": p.Published, "can_change": !p.Published})
	}
	fmt.Fprintf(w, "Authentification  %s\n", p.Auth.French())
	if p.Auth == backend.AuthCAS {
		fmt.Fprintf(w, "ENT               %s\nServeur CAS       %s\n", orDash(p.ENT), orDash(p.CASURL))
	}
	if p.Published {
		_, err = fmt.Fprintln(w, "La base est publiée : arrêtez d'abord la publication (publication arreter -y) pour modifier l'authentification.")
	} else {
		_, err = fmt.Fprintln(w, "La publication est arrêtée : l'authentification peut être modifiée.")
	}
	return err
}

func (r *runner) runSetAuth(mode backend.AuthMode) func(c *cobra.Command, _ []string) error {
	return func(c *cobra.Command, _ []string) error {
		req := backend.AuthRequest{Mode: mode}
		if mode == backend.AuthCAS {
			for _, name := range []string{"ent", "url"} {
				if !c.Flags().Changed(name) {
					return usagef("%s: missing --%s", path(c), name)
				}
			}
			req.ENT, _ = c.Flags().GetString("ent")
			req.CASURL, _ = c.Flags().GetString("url")
			req.ENT = canonicalENT(req.ENT)
		}
		bs, err := r.session()
		if err != nil {
			return err
		}
		ctx := c.Context()
		if err := bs.SetAuth(ctx, req); err != nil {
			if errors.Is(err, backend.ErrUnknownENT) {
				return &told{backend.Message(err) + " ENT proposés : " + strings.Join(backend.ENTs, ", ") + "."}
			}
			return &refusal{err: err, perm: backend.PermPublication}
		}
		msg := "Authentification : " + mode.French() + "."
		if mode == backend.AuthCAS {
			msg = "Authentification déléguée à l'ENT " + req.ENT
			if p, err := bs.Publication(ctx); err == nil {
				msg += ", serveur CAS " + sanitize.Line(p.CASURL)
			}
			msg += "."
		}
		_, err = fmt.Fprintln(r.env.Stdout, msg)
		return err
	}
}

// canonicalENT is the ENT of the list that name names, ignoring case and
// French accents; name itself when none does (the back end refuses it).
func canonicalENT(name string) string {
	for _, e := range backend.ENTs {
		if fr.Fold(e) == fr.Fold(name) {
			return e
		}
	}
	return name
}
