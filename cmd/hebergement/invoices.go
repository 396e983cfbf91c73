package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/ssh/commands"
)

// newInvoices is `hebergement admin invoice list|issue`.
func newInvoices(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "invoice", Short: "List an establishment's invoices; issue the invoice of its next contract period"}
	var asJSON bool
	list := &cobra.Command{
		Use:     "list NUMBER",
		Short:   "List an establishment's invoices and pro-formas, newest first",
		Example: "  hebergement admin invoice list 482913570264\n  hebergement admin invoice list 482913570264 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				_, l, err := b.InvoicesOf(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if asJSON {
					out := make([]commands.InvoiceJSON, len(l))
					for i, inv := range l {
						out[i] = commands.NewInvoiceJSON(inv)
					}
					enc := json.NewEncoder(cmd.OutOrStdout())
					enc.SetIndent("", "  ")
					return enc.Encode(out)
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(w, "NUMBER\tKIND\tISSUED\tPERIOD\tTOTAL HT\tVAT\tTOTAL\tFILE")
				for _, inv := range l {
					fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\tfactures/%s\n", inv.Number, inv.Kind, inv.IssuedAt.Format("2006-01-02"),
						period(inv), amount(inv, inv.TotalHT), amount(inv, inv.VAT), amount(inv, inv.Total), inv.FileName())
				}
				return w.Flush()
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON (amounts in cents)")
	issue := &cobra.Command{
		Use:   "issue NUMBER",
		Short: "Issue the invoice of an establishment's next contract period and extend its contract",
		Long: "Issue the invoice (kind facture) of the next contract period of an establishment: from the day after the\n" +
			"contract's end to the 31 August that follows. Its lines and amounts are those of the latest pro-forma of that\n" +
			"period when the school asked for one (\"Renouveler mon contrat d'hébergement\"), else the prices in force\n" +
			"(`hebergement admin prices`). The contract then runs to the end of the period; the school gets an e-mail\n" +
			"through the outbox and finds the PDF in factures/ of its sftp tree. Journaled as invoice.issue. Refused when\n" +
			"the next school year is already invoiced.",
		Example: "  hebergement admin invoice issue 482913570264",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withBackend(cmd, func(b *backend.Backend) error {
				inv, err := b.IssueInvoice(cmd.Context(), args[0])
				if errors.Is(err, backend.ErrContractRenewed) || errors.Is(err, backend.ErrInvoiceIssued) {
					return fmt.Errorf("%w: the invoice of that period was already issued; see `hebergement admin invoice list %s`", err, args[0])
				}
				if inv.Number == "" {
					return err
				}
				out := cmd.OutOrStdout()
				fmt.Fprintf(out, "Invoice %s issued for %s: %s excluding tax, VAT %s, total %s.\n", inv.Number, period(inv),
					amount(inv, inv.TotalHT), amount(inv, inv.VAT), amount(inv, inv.Total))
				fmt.Fprintf(out, "The contract now runs to %s; the PDF is factures/%s.\n", inv.PeriodTo.Format("2006-01-02"), inv.FileName())
				return err // the e-mail not sent, after the invoice was
			})
		},
	}
	cmd.AddCommand(list, issue)
	return cmd
}

func period(inv backend.Invoice) string {
	if inv.PeriodFrom.IsZero() {
		return "-"
	}
	return inv.PeriodFrom.Format(time.DateOnly) + " to " + inv.PeriodTo.Format(time.DateOnly)
}

// euros writes cents as "1234.56 EUR".
func euros(cents int64) string { return fmt.Sprintf("%d.%02d EUR", cents/100, cents%100) }

func amount(inv backend.Invoice, cents int64) string {
	if !inv.Priced {
		return "-"
	}
	return euros(cents)
}

