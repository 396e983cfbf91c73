package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/standin"
)

// TestServeEduConnectURLFlag: serve refuses a bad --educonnect-url at start
// and lists the flag with its default.
func TestServeEduConnectURLFlag(t *testing.T) {
	for _, bad := range []string{"javascript:alert(1)", "ftp://educonnect.test", "https://", "https://u:p@educonnect.test",
		"https://educonnect.test/?a=1", "https://educonnect.test/#f", "https://educonnect.test/\r\nX: y", "educonnect.test"} {
		if _, err := run(t, t.TempDir(), "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics", "",
			"--educonnect-url", bad); err == nil || !strings.Contains(err.Error(), "--educonnect-url") {
			t.Errorf("--educonnect-url %q: %v", bad, err)
		}
	}
	out, err := run(t, t.TempDir(), "serve", "--help")
	if err != nil || !strings.Contains(out, "--educonnect-url ") || !strings.Contains(out, standin.DefaultEduConnectURL) {
		t.Errorf("serve --help: %v\n%s", err, out)
	}
}

// TestServePublication: serve's stand-in follows PRONOTE.net's settings
// changed by another back end on its data folder (a console or a command
// of another process): publication stopped is 503, and ÉduConnect a 302 to
// --educonnect-url with the Espace's public URL as service, as curl sees
// them.
func TestServePublication(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{DataDir: dir, Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}

	out, _, _, done, result := serveInBackground(t, "--data", dir, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--metrics", "", "--educonnect-url", "http://educonnect.test:9000/sso/login")
	base := waitOutput(t, out, regexp.MustCompile(`PRONOTE\.net stand-in: (http://127\.0\.0\.1:[0-9]+)/HOSTING-NUMBER/`), done, result)[1]
	espace := base + "/" + est.HostingNumber + "/eleve"
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (int, string, string) {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	await := func(step, u string, code int, loc, text string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, l, body := get(u)
			if c == code && l == loc && strings.Contains(body, text) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d %q %s", step, c, l, body)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	await("published", espace, 200, "", "Espace Élèves")
	if err := s.SetPublished(ctx, false); err != nil {
		t.Fatal(err)
	}
	await("publication stopped", base+"/"+est.HostingNumber+"/", 503, "", "La publication est arrêtée")
	if err := s.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthEduConnect}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetPublished(ctx, true); err != nil {
		t.Fatal(err)
	}
	await("ÉduConnect", espace, 302, "http://educonnect.test:9000/sso/login?service="+url.QueryEscape(espace), "")
}
