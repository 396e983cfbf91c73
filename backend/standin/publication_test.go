package standin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
)

const publicBase = "http://pronote.example:8080"

// pubFixture is one establishment in service on a data folder whose
// password is kept, so that another back end (another process) can log in.
type pubFixture struct {
	dir, number, pw string
	est             backend.Establishment
	b               *backend.Backend
	spr             *backend.Session
	h               *standin.Handler
}

func openBackend(t testing.TB, dir string) *backend.Backend {
	t.Helper()
	b, err := backend.Open(context.Background(), backend.Options{DataDir: dir, Hashing: password.Fast,
		Clock: clock.NewFake(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris()))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func newPubFixture(t testing.TB, cfg standin.Config) *pubFixture {
	t.Helper()
	ctx := context.Background()
	f := &pubFixture{dir: t.TempDir()}
	f.b = openBackend(t, f.dir)
	est, pw, err := f.b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		t.Fatal(err)
	}
	f.est, f.number, f.pw = est, est.HostingNumber, pw
	f.spr = f.login(t, f.b)
	if _, err := f.spr.CreateBase(ctx, f.spr.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := f.spr.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	cfg.Backend, cfg.BaseURL = f.b, publicBase+"/"
	f.h = standin.New(cfg)
	return f
}

func (f *pubFixture) login(t testing.TB, b *backend.Backend) *backend.Session {
	t.Helper()
	s, err := b.Login(context.Background(), backend.LoginRequest{HostingNumber: f.number, Password: f.pw, Invoice: f.est.Invoice})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errorOf is the French sentence of an error answer.
func errorOf(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
		t.Fatalf("error body %q: %v", w.Body, err)
	}
	return e.Error
}

// homeEspaces are the ids the home lists, and its auth.
func homeEspaces(t testing.TB, w *httptest.ResponseRecorder) (ids []string, auth string) {
	t.Helper()
	var home struct {
		Auth    string `json:"auth"`
		Espaces []struct {
			ID   string `json:"espace"`
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"espaces"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &home); err != nil {
		t.Fatal(err)
	}
	for _, e := range home.Espaces {
		ids = append(ids, e.ID)
		if e.Name == "" || e.URL != publicBase+"/"+strings.Split(e.URL, "/")[3]+"/"+e.ID {
			t.Errorf("home lists %+v", e)
		}
	}
	return ids, home.Auth
}

// serviceOf is the Location a 302 of Espace id must carry, after loginURL.
func serviceOf(login, number, id string) string {
	return login + "?service=" + url.QueryEscape(publicBase+"/"+number+"/"+id)
}

// TestPublicationMatrix walks PRONOTE.net's settings through the console's
// actions and checks, after each, the home and every Espace: 200, 404 for
// an unpublished one, 503 with the sentence of its cause, 302 to the CAS
// server or ÉduConnect.
func TestPublicationMatrix(t *testing.T) {
	f := newPubFixture(t, standin.Config{})
	ctx := context.Background()
	n := f.number
	type want struct {
		code int
		msg  string // part of the error, or the Location of a 302
	}
	check := func(step string, home want, espaces map[string]want) {
		t.Helper()
		w := do(f.h, "GET", "/"+n+"/")
		if w.Code != home.code {
			t.Fatalf("%s: home %d, want %d: %s", step, w.Code, home.code, w.Body)
		}
		if home.code != 200 && !strings.Contains(errorOf(t, w), home.msg) {
			t.Errorf("%s: home says %q, want %q", step, errorOf(t, w), home.msg)
		}
		for id, e := range espaces {
			w := do(f.h, "GET", "/"+n+"/"+id)
			if w.Code != e.code {
				t.Fatalf("%s: %s %d, want %d: %s", step, id, w.Code, e.code, w.Body)
			}
			switch {
			case e.code == 302:
				if loc := w.Header().Get("Location"); loc != e.msg {
					t.Errorf("%s: %s Location %q, want %q", step, id, loc, e.msg)
				}
			case e.code >= 400:
				if got := errorOf(t, w); !strings.Contains(got, e.msg) {
					t.Errorf("%s: %s says %q, want %q", step, id, got, e.msg)
				}
				if w.Header().Get("Location") != "" {
					t.Errorf("%s: %s refused with a Location", step, id)
				}
			}
		}
	}
	ok := want{200, ""}
	unknown := want{404, "Cet Espace n'existe pas"}
	unpublished := want{404, "n'est pas publié"}
	stopped := want{503, "La publication est arrêtée"}
	notInService := want{503, "n'est pas en service"}

	check("published by default", ok, map[string]want{"professeur": ok, "parent": ok, "eleve": ok, "viescolaire": ok, "administration": unknown})
	if ids, auth := homeEspaces(t, do(f.h, "GET", "/"+n+"/")); strings.Join(ids, ",") != "professeur,parent,eleve,viescolaire" || auth != "pronote" {
		t.Fatalf("default home: %v %q", ids, auth)
	}

	must(t, f.spr.SetEspace(ctx, backend.EspaceParent, false))
	check("Espace Parents unpublished", ok, map[string]want{"professeur": ok, "parent": unpublished, "eleve": ok, "administration": unknown})
	if ids, _ := homeEspaces(t, do(f.h, "GET", "/"+n+"/")); strings.Join(ids, ",") != "professeur,eleve,viescolaire" {
		t.Fatalf("home lists %v", ids)
	}

	must(t, f.spr.SetPublished(ctx, false))
	check("publication stopped", stopped, map[string]want{"professeur": stopped, "parent": stopped, "administration": unknown})

	must(t, f.spr.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthCAS, ENT: "Monlycée.net", CASURL: "https://CAS.Monlycee.net/cas/"}))
	must(t, f.spr.SetPublished(ctx, true))
	cas := "https://cas.monlycee.net/cas/login"
	check("CAS", ok, map[string]want{"professeur": {302, serviceOf(cas, n, "professeur")}, "eleve": {302, serviceOf(cas, n, "eleve")},
		"parent": unpublished, "administration": unknown})
	if _, auth := homeEspaces(t, do(f.h, "GET", "/"+n+"/")); auth != "cas" {
		t.Errorf("home auth %q", auth)
	}
	// HEAD follows GET.
	if w := do(f.h, "HEAD", "/"+n+"/viescolaire"); w.Code != 302 || w.Header().Get("Location") != serviceOf(cas, n, "viescolaire") {
		t.Errorf("HEAD: %d %q", w.Code, w.Header().Get("Location"))
	}

	must(t, f.spr.StopServer(ctx))
	check("server stopped", notInService, map[string]want{"professeur": notInService, "parent": notInService, "administration": unknown})
	must(t, f.spr.SetPublished(ctx, false))
	// Both: the server's state is the first cause told.
	check("server stopped, publication stopped", notInService, map[string]want{"eleve": notInService})
	must(t, f.spr.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthEduConnect}))
	must(t, f.spr.PutInService(ctx))
	check("in service, publication still stopped", stopped, map[string]want{"eleve": stopped})
	must(t, f.spr.SetPublished(ctx, true))
	check("ÉduConnect", ok, map[string]want{"professeur": {302, serviceOf(standin.DefaultEduConnectURL, n, "professeur")},
		"parent": unpublished})

	must(t, f.spr.SetPublished(ctx, false))
	must(t, f.spr.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthPronote}))
	must(t, f.spr.SetPublished(ctx, true))
	must(t, f.spr.SetEspace(ctx, backend.EspaceParent, true))
	check("PRONOTE accounts again", ok, map[string]want{"professeur": ok, "parent": ok})
}

