package commands

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// versionCommands are `version [--json]` and `version pre-version` (SPEC
// §11, §16).
func (r *runner) versionCommands(root *cobra.Command) {
	version := r.leaf(root, &cobra.Command{
		Use:   "version [--json]",
		Short: "the PRONOTE version, the next one and the day of the automatic switch",
		Long: "The PRONOTE version the server runs; the next one, its pre-version window (6 to 20 July) and the day " +
			"of the automatic switch (one day from 21 to 24 August, drawn per establishment).",
		Args: func(c *cobra.Command, got []string) error {
			if len(got) > 0 {
				return unknownCommand(c, got[0])
			}
			return nil
		},
	}, r.runVersion)
	addJSON(version)
	r.leaf(version, &cobra.Command{
		Use:   "pre-version",
		Short: "switch now to the next version (6 to 20 July only)",
		Long: "\"Passer à la pré-version\": from 6 to 20 July, the switch to the next version happens at once: a backup, " +
			"last year's base archived, a new empty base of the new school year put in service. Refused outside that window, with the dates.",
		Args: args(),
	}, r.runPreVersion)
}

// versionJSON is `version --json`.
type versionJSON struct {
	Version         int       `json:"version"`
	Next            int       `json:"next"`
	SwitchAt        time.Time `json:"switch_at"`
	PreVersionFrom  time.Time `json:"pre_version_from"`
	PreVersionUntil time.Time `json:"pre_version_until"`
	CanRequest      bool      `json:"pre_version_open"`
}

func (r *runner) runVersion(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	v, err := bs.Version(c.Context())
	if err != nil {
		return &refusal{err: err}
	}
	if wantJSON(c) {
		return writeJSON(r.env.Stdout, versionJSON{Version: v.Version, Next: v.Next, SwitchAt: v.SwitchAt.UTC(),
			PreVersionFrom: v.PreVersionFrom.UTC(), PreVersionUntil: v.PreVersionUntil.UTC(), CanRequest: v.CanRequest})
	}
	pre := fmt.Sprintf("du %s au %s", fr.Date(v.PreVersionFrom), fr.Date(v.PreVersionUntil.Add(-time.Second)))
	if v.CanRequest {
		pre += " : ouverte maintenant (version pre-version)"
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Version            PRONOTE %d\nVersion suivante   PRONOTE %d\nPré-version        %s\nBascule automatique le %s\n",
		v.Version, v.Next, pre, fr.DateTime(v.SwitchAt))
	return err
}

func (r *runner) runPreVersion(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	if err := bs.RequestPreVersion(ctx); err != nil {
		return &refusal{err: err, perm: backend.PermServer}
	}
	st, err := bs.Status(ctx)
	if err != nil {
		return &refusal{err: err}
	}
	msg := st.Version + " : la bascule est faite."
	if st.InService != nil {
		msg += fmt.Sprintf(" La base « %s » (%s) est en service.", sanitize.Line(st.InService.Name), st.InService.Year)
	}
	_, err = fmt.Fprintln(r.env.Stdout, msg)
	return err
}
