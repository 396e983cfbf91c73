package commands

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// journal: who did what, when, with what outcome; filtered by period, kind
// and text.

func (r *runner) journalCommands(root *cobra.Command) {
	var f journalFlags
	// The usage keeps --limite third, where the scripts written before the
	// filters read it.
	j := r.leaf(root, &cobra.Command{
		Use:   "journal [--json] [--depuis DATE] [--limite N] [--jusqua DATE] [--type TYPE] [--texte TEXTE]",
		Short: "the journal of the establishment, newest first",
		Long: "The journal of the establishment, newest first: every action, done or refused, with who did it and from where. " +
			"Without --depuis, from the start; without --jusqua, up to now; without --limite, every entry kept.\n\n" +
			"DATE is a day (2026-12-03), a minute in Paris time (2026-12-03T10:15) or an RFC 3339 instant. " +
			"--depuis a day starts at its midnight; --jusqua a day takes the whole day, --jusqua a minute or an instant stops just before it.\n" +
			"TYPE is one of: " + kindCodes() + ".\n" +
			"--texte keeps the entries whose author, action, detail or address contains TEXTE, ignoring case and accents; " +
			"--limite counts the entries the filters keep.",
		Args: args(),
	}, func(c *cobra.Command, _ []string) error { return r.runJournal(c, f) })
	addJSON(j)
	j.Flags().Var(&f.since, "depuis", "entries from this day or minute (Paris time), or RFC 3339 instant, on")
	j.Flags().Var(&f.until, "jusqua", "entries up to this day included, or before this minute or instant")
	j.Flags().Var(&f.kind, "type", "entries of one kind: "+kindCodes())
	j.Flags().Var(&f.text, "texte", "entries whose author, action, detail or address contains TEXTE (case and accents ignored)")
	j.Flags().Var(&f.limit, "limite", "at most N entries, the newest")
}

type journalFlags struct {
	since, until journalDate
	kind         kindValue
	text         textValue
	limit        limitValue
}

func kindCodes() string {
	var codes []string
	for _, k := range backend.JournalKinds() {
		codes = append(codes, k.Code())
	}
	return strings.Join(codes, ", ")
}

// journalDate is --depuis or --jusqua: a day, a minute in Paris time, or an
// RFC 3339 instant. day tells a day, which --jusqua takes whole.
type journalDate struct {
	t   time.Time
	day bool
}

func (v *journalDate) Set(s string) error {
	if t, err := time.ParseInLocation(time.DateOnly, s, clock.Paris()); err == nil {
		v.t, v.day = t, true
		return nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, clock.Paris()); err == nil {
		v.t, v.day = t, false
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("want a date such as 2026-11-30, a Paris time such as 2026-11-30T10:15 or an instant such as 2026-11-30T08:00:00+01:00")
	}
	v.t, v.day = t, false
	return nil
}

func (v *journalDate) String() string {
	if v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v *journalDate) Type() string { return "DATE" }

// end is the exclusive end --jusqua stands for: the next midnight for a day.
func (v *journalDate) end() time.Time {
	if v.day {
		return v.t.AddDate(0, 0, 1)
	}
	return v.t
}

// kindValue is --type: a kind's code.
type kindValue struct{ k backend.JournalKind }

func (v *kindValue) Set(s string) error {
	k, ok := backend.ParseJournalKind(s)
	if !ok || k == backend.JournalAll {
		return fmt.Errorf("unknown kind: want one of %s", kindCodes()) // cobra quotes the value
	}
	v.k = k
	return nil
}

func (v *kindValue) String() string {
	if v.k == backend.JournalAll {
		return ""
	}
	return v.k.Code()
}

func (v *kindValue) Type() string { return "TYPE" }

// textValue is --texte: printable text, 1 to MaxJournalText characters.
type textValue struct{ s string }

func (v *textValue) Set(s string) error {
	switch {
	case !utf8.ValidString(s) || sanitize.Line(s) != s:
		return errors.New("the text has control characters or invalid bytes") // cobra quotes the value
	case strings.TrimSpace(s) == "":
		return errors.New("want some text to search for")
	case utf8.RuneCountInString(s) > backend.MaxJournalText:
		return fmt.Errorf("want at most %d characters of text", backend.MaxJournalText)
	}
	v.s = s
	return nil
}

func (v *textValue) String() string { return v.s }

func (v *textValue) Type() string { return "TEXTE" }

// journalJSON is a journal entry in JSON.
type journalJSON struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Addr   string    `json:"from"`
	Action string    `json:"action"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
	OK     bool      `json:"ok"`
}

func (r *runner) runJournal(c *cobra.Command, f journalFlags) error {
	q := backend.JournalQuery{Since: f.since.t, Kind: f.kind.k, Text: f.text.s, Limit: f.limit.n}
	if !f.until.t.IsZero() {
		q.Until = f.until.end()
		if !q.Until.After(q.Since) {
			return usagef("journal: --jusqua %s is not after --depuis %s", f.until.String(), f.since.String())
		}
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	entries, err := bs.Journal(c.Context(), q)
	if err != nil {
		return &refusal{err: err, perm: backend.PermJournal}
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]journalJSON, len(entries))
		for i, e := range entries {
			out[i] = journalJSON{At: e.At, Actor: e.Actor, Addr: e.Addr, Action: e.Action, Kind: e.Kind().Code(), Detail: e.Detail, OK: e.OK}
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