// TestEduConnectURL: the operator's ÉduConnect address is used as given,
// with ?service=; a bad one is refused by CheckEduConnectURL, and a
// handler built with one anyway answers 500 without a Location.
func TestEduConnectURL(t *testing.T) {
	f := newPubFixture(t, standin.Config{EduConnectURL: "http://educonnect.test:9000/sso/login"})
	ctx := context.Background()
	must(t, f.spr.SetPublished(ctx, false))
	must(t, f.spr.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthEduConnect}))
	must(t, f.spr.SetPublished(ctx, true))
	w := do(f.h, "GET", "/"+f.number+"/eleve")
	if want := serviceOf("http://educonnect.test:9000/sso/login", f.number, "eleve"); w.Code != 302 || w.Header().Get("Location") != want {
		t.Fatalf("%d %q, want %q", w.Code, w.Header().Get("Location"), want)
	}

	bad := standin.New(standin.Config{Backend: f.b, BaseURL: publicBase, EduConnectURL: "javascript:alert(1)"})
	if w := do(bad, "GET", "/"+f.number+"/eleve"); w.Code != 500 || w.Header().Get("Location") != "" {
		t.Fatalf("invalid ÉduConnect URL: %d %q", w.Code, w.Header().Get("Location"))
	}
	for _, s := range []string{"", "javascript:alert(1)", "ftp://educonnect.test", "https://", "https://:443", "https://u:p@educonnect.test",
		"https://educonnect.test/?x=1", "https://educonnect.test/?", "https://educonnect.test/#f", "https://educonnect.test/a b",
		"https://educonnect.test/\r\nSet-Cookie: x=1", "//educonnect.test/login", "educonnect.test"} {
		if _, err := standin.CheckEduConnectURL(s); err == nil {
			t.Errorf("CheckEduConnectURL(%q) accepted", s)
		}
	}
	for _, s := range []string{standin.DefaultEduConnectURL, "http://127.0.0.1:9000", "https://educonnect.example.org/sso"} {
		if _, err := standin.CheckEduConnectURL(s); err != nil {
			t.Errorf("CheckEduConnectURL(%q): %v", s, err)
		}
	}
}

