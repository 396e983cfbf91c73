package commands

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
)

// accountCommands are `compte [--json]`, `factures [--json]` and `contrat
// renouveler` (SPEC §10, §16).
func (r *runner) accountCommands(root *cobra.Command) {
	compte := r.leaf(root, &cobra.Command{
		Use:   "compte [--json]",
		Short: "the establishment, its contract, licences, storage and version",
		Long: "Mon compte: the establishment, its hosting number and contacts (partly masked), the contract's dates " +
			"(with a warning from 60 days before its end), the licences, the storage quota and use, the PRONOTE version " +
			"and the day of the automatic switch.",
		Args: args(),
	}, r.runCompte)
	addJSON(compte)
	factures := r.leaf(root, &cobra.Command{
		Use:   "factures [--json]",
		Short: "the invoices and pro-formas, newest first, with their files in factures/",
		Long: "The establishment's invoices and pro-formas, newest first: number, kind, date, period, amounts and the " +
			"PDF to download from factures/ (sftp or scp). Amounts in JSON are in cents.",
		Args: args(),
	}, r.runFactures)
	addJSON(factures)
	g := r.group(root, "contrat", "renew the hosting contract (SPR)")
	r.leaf(g, &cobra.Command{
		Use:   "renouveler",
		Short: "a pro-forma invoice for the next contract period (SPR)",
		Long: "\"Renouveler mon contrat d'hébergement\" (SPR only): a pro-forma invoice for the next contract period, at " +
			"the prices in force, for the contract's licences; its PDF is kept in factures/. Asked again with nothing " +
			"changed, the same pro-forma.",
		Args: args(),
	}, r.runRenew)
}

type contractJSON struct {
	From     string `json:"from"`
	Until    string `json:"until"`
	DaysLeft int    `json:"days_left"`
	Warning  string `json:"warning,omitempty"`
}

type accountJSON struct {
	Name          string       `json:"name"`
	UAI           string       `json:"uai"`
	HostingNumber string       `json:"hosting_number"`
	Email         string       `json:"email"`
	Phone         string       `json:"phone"`
	Contract      contractJSON `json:"contract"`
	AdminSeats    int          `json:"admin_seats"`
	Reserved      int          `json:"admin_seats_reserved"`
	TeacherSeats  *int         `json:"teacher_seats"` // null: unlimited
	QuotaBytes    int64        `json:"quota_bytes"`
	UsedBytes     int64        `json:"used_bytes"`
	Version       int          `json:"version"`
	SwitchAt      time.Time    `json:"switch_at"`
	Invoice       string       `json:"latest_invoice"`
}

