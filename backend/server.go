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