// hostile is a back end whose stored CAS URL is whatever the test says: the
// store is never trusted to hold only checked values.
type hostile struct{ cas string }

func (h hostile) HostedServer(_ context.Context, number string) (backend.HostedServer, error) {
	p := backend.Publication{Published: true, Online: true, Auth: backend.AuthCAS, ENT: "Autre", CASURL: h.cas}
	for _, e := range backend.Espaces {
		p.Espaces = append(p.Espaces, backend.EspaceState{Espace: e, Published: true})
	}
	return backend.HostedServer{HostingNumber: number, Name: "Lycée", State: backend.ServerRunning, Base: "Base", Publication: p}, nil
}

// TestLocationNeverInjected: a stored CAS URL that the back end would
// refuse never reaches the Location header (500 instead), and what does
// reach it is escaped: no line break, no second header, over the wire too.
func TestLocationNeverInjected(t *testing.T) {
	const n = "123456789012"
	for _, cas := range []string{
		"https://cas.ent.fr/cas\r\nSet-Cookie: x=1",
		"https://cas.ent.fr/cas\nSet-Cookie: x=1",
		"https://cas.ent.fr/cas?service=https://evil.example",
		"https://evil.example#https://cas.ent.fr",
		"javascript:alert(1)",
		"http://cas.ent.fr/cas",
		"https://user@cas.ent.fr/cas",
		"https://xn--ent-xxa.fr/cas",
		"https://cas.ent.fr/" + strings.Repeat("a", backend.MaxCASURL),
	} {
		w := do(standin.New(standin.Config{Backend: hostile{cas}, BaseURL: publicBase}), "GET", "/"+n+"/professeur")
		if w.Code != 500 || w.Header().Get("Location") != "" || w.Header().Get("Set-Cookie") != "" || strings.Contains(w.Body.String(), "evil") {
			t.Errorf("stored %q: %d Location %q", cas, w.Code, w.Header().Get("Location"))
		}
	}
	// Escaped line breaks in a path are refused as well (CheckCASURL reads
	// the path decoded): 500, no Location, no cookie.
	srv := httptest.NewServer(standin.New(standin.Config{Backend: hostile{"https://cas.ent.fr/c%0d%0aSet-Cookie:%20x=1"}, BaseURL: publicBase}))
	defer srv.Close()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.URL + "/" + n + "/parent")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 || resp.Header.Get("Location") != "" || len(resp.Header["Set-Cookie"]) != 0 {
		t.Fatalf("%d Location %q, headers %v", resp.StatusCode, resp.Header.Get("Location"), resp.Header)
	}
}

// TestAnotherProcessPublishes: PRONOTE.net's settings changed through a
// session of another back end on the same data folder (another console or
// a command) reach this stand-in's next requests within the store
// watcher's interval (0.5 s).
func TestAnotherProcessPublishes(t *testing.T) {
	f := newPubFixture(t, standin.Config{})
	ctx := context.Background()
	// The stand-in has read the establishment: its cache is warm.
	if w := do(f.h, "GET", "/"+f.number+"/professeur"); w.Code != 200 {
		t.Fatalf("before: %d", w.Code)
	}
	other := f.login(t, openBackend(t, f.dir))
	await := func(step, path string, code int, loc string) {
		t.Helper()
		start := time.Now()
		for {
			w := do(f.h, "GET", path)
			if w.Code == code && w.Header().Get("Location") == loc {
				// The watcher polls every 0.5 s; a loaded (race) test
				// machine gets some slack.
				if d := time.Since(start); d > 2*time.Second {
					t.Errorf("%s seen after %v", step, d)
				}
				return
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("%s never seen: %d %s", step, w.Code, w.Body)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	must(t, other.SetEspace(ctx, backend.EspaceProfesseur, false))
	await("an Espace unpublished", "/"+f.number+"/professeur", 404, "")
	must(t, other.SetPublished(ctx, false))
	await("publication stopped", "/"+f.number+"/", 503, "")
	must(t, other.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthCAS, ENT: "Toutatice", CASURL: "https://www.toutatice.fr/casshib"}))
	must(t, other.SetPublished(ctx, true))
	await("CAS", "/"+f.number+"/eleve", 302, serviceOf("https://www.toutatice.fr/casshib/login", f.number, "eleve"))
}
