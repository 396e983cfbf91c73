package commands

// The commands of PRONOTE.net on a real back end: publication, espace,
// authentification (SPEC §9, §16).

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// publicationOut is publication --json.
type publicationOut struct {
	HostingNumber string       `json:"hosting_number"`
	Published     *bool        `json:"published"`
	Online        *bool        `json:"online"`
	InService     *bool        `json:"in_service"`
	PublicURL     *string      `json:"public_url"`
	HomeURL       string       `json:"home_url"`
	Espaces       []espaceJSON `json:"espaces"`
	Auth          *authJSON    `json:"authentication"`
}

// authOut is authentification --json.
type authOut struct {
	Mode      string  `json:"mode"`
	Name      string  `json:"name"`
	ENT       *string `json:"ent"`
	CASURL    *string `json:"cas_url"`
	Published *bool   `json:"published"`
	CanChange *bool   `json:"can_change"`
}

const standin = "http://127.0.0.1:8080"

// runAt runs args on bs with the stand-in's public URL base.
func (f *fixture) runAt(bs *backend.Session, base string, args ...string) outcome {
	var out, errb bytes.Buffer
	o := outcome{}
	o.code = Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errb, Now: f.clk.Now, PublicURL: base,
		Open: func() (*backend.Session, error) {
			o.opened = true
			return bs, nil
		}})
	o.stdout, o.stderr = out.String(), errb.String()
	if strings.ContainsAny(o.stdout+o.stderr, hostileOut) {
		f.t.Errorf("%q: output carries control characters: %q %q", args, o.stdout, o.stderr)
	}
	return o
}

