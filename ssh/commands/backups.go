package commands

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/sanitize"
)

// sauvegardes, sauvegarde creer, sauvegarde ouvrir, annees, annee
// remplacer: the Sauvegardes tab and its previous years' grid.

func (r *runner) backupCommands(root *cobra.Command) {
	list := r.leaf(root, &cobra.Command{
		Use:   "sauvegardes [--json]",
		Short: "the backups, the retention policy and the next automatic backup",
		Long: "The backups of the establishment, most recent first: n°, date (Paris time), kind, who took it, size of its download, " +
			"changes (saisies) it holds, its file in sauvegardes/ (sftp) and its base; then the retention policy and the next " +
			"automatic backup (every night at 02:00, Paris time, while a base is in service). The n° is the ID that " +
			"sauvegarde ouvrir takes.",
		Args: args(),
	}, r.runBackups)
	addJSON(list)

	g := r.group(root, "sauvegarde", "make a backup or open one")
	r.leaf(g, &cobra.Command{
		Use:   "creer",
		Short: "back up the opened base now",
		Long: "Back up the opened base now (\"Sauvegarder maintenant\"): the backup records the point its change log has " +
			"reached, and is kept under the retention policy like the nightly ones.",
		Args: args(),
	}, r.runCreateBackup)

	var instant instantValue
	ouvrir := r.leaf(g, &cobra.Command{
		Use:   "ouvrir ID|--instant 2026-12-03T10:15 [--arreter -y]",
		Short: "open a backup, or the state at a minute of the last 7 days, as a new base (server stopped)",
		Long: "Open exactly the state a backup holds (\"Ouvrir cette sauvegarde\"), or the state of the base in service at a " +
			"minute of the last 7 days (\"Ouvrir l'état à une date\", --instant), as a new base of Autres bases that becomes " +
			"the opened base; the base it replaces is backed up first, so nothing is lost. Then put it in service with " +
			"`serveur mettre-en-service`. Give either the backup's n° (as sauvegardes shows it) or --instant, not both. " +
			"The server must be stopped: --arreter with --oui (-y) stops it first, disconnecting its users.",
		Args: func(c *cobra.Command, got []string) error {
			if len(got) > 1 {
				return usagef("%s: unexpected argument %q", path(c), got[1])
			}
			return nil
		},
	}, func(c *cobra.Command, a []string) error { return r.runOpenBackup(c, a, instant) })
	ouvrir.Flags().Var(&instant, "instant", "open the state at this minute: 2026-12-03T10:15 (Paris time) or RFC 3339 with its offset")
	ouvrir.Flags().Bool("arreter", false, "stop the server first if it is in service (its users are disconnected); needs --oui")
	ouvrir.Flags().BoolP("oui", "y", false, "confirm --arreter: the server stops and its users are disconnected")

	years := r.leaf(root, &cobra.Command{
		Use:   "annees [--json]",
		Short: "the previous years' grid: each school year's archived base",
		Long: "The previous years' grid (\"Gérer les bases des années précédentes\"), most recent first: one row per school " +
			"year from the establishment's first to the last one, with its archived base or empty.",
		Args: args(),
	}, r.runYears)
	addJSON(years)

	ag := r.group(root, "annee", "fill or replace the base of a previous year")
	r.leaf(ag, &cobra.Command{
		Use:   "remplacer 2024-2025 NOM|ID",
		Short: "archive a base of that school year as the year's base",
		Long: "Fill an empty year of the grid, or replace its archived base, with a base of Autres bases of that school " +
			"year. NOM|ID is the base's n° or its exact name.",
		Args: args("YEAR", "NOM|ID"),
	}, r.runReplaceYear)
}

// instantValue is --instant: a minute, Paris time when it has no offset.
type instantValue struct {
	t   time.Time
	set bool
}

// instantLayouts are read in Paris time; instantOffsetLayouts carry their
// offset.
var (
	instantLayouts       = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}
	instantOffsetLayouts = []string{time.RFC3339, "2006-01-02T15:04Z07:00"}
)

