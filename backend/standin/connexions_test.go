package standin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
)

// schools is a back end with two establishments whose servers are in
// service, each with 2 administratif seats, and the stand-in over them.
type schools struct {
	b       *backend.Backend
	clock   *clock.Fake
	h       http.Handler
	numbers [2]string
	spr     [2]*backend.Session
}

func newSchools(t testing.TB) *schools {
	t.Helper()
	ctx := context.Background()
	c := clock.NewFake(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris()))
	b, err := backend.Open(ctx, backend.Options{DataDir: t.TempDir(), Clock: c, Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	// Every request of httptest comes from one address: no per-address
	// limit here (TestClientRate tests it), so that the fuzzing reaches the
	// decoder.
	s := &schools{b: b, clock: c, h: standin.New(standin.Config{Backend: b, BaseURL: "http://pronote.example", ClientRate: -1})}
	for i, name := range []string{"Lycée Victor Hugo", "Collège Jean Moulin"} {
		est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: name, UAI: "0751234A",
			Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: 2, TeacherSeats: 30})
		if err != nil {
			t.Fatal(err)
		}
		spr, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := spr.CreateBase(ctx, spr.DefaultCreateBase()); err != nil {
			t.Fatal(err)
		}
		if err := spr.PutInService(ctx); err != nil {
			t.Fatal(err)
		}
		s.numbers[i], s.spr[i] = est.HostingNumber, spr
	}
	return s
}

// do sends one request and returns the status and the decoded JSON body
// (nil for an empty one); every answer with a body must be JSON.
func (s *schools) do(t testing.TB, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Body.Len() == 0 {
		return rec.Code, nil
	}
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, out
}

func (s *schools) connect(t testing.TB, i int, user, group, mode string) (int, string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"user": user, "group": group, "mode": mode})
	code, out := s.do(t, "POST", "/"+s.numbers[i]+"/connexions", string(body))
	id, _ := out["id"].(string)
	return code, id
}

