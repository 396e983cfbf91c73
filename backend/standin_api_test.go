package backend_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hebergement/console/backend"
)

func TestHostedServer(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	other, _ := e.establish(t, school("Collège Jean Moulin"))

	hs, err := e.b.HostedServer(ctx, est.HostingNumber)
	if err != nil || hs.InService() || hs.State != backend.ServerStopped || hs.Name != "Lycée Victor Hugo" {
		t.Fatalf("stopped server: %+v, %v", hs, err)
	}
	base, err := s.CreateBase(ctx, s.DefaultCreateBase())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err = e.b.HostedServer(ctx, est.HostingNumber)
	if err != nil || !hs.InService() || hs.Base != base.Name || hs.Year != base.Year || hs.Version == "" {
		t.Fatalf("server in service: %+v, %v", hs, err)
	}
	if hs, err := e.b.HostedServer(ctx, other.HostingNumber); err != nil || hs.InService() || hs.Name != other.Name {
		t.Fatalf("the other establishment: %+v, %v", hs, err)
	}
	for _, n := range []string{"", "1234", est.HostingNumber + "0", " " + est.HostingNumber, "1234 5678 9012", "12345678901a"} {
		if _, err := e.b.HostedServer(ctx, n); !errors.Is(err, backend.ErrInvalidInput) {
			t.Errorf("HostedServer(%q): %v, want ErrInvalidInput", n, err)
		}
	}
	unknown := "000000000000"
	if unknown == est.HostingNumber || unknown == other.HostingNumber {
		unknown = "000000000001"
	}
	if _, err := e.b.HostedServer(ctx, unknown); !errors.Is(err, backend.ErrEstablishmentNotFound) || !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("unknown number: %v", err)
	}
}
