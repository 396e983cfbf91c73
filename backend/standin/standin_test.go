package standin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
)

// fixture is a back end with two establishments: A's server in service, B's
// stopped.
type fixture struct {
	b          *backend.Backend
	a, bNumber string
	aName      string
	bName      string
	baseA      string
	spr        *backend.Session // A's SPR
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{DataDir: t.TempDir(), Clock: clock.NewFake(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris())),
		Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	mk := func(name string) (backend.Establishment, string) {
		est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: name, UAI: "0751234A",
			Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 50})
		if err != nil {
			t.Fatal(err)
		}
		return est, pw
	}
	a, pw := mk("Lycée Victor Hugo")
	other, _ := mk("Collège Jean Moulin")
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: a.HostingNumber, Password: pw, Invoice: a.Invoice})
	if err != nil {
		t.Fatal(err)
	}
	base, err := s.CreateBase(ctx, s.DefaultCreateBase())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	return &fixture{b: b, a: a.HostingNumber, bNumber: other.HostingNumber, aName: a.Name, bName: other.Name, baseA: base.Name, spr: s}
}

type observed struct {
	mu  sync.Mutex
	got []string
}

func (o *observed) observe(route string, code int, _ time.Duration) {
	o.mu.Lock()
	o.got = append(o.got, route+" "+http.StatusText(code))
	o.mu.Unlock()
}

func (f *fixture) handler(o *observed) *standin.Handler {
	cfg := standin.Config{Backend: f.b, BaseURL: "http://pronote.example:8080/"}
	if o != nil {
		cfg.Observe = o.observe
	}
	return standin.New(cfg)
}