func (v *instantValue) Set(s string) error {
	for _, l := range instantLayouts {
		if t, err := time.ParseInLocation(l, s, clock.Paris()); err == nil {
			v.t, v.set = t, true
			return nil
		}
	}
	for _, l := range instantOffsetLayouts {
		if t, err := time.Parse(l, s); err == nil {
			v.t, v.set = t, true
			return nil
		}
	}
	return errors.New("want a minute such as 2026-12-03T10:15 (Paris time) or an RFC 3339 instant such as 2026-12-03T10:15:00+01:00")
}

func (v *instantValue) String() string {
	if !v.set {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v *instantValue) Type() string { return "DATE" }

// saisies counts the changes of a log, as the console says them.
func saisies(n int64) string {
	switch n {
	case 0:
		return "aucune saisie"
	case 1:
		return "1 saisie"
	}
	return fr.Count(int(n)) + " saisies"
}

// backupJSON is a backup in JSON; its shape is part of the commands'
// contract.
type backupJSON struct {
	ID          int64      `json:"id"`
	At          time.Time  `json:"at"`
	Kind        string     `json:"kind"`
	By          string     `json:"by"`
	BaseID      int64      `json:"base_id"`
	BaseName    string     `json:"base_name"`
	Year        string     `json:"school_year"`
	BaseSHA256  string     `json:"base_sha256"`
	BaseSize    int64      `json:"base_size"`
	BaseDeleted bool       `json:"base_deleted"`
	Changes     int64      `json:"changes"`
	ChangeSeq   int64      `json:"change_seq"`
	Size        int64      `json:"size"`
	FileName    string     `json:"file_name"`
	Weekly      bool       `json:"weekly"`
	KeptUntil   *time.Time `json:"kept_until"`
}

func backupToJSON(b backend.Backup) backupJSON {
	return backupJSON{ID: b.ID, At: b.At.UTC(), Kind: string(b.Kind), By: b.By, BaseID: b.BaseID, BaseName: b.BaseName,
		Year: b.Year.String(), BaseSHA256: b.BaseSHA256, BaseSize: b.BaseSize, BaseDeleted: b.BaseDeleted, Changes: b.Changes,
		ChangeSeq: b.ChangeSeq, Size: b.Size, FileName: b.FileName, Weekly: b.Weekly, KeptUntil: timeOrNull(b.KeptUntil)}
}

// ceilSecond is t in UTC, rounded up to the second: the earliest instant
// written is one the back end accepts.
func ceilSecond(t time.Time) time.Time {
	t = t.UTC()
	if s := t.Truncate(time.Second); !s.Equal(t) {
		return s.Add(time.Second)
	}
	return t
}

// timeOrNull is t in UTC to the second, as every time of these JSON
// documents is written, or nil for the zero time.
func timeOrNull(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC().Truncate(time.Second)
	return &t
}

type retentionJSON struct {
	Days  int `json:"days"`
	Weeks int `json:"weeks"`
}

type backupsJSON struct {
	Backups     []backupJSON  `json:"backups"`
	Retention   retentionJSON `json:"retention"`
	NextNightly *time.Time    `json:"next_nightly"`
	BackupBytes int64         `json:"backup_bytes"`
	UsedBytes   int64         `json:"used_bytes"`
	QuotaBytes  int64         `json:"quota_bytes"`
	Opened      *baseJSON     `json:"opened_base"`
	Running     bool          `json:"running"`
	InstantFrom time.Time     `json:"instant_from"`
}

func (r *runner) runBackups(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	v, err := bs.Backups(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermBackups}
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := backupsJSON{Backups: make([]backupJSON, 0, len(v.Backups)), Retention: retentionJSON(v.Retention),
			NextNightly: timeOrNull(v.NextNightly), BackupBytes: v.BackupBytes, UsedBytes: v.UsedBytes, QuotaBytes: v.QuotaBytes,
			Running: v.Running, InstantFrom: ceilSecond(v.InstantFrom)}
		for _, b := range v.Backups {
			out.Backups = append(out.Backups, backupToJSON(b))
		}
		if v.Opened != nil {
			o := toJSON(*v.Opened)
			out.Opened = &o
		}
		return writeJSON(w, out)
	}
	if err := writeBackupList(w, v.Backups); err != nil {
		return err
	}
	next := "aucune, car aucune base n'est en service."
	if !v.NextNightly.IsZero() {
		next = fr.DateTime(v.NextNightly) + "."
	}
	_, err = fmt.Fprintf(w, "\nConservation : %s\nProchaine sauvegarde automatique : %s\nEspace des sauvegardes : %s (espace utilisé : %s sur %s).\n",
		v.Retention.French(), next, fr.Size(v.BackupBytes), fr.Size(v.UsedBytes), fr.Size(v.QuotaBytes))
	return err
}

