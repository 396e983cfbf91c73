package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/app"
)

// The hosted servers' metrics: the connection requests by outcome, the
// changes written and the connections held, read from the back end's own
// counters at each scrape.
func TestMetricsOfHostedConnections(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	ctx := context.Background()
	newEst := func(uai string) (backend.Establishment, *backend.Session) {
		est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Collège " + uai, UAI: uai, Email: "a@b.fr",
			Phone: "0612345678", AdminSeats: 1, TeacherSeats: 30})
		if err != nil {
			t.Fatal(err)
		}
		s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "x"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return est, s
	}
	est, s := newEst("0751234A")
	stopped, _ := newEst("0751235B")
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(b, full(dir, &syncBuffer{}))
	if err != nil {
		t.Fatal(err)
	}
	started(t, a)
	scrape := func() string {
		t.Helper()
		code, body := get(t, "http://"+a.Addrs().Metrics+"/metrics")
		if code != 200 {
			t.Fatalf("/metrics: %d", code)
		}
		return body
	}
	has := func(body string, lines ...string) {
		t.Helper()
		for _, l := range lines {
			if !strings.Contains(body, l+"\n") {
				t.Errorf("/metrics lacks %q", l)
			}
		}
	}
	has(scrape(),
		`hebergement_hosted_connection_requests_total{outcome="admitted"} 0`,
		`hebergement_hosted_connection_requests_total{outcome="no_licence"} 0`,
		`hebergement_hosted_connection_requests_total{outcome="not_in_service"} 0`,
		`hebergement_hosted_changes_total 0`,
		`hebergement_hosted_connections_held 0`,
		`# TYPE hebergement_hosted_connection_requests_total counter`,
		`# TYPE hebergement_hosted_changes_total counter`,
		`# TYPE hebergement_hosted_connections_held gauge`,
	)

	connect := func(number, user, mode string) (backend.Connection, error) {
		return b.Connect(ctx, number, backend.ConnectRequest{User: user, Mode: mode, Addr: "192.0.2.1"})
	}
	c, err := connect(est.HostingNumber, "Mme MARTIN", "administratif")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := connect(est.HostingNumber, "M. DUPONT", "enseignant"); err != nil {
		t.Fatal(err)
	}
	if _, err := connect(est.HostingNumber, "M. LEROY", "administratif"); err == nil {
		t.Fatal("a second administratif seat out of 1")
	}
	if _, err := connect(stopped.HostingNumber, "M. DURAND", "parent"); err == nil {
		t.Fatal("a connection to a stopped server")
	}
	for _, what := range []string{"note de maths 3e B", "absence de M. DURAND"} {
		if _, err := b.RecordChange(ctx, est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: what}); err != nil {
			t.Fatal(err)
		}
	}
	has(scrape(),
		`hebergement_hosted_connection_requests_total{outcome="admitted"} 2`,
		`hebergement_hosted_connection_requests_total{outcome="no_licence"} 1`,
		`hebergement_hosted_connection_requests_total{outcome="not_in_service"} 1`,
		`hebergement_hosted_changes_total 2`,
		`hebergement_hosted_connections_held 2`,
	)

	// A disconnection frees a connection; a stop, every other one.
	if err := b.Disconnect(ctx, est.HostingNumber, c.ID); err != nil {
		t.Fatal(err)
	}
	has(scrape(), `hebergement_hosted_connections_held 1`)
	if err := s.StopServer(ctx); err != nil {
		t.Fatal(err)
	}
	has(scrape(),
		`hebergement_hosted_connections_held 0`,
		`hebergement_hosted_connection_requests_total{outcome="admitted"} 2`,
	)
}
