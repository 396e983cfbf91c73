package commands

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// statut and bases: the header and the Autres bases tab, for reading.

func (r *runner) statusCommands(root *cobra.Command) {
	statut := r.leaf(root, &cobra.Command{
		Use:   "statut [--json]",
		Short: "server state, version, opened base, base in service",
		Long:  "The state of the establishment's PRONOTE server: in service or stopped, its version, the opened base and the base in service, and the storage used.",
		Args:  args(),
	}, r.runStatus)
	addJSON(statut)

	bases := r.leaf(root, &cobra.Command{
		Use:   "bases [--json]",
		Short: "the bases: previously in service, and loaded or created",
		Long:  "Both lists of the Autres bases tab: the bases previously put in service (most recent first) and those loaded from the establishment or created (most recent first). The n° is the ID that base commands take.",
		Args:  args(),
	}, r.runBases)
	addJSON(bases)
}

func (r *runner) runStatus(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	st, err := bs.Status(c.Context())
	if err != nil {
		return err
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := map[string]any{
			"establishment":   st.Establishment.Name,
			"hosting_number":  st.Establishment.HostingNumber,
			"state":           string(st.State),
			"version":         st.Version,
			"opened_base":     nil,
			"base_in_service": nil,
			"used_bytes":      st.UsedBytes,
			"saisies":         st.Changes,
			"quota_bytes":     st.Establishment.QuotaBytes,
		}
		if st.Opened != nil {
			out["opened_base"] = toJSON(*st.Opened)
		}
		if st.InService != nil {
			out["base_in_service"] = toJSON(*st.InService)
		}
		return writeJSON(w, out)
	}
	named := func(b *backend.Base) string {
		if b == nil {
			return "aucune"
		}
		return fmt.Sprintf("%s (%s, n° %d)", sanitize.Line(b.Name), b.Year, b.ID)
	}
	// The changes are those of the opened base's log (the base in service's
	// when the server runs): the line follows the base they belong to.
	_, err = fmt.Fprintf(w, "Établissement    %s (n° d'hébergement %s)\nServeur          %s\nVersion          %s\nBase ouverte     %s\n  saisies        %s\nBase en service  %s\nEspace utilisé   %s sur %s\n",
		sanitize.Line(st.Establishment.Name), st.Establishment.HostingNumber, st.State.French(), sanitize.Line(st.Version),
		named(st.Opened), fr.Count(int(st.Changes)), named(st.InService), fr.Size(st.UsedBytes), fr.Size(st.Establishment.QuotaBytes))
	return err
}

func (r *runner) runBases(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	l, err := bs.Bases(c.Context())
	if err != nil {
		return err
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := map[string][]baseJSON{"previously_in_service": {}, "uploaded": {}}
		for _, b := range l.PreviouslyInService {
			out["previously_in_service"] = append(out["previously_in_service"], toJSON(b))
		}
		for _, b := range l.Uploaded {
			out["uploaded"] = append(out["uploaded"], toJSON(b))
		}
		return writeJSON(w, out)
	}
	if err := writeBaseList(w, "Bases précédemment mises en service", l.PreviouslyInService, true); err != nil {
		return err
	}
	fmt.Fprintln(w)
	return writeBaseList(w, "Bases téléchargées depuis l'établissement", l.Uploaded, false)
}

// writeBaseList writes one list of bases as a table.
func writeBaseList(w io.Writer, title string, bases []backend.Base, service bool) error {
	fmt.Fprintf(w, "%s (%d)\n", title, len(bases))
	if len(bases) == 0 {
		return nil
	}
	header := "n°\tNom\tAnnée\tTaille\tChargée le\tÉtat"
	if service {
		header = "n°\tNom\tAnnée\tTaille\tMise en service\tArrêt\tÉtat"
	}
	rows := make([][]string, 0, len(bases))
	for _, b := range bases {
		state := ""
		switch {
		case b.InService:
			state = "en service"
		case b.Opened:
			state = "ouverte"
		}
		row := []string{strconv.FormatInt(b.ID, 10), sanitize.Line(b.Name), b.Year.String(), fr.Size(b.Size)}
		if service {
			p := b.LastPeriod()
			end := fr.DateTime(p.To)
			if p.To.IsZero() {
				end = "en cours"
			}
			row = append(row, fr.DateTime(p.From), end)
		} else {
			row = append(row, fr.DateTime(b.LoadedAt))
		}
		rows = append(rows, append(row, state))
	}
	return table(w, header, rows)
}

// baseJSON is a base in JSON; its shape is part of the commands' contract.
type baseJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	Year      string     `json:"school_year"`
	Origin    string     `json:"origin"`
	Size      int64      `json:"size"`
	SHA256    string     `json:"sha256"`
	LoadedBy  string     `json:"loaded_by"`
	LoadedAt  time.Time  `json:"loaded_at"`
	Students  int        `json:"students"`
	Teachers  int        `json:"teachers"`
	Classes   int        `json:"classes"`
	Grid      string     `json:"grid"`
	Opened    bool       `json:"opened"`
	InService bool       `json:"in_service"`
	Periods   []period   `json:"service_periods"`
	Annexes   []annexOut `json:"annexes"`
}

type period struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"`
}

type annexOut struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Size int64  `json:"size"`
}

func toJSON(b backend.Base) baseJSON {
	out := baseJSON{ID: b.ID, Name: b.Name, Year: b.Year.String(), Origin: string(b.Origin), Size: b.Size, SHA256: b.SHA256,
		LoadedBy: b.LoadedBy, LoadedAt: b.LoadedAt, Students: b.Students, Teachers: b.Teachers, Classes: b.Classes,
		Grid: b.Grid.String(), Opened: b.Opened, InService: b.InService, Periods: []period{}, Annexes: []annexOut{}}
	for _, p := range b.Periods {
		pp := period{From: p.From}
		if !p.To.IsZero() {
			to := p.To
			pp.To = &to
		}
		out.Periods = append(out.Periods, pp)
	}
	for _, a := range b.Annexes {
		out.Annexes = append(out.Annexes, annexOut{Kind: string(a.Kind), Name: a.Name, Size: a.Size})
	}
	return out
}