func (f *fixture) publication(bs *backend.Session) backend.Publication {
	f.t.Helper()
	p, err := bs.Publication(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// lastEntry is the newest journal entry.
func (f *fixture) lastEntry() backend.JournalEntry {
	f.t.Helper()
	entries, err := f.spr.Journal(context.Background(), backend.JournalQuery{Limit: 1})
	if err != nil || len(entries) != 1 {
		f.t.Fatalf("journal: %+v, %v", entries, err)
	}
	return entries[0]
}

func TestPublicationReadWithStandIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	n := f.est.HostingNumber
	o := f.runAt(f.spr, standin+"/", "publication")
	if o.code != ExitOK || o.stderr != "" || !containsAll(o.stdout, "PRONOTE.net", "Base publiée, en ligne", "Authentification  Comptes PRONOTE",
		"Page", "Adresse publique", "Accueil", "publiée", standin+"/"+n+"/\n",
		"Espace Professeurs", standin+"/"+n+"/professeur", "Espace Parents", standin+"/"+n+"/parent",
		"Espace Élèves", standin+"/"+n+"/eleve", "Espace Vie scolaire", standin+"/"+n+"/viescolaire") ||
		strings.Contains(o.stdout, "non publié") || strings.Contains(o.stdout, "Aucun serveur web") {
		t.Fatalf("publication: %+v", o)
	}

	o = f.runAt(f.spr, standin, "publication", "--json")
	v := decodeJSON[publicationOut](t, o)
	if v.HostingNumber != n || !*v.Published || !*v.Online || !*v.InService || v.PublicURL == nil || *v.PublicURL != standin ||
		v.HomeURL != standin+"/"+n+"/" || len(v.Espaces) != 4 || v.Auth == nil || v.Auth.Mode != "pronote" ||
		v.Auth.Name != "Comptes PRONOTE" || v.Auth.ENT != nil || v.Auth.CASURL != nil {
		t.Fatalf("publication --json:\n%s", o.stdout)
	}
	want := []espaceJSON{
		{"professeur", "Espace Professeurs", true, true, standin + "/" + n + "/professeur"},
		{"parent", "Espace Parents", true, true, standin + "/" + n + "/parent"},
		{"eleve", "Espace Élèves", true, true, standin + "/" + n + "/eleve"},
		{"viescolaire", "Espace Vie scolaire", true, true, standin + "/" + n + "/viescolaire"},
	}
	for i, e := range v.Espaces {
		if e != want[i] {
			t.Errorf("espace %d: %+v, want %+v", i, e, want[i])
		}
	}
	if !strings.Contains(o.stdout, `"ent": null`) || !strings.Contains(o.stdout, `"cas_url": null`) {
		t.Errorf("unset CAS settings are not null:\n%s", o.stdout)
	}

	// An unpublished Espace, then a stopped server: published, offline.
	f.must(f.spr, []string{"espace", "depublier", "parent"}, "Espace Parents n'est plus publié")
	if err := f.spr.StopServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	o = f.runAt(f.spr, standin, "publication")
	if !containsAll(o.stdout, "Base publiée, hors ligne : le serveur n'est pas en service", "non publié") {
		t.Errorf("publication, stopped server:\n%s", o.stdout)
	}
	v = decodeJSON[publicationOut](t, f.runAt(f.spr, standin, "publication", "--json"))
	if !*v.Published || *v.Online || *v.InService || v.Espaces[1].Published || v.Espaces[1].Online || !v.Espaces[0].Published || v.Espaces[0].Online {
		t.Errorf("publication --json, stopped server: %+v", v)
	}
}

// Without a stand-in, the commands give the paths and say why.
func TestPublicationWithoutStandIn(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	n := f.est.HostingNumber
	f.must(f.spr, []string{"publication"}, "Chemin", "/"+n+"/\n", "/"+n+"/eleve", "Aucun serveur web n'est connu ici")
	o := f.must(f.spr, []string{"publication", "--json"}, `"public_url": null`)
	v := decodeJSON[publicationOut](t, o)
	if v.HomeURL != "/"+n+"/" || v.Espaces[3].URL != "/"+n+"/viescolaire" || *v.InService || *v.Online {
		t.Errorf("publication --json without a stand-in:\n%s", o.stdout)
	}
}

func TestPublishAndStop(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	// arreter without -y is a usage error: nothing asked, nothing changed.
	for _, bad := range [][]string{
		{"publication", "arreter"}, {"publication", "arreter", "--oui=false"}, {"publication", "arreter", "-y", "x"},
		{"publication", "publier", "x"}, {"publication", "arret", "-y"}, {"publication", "x"}, {"publication", "--xml"},
	} {
		o := f.run(f.spr, bad...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.Contains(o.stderr, "Usage: ssh console.hebergement") {
			t.Errorf("%q: %+v, want a usage error without a session", bad, o)
		}
	}
	if o := f.run(f.spr, "publication", "arreter"); !strings.Contains(o.stderr, "publication arreter takes the Espaces offline: add --oui (-y)") {
		t.Errorf("without -y: %q", o.stderr)
	}
	if !f.publication(f.spr).Published {
		t.Fatal("a usage error stopped the publication")
	}

	f.must(f.spr, []string{"publication", "arreter", "-y"}, "Publication arrêtée : l'accueil et les Espaces ne sont plus accessibles.")
	if p := f.publication(f.spr); p.Published || p.Online {
		t.Fatalf("after arreter: %+v", p)
	}
	if e := f.lastEntry(); e.Action != "publication.stop" || !e.OK {
		t.Errorf("journal: %+v", e)
	}
	f.must(f.spr, []string{"publication"}, "Publication arrêtée : les Espaces ne sont pas accessibles", "non publiée")
	f.refused(f.spr, []string{"publication", "arreter", "--oui"}, backend.Message(backend.ErrPublicationStopped))
	if e := f.lastEntry(); e.Action != "publication.stop" || e.OK {
		t.Errorf("journal of the refusal: %+v", e)
	}

	f.must(f.spr, []string{"publication", "publier"}, "La base est publiée : l'accueil et les Espaces publiés sont en ligne.")
	if p := f.publication(f.spr); !p.Published || !p.Online {
		t.Fatalf("after publier: %+v", p)
	}
	if e := f.lastEntry(); e.Action != "publication.publish" || !e.OK {
		t.Errorf("journal: %+v", e)
	}
	f.refused(f.spr, []string{"publication", "publier"}, backend.Message(backend.ErrAlreadyPublished))

	// Published while the server is stopped: said so.
	if err := f.spr.StopServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	f.must(f.spr, []string{"publication", "arreter", "-y"})
	f.must(f.spr, []string{"publication", "publier"}, "La base est publiée ; elle sera en ligne dès que le serveur sera en service.")
}

func TestEspaceCommands(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	for _, bad := range [][]string{
		{"espace"}, {"espace", "publier"}, {"espace", "publier", "professeurs"}, {"espace", "depublier", "Parent"},
		{"espace", "publier", "élève"}, {"espace", "publier", "vie-scolaire"}, {"espace", "publier", "\x1b[31mparent"},
		{"espace", "publier", "parent", "eleve"}, {"espace", "masquer", "parent"}, {"espace", "publier", ""},
	} {
		o := f.run(f.spr, bad...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.Contains(o.stderr, "Usage: ssh console.hebergement") {
			t.Errorf("%q: %+v, want a usage error without a session", bad, o)
		}
	}
	if o := f.run(f.spr, "espace", "publier", "professeurs"); !strings.Contains(o.stderr, "ESPACE must be one of professeur, parent, eleve, viescolaire") {
		t.Errorf("unknown Espace: %q", o.stderr)
	}

	for _, e := range backend.Espaces {
		f.must(f.spr, []string{"espace", "depublier", string(e)}, e.French()+" n'est plus publié")
		if f.publication(f.spr).On(e) {
			t.Errorf("%s still published", e)
		}
		if j := f.lastEntry(); j.Action != "espace.unpublish" || !j.OK || j.Detail != e.French() {
			t.Errorf("journal: %+v", j)
		}
	}
	f.refused(f.spr, []string{"espace", "depublier", "eleve"}, backend.Message(backend.ErrEspaceAlreadyUnpublished))
	f.must(f.spr, []string{"espace", "publier", "eleve"}, "Espace Élèves est publié.")
	if p := f.publication(f.spr); !p.On(backend.EspaceEleve) || p.On(backend.EspaceParent) {
		t.Errorf("after publier eleve: %+v", p)
	}
	if j := f.lastEntry(); j.Action != "espace.publish" || !j.OK {
		t.Errorf("journal: %+v", j)
	}
	f.refused(f.spr, []string{"espace", "publier", "eleve"}, backend.Message(backend.ErrEspaceAlreadyPublished))

	// Publication stopped: the Espace is published, not yet online.
	f.must(f.spr, []string{"publication", "arreter", "-y"})
	f.must(f.spr, []string{"espace", "publier", "parent"}, "Espace Parents est publié ; il sera en ligne quand la base sera publiée")
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	f.must(f.spr, []string{"authentification"}, "Authentification  Comptes PRONOTE", "La base est publiée : arrêtez d'abord la publication")
	v := decodeJSON[authOut](t, f.must(f.spr, []string{"authentification", "--json"}))
	if v.Mode != "pronote" || v.Name != "Comptes PRONOTE" || v.ENT != nil || v.CASURL != nil || !*v.Published || *v.CanChange {
		t.Errorf("authentification --json: %+v", v)
	}

	// While published: refused, whatever the mode, nothing stored.
	published := backend.Message(backend.ErrPublished)
	f.refused(f.spr, []string{"authentification", "educonnect"}, published)
	f.refused(f.spr, []string{"authentification", "cas", "--ent", "Skolengo", "--url", "https://cas.skolengo.com/cas"}, published)
	if e := f.lastEntry(); e.Action != "auth.set" || e.OK {
		t.Errorf("journal of the refusal: %+v", e)
	}
	if p := f.publication(f.spr); p.Auth != backend.AuthPronote || p.ENT != "" || p.CASURL != "" {
		t.Fatalf("a refusal changed the settings: %+v", p)
	}

	f.must(f.spr, []string{"publication", "arreter", "-y"})
	f.must(f.spr, []string{"authentification"}, "La publication est arrêtée : l'authentification peut être modifiée.")
	f.must(f.spr, []string{"authentification", "educonnect"}, "Authentification : ÉduConnect.")
	if p := f.publication(f.spr); p.Auth != backend.AuthEduConnect {
		t.Fatalf("after educonnect: %+v", p)
	}
	if e := f.lastEntry(); e.Action != "auth.set" || !e.OK || e.Detail != "ÉduConnect" {
		t.Errorf("journal: %+v", e)
	}
	// The ENT ignoring case and accents; the URL normalized.
	f.must(f.spr, []string{"authentification", "cas", "--ent", "mon bureau numerique", "--url", "https://CAS.MonBureauNumerique.fr/cas/"},
		"Authentification déléguée à l'ENT Mon Bureau Numérique, serveur CAS https://cas.monbureaunumerique.fr/cas.")
	p := f.publication(f.spr)
	if p.Auth != backend.AuthCAS || p.ENT != "Mon Bureau Numérique" || p.CASURL != "https://cas.monbureaunumerique.fr/cas" {
		t.Fatalf("after cas: %+v", p)
	}
	if e := f.lastEntry(); e.Action != "auth.set" || !e.OK || !strings.Contains(e.Detail, "https://cas.monbureaunumerique.fr/cas") {
		t.Errorf("journal: %+v", e)
	}
	f.must(f.spr, []string{"authentification", "cas", "--url=https://cas.eclat-bfc.fr", "--ent=ECLAT-BFC"}, "l'ENT Éclat-BFC")
	f.must(f.spr, []string{"authentification"}, "Authentification  CAS, par l'ENT", "ENT               Éclat-BFC", "Serveur CAS       https://cas.eclat-bfc.fr")
	f.must(f.spr, []string{"publication"}, "CAS, par l'ENT Éclat-BFC (https://cas.eclat-bfc.fr)")
	v = decodeJSON[authOut](t, f.must(f.spr, []string{"authentification", "--json"}))
	if v.Mode != "cas" || v.ENT == nil || *v.ENT != "Éclat-BFC" || v.CASURL == nil || *v.CASURL != "https://cas.eclat-bfc.fr" || *v.Published || !*v.CanChange {
		t.Errorf("authentification --json: %+v", v)
	}
	// Back to PRONOTE accounts: the CAS settings are kept, as the back end does.
	f.must(f.spr, []string{"authentification", "pronote"}, "Authentification : Comptes PRONOTE.")
	v = decodeJSON[authOut](t, f.must(f.spr, []string{"authentification", "--json"}))
	if v.Mode != "pronote" || v.ENT == nil || *v.ENT != "Éclat-BFC" {
		t.Errorf("after pronote: %+v", v)
	}
	f.must(f.spr, []string{"authentification"}, "Comptes PRONOTE")
	if o := f.run(f.spr, "authentification"); strings.Contains(o.stdout, "Éclat") {
		t.Errorf("the kept CAS settings shown for PRONOTE accounts:\n%s", o.stdout)
	}
}

// Hostile CAS URLs and ENTs: refused with the reason, nothing stored.
func TestAuthenticationRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.must(f.spr, []string{"publication", "arreter", "-y"})
	f.must(f.spr, []string{"authentification", "cas", "--ent", "Toutatice", "--url", "https://cas.toutatice.fr/cas"})
	before := f.publication(f.spr)
	for url, reason := range map[string]string{
		"http://cas.toutatice.fr/cas":               "doit commencer par https://",
		"javascript:alert(1)":                       "https://",
		"javascript://cas.toutatice.fr/%0aalert(1)": "doit commencer par https://",
		"https://admin:secret@cas.toutatice.fr/cas": "identifiant ni de mot de passe",
		"https://cas.xn--toutatce-x8a.fr/cas":       "IDN",
		"https://cas.toutatіce.fr/cas":              "IDN", // a Cyrillic і
		"https://" + strings.Repeat("a", 10240):     "trop longue",
		"https://cas.toutatice.fr/\x1b[2Jcas":       "caractères invisibles",
		"https://cas.toutatice.fr/cas\u202e":        "caractères invisibles",
		"https://cas.toutatice.fr/cas\ncas":         "caractères invisibles",
		"https://cas.toutatice.fr:99999/cas":        "port",
		"https://cas.toutatice.fr:0/cas":            "port",
		"https://192.0.2.1/cas":                     "adresse IP",
		"https://cas.toutatice.fr/cas#x":            "fragment",
		"https://cas.toutatice.fr/cas?x=1":          "paramètres",
		"":                                          "saisissez",
	} {
		o := f.run(f.spr, "authentification", "cas", "--ent", "Skolengo", "--url", url)
		if o.code != ExitRefused || o.stdout != "" || !strings.HasPrefix(o.stderr, "Adresse du serveur CAS incorrecte : ") ||
			!strings.Contains(o.stderr, reason) || strings.Count(o.stderr, "\n") != 1 {
			t.Errorf("%q: %+v, want 1 and %q", url, o, reason)
		}
		if e := f.lastEntry(); e.Action != "auth.set" || e.OK {
			t.Errorf("%q: journal %+v", url, e)
		}
	}
	for _, ent := range []string{"Skolengoo", "", "\x1b[31mSkolengo", "Autres", "ENT"} {
		o := f.run(f.spr, "authentification", "cas", "--ent", ent, "--url", "https://cas.skolengo.com/cas")
		if o.code != ExitRefused || o.stdout != "" || !strings.HasPrefix(o.stderr, backend.Message(backend.ErrUnknownENT)) ||
			!containsAll(o.stderr, "ENT proposés : Atrium, e-primo", "Toutatice, Autre.") {
			t.Errorf("ENT %q: %+v", ent, o)
		}
	}
	f.must(f.spr, []string{"authentification", "educonnect"})
	if p := f.publication(f.spr); p.ENT != before.ENT || p.CASURL != before.CASURL || p.CASURL != "https://cas.toutatice.fr/cas" {
		t.Errorf("a refused URL or ENT was stored: %+v, before %+v", p, before)
	}

	for _, bad := range [][]string{
		{"authentification", "cas"}, {"authentification", "cas", "--ent", "Skolengo"},
		{"authentification", "cas", "--url", "https://cas.skolengo.com/cas"},
		{"authentification", "cas", "Skolengo", "https://cas.skolengo.com/cas"},
		{"authentification", "pronote", "--ent", "Skolengo"}, {"authentification", "educonnect", "--url", "https://x.fr"},
		{"authentification", "ldap"}, {"authentification", "CAS"}, {"authentification", "pronote", "x"},
		{"authentification", "--json", "x"}, {"authentification", "cas", "--ent"},
	} {
		o := f.run(f.spr, bad...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.Contains(o.stderr, "Usage: ssh console.hebergement") {
			t.Errorf("%q: %+v, want a usage error without a session", bad, o)
		}
	}
	if o := f.run(f.spr, "authentification", "cas", "--ent", "Skolengo"); !strings.Contains(o.stderr, "authentification cas: missing --url") {
		t.Errorf("missing --url: %q", o.stderr)
	}
}

// The groupe Administration may publish and set the authentication,
// journaled under its key's name.
func TestPublicationAdministrationRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	admin := f.adminSession(f.est, "SHA256:"+strings.Repeat("d", 43))
	f.must(admin, []string{"publication"}, "Base publiée, en ligne")
	f.must(admin, []string{"publication", "arreter", "-y"}, "Publication arrêtée")
	f.must(admin, []string{"espace", "depublier", "eleve"}, "Espace Élèves n'est plus publié")
	f.must(admin, []string{"authentification", "cas", "--ent", "Netocentre", "--url", "https://cas.netocentre.fr/cas"}, "l'ENT Netocentre")
	f.must(admin, []string{"publication", "publier"}, "La base est publiée")
	entries, err := f.spr.Journal(context.Background(), backend.JournalQuery{Limit: 4})
	if err != nil || len(entries) != 4 {
		t.Fatal(entries, err)
	}
	actions := []string{"publication.publish", "auth.set", "espace.unpublish", "publication.stop"}
	for i, e := range entries {
		if e.Actor != "secrétariat" || !e.OK || e.Action != actions[i] {
			t.Errorf("journal entry %d %+v, want %s by the Administration key", i, e, actions[i])
		}
	}
}

func TestPublicationHelp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"aide"}, []string{"publication [--json]", "publication arreter -y", "publication publier", "espace publier ESPACE",
			"espace depublier ESPACE", "authentification [--json]", "authentification pronote", "authentification educonnect",
			"authentification cas --ent NOM --url URL", "ESPACE     professeur, parent, eleve or viescolaire", "Mon Bureau Numérique",
			"(case and accents ignored)"}},
		{[]string{"publication", "--help"}, []string{"Usage: ssh console.hebergement publication [--json]", "--json", "publication arreter -y"}},
		{[]string{"publication", "arreter", "--help"}, []string{"-y, --oui", "Arrêter la publication"}},
		{[]string{"aide", "authentification", "cas"}, []string{"--ent NOM", "--url URL", "Toutatice, Autre", "https://cas.mon-ent.fr/cas"}},
		{[]string{"espace", "-h"}, []string{"espace publier ESPACE", "espace depublier ESPACE"}},
	} {
		o := run(c.args...)
		if o.code != ExitOK || o.opened || o.stderr != "" || !containsAll(o.stdout, c.want...) {
			t.Errorf("%q: %+v, want status 0 and %q on stdout", c.args, o, c.want)
		}
	}
	// The order of the usage follows SPEC §16.
	o := run("aide")
	if i, j, k := strings.Index(o.stdout, "licences reserver"), strings.Index(o.stdout, "publication [--json]"), strings.Index(o.stdout, "cles [--json]"); i < 0 || j < i || k < j {
		t.Errorf("publication not between licences and cles:\n%s", o.stdout)
	}
}