func (r *runner) runCompte(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	a, err := bs.Account(c.Context())
	if err != nil {
		return &refusal{err: err}
	}
	e := a.Establishment
	notice := a.Contract.Notice
	if wantJSON(c) {
		j := accountJSON{Name: e.Name, UAI: e.UAI, HostingNumber: e.HostingNumber, Email: a.MaskedEmail, Phone: a.MaskedPhone,
			Contract:   contractJSON{From: dateOnly(a.Contract.From), Until: dateOnly(a.Contract.Until), DaysLeft: a.Contract.DaysLeft, Warning: notice},
			AdminSeats: e.AdminSeats, Reserved: e.ReservedSeats, QuotaBytes: e.QuotaBytes, UsedBytes: a.UsedBytes,
			Version: a.Version.Version, SwitchAt: a.Version.SwitchAt.UTC(), Invoice: e.Invoice}
		if e.TeacherSeats != 0 {
			t := e.TeacherSeats
			j.TeacherSeats = &t
		}
		return writeJSON(r.env.Stdout, j)
	}
	teacher := "illimitées"
	if e.TeacherSeats != 0 {
		teacher = fr.Count(e.TeacherSeats)
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%-22s %s\n", k, v) }
	row("Établissement", sanitize.Line(e.Name))
	row("UAI", e.UAI)
	row("Numéro d'hébergement", e.HostingNumber)
	row("E-mail", sanitize.Line(a.MaskedEmail))
	row("Téléphone", a.MaskedPhone)
	row("Contrat", fmt.Sprintf("du %s au %s", fr.Date(a.Contract.From), fr.Date(a.Contract.Until)))
	row("Licences", fmt.Sprintf("mode administratif %d (dont %d réservées au groupe Administration), mode enseignant %s",
		e.AdminSeats, e.ReservedSeats, teacher))
	row("Stockage", fmt.Sprintf("%s utilisés sur %s", fr.Size(a.UsedBytes), fr.Size(e.QuotaBytes)))
	row("Version", fmt.Sprintf("PRONOTE %d", a.Version.Version))
	if a.Version.CanRequest {
		row("Pré-version", fmt.Sprintf("PRONOTE %d disponible jusqu'au %s (version pre-version)", a.Version.Next,
			fr.Date(a.Version.PreVersionUntil.Add(-time.Second))))
	} else {
		row("Bascule automatique", fmt.Sprintf("vers PRONOTE %d le %s", a.Version.Next, fr.DateTime(a.Version.SwitchAt)))
	}
	if notice != "" {
		b.WriteString("\n" + notice + "\n")
	}
	_, err = fmt.Fprint(r.env.Stdout, b.String())
	return err
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// InvoiceLineJSON is an invoice's line in JSON.
type InvoiceLineJSON struct {
	Label     string `json:"label"`
	Quantity  int    `json:"quantity"`
	UnitCents int64  `json:"unit_cents"`
	Cents     int64  `json:"amount_cents"`
}

// InvoiceJSON is an invoice in JSON: the same for the school's
// `factures --json` and the operators' `admin invoice list --json`.
type InvoiceJSON struct {
	Number     string            `json:"number"`
	Kind       string            `json:"kind"`
	IssuedAt   time.Time         `json:"issued_at"`
	PeriodFrom string            `json:"period_from,omitempty"`
	PeriodTo   string            `json:"period_to,omitempty"`
	Lines      []InvoiceLineJSON `json:"lines"`
	TotalHT    *int64            `json:"total_ht_cents"` // null: drawn before invoices had amounts
	VAT        *int64            `json:"vat_cents"`
	Total      *int64            `json:"total_cents"`
	File       string            `json:"file"`
}

// NewInvoiceJSON is inv in JSON.
func NewInvoiceJSON(inv backend.Invoice) InvoiceJSON {
	j := InvoiceJSON{Number: inv.Number, Kind: string(inv.Kind), IssuedAt: inv.IssuedAt.UTC(), PeriodFrom: dateOnly(inv.PeriodFrom),
		PeriodTo: dateOnly(inv.PeriodTo), Lines: []InvoiceLineJSON{}, File: backend.InvoicesDir + "/" + inv.FileName()}
	for _, l := range inv.Lines {
		j.Lines = append(j.Lines, InvoiceLineJSON(l))
	}
	if inv.Priced {
		j.TotalHT, j.VAT, j.Total = &inv.TotalHT, &inv.VAT, &inv.Total
	}
	return j
}

// money is an invoice's amount, "—" for one drawn without amounts.
func money(inv backend.Invoice, cents int64) string {
	if !inv.Priced {
		return "—"
	}
	return fr.Euros(cents)
}

// invoicePeriod is an invoice's period, "—" when unknown.
func invoicePeriod(inv backend.Invoice) string {
	if inv.PeriodFrom.IsZero() {
		return "—"
	}
	return fmt.Sprintf("du %s au %s", fr.Date(inv.PeriodFrom), fr.Date(inv.PeriodTo))
}

func (r *runner) runFactures(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	l, err := bs.Invoices(c.Context())
	if err != nil {
		return &refusal{err: err}
	}
	if wantJSON(c) {
		out := make([]InvoiceJSON, len(l))
		for i, inv := range l {
			out[i] = NewInvoiceJSON(inv)
		}
		return writeJSON(r.env.Stdout, out)
	}
	if len(l) == 0 {
		_, err := fmt.Fprintln(r.env.Stdout, "Aucune facture.")
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s  %-9s  %-10s  %-27s  %14s  %s\n", "N°", "Type", "Date", "Période", "Total TTC", "Fichier")
	for _, inv := range l {
		fmt.Fprintf(&b, "%-10s  %-9s  %-10s  %-27s  %14s  %s/%s\n", inv.Number, inv.Kind.French(), fr.Date(inv.IssuedAt), invoicePeriod(inv),
			money(inv, inv.Total), backend.InvoicesDir, inv.FileName())
	}
	_, err = fmt.Fprint(r.env.Stdout, b.String())
	return err
}

func (r *runner) runRenew(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	inv, err := bs.RenewContract(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermContract}
	}
	_, err = fmt.Fprint(r.env.Stdout, ProForma(inv))
	return err
}

// ProForma is a pro-forma as the command prints it: its number, period,
// lines, totals and the file to download.
func ProForma(inv backend.Invoice) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Facture pro forma n° %s du %s\nPériode : %s\n\n", inv.Number, fr.Date(inv.IssuedAt), invoicePeriod(inv))
	for _, l := range inv.Lines {
		fmt.Fprintf(&b, "%-48s %4d × %12s = %14s\n", l.Label, l.Quantity, fr.Euros(l.UnitCents), fr.Euros(l.Cents))
	}
	fmt.Fprintf(&b, "\n%-48s %35s\n%-48s %35s\n%-48s %35s\n\n", "Total HT", money(inv, inv.TotalHT), "TVA 20 %", money(inv, inv.VAT),
		"Total TTC", money(inv, inv.Total))
	fmt.Fprintf(&b, "À télécharger : %s/%s (sftp ou scp)\n", backend.InvoicesDir, inv.FileName())
	return b.String()
}