// writeBackupList writes the backups as a table, most recent first.
func writeBackupList(w io.Writer, backups []backend.Backup) error {
	fmt.Fprintf(w, "Sauvegardes (%d)\n", len(backups))
	if len(backups) == 0 {
		_, err := fmt.Fprintln(w, "Aucune sauvegarde pour l'instant.")
		return err
	}
	rows := make([][]string, 0, len(backups))
	for _, b := range backups {
		base := fmt.Sprintf("%s (n° %d)", sanitize.Line(b.BaseName), b.BaseID)
		if b.BaseDeleted {
			base = fmt.Sprintf("%s (n° %d, supprimée)", sanitize.Line(b.BaseName), b.BaseID)
		}
		rows = append(rows, []string{strconv.FormatInt(b.ID, 10), fr.DateTime(b.At), sanitize.Line(b.Kind.French()),
			sanitize.Line(b.By), fr.Size(b.Size), fr.Count(int(b.Changes)), sanitize.Line(b.FileName), base})
	}
	return table(w, "n°\tDate\tType\tPar\tTaille\tSaisies\tFichier (sauvegardes/)\tBase", rows)
}

func (r *runner) runCreateBackup(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	b, err := bs.CreateBackup(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermBackups}
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Sauvegarde créée : n° %d du %s, base %s (%s, n° %d), %s, %s.\nFichier : sauvegardes/%s\n",
		b.ID, fr.DateTime(b.At), sanitize.Line(b.BaseName), b.Year, b.BaseID, saisies(b.Changes), fr.Size(b.Size), sanitize.Line(b.FileName))
	return err
}

