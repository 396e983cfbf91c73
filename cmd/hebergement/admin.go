package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/sanitize"
)

func newAdmin(g *globals) *cobra.Command {
	admin := &cobra.Command{
		Use:   "admin",
		Short: "Operator commands: establishments, licences, backup retention, credentials and the scheduler's jobs",
	}
	est := &cobra.Command{Use: "establishment", Short: "Create, list and show establishments; set their licences and backup retention"}
	est.AddCommand(newEstablishmentCreate(g), newEstablishmentList(g), newEstablishmentShow(g), newEstablishmentSetSeats(g),
		newEstablishmentSetRetention(g))
	creds := &cobra.Command{Use: "credentials", Short: "Hosting credentials"}
	creds.AddCommand(&cobra.Command{
		Use:     "reset NUMBER",
		Short:   "Draw a new password and send the credentials again (e-mail and SMS through the outbox)",
		Example: "  hebergement admin credentials reset 482913570264",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				if err := b.ResetCredentials(cmd.Context(), args[0], "operator"); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "New credentials sent for %s: hosting and invoice numbers by e-mail, password by SMS.\n", args[0])
				return nil
			})
		},
	})
	admin.AddCommand(est, creds, newKeys(g), newJobs(g), newInvoices(g), newPrices(g))
	return admin
}

func newEstablishmentCreate(g *globals) *cobra.Command {
	var n backend.NewEstablishment
	var teacher, quota string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an establishment and send its credentials through the outbox",
		Example: `  hebergement admin establishment create --name "Lycée Victor Hugo" --uai 0751234A \
      --email ce.0751234a@ac-paris.fr --phone "06 12 34 56 78" --admin-seats 4 --teacher-seats 50`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if n.TeacherSeats, err = parseTeacherSeats(teacher); err != nil {
				return err
			}
			if cmd.Flags().Changed("quota") {
				if n.QuotaBytes, err = parseQuota(quota); err != nil {
					return err
				}
			}
			return g.withBackend(cmd, func(b *backend.Backend) error {
				e, _, err := b.CreateEstablishment(cmd.Context(), n) // the password goes out by SMS only
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Establishment created: %s\n", sanitize.Line(e.Name))
				fmt.Fprintf(out, "Hosting number: %s\n", e.HostingNumber)
				fmt.Fprintf(out, "Credentials sent through the outbox: hosting and invoice numbers by e-mail to %s, password by SMS to %s.\n", e.Email, e.Phone)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&n.Name, "name", "", "establishment name (required)")
	f.StringVar(&n.UAI, "uai", "", "UAI: 7 digits and a letter (required)")
	f.StringVar(&n.Email, "email", "", "contact e-mail, receives the hosting and invoice numbers (required)")
	f.StringVar(&n.Phone, "phone", "", "mobile phone, receives the password by SMS (required)")
	f.IntVar(&n.AdminSeats, "admin-seats", 4, "licences in mode administratif")
	f.StringVar(&teacher, "teacher-seats", "50", "licences in mode enseignant: 30, 50, 80 or unlimited")
	f.StringVar(&quota, "quota", "", "storage quota, e.g. 20GB (default 20GB)")
	f.StringVar(&n.HostingNumber, "hosting-number", "", "the 12-digit hosting number to give it (default: drawn at random); it sets the day of its August switch")
	for _, name := range []string{"name", "uai", "email", "phone"} {
		cmd.MarkFlagRequired(name) //nolint:errcheck
	}
	return cmd
}

// minQuota is the smallest quota the CLI accepts. The back end reads a zero
// quota as "the default", so an explicit 0 must never reach it.
const minQuota = 1 << 20

// parseQuota reads an explicit --quota. Zero, or a size that rounds down to
// less than 1 MB, is refused rather than silently becoming the 20 GB default.
func parseQuota(s string) (int64, error) {
	n, err := hostfile.ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("--quota: %q is not a size (use 20GB, 500MB)", s)
	}
	if n < minQuota {
		return 0, fmt.Errorf("--quota must be at least 1MB (got %q); leave it out for the default 20GB", s)
	}
	return n, nil
}

func parseTeacherSeats(s string) (int, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unlimited", "illimité", "illimite":
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || (n != 30 && n != 50 && n != 80) {
		return 0, fmt.Errorf("--teacher-seats: %q must be 30, 50, 80 or unlimited", s)
	}
	return n, nil
}