// TestConnectionLifecycle: connect (201), heartbeat (204), change (201),
// leave (204), then the heartbeat gets 404; a full mode gets 429 with the
// French reason; a stopped server, 503 for a new connection and 404 for a
// heartbeat of the connections it held.
func TestConnectionLifecycle(t *testing.T) {
	s := newSchools(t)
	n := s.numbers[0]
	code, id := s.connect(t, 0, "M. DUPONT", "Professeurs", "administratif")
	if code != http.StatusCreated || len(id) != 32 {
		t.Fatalf("connect: %d %q", code, id)
	}
	if code, _ := s.do(t, "POST", "/"+n+"/connexions/"+id+"/heartbeat", ""); code != http.StatusNoContent {
		t.Fatalf("heartbeat: %d", code)
	}
	code, out := s.do(t, "POST", "/"+n+"/saisies", `{"connexion":"`+id+`","what":"note de maths 3e B"}`)
	if code != http.StatusCreated || out["id"] == nil {
		t.Fatalf("saisie: %d %v", code, out)
	}
	if code, _ := s.connect(t, 0, "Mme MARTIN", "Administration", "administratif"); code != http.StatusCreated {
		t.Fatalf("second seat: %d", code)
	}
	code, out = s.do(t, "POST", "/"+n+"/connexions", `{"user":"M. DURAND","mode":"administratif"}`)
	if code != http.StatusTooManyRequests || !strings.Contains(fmt.Sprint(out["error"]), "licences du mode administratif") {
		t.Fatalf("third seat of two: %d %v", code, out)
	}
	if code, _ := s.do(t, "DELETE", "/"+n+"/connexions/"+id, ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, _ := s.do(t, "POST", "/"+n+"/connexions/"+id+"/heartbeat", ""); code != http.StatusNotFound {
		t.Fatalf("heartbeat after delete: %d", code)
	}
	code, id = s.connect(t, 0, "M. DURAND", "", "enseignant")
	if code != http.StatusCreated {
		t.Fatalf("teacher: %d", code)
	}
	if err := s.spr[0].StopServer(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.do(t, "POST", "/"+n+"/connexions/"+id+"/heartbeat", ""); code != http.StatusNotFound {
		t.Fatalf("heartbeat after the server stopped: %d", code)
	}
	if code, _ := s.connect(t, 0, "M. DURAND", "", "enseignant"); code != http.StatusServiceUnavailable {
		t.Fatalf("connect while stopped: %d", code)
	}
	// A silent connection of the other school expires after 5 minutes.
	_, id = s.connect(t, 1, "M. DUPONT", "", "parent")
	s.clock.Advance(5 * time.Minute)
	if code, _ := s.do(t, "POST", "/"+s.numbers[1]+"/connexions/"+id+"/heartbeat", ""); code != http.StatusNotFound {
		t.Fatalf("heartbeat after 5 min of silence: %d", code)
	}
}

// TestHostileClients: each bad request gets its JSON error and status, and
// nothing changes: no connection held, no change recorded.
func TestHostileClients(t *testing.T) {
	s := newSchools(t)
	a, b := s.numbers[0], s.numbers[1]
	_, idA := s.connect(t, 0, "M. DUPONT", "Professeurs", "enseignant")
	big := `{"user":"` + strings.Repeat("A", standin.MaxBody) + `","mode":"parent"}`
	cases := []struct {
		name, method, path, body string
		code                     int
		says                     string
	}{
		{"malformed JSON", "POST", "/" + a + "/connexions", `{"user":`, 400, "illisible"},
		{"not an object", "POST", "/" + a + "/connexions", `["M. X"]`, 400, "illisible"},
		{"two objects", "POST", "/" + a + "/connexions", `{"user":"X","mode":"parent"}{"user":"Y","mode":"parent"}`, 400, "illisible"},
		{"unknown field", "POST", "/" + a + "/connexions", `{"user":"X","mode":"parent","admin":true}`, 400, `"admin"`},
		{"wrong type", "POST", "/" + a + "/connexions", `{"user":42,"mode":"parent"}`, 400, "illisible"},
		{"over 64 KiB", "POST", "/" + a + "/connexions", big, 400, "64 Kio"},
		{"a key in capitals", "POST", "/" + a + "/connexions", `{"User":"X","mode":"parent"}`, 400, `"User"`},
		{"a key twice", "POST", "/" + a + "/connexions", `{"user":"X","user":"Y","mode":"parent"}`, 400, "double"},
		{"null user", "POST", "/" + a + "/connexions", `{"user":null,"mode":"parent"}`, 400, "utilisateur"},
		{"a nested object", "POST", "/" + a + "/connexions", `{"user":{"a":1},"mode":"parent"}`, 400, "illisible"},
		{"unknown mode", "POST", "/" + a + "/connexions", `{"user":"X","mode":"root"}`, 400, "Mode inconnu"},
		{"no user", "POST", "/" + a + "/connexions", `{"mode":"parent"}`, 400, "utilisateur"},
		{"empty user", "POST", "/" + a + "/connexions", `{"user":"  ","mode":"parent"}`, 400, "utilisateur"},
		{"control characters", "POST", "/" + a + "/connexions", `{"user":"\u001b]0;pwn\u0007X","mode":"parent"}`, 400, "utilisateur"},
		{"invalid UTF-8", "POST", "/" + a + "/connexions", "{\"user\":\"\xff\xfe\",\"mode\":\"parent\"}", 400, ""},
		{"long group", "POST", "/" + a + "/connexions", `{"user":"X","group":"` + strings.Repeat("g", 101) + `","mode":"parent"}`, 400, "groupe"},
		{"unknown number", "POST", "/000000000000/connexions", `{"user":"X","mode":"parent"}`, 404, "Aucun établissement"},
		{"malformed number", "POST", "/12345/connexions", `{"user":"X","mode":"parent"}`, 404, "Aucun établissement"},
		{"another school's connection", "POST", "/" + b + "/connexions/" + idA + "/heartbeat", "", 404, "connexion"},
		{"another school's connection, delete", "DELETE", "/" + b + "/connexions/" + idA, "", 404, "connexion"},
		{"another school's connection, change", "POST", "/" + b + "/saisies", `{"connexion":"` + idA + `","what":"x"}`, 404, "connexion"},
		{"malformed id", "POST", "/" + a + "/connexions/../heartbeat", "", 404, ""},
		{"not an id", "DELETE", "/" + a + "/connexions/zzz", "", 404, "connexion"},
		{"change without connection", "POST", "/" + a + "/saisies", `{"what":"x"}`, 400, "Connexion manquante"},
		{"empty change", "POST", "/" + a + "/saisies", `{"connexion":"` + idA + `","what":" "}`, 400, "Saisie"},
		{"escape sequence in a change", "POST", "/" + a + "/saisies", `{"connexion":"` + idA + `","what":"\u001b[2Jx"}`, 400, "Saisie"},
		{"only invisible characters", "POST", "/" + a + "/connexions", `{"user":"\u200b\u202e","mode":"parent"}`, 400, "utilisateur"},
		{"a Hangul filler", "POST", "/" + a + "/connexions", `{"user":"\u3164\ufe0f","mode":"parent"}`, 400, "utilisateur"},
		{"huge change", "POST", "/" + a + "/saisies", `{"connexion":"` + idA + `","what":"` + strings.Repeat("x", 5000) + `"}`, 400, "Saisie"},
		{"GET the connections", "GET", "/" + a + "/connexions", "", 405, "POST"},
		{"DELETE the connections", "DELETE", "/" + a + "/connexions", "", 405, "POST"},
		{"PUT the changes", "PUT", "/" + a + "/saisies", "", 405, "POST"},
		{"PUT a connection", "PUT", "/" + a + "/connexions/" + idA, "", 405, ""},
		{"GET a heartbeat", "GET", "/" + a + "/connexions/" + idA + "/heartbeat", "", 405, ""},
	}
	for _, c := range cases {
		code, out := s.do(t, c.method, c.path, c.body)
		msg, _ := out["error"].(string)
		if code != c.code || (c.code >= 400 && msg == "") || !strings.Contains(msg, c.says) {
			t.Errorf("%s: %d %q, want %d saying %q", c.name, code, msg, c.code, c.says)
		}
	}
	v, err := s.spr[0].Connections(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Conns) != 1 || v.Conns[0].ID != idA {
		t.Fatalf("after the hostile requests, A holds %d connections", len(v.Conns))
	}
	st, err := s.spr[0].Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ch, _ := s.b.Changes(context.Background(), st.InService.ID, 0, 0); len(ch) != 0 {
		t.Fatalf("a hostile request recorded %d changes", len(ch))
	}
	// The connection of A is still A's.
	if code, _ := s.do(t, "POST", "/"+a+"/connexions/"+idA+"/heartbeat", ""); code != http.StatusNoContent {
		t.Fatalf("A's own heartbeat: %d", code)
	}
}

// FuzzConnectBody: whatever the body, the stand-in answers JSON with a
// known status and never panics.
func FuzzConnectBody(f *testing.F) {
	for _, seed := range []string{`{"user":"M. X","group":"Administration","mode":"administratif"}`, `{"user":`, `[]`, `null`,
		`{"user":"a","mode":"parent","x":1}`, `{"user":"\u0000","mode":"eleve"}`, `{} {}`, `"str"`, `{"user":["a"],"mode":"parent"}`} {
		f.Add(seed)
	}
	s := newSchools(f)
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/" + s.numbers[0] + "/connexions", "/" + s.numbers[1] + "/saisies"} {
			req := httptest.NewRequest("POST", path, bytes.NewBufferString(body))
			rec := httptest.NewRecorder()
			s.h.ServeHTTP(rec, req)
			switch rec.Code {
			case 201, 400, 404, 429:
			default:
				t.Fatalf("%s %q: status %d", path, body, rec.Code)
			}
			data, _ := io.ReadAll(rec.Body)
			if !json.Valid(data) {
				t.Fatalf("%s %q: not JSON: %q", path, body, data)
			}
			if rec.Code == 201 {
				var out map[string]any
				json.Unmarshal(data, &out) //nolint:errcheck // valid above
				if id, ok := out["id"].(string); ok {
					s.do(t, "DELETE", "/"+s.numbers[0]+"/connexions/"+id, "")
				}
			}
		}
	})
}

