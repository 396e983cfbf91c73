package backend

import (
	"context"
	"errors"
	"fmt"

	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

// HostedServer is what the stand-in of the hosted server (SPEC §8) reads of
// one establishment to answer the public: its name and its server's state,
// never a secret, a contact or another establishment.
type HostedServer struct {
	HostingNumber string
	Name          string
	State         ServerState
	// Version is the PRONOTE version the server runs, e.g. "PRONOTE 2026".
	Version string
	// Base and Year are the base in service's name and school year; empty
	// while the server is stopped.
	Base string
	Year hostfile.SchoolYear
}

// HostedServer reads, in one read transaction and without a session, the
// public state of the server of the establishment whose hosting number is
// exactly number (12 digits: unlike a login, no spaces are dropped, since it
// comes from a URL). It returns ErrInvalidInput for a malformed number and
// ErrEstablishmentNotFound for an unknown one.
func (b *Backend) HostedServer(ctx context.Context, number string) (HostedServer, error) {
	if !reHosting.MatchString(number) {
		return HostedServer{}, fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	}
	var hs HostedServer
	err := b.store.Read(ctx, func(tx store.Tx) error {
		e, err := tx.EstablishmentByNumber(number)
		if err != nil {
			return err
		}
		hs = HostedServer{HostingNumber: e.HostingNumber, Name: e.Name, State: ServerState(e.ServerState),
			Version: fmt.Sprintf("PRONOTE %d", e.Version)}
		if hs.State != ServerRunning || e.OpenedBaseID == 0 {
			return nil
		}
		row, err := tx.Base(e.ID, e.OpenedBaseID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("establishment %d: its opened base %d is missing", e.ID, e.OpenedBaseID)
		}
		if err != nil {
			return err
		}
		hs.Base, hs.Year = row.Name, hostfile.SchoolYear(row.SchoolYear)
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return HostedServer{}, fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, number)
	}
	if err != nil {
		return HostedServer{}, err
	}
	return hs, nil
}

// InService reports whether the server serves a base (PRONOTE.net answers).
func (h HostedServer) InService() bool { return h.State == ServerRunning && h.Base != "" }