// do sends a request with a raw target straight to the handler.
func do(h http.Handler, method, target string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "http://pronote.example:8080/", nil)
	r.RequestURI = target
	// As net/http reads a request line: no dot segment resolved.
	u, err := url.ParseRequestURI(target)
	if err != nil {
		panic(err)
	}
	r.URL = u
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestStandIn is the table of requests: status, and for every error a JSON
// {"error": "…"} in French.
func TestStandIn(t *testing.T) {
	f := newFixture(t)
	h := f.handler(nil)
	long := "/" + strings.Repeat("a", standin.MaxRequestURI)
	cases := []struct {
		method, target string
		code           int
		allow          string // Allow header of a 405
	}{
		{"GET", "/" + f.a + "/", 200, ""},
		{"HEAD", "/" + f.a + "/", 200, ""},
		{"GET", "/" + f.a + "/professeur", 200, ""},
		{"GET", "/" + f.a + "/parent", 200, ""},
		{"GET", "/" + f.a + "/eleve", 200, ""},
		{"HEAD", "/" + f.a + "/viescolaire", 200, ""},
		{"GET", "/" + f.a, 301, ""},
		{"GET", "/healthz", 200, ""},
		// B's server is stopped.
		{"GET", "/" + f.bNumber + "/", 503, ""},
		{"GET", "/" + f.bNumber + "/professeur", 503, ""},
		{"GET", "/" + f.bNumber + "/administration", 404, ""},
		// Unknown Espaces and deeper paths.
		{"GET", "/" + f.a + "/administration", 404, ""},
		{"GET", "/" + f.a + "/Professeur", 404, ""},
		{"GET", "/" + f.a + "/professeur/", 404, ""},
		{"GET", "/" + f.a + "/professeur/notes", 404, ""},
		{"GET", "/" + f.a + "/professeur?x=1", 200, ""},
		// Unknown and malformed numbers.
		{"GET", "/000000000000/", 404, ""},
		{"GET", "/000000000000", 404, ""},
		{"GET", "/12345/", 404, ""},
		{"GET", "/" + f.a + "0/", 404, ""},
		{"GET", "/" + f.a[:4] + "%20" + f.a[4:] + "/", 404, ""},
		{"GET", "/1234-5678-9012/", 404, ""},
		{"GET", "/", 404, ""},
		{"GET", "/favicon.ico", 404, ""},
		// Hostile paths: nothing of A from another path, no redirect.
		{"GET", "/" + f.bNumber + "/../" + f.a + "/", 404, ""},
		{"GET", "/" + f.bNumber + "/%2e%2e/" + f.a + "/", 404, ""},
		{"GET", "/" + f.bNumber + "%2F..%2F" + f.a + "/", 404, ""},
		{"GET", "/../" + f.a + "/", 404, ""},
		{"GET", "/./" + f.a + "/", 404, ""},
		{"GET", "//" + f.a + "/", 404, ""},
		{"GET", "/" + f.a + "//", 404, ""},
		{"GET", "/" + f.a + "/%00", 404, ""},
		{"GET", "/" + f.a + "%00/", 404, ""},
		{"GET", "/" + f.a + "/professeur%00", 404, ""},
		{"GET", "/" + f.a + "/professeur%0d%0aSet-Cookie:x", 404, ""},
		{"GET", "/" + f.a + "\\professeur", 404, ""},
		{"GET", long, 414, ""},
		{"GET", "/" + f.a + "/?" + strings.Repeat("q", standin.MaxRequestURI), 414, ""},
		// Methods.
		{"POST", "/" + f.a + "/", 405, "GET, HEAD"},
		{"PUT", "/" + f.a + "/professeur", 405, "GET, HEAD"},
		{"DELETE", "/" + f.a + "/professeur", 405, "GET, HEAD"},
		{"OPTIONS", "/" + f.a + "/", 405, "GET, HEAD"},
		{"TRACE", "/healthz", 405, "GET, HEAD"},
		{"POST", "/healthz", 405, "GET, HEAD"},
		{"POST", "/nothing/here/at/all", 404, ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+shorten(c.target), func(t *testing.T) {
			w := do(h, c.method, c.target)
			if w.Code != c.code {
				t.Fatalf("status %d, want %d; body %s", w.Code, c.code, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no nosniff")
			}
			if c.method == "HEAD" {
				return // net/http drops the body (TestOverTheWire)
			}
			if c.allow != "" && w.Header().Get("Allow") != c.allow {
				t.Errorf("Allow %q, want %q", w.Header().Get("Allow"), c.allow)
			}
			if w.Code >= 400 {
				var e struct {
					Error string `json:"error"`
				}
				dec := json.NewDecoder(w.Body)
				dec.DisallowUnknownFields()
				if err := dec.Decode(&e); err != nil || e.Error == "" || !utf8.ValidString(e.Error) {
					t.Fatalf("error body: %v %q", err, e.Error)
				}
				if strings.Contains(e.Error, "Not Found") || strings.Contains(e.Error, "Method Not Allowed") {
					t.Errorf("English error: %q", e.Error)
				}
			}
			if c.code != 200 && c.code != 301 && strings.Contains(w.Body.String(), f.aName) {
				t.Errorf("a refusal shows A's name: %s", w.Body)
			}
		})
	}
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// TestHomeListsTheEspaces: the home of A names A, its base in service and
// the four Espaces with their public URLs, and nothing of B.
func TestHomeListsTheEspaces(t *testing.T) {
	f := newFixture(t)
	w := do(f.handler(nil), "GET", "/"+f.a+"/")
	var home struct {
		Establishment string `json:"establishment"`
		HostingNumber string `json:"hosting_number"`
		BaseInService string `json:"base_in_service"`
		SchoolYear    string `json:"school_year"`
		Version       string `json:"version"`
		URL           string `json:"url"`
		Espaces       []struct {
			ID   string `json:"espace"`
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"espaces"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &home); err != nil {
		t.Fatal(err)
	}
	if home.Establishment != f.aName || home.HostingNumber != f.a || home.BaseInService != f.baseA || home.SchoolYear == "" ||
		home.URL != "http://pronote.example:8080/"+f.a+"/" {
		t.Fatalf("home %+v", home)
	}
	var ids []string
	for _, e := range home.Espaces {
		ids = append(ids, e.ID)
		if e.URL != "http://pronote.example:8080/"+f.a+"/"+e.ID || e.Name == "" {
			t.Errorf("espace %+v", e)
		}
	}
	if strings.Join(ids, ",") != "professeur,parent,eleve,viescolaire" {
		t.Errorf("espaces %v", ids)
	}
	if strings.Contains(w.Body.String(), f.bNumber) || strings.Contains(w.Body.String(), f.bName) {
		t.Error("A's home shows B")
	}
	w = do(f.handler(nil), "GET", "/"+f.a)
	if w.Header().Get("Location") != "/"+f.a+"/" {
		t.Errorf("redirect to %q", w.Header().Get("Location"))
	}
}

// TestStateFollowsTheConsole: stopping the server in the back end makes the
// stand-in answer 503 at once, with the French sentence.
func TestStateFollowsTheConsole(t *testing.T) {
	f := newFixture(t)
	h := f.handler(nil)
	if w := do(h, "GET", "/"+f.a+"/eleve"); w.Code != 200 {
		t.Fatalf("in service: %d", w.Code)
	}
	if err := f.spr.StopServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := do(h, "GET", "/"+f.a+"/eleve")
	if w.Code != 503 || !strings.Contains(w.Body.String(), "n'est pas en service") || w.Header().Get("Retry-After") == "" {
		t.Fatalf("stopped: %d %s", w.Code, w.Body)
	}
	if err := f.spr.PutInService(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w := do(h, "GET", "/"+f.a+"/"); w.Code != 200 {
		t.Fatalf("in service again: %d", w.Code)
	}
}

// TestHealthz: /healthz reports what Health says; 503 once stopping.
func TestHealthz(t *testing.T) {
	f := newFixture(t)
	status := "ok"
	h := standin.New(standin.Config{Backend: f.b, Health: func() standin.Health {
		return standin.Health{Status: status, Components: []standin.Component{
			{Name: "ssh", State: "running", Addr: "127.0.0.1:2222"},
			{Name: "scheduler", State: "standby", Detail: "another process"},
		}}
	}})
	w := do(h, "GET", "/healthz")
	var got standin.Health
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Code != 200 || len(got.Components) != 2 ||
		got.Components[1].State != "standby" || got.Components[0].Addr != "127.0.0.1:2222" {
		t.Fatalf("healthz %d %s (%v)", w.Code, w.Body, err)
	}
	status = "stopping"
	if w := do(h, "GET", "/healthz"); w.Code != 503 {
		t.Fatalf("stopping: %d", w.Code)
	}
	// Without Health: the stand-in alone.
	if w := do(standin.New(standin.Config{Backend: f.b}), "GET", "/healthz"); w.Code != 200 || !strings.Contains(w.Body.String(), `"http"`) {
		t.Fatalf("bare healthz %d %s", w.Code, w.Body)
	}
}

// failing is a back end whose reads fail.
type failing struct{ err error }

func (f failing) HostedServer(context.Context, string) (backend.HostedServer, error) {
	return backend.HostedServer{}, f.err
}

func TestBackendFailureIs500(t *testing.T) {
	h := standin.New(standin.Config{Backend: failing{errors.New("disk I/O error")}})
	w := do(h, "GET", "/123456789012/")
	if w.Code != 500 || !strings.Contains(w.Body.String(), "Erreur interne") || strings.Contains(w.Body.String(), "disk") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

// TestObserve: every request is reported once with its route and status.
func TestObserve(t *testing.T) {
	f := newFixture(t)
	var o observed
	h := f.handler(&o)
	do(h, "GET", "/"+f.a+"/")
	do(h, "GET", "/"+f.bNumber+"/professeur")
	do(h, "POST", "/"+f.a+"/")
	do(h, "GET", "/a/b/c")
	do(h, "GET", "/../x")
	want := []string{
		"GET /{number}/{$} OK",
		"GET /{number}/{espace} Service Unavailable",
		"unmatched Method Not Allowed",
		"unmatched Not Found",
		"unmatched Not Found",
	}
	if strings.Join(o.got, "|") != strings.Join(want, "|") {
		t.Fatalf("observed\n%v\nwant\n%v", o.got, want)
	}
}

// TestOverTheWire runs the stand-in behind its real http.Server: HEAD has no
// body, the limits hold, and a long header block is refused.
func TestOverTheWire(t *testing.T) {
	f := newFixture(t)
	srv := httptest.NewUnstartedServer(f.handler(nil))
	srv.Config = standin.NewServer(f.handler(nil), nil)
	srv.Start()
	defer srv.Close()
	if srv.Config.ReadHeaderTimeout == 0 || srv.Config.MaxHeaderBytes != standin.MaxHeaderBytes {
		t.Fatal("no limits")
	}
	resp, err := http.Head(srv.URL + "/" + f.a + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) != 0 {
		t.Fatalf("HEAD: %d, %d bytes", resp.StatusCode, len(body))
	}
	req, _ := http.NewRequest("GET", srv.URL+"/"+f.a+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("x", 64<<10))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB header: %d", resp.StatusCode)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.Get(srv.URL + "/" + f.bNumber + "/../" + f.a + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("dot-dot over the wire: %d", resp.StatusCode)
	}
}
