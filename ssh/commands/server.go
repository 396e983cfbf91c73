package commands

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// serveur mettre-en-service, arreter: the server's lifecycle.

func (r *runner) serverCommands(root *cobra.Command) {
	g := r.group(root, "serveur", "put the PRONOTE server in service or stop it")

	r.leaf(g, &cobra.Command{
		Use:   "mettre-en-service",
		Short: "start serving the opened base",
		Long:  "Put the server in service on the opened base (\"Mettre en service\").",
		Args:  args(),
	}, r.runStart)

	arreter := r.leaf(g, &cobra.Command{
		Use:   "arreter -y",
		Short: "stop the server; the opened base stays opened",
		Long:  "Stop the server (\"Arrêter le serveur\"): users are disconnected; the opened base stays opened. --oui (-y) is required.",
		Args:  args(),
	}, r.runStop)
	addConfirm(arreter)
}

func (r *runner) runStart(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	if err := bs.PutInService(ctx); err != nil {
		return err
	}
	st, err := bs.Status(ctx)
	if err != nil {
		return err
	}
	if st.InService == nil { // stopped again meanwhile, from another session
		_, err = fmt.Fprintln(r.env.Stdout, "Le serveur a été mis en service.")
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Le serveur est en service sur la base %s (%s, n° %d).\n",
		sanitize.Line(st.InService.Name), st.InService.Year, st.InService.ID)
	return err
}

func (r *runner) runStop(c *cobra.Command, _ []string) error {
	if err := confirmed(c, "stops the server and disconnects its users"); err != nil {
		return err
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	// Those the stop disconnects, counted just before it: a user who
	// connects or leaves in between is not told apart.
	n, cerr := bs.ConnectedUsers(ctx)
	if err := bs.StopServer(ctx); err != nil {
		return err
	}
	if cerr != nil {
		_, err = fmt.Fprintln(r.env.Stdout, "Le serveur est arrêté ; la base ouverte le reste.")
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Le serveur est arrêté ; %s ; la base ouverte le reste.\n", disconnected(n))
	return err
}

// disconnected says how many users a stop disconnected.
func disconnected(n int) string {
	switch n {
	case 0:
		return "aucun utilisateur n'était connecté"
	case 1:
		return "1 utilisateur déconnecté"
	}
	return fmt.Sprintf("%s utilisateurs déconnectés", fr.Count(n))
}
