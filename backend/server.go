package backend

import (
	"context"

	"github.com/hebergement/console/backend/store"
)

// PutInService is "Mettre en service": the server starts on the opened base.
func (s *Session) PutInService(ctx context.Context) error {
	return s.act(ctx, PermServer, TopicBases|TopicServer, "server.start", "", func(tx store.Tx, e store.Establishment) (string, error) {
		switch {
		case e.ServerState == string(ServerRunning):
			return "", ErrAlreadyRunning
		case e.OpenedBaseID == 0:
			return "", ErrNoOpenedBase
		}
		b, err := tx.Base(s.estID, e.OpenedBaseID)
		if err != nil {
			return "", err
		}
		if err := tx.StartPeriod(b.ID, s.b.clock.Now()); err != nil {
			return "", err
		}
		return b.Name, tx.SetServer(s.estID, string(ServerRunning), b.ID)
	})
}

// StopServer is "Arrêter le serveur": the server stops; the opened base stays
// opened, and its service period ends.
func (s *Session) StopServer(ctx context.Context) error {
	return s.act(ctx, PermServer, TopicBases|TopicServer, "server.stop", "", func(tx store.Tx, e store.Establishment) (string, error) {
		if e.ServerState != string(ServerRunning) {
			return "", ErrServerStopped
		}
		if err := tx.EndOpenPeriods(s.estID, s.b.clock.Now()); err != nil {
			return "", err
		}
		return "", tx.SetServer(s.estID, string(ServerStopped), e.OpenedBaseID)
	})
}

// stopIn stops the running server inside another action's transaction (open
// or create a base once the user agreed to stop it): the service period
// ends, and the stop has its own journal line, as "Arrêter le serveur"
// would.
func (s *Session) stopIn(tx store.Tx, e store.Establishment) error {
	now := s.b.clock.Now()
	if err := tx.EndOpenPeriods(s.estID, now); err != nil {
		return err
	}
	if err := tx.SetServer(s.estID, string(ServerStopped), e.OpenedBaseID); err != nil {
		return err
	}
	return tx.AppendJournal(&store.JournalEntry{EstablishmentID: s.estID, At: now, Actor: s.actor, Addr: s.addr,
		Action: "server.stop", OK: true})
}
