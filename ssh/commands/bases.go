package commands

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend/sanitize"
)

// base ouvrir, creer, supprimer: the actions of the Autres bases tab.

func (r *runner) baseCommands(root *cobra.Command) {
	g := r.group(root, "base", "open, create or delete a base")

	r.leaf(g, &cobra.Command{
		Use:   "ouvrir NOM|ID",
		Short: "make a base the server's opened base (server stopped)",
		Long: "Make a base the opened base of the server (\"Ouvrir cette base\"); put it in service with " +
			"`serveur mettre-en-service`. The server must be stopped. NOM|ID is the base's n° or its exact name.",
		Args: args("NOM|ID"),
	}, r.runOpen)

	var year yearValue
	var grid gridValue
	creer := r.leaf(g, &cobra.Command{
		Use:   "creer [--annee 2026-2027] [--grille 08:00-18:00/60/1,2,3,4,5]",
		Short: "create an empty base and open it (server stopped)",
		Long: "Create an empty base of a school year with its timetable grid, and open it (\"Créer une base\"). " +
			"The server must be stopped. Without --annee, the school year under way (from July, the coming one); " +
			"without --grille, 08:00-18:00/60/1,2,3,4,5.",
		Args: args(),
	}, func(c *cobra.Command, _ []string) error { return r.runCreate(c, year, grid) })
	creer.Flags().Var(&year, "annee", "school year, two following years (default: the year under way; from July, the coming one)")
	creer.Flags().Var(&grid, "grille", "timetable grid HH:MM-HH:MM/SLOTMINUTES/DAYS, days 1=Monday..7=Sunday (default 08:00-18:00/60/1,2,3,4,5)")

	supprimer := r.leaf(g, &cobra.Command{
		Use:   "supprimer NOM|ID -y",
		Short: "delete a base that is not the opened base",
		Long:  "Delete a base and its annexes. The opened base cannot be deleted: open another one first. This cannot be undone: --oui (-y) is required.",
		Args:  args("NOM|ID"),
	}, r.runDelete)
	addConfirm(supprimer)
}

func (r *runner) runOpen(c *cobra.Command, a []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	b, err := resolveBase(ctx, bs, a[0])
	if err != nil {
		return err
	}
	if err := bs.OpenBase(ctx, b.ID); err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Base ouverte : %s (%s, n° %d). Mettez-la en service avec « serveur mettre-en-service ».\n",
		sanitize.Line(b.Name), b.Year, b.ID)
	return err
}

func (r *runner) runCreate(c *cobra.Command, year yearValue, grid gridValue) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	req := bs.DefaultCreateBase()
	if year.set {
		req.Year = year.year
	}
	if grid.set {
		req.Grid = grid.grid
	}
	b, err := bs.CreateBase(c.Context(), req)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Base créée et ouverte : %s (%s, n° %d), grille %s.\n",
		sanitize.Line(b.Name), b.Year, b.ID, b.Grid.French())
	return err
}

func (r *runner) runDelete(c *cobra.Command, a []string) error {
	if err := confirmed(c, "deletes a base and its annexes"); err != nil {
		return err
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	b, err := resolveBase(ctx, bs, a[0])
	if err != nil {
		return err
	}
	if err := bs.DeleteBase(ctx, b.ID); err != nil {
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Base supprimée : %s (%s, n° %d).\n", sanitize.Line(b.Name), b.Year, b.ID)
	return err
}