func newEstablishmentList(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List every establishment",
		Example: "  hebergement admin establishment list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				list, err := b.Establishments(cmd.Context())
				if err != nil {
					return err
				}
				if len(list) == 0 {
					fmt.Fprintln(cmd.OutOrStdout(), "No establishment yet: create one with `hebergement admin establishment create`.")
					return nil
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "NUMBER\tUAI\tNAME\tADMIN\tTEACHER\tCREATED\tCONTRACT UNTIL\tVERSION\tSWITCH")
				for _, e := range list {
					fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\n", e.HostingNumber, e.UAI, sanitize.Line(e.Name), e.AdminSeats,
						teacherSeats(e.TeacherSeats), e.CreatedAt.Format("2006-01-02"), day(e.ContractUntil), e.Version, switchDay(e))
				}
				return w.Flush()
			})
		},
	}
}

// maxAdminSeats is the most administratif licences a contract may have
// (the back end's rule, checked here for a clear message first).
const maxAdminSeats = 1000

func newEstablishmentSetSeats(g *globals) *cobra.Command {
	var adminFlag, teacher string
	cmd := &cobra.Command{
		Use:   "set-seats NUMBER [--admin-seats L] [--teacher-seats T]",
		Short: "Change the licences of an establishment's contract; nobody is disconnected",
		Long: "Change the licences of an establishment's contract: --admin-seats (mode administratif, 1 to 1000) and " +
			"--teacher-seats (mode enseignant: 30, 50, 80 or unlimited). A flag left out keeps its value. The licences " +
			"reserved for the groupe Administration are kept, lowered to the admin seats when these fall under them. " +
			"Lower limits disconnect nobody: they only refuse new connections. Journaled as seats.set.",
		Example: "  hebergement admin establishment set-seats 482913570264 --admin-seats 6 --teacher-seats unlimited",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if !f.Changed("admin-seats") && !f.Changed("teacher-seats") {
				return errors.New("give --admin-seats, --teacher-seats or both")
			}
			admin := 0
			if f.Changed("admin-seats") {
				var err error
				if admin, err = parseAdminSeats(adminFlag); err != nil {
					return err
				}
			}
			t := 0
			if f.Changed("teacher-seats") {
				var err error
				if t, err = parseTeacherSeats(teacher); err != nil {
					return err
				}
			}
			return g.withBackend(cmd, func(b *backend.Backend) error {
				ctx := cmd.Context()
				before, err := b.EstablishmentByNumber(ctx, args[0])
				if err != nil {
					return err
				}
				l := before.AdminSeats
				if f.Changed("admin-seats") {
					l = admin
				}
				if !f.Changed("teacher-seats") {
					t = before.TeacherSeats
				}
				e, err := b.SetSeats(ctx, before.HostingNumber, l, t)
				if err != nil {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Licences set for %s (%s):\n", e.HostingNumber, sanitize.Line(e.Name))
				w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
				fmt.Fprintf(w, "Admin seats:\t%s\n", adminSeats(e))
				fmt.Fprintf(w, "Teacher seats:\t%s\n", teacherSeats(e.TeacherSeats))
				if err := w.Flush(); err != nil {
					return err
				}
				if e.ReservedSeats < before.ReservedSeats {
					fmt.Fprintf(out, "The reserved seats were lowered from %d to %d: they cannot exceed the admin seats.\n",
						before.ReservedSeats, e.ReservedSeats)
				}
				fmt.Fprintln(out, "Nobody was disconnected: lower limits only refuse new connections.")
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&adminFlag, "admin-seats", "", "`L` licences in mode administratif, 1 to 1000 (default: unchanged)")
	cmd.Flags().StringVar(&teacher, "teacher-seats", "", "`T` licences in mode enseignant: 30, 50, 80 or unlimited (default: unchanged)")
	return cmd
}

// parseAdminSeats reads --admin-seats of set-seats: a whole number from 1
// to maxAdminSeats.
func parseAdminSeats(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > maxAdminSeats {
		return 0, fmt.Errorf("--admin-seats: %q must be a whole number from 1 to %d", s, maxAdminSeats)
	}
	return n, nil
}

// adminSeats is L with the part R reserved for the groupe Administration.
func adminSeats(e backend.Establishment) string {
	if e.ReservedSeats == 0 {
		return strconv.Itoa(e.AdminSeats) + " (none reserved)"
	}
	return fmt.Sprintf("%d (%d reserved for the groupe Administration)", e.AdminSeats, e.ReservedSeats)
}

func teacherSeats(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return strconv.Itoa(n)
}

func newEstablishmentShow(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "show NUMBER",
		Short:   "Show one establishment",
		Example: "  hebergement admin establishment show 482913570264",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				e, err := b.EstablishmentByNumber(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				first := "done"
				if !e.FirstLoginDone {
					first = "not yet (the invoice number will be asked)"
				}
				for _, row := range [][2]string{
					{"Hosting number", e.HostingNumber}, {"Name", sanitize.Line(e.Name)}, {"UAI", e.UAI},
					{"E-mail", e.Email}, {"Phone", e.Phone}, {"Admin seats", adminSeats(e)},
					{"Teacher seats", teacherSeats(e.TeacherSeats)}, {"Storage quota", humanBytes(e.QuotaBytes)},
					{"Backup retention", fmt.Sprintf("every backup of the last %d day(s), then the latest of each week for %d week(s)", e.Retention.Days, e.Retention.Weeks)},
					{"Latest invoice", e.Invoice}, {"First login", first}, {"Created", e.CreatedAt.Format("2006-01-02 15:04 MST")},
					{"Contract", day(e.ContractFrom) + " to " + day(e.ContractUntil)},
					{"Version", fmt.Sprintf("PRONOTE %d (automatic switch on %s at 03:30 Paris)", e.Version, switchDay(e))},
				} {
					fmt.Fprintf(w, "%s:\t%s\n", row[0], row[1])
				}
				return w.Flush()
			})
		},
	}
}

