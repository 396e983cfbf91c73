package commands

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// journal: who did what, when, with what outcome.

func (r *runner) journalCommands(root *cobra.Command) {
	var since dateValue
	var limit limitValue
	j := r.leaf(root, &cobra.Command{
		Use:   "journal [--json] [--depuis DATE] [--limite N]",
		Short: "the journal of the establishment, newest first",
		Long: "The journal of the establishment, newest first: every action, done or refused, with who did it. " +
			"Without --depuis, from the start; without --limite, every entry.",
		Args: args(),
	}, func(c *cobra.Command, _ []string) error { return r.runJournal(c, since, limit) })
	addJSON(j)
	j.Flags().Var(&since, "depuis", "entries from this day (midnight, Paris time) or RFC 3339 instant on")
	j.Flags().Var(&limit, "limite", "at most N entries, the newest")
}

// journalJSON is a journal entry in JSON.
type journalJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Addr   string    `json:"from"`
	Action string    `json:"action"`
	Detail string    `json:"detail"`
	OK     bool      `json:"ok"`
}

func (r *runner) runJournal(c *cobra.Command, since dateValue, limit limitValue) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	entries, err := bs.Journal(c.Context(), backend.JournalQuery{Since: since.t, Limit: limit.n})
	if err != nil {
		return &refusal{err: err, perm: backend.PermJournal}
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]journalJSON, len(entries))
		for i, e := range entries {
			out[i] = journalJSON{At: e.At, Actor: e.Actor, Addr: e.Addr, Action: e.Action, Detail: e.Detail, OK: e.OK}
		}
		return writeJSON(w, map[string]any{"entries": out})
	}
	fmt.Fprintf(w, "Journal (%d)\n", len(entries))
	if len(entries) == 0 {
		return nil
	}
	rows := make([][]string, len(entries))
	for i, e := range entries {
		result := "fait"
		if !e.OK {
			result = "refusé"
		}
		from := sanitize.Line(e.Addr)
		if from == "" {
			from = "—"
		}
		rows[i] = []string{fr.DateTime(e.At), result, sanitize.Line(e.Actor), from, sanitize.Line(backend.ActionLabel(e.Action)), sanitize.Line(e.Detail)}
	}
	return table(w, "Date\tRésultat\tAuteur\tDepuis\tAction\tDétail", rows)
}
