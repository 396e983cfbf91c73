package backend_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// TestPublicationSettings: published by default with every Espace and the
// PRONOTE accounts; the authentication changes only while the publication
// is stopped; the stand-in's view follows at once.
func TestPublicationSettings(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 5, 30)
	ctx := context.Background()
	p, err := s.Publication(ctx)
	ok(t, err)
	if !p.Published || !p.Online || p.Auth != backend.AuthPronote || len(p.Espaces) != 4 || !p.On(backend.EspaceParent) {
		t.Fatalf("defaults: %+v", p)
	}
	cas := backend.AuthRequest{Mode: backend.AuthCAS, ENT: "Mon Bureau Numérique", CASURL: "https://CAS.Monbureaunumerique.fr/cas/"}
	if err := s.SetAuth(ctx, cas); !errors.Is(err, backend.ErrPublished) {
		t.Fatalf("CAS while published: %v", err)
	}
	ok(t, s.SetPublished(ctx, false))
	if err := s.SetPublished(ctx, false); !errors.Is(err, backend.ErrPublicationStopped) {
		t.Errorf("stopping twice: %v", err)
	}
	ok(t, s.SetAuth(ctx, cas))
	ok(t, s.SetEspace(ctx, backend.EspaceParent, false))
	if err := s.SetEspace(ctx, backend.EspaceParent, false); !errors.Is(err, backend.ErrEspaceAlreadyUnpublished) {
		t.Errorf("unpublishing twice: %v", err)
	}
	ok(t, s.SetPublished(ctx, true))
	p, err = s.Publication(ctx)
	ok(t, err)
	if p.Auth != backend.AuthCAS || p.CASURL != "https://cas.monbureaunumerique.fr/cas" || p.On(backend.EspaceParent) || !p.On(backend.EspaceEleve) {
		t.Fatalf("after the changes: %+v", p)
	}
	hs, err := e.b.HostedServer(ctx, est.HostingNumber)
	ok(t, err)
	if !hs.Publication.Online || hs.Publication.On(backend.EspaceParent) || hs.Publication.CASURL != p.CASURL {
		t.Errorf("the stand-in's view: %+v", hs.Publication)
	}
	ok(t, s.StopServer(ctx))
	if p, _ := s.Publication(ctx); !p.Published || p.Online {
		t.Errorf("stopped server: %+v", p)
	}
}

// TestCheckCASURL: hostile URLs refused with a reason, nothing stored.
func TestCheckCASURL(t *testing.T) {
	for raw, want := range map[string]string{
		"https://cas.ent.fr/cas":                        "",
		"https://cas.ent.fr:8443/cas/":                  "",
		"":                                              "saisissez",
		"http://cas.ent.fr/cas":                         "https://",
		"javascript:alert(1)":                           "https://",
		"https://user:pw@cas.ent.fr/":                   "identifiant",
		"https://cas.ent.fr/cas#x":                      "fragment",
		"https://cas.ent.fr/cas?x=1":                    "paramètres",
		"https://cas.ent.fr:0/":                         "port",
		"https://cas.ent.fr:70000/":                     "port",
		"https://cas.ent.fr:/":                          "port",
		"https://192.0.2.1/cas":                         "adresse IP",
		"https://[2001:db8::1]/cas":                     "adresse IP",
		"https://cаs.ent.fr/cas":                        "ASCII", // a Cyrillic а
		"https://xn--cs-8kc.ent.fr/cas":                 "ASCII",
		"https://localhost/cas":                         "nom complet",
		"https://cas.ent.fr/\x1b[2Jcas":                 "invisibles",
		"https://cas.ent.fr/ca s":                       "espaces",
		"https://0177.0.0.1/cas":                        "adresse IP",
		"https://127.1/cas":                             "adresse IP",
		"https://0x7f.0.0.1/cas":                        "adresse IP",
		"https://10.0.0.256/cas":                        "adresse IP",
		"https://cas.ent.123/cas":                       "adresse IP",
		"https://cas.ent.fr/%0d%0aSet-Cookie:%20x=1":    "invisibles",
		"https://cas.ent.fr/%E2%80%AE":                  "invisibles",
		"https://cas.ent.fr/%00":                        "invisibles",
		"https://cas.ent.fr//evil.com/a":                "« // »",
		"https://cas.ent.fr/a/../..":                    "« .. »",
		"https://cas.ent.fr/%2e%2e/x":                   "« .. »",
		"https://" + strings.Repeat("a", 3000) + ".fr/": "trop longue",
	} {
		got, err := backend.CheckCASURL(raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%q refused: %v", raw, err)
		case want != "" && (err == nil || !strings.Contains(backend.Message(err), want)):
			t.Errorf("%q: %q, %v; want a refusal saying %q", raw, got, backend.Message(err), want)
		}
	}
}