// day is a Paris date as operators read it, "-" when unknown.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(clock.Paris()).Format("2006-01-02")
}

// switchDay is the day of August of the establishment's automatic switch
// of version, "Aug 23".
func switchDay(e backend.Establishment) string {
	return fmt.Sprintf("Aug %d", backend.SwitchDayOf(e.HostingNumber))
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func newEstablishmentSetRetention(g *globals) *cobra.Command {
	var days, weeks string
	cmd := &cobra.Command{
		Use:   "set-retention NUMBER --days D --weeks W",
		Short: "Set an establishment's backup retention: every backup of D days, then one a week for W weeks",
		Long: "Set the backup retention policy of an establishment: every backup of the last D days is kept (1 to 366), then\n" +
			"the latest of each week for W more weeks (0 to 520). The default is 30 days, then 26 weeks. Backups past it are\n" +
			"removed by the next pruning (job prune-backups, every day at 03:00 Paris time). Journaled as backup.retention.",
		Example: "  hebergement admin establishment set-retention 482913570264 --days 30 --weeks 26",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := boundedInt("--days", days, 1, 366)
			if err != nil {
				return err
			}
			w, err := boundedInt("--weeks", weeks, 0, 520)
			if err != nil {
				return err
			}
			return g.withBackend(cmd, func(b *backend.Backend) error {
				ctx := cmd.Context()
				r := backend.Retention{Days: d, Weeks: w}
				if err := b.SetRetention(ctx, args[0], r); err != nil {
					return err
				}
				e, err := b.EstablishmentByNumber(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Backup retention set for %s (%s): every backup of the last %d day(s), then the latest "+
					"of each week for %d week(s).\nBackups past it go at the next pruning (prune-backups, every day at 03:00 Paris time).\n",
					e.HostingNumber, sanitize.Line(e.Name), d, w)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&days, "days", "", "`D` days during which every backup is kept, 1 to 366 (required; default policy 30)")
	cmd.Flags().StringVar(&weeks, "weeks", "", "`W` weeks, after the days, during which the latest backup of each week is kept, 0 to 520 (required; default policy 26)")
	cmd.MarkFlagRequired("days")  //nolint:errcheck
	cmd.MarkFlagRequired("weeks") //nolint:errcheck
	return cmd
}

// boundedInt reads a flag's whole number from lo to hi.
func boundedInt(flag, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s: %q must be a whole number from %d to %d", flag, s, lo, hi)
	}
	return n, nil
}