func (r *runner) runOpenBackup(c *cobra.Command, a []string, instant instantValue) error {
	var id int64
	switch {
	case len(a) == 1 && instant.set:
		return usagef("%s: give a backup's ID or --instant, not both", path(c))
	case len(a) == 0 && !instant.set:
		return usagef("%s: missing ID (a backup's n° as sauvegardes shows it) or --instant DATE", path(c))
	case len(a) == 1:
		n, err := strconv.ParseInt(a[0], 10, 64)
		if err != nil || n < 1 || a[0][0] == '+' {
			return usagef("%s: ID must be a backup's n° as sauvegardes shows it, got %q", path(c), a[0])
		}
		id = n
	}
	stop, _ := c.Flags().GetBool("arreter")
	if stop {
		if err := confirmed(c, "--arreter stops the server and disconnects its users"); err != nil {
			return err
		}
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	// What the open replaces and stops, read just before it, to say so.
	before, berr := bs.Status(ctx)
	running := berr == nil && before.State == backend.ServerRunning
	users, uerr := 0, errors.New("not counted")
	if stop && running {
		users, uerr = bs.ConnectedUsers(ctx)
	}
	var b backend.Base
	if instant.set {
		b, err = bs.OpenInstant(ctx, instant.t, stop)
	} else {
		b, err = bs.OpenBackup(ctx, id, stop)
	}
	if errors.Is(err, backend.ErrServerRunning) && !stop {
		what := "la sauvegarde ouverte"
		if instant.set {
			what = "l'état ouvert"
		}
		return &told{backend.Message(err) + " Ou ajoutez --arreter -y : le serveur est arrêté puis " + what + "."}
	}
	if err != nil {
		return &refusal{err: err, perm: backend.PermBackups}
	}
	w := r.env.Stdout
	if stop && running {
		if uerr == nil {
			fmt.Fprintf(w, "Le serveur est arrêté ; %s.\n", disconnected(users))
		} else {
			fmt.Fprintln(w, "Le serveur est arrêté.")
		}
	}
	if berr == nil && before.Opened != nil {
		fmt.Fprintf(w, "La base ouverte jusqu'ici, %s (n° %d), a d'abord été sauvegardée.\n", sanitize.Line(before.Opened.Name), before.Opened.ID)
	}
	_, err = fmt.Fprintf(w, "Base ouverte : %s (%s, n° %d). Mettez-la en service avec « serveur mettre-en-service ».\n",
		sanitize.Line(b.Name), b.Year, b.ID)
	return err
}

type yearJSON struct {
	Year       string     `json:"school_year"`
	Base       *baseJSON  `json:"base"`
	ArchivedAt *time.Time `json:"archived_at"`
	ArchivedBy string     `json:"archived_by"`
}

func (r *runner) runYears(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	rows, err := bs.Years(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermBackups}
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]yearJSON, 0, len(rows))
		for _, y := range rows {
			yj := yearJSON{Year: y.Year.String(), ArchivedAt: timeOrNull(y.ArchivedAt), ArchivedBy: y.ArchivedBy}
			if y.Base != nil {
				b := toJSON(*y.Base)
				yj.Base = &b
			}
			out = append(out, yj)
		}
		return writeJSON(w, map[string]any{"years": out})
	}
	fmt.Fprintf(w, "Bases des années précédentes (%d)\n", len(rows))
	if len(rows) > 0 {
		t := make([][]string, 0, len(rows))
		for _, y := range rows {
			if y.Base == nil {
				t = append(t, []string{y.Year.String(), "(vide)", "—", "—"})
				continue
			}
			at, by := "—", "—"
			if !y.ArchivedAt.IsZero() {
				at = fr.DateTime(y.ArchivedAt)
			}
			if y.ArchivedBy != "" {
				by = sanitize.Line(y.ArchivedBy)
			}
			t = append(t, []string{y.Year.String(), fmt.Sprintf("%s (n° %d)", sanitize.Line(y.Base.Name), y.Base.ID), at, by})
		}
		if err := table(w, "Année\tBase\tArchivée le\tPar", t); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintln(w, "Remplissez ou remplacez une année avec « annee remplacer 2024-2025 NOM|ID » (une base de cette année scolaire).")
	return err
}

func (r *runner) runReplaceYear(c *cobra.Command, a []string) error {
	year, err := hostfile.ParseSchoolYear(a[0])
	if err != nil {
		return usagef("%s: YEAR must be a school year of two following years, such as 2024-2025, got %q", path(c), a[0])
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	b, err := resolveBase(ctx, bs, a[1])
	if err != nil {
		return err
	}
	// The base the year held, read just before, to say it is replaced.
	var replaced *backend.Base
	if rows, err := bs.Years(ctx); err == nil {
		for _, y := range rows {
			if y.Year == year && y.Base != nil && y.Base.ID != b.ID {
				replaced = y.Base
			}
		}
	}
	if err := bs.ReplaceYear(ctx, year, b.ID); err != nil {
		return &refusal{err: err, perm: backend.PermBackups}
	}
	w := r.env.Stdout
	fmt.Fprintf(w, "Année %s : la base %s (n° %d) en est désormais la base archivée.\n", year, sanitize.Line(b.Name), b.ID)
	if replaced != nil {
		_, err = fmt.Fprintf(w, "Elle remplace %s (n° %d).\n", sanitize.Line(replaced.Name), replaced.ID)
	}
	return err
}