// newPrices is `hebergement admin prices [set]`.
func newPrices(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "prices",
		Short: "Show the prices renewals and invoices use (prices.json in the data folder, else the built-in defaults)",
		Long: "Show the yearly prices, excluding tax, that renewals' pro-formas and issued invoices use. They are read\n" +
			"from prices.json in the data folder at each renewal and invoice, else the built-in defaults (hosting 540.00,\n" +
			"licence mode administratif 24.00, licence mode enseignant 6.00, unlimited mode enseignant 390.00). An invoice\n" +
			"keeps the amounts it was drawn with.",
		Example: "  hebergement admin prices",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := g.dataDir()
			if err != nil {
				return err
			}
			p, err := backend.LoadPrices(dir)
			if err != nil {
				return err
			}
			from := "built-in defaults (no " + filepath.Join(dir, backend.PricesFile) + ")"
			if _, err := os.Stat(filepath.Join(dir, backend.PricesFile)); err == nil {
				from = filepath.Join(dir, backend.PricesFile)
			}
			return printPrices(cmd, p, from)
		},
	}
	var hosting, admin, teacher, unlimited string
	set := &cobra.Command{
		Use:   "set [--hosting EUR] [--admin-seat EUR] [--teacher-seat EUR] [--teacher-unlimited EUR]",
		Short: "Change the prices (written atomically to prices.json in the data folder)",
		Long: "Change one or more yearly prices, excluding tax, in euros: 540,00 or 540.00 or 540. The prices not given\n" +
			"keep their value. Negative amounts, more than two decimals and amounts over 1000000.00 are refused, and then\n" +
			"nothing changes. Invoices already drawn keep their amounts.",
		Example: "  hebergement admin prices set --hosting 540,00 --admin-seat 24,00 --teacher-seat 6,00 --teacher-unlimited 390,00",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := g.dataDir()
			if err != nil {
				return err
			}
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return fmt.Errorf("%s is not a data folder: check --data or HEBERGEMENT_DATA", dir)
			}
			flags := []struct {
				name, value string
				to          *int64
			}{{"hosting", hosting, nil}, {"admin-seat", admin, nil}, {"teacher-seat", teacher, nil}, {"teacher-unlimited", unlimited, nil}}
			changed := 0
			for _, f := range flags {
				if cmd.Flags().Changed(f.name) {
					changed++
				}
			}
			if changed == 0 {
				return errors.New("give at least one of --hosting, --admin-seat, --teacher-seat, --teacher-unlimited")
			}
			p := backend.DefaultPrices()
			if changed < len(flags) { // the others keep their value
				if p, err = backend.LoadPrices(dir); err != nil {
					return fmt.Errorf("%w; give all four prices to replace the file", err)
				}
			}
			targets := []*int64{&p.Hosting, &p.AdminSeat, &p.TeacherSeat, &p.TeacherUnlimited}
			for i, f := range flags {
				if !cmd.Flags().Changed(f.name) {
					continue
				}
				cents, err := backend.ParseEuros(f.value)
				if err != nil {
					return fmt.Errorf("--%s: %w", f.name, err)
				}
				*targets[i] = cents
			}
			if err := backend.SavePrices(dir, p); err != nil {
				return err
			}
			return printPrices(cmd, p, filepath.Join(dir, backend.PricesFile)+" (written)")
		},
	}
	f := set.Flags()
	f.StringVar(&hosting, "hosting", "", "hosting, per school year, in euros excluding tax")
	f.StringVar(&admin, "admin-seat", "", "one licence in mode administratif, per school year")
	f.StringVar(&teacher, "teacher-seat", "", "one licence in mode enseignant, per school year")
	f.StringVar(&unlimited, "teacher-unlimited", "", "unlimited licences in mode enseignant, per school year (flat)")
	cmd.AddCommand(set)
	return cmd
}

func printPrices(cmd *cobra.Command, p backend.Prices, from string) error {
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "Prices per school year, excluding tax (VAT 20 %% added), from %s:\n", from)
	for _, row := range []struct {
		name  string
		cents int64
	}{{"Hosting", p.Hosting}, {"Licence mode administratif (each)", p.AdminSeat}, {"Licence mode enseignant (each)", p.TeacherSeat},
		{"Mode enseignant unlimited (flat)", p.TeacherUnlimited}} {
		fmt.Fprintf(w, "  %s:\t%s\n", row.name, euros(row.cents))
	}
	return w.Flush()
}
