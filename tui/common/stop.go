package common

import (
	"context"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
)

// StopBody is what every confirmation that stops the server says: how many
// users it will disconnect (ConnectedUsers, read when the confirmation
// opens); n < 0 when that count is not known here.
func StopBody(n int) string {
	switch {
	case n < 0:
		return "Arrêter le serveur ? Toutes les connexions des utilisateurs seront fermées."
	case n == 0:
		return "Arrêter le serveur ? Aucun utilisateur n'est connecté."
	case n == 1:
		return "Arrêter le serveur ? 1 utilisateur connecté sera déconnecté."
	}
	return "Arrêter le serveur ? " + fr.Count(n) + " utilisateurs connectés seront déconnectés."
}

// ConnectedUsers is how many users the server holds, -1 when it cannot be
// read or when it reads 0 in a process that does not hold the live
// connections (a local console beside a serve): "nobody" would be a guess.
func ConnectedUsers(ctx context.Context, sess *backend.Session) int {
	n, err := sess.ConnectedUsers(ctx)
	if err != nil || (n == 0 && !sess.HoldsConnections()) {
		return -1
	}
	return n
}
