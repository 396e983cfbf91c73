package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"

	"github.com/hebergement/console/backend/sanitize"
)

func newKeys(g *globals) *cobra.Command {
	keys := &cobra.Command{Use: "keys", Short: "SSH keys enrolled for the console"}
	keys.AddCommand(&cobra.Command{
		Use:     "list NUMBER",
		Short:   "List the SSH keys of an establishment, revoked ones included",
		Example: "  hebergement admin keys list 482913570264",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				list, err := b.Keys(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if len(list) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "No SSH key enrolled yet: the first `ssh -t` connection enrolls one.")
					return nil
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "FINGERPRINT\tNAME\tROLE\tADDED\tLAST USED\tSTATE")
				for _, k := range list {
					last, state := "never", "valid"
					if !k.LastUsedAt.IsZero() {
						last = k.LastUsedAt.Format("2006-01-02 15:04")
					}
					if !k.RevokedAt.IsZero() {
						state = "revoked " + k.RevokedAt.Format("2006-01-02")
					}
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", k.Fingerprint, sanitize.Line(k.Name), k.Role, k.AddedAt.Format("2006-01-02 15:04"), last, state)
				}
				return w.Flush()
			})
		},
	}, &cobra.Command{
		Use:     "revoke FINGERPRINT",
		Short:   "Revoke an SSH key: its next connection gets the enrollment screen",
		Example: "  hebergement admin keys revoke SHA256:3sAbq0oJ6Cj3vR2m7vQpX0oF4gV9yH1kL2mN5pQ8rT4",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				if err := b.RevokeKey(cmd.Context(), args[0], "operator"); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Key %s revoked.\n", args[0])
				return nil
			})
		},
	})
	return keys
}
