package backend

import (
	"context"
	"errors"
	"fmt"

	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/seats"
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
	// Publication is PRONOTE.net's settings: whether the base is
	// published, which Espaces, and the authentication (the CAS server's
	// URL is public: users are sent there).
	Publication Publication
}

// HostedServer is the public state of the server of the establishment
// whose hosting number is exactly number (12 digits: unlike a login, no
// spaces are dropped, since it comes from a URL), read from the store once
// per revision of the establishment (hostedCache). It returns
// ErrInvalidInput for a malformed number and ErrEstablishmentNotFound for
// an unknown one.
func (b *Backend) HostedServer(ctx context.Context, number string) (HostedServer, error) {
	e, err := b.hosted.get(ctx, number)
	if err != nil {
		return HostedServer{}, err
	}
	return e.hs, nil
}

// loadHosted reads, in one read transaction and without a session, what
// the stand-in needs of one establishment: its public state, its seats and
// the service period its server is in.
func (b *Backend) loadHosted(ctx context.Context, number string) (*hostedEntry, error) {
	if !reHosting.MatchString(number) {
		return nil, fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	}
	var he hostedEntry
	err := b.store.Read(ctx, func(tx store.Tx) error {
		e, err := tx.EstablishmentByNumber(number)
		if err != nil {
			return err
		}
		he = hostedEntry{estID: e.ID, rev: e.Revision, run: seats.Period{Rev: e.Revision},
			lim: seats.Limits{Admin: e.AdminSeats, Reserved: e.ReservedSeats, Teacher: e.TeacherSeats}}
		he.hs = HostedServer{HostingNumber: e.HostingNumber, Name: e.Name, State: ServerState(e.ServerState),
			Version: fmt.Sprintf("PRONOTE %d", e.Version)}
		p, err := tx.Publication(e.ID)
		if err != nil {
			return err
		}
		he.hs.Publication = toPublication(p, he.hs.State == ServerRunning)
		if he.hs.State != ServerRunning || e.OpenedBaseID == 0 {
			return nil
		}
		row, err := tx.Base(e.ID, e.OpenedBaseID)
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("establishment %d: its opened base %d is missing", e.ID, e.OpenedBaseID)
		}
		if err != nil {
			return err
		}
		he.hs.Base, he.hs.Year, he.baseID = row.Name, hostfile.SchoolYear(row.SchoolYear), row.ID
		periods, err := tx.Periods(e.ID)
		if err != nil {
			return err
		}
		for _, p := range periods {
			if p.To.IsZero() && p.BaseID == row.ID && p.ID > he.run.ID {
				he.run.ID = p.ID
			}
		}
		if he.run.ID == 0 { // a server in service has its open period; never 0 for the broker
			he.run.ID = -1
		}
		return nil
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, number)
	}
	if err != nil {
		return nil, err
	}
	return &he, nil
}

// InService reports whether the server serves a base (PRONOTE.net answers).
func (h HostedServer) InService() bool { return h.State == ServerRunning && h.Base != "" }