// TestClientRate: one address looping on POST …/connexions is slowed down
// with 429 past its burst; another address is not.
func TestClientRate(t *testing.T) {
	s := newSchools(t)
	s.h = standin.New(standin.Config{Backend: s.b, ClientRate: 1}) // bursts of 10
	limited := 0
	for range 30 {
		if code, id := s.connect(t, 0, "E", "", "eleve"); code == http.StatusTooManyRequests {
			limited++
		} else if code == http.StatusCreated {
			s.do(t, "DELETE", "/"+s.numbers[0]+"/connexions/"+id, "")
		}
	}
	if limited < 15 {
		t.Fatalf("%d of 30 fast connections slowed down", limited)
	}
	req := httptest.NewRequest("POST", "/"+s.numbers[0]+"/connexions", strings.NewReader(`{"user":"E","mode":"eleve"}`))
	req.RemoteAddr = "198.51.100.99:4000"
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusCreated {
		t.Fatalf("another address: %d", rec.Code)
	}
	// The addresses of one IPv6 /64 share a bucket.
	limited = 0
	for i := range 30 {
		req := httptest.NewRequest("POST", "/"+s.numbers[0]+"/connexions", strings.NewReader(`{"user":"E","mode":"eleve"}`))
		req.RemoteAddr = fmt.Sprintf("[2001:db8:1:2::%x]:4000", i+1)
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, req)
		if rec.Code == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited < 15 {
		t.Fatalf("%d of 30 connections from one /64 slowed down", limited)
	}
}
