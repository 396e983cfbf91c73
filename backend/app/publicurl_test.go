package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
)

// Behind a proxy the stand-in's own answers give the public URL the consoles
// show, not the address it listens on.
func TestStandInAnswersWithThePublicURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := open(t, dir)
	ctx := context.Background()
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Collège", UAI: "0751234A", Email: "a@b.fr",
		Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(b, app.Config{DataDir: dir, HTTP: "127.0.0.1:0", PublicURL: "https://pronote.example.fr/"})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer func() { cancel(); a.Wait() }() //nolint:errcheck
	if err := a.Start(cctx); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + a.Addrs().HTTP + "/" + est.HostingNumber + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		URL     string `json:"url"`
		Espaces []struct {
			URL string `json:"url"`
		} `json:"espaces"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := "https://pronote.example.fr/" + est.HostingNumber + "/"
	if a.PublicURL() != "https://pronote.example.fr" || body.URL != want || len(body.Espaces) == 0 || body.Espaces[0].URL != want+"professeur" {
		t.Errorf("consoles are told %q; the stand-in answers %q, %+v; want %q", a.PublicURL(), body.URL, body.Espaces, want)
	}
}

// The process running the stand-in records its URL in the data folder while
// it runs, for the consoles beside it; what does not read as a URL there is
// not shown.
func TestStandInURLRecordedWhileItRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := open(t, dir)
	a, err := app.New(b, app.Config{DataDir: dir, HTTP: "127.0.0.1:0", PublicURL: "https://pronote.example.fr"})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := app.StandInURL(dir); got != "https://pronote.example.fr" {
		t.Errorf("recorded URL %q while running", got)
	}
	if err := a.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := app.StandInURL(dir); got != "" {
		t.Errorf("recorded URL %q after the stop", got)
	}
	for _, bad := range []string{"javascript:alert(1)\n", "https://x.org/\x1b[2J\n", "https://u:p@x.org\n", strings.Repeat("a", 5000)} {
		if err := os.WriteFile(filepath.Join(dir, app.StandInURLFile), []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if got := app.StandInURL(dir); got != "" {
			t.Errorf("%q read as %q", bad, got)
		}
	}
}
