package commands

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/backend/seats"
)

// connexions, connexion deconnecter, licences, licences reserver: the tab
// Suivi des connexions (SPEC §7). Both roles may use them.
//
// Rules chosen here:
//
//   - An unlimited licence count is "illimité" in the text and, in JSON,
//     "total": null with "unlimited": true, so that a script never mistakes
//     the back end's 0 for no seat at all.
//   - `licences reserver N`: N that is not a whole number written in ASCII
//     digits (abc, 1.5, 0x10, " 2") is a usage error (2); a whole number is
//     the rule's to judge (0 ≤ N ≤ L), refused with the French sentence (1).
//     A number too large for the machine (99999999999999999999) is above any
//     contract's L: refused the same way, without asking the back end to
//     change anything. "-1" reads as a flag (2); `-- -1` reaches the rule (1).
//   - ID is the connection's ID as `connexions` shows it: letters, digits,
//     '-' and '_', at most 64 of them, else a usage error. An ID the server
//     does not hold (never was, gone, another establishment's) is refused.

func (r *runner) connectionCommands(root *cobra.Command) {
	connexions := r.leaf(root, &cobra.Command{
		Use:   "connexions [--json]",
		Short: "the users connected to the server, and the licences they use",
		Long: "The users connected to the PRONOTE server, oldest first: ID, user, group, mode or Espace, client address, " +
			"connected since, idle time; then the licences used. The ID is what `connexion deconnecter` takes.",
		Args: args(),
	}, r.runConnections)
	addJSON(connexions)

	g := r.group(root, "connexion", "disconnect a user")
	deconnecter := r.leaf(g, &cobra.Command{
		Use:   "deconnecter ID -y",
		Short: "disconnect a user (the ID that connexions shows)",
		Long: "Disconnect one user from the PRONOTE server (\"Déconnecter\"): the connection ends and its licence is free. " +
			"ID is the connection's ID as connexions shows it. --oui (-y) is required.",
		Args: args("ID"),
	}, r.runDisconnect)
	addConfirm(deconnecter)

	licences := r.leaf(root, &cobra.Command{
		Use:   "licences [--json]",
		Short: "the contract's licences, those used, and the refusals",
		Long: "The licences of the contract and those used now: mode administratif (L, of which R reserved for the groupe " +
			"Administration), mode enseignant (T or unlimited), vie scolaire and the Espaces (unlimited); and the connections " +
			"refused for lack of a licence today and over the last 7 days, with the latest refusals.",
		// A word after licences names a subcommand: anything else is an
		// unknown command, not an argument.
		Args: func(c *cobra.Command, got []string) error {
			if len(got) > 0 {
				return unknownCommand(c, got[0])
			}
			return nil
		},
	}, r.runLicences)
	addJSON(licences)

	reserver := r.leaf(licences, &cobra.Command{
		Use:   "reserver N",
		Short: "keep N administratif licences for the groupe Administration",
		Long: "Set the licences reserved for the administrators (\"Licences réservées pour les administrateurs\"): " +
			"N from 0 to the contract's administratif licences. It disconnects nobody; it only refuses new connections.",
		Args: args("N"),
	}, r.runReserve)
	reserver.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usagef("%s (N is a whole number of licences, 0 or more)", err)
	})
}

// now is the instant idle times are measured from.
func (r *runner) now() time.Time {
	if r.env.Now != nil {
		return r.env.Now()
	}
	return time.Now()
}

// connJSON is a connection in JSON.
type connJSON struct {
	ID    string `json:"id"`
	User  string `json:"user"`
	Group string `json:"group"`
	// AdminGroup tells whether Group is the groupe Administration, for
	// which the reserved seats are kept.
	AdminGroup  bool      `json:"admin_group"`
	Mode        string    `json:"mode"` // as the stand-in names it: administratif, enseignant, viescolaire, professeur, parent, eleve
	Addr        string    `json:"addr"`
	Since       time.Time `json:"since"`
	LastSeen    time.Time `json:"last_seen"`
	IdleSeconds int64     `json:"idle_seconds"`
}

// adminSeatsJSON is the mode administratif's licences: L, R and those used.
type adminSeatsJSON struct {
	Total            int `json:"total"`
	Reserved         int `json:"reserved"`
	Used             int `json:"used"`
	UsedByAdminGroup int `json:"used_by_admin_group"`
}

// seatsJSON is one other kind's licences; Total is null when unlimited.
type seatsJSON struct {
	Total     *int `json:"total"`
	Unlimited bool `json:"unlimited"`
	Used      int  `json:"used"`
}

// licencesJSON is every kind's licences.
type licencesJSON struct {
	Admin       adminSeatsJSON `json:"admin"`
	Teacher     seatsJSON      `json:"teacher"`
	VieScolaire seatsJSON      `json:"vie_scolaire"`
	Spaces      seatsJSON      `json:"spaces"`
}

// refusalJSON is a connection refused for lack of a licence.
type refusalJSON struct {
	At     time.Time `json:"at"`
	User   string    `json:"user"`
	Group  string    `json:"group"`
	Mode   string    `json:"mode"`
	Addr   string    `json:"addr"`
	Reason string    `json:"reason"`
}

func licencesOf(v backend.ConnectionsView) licencesJSON {
	teacher := seatsJSON{Unlimited: v.Limits.Teacher == 0, Used: v.Usage.Teacher}
	if !teacher.Unlimited {
		t := v.Limits.Teacher
		teacher.Total = &t
	}
	return licencesJSON{
		Admin: adminSeatsJSON{Total: v.Limits.Admin, Reserved: v.Limits.Reserved, Used: v.Usage.Admin,
			UsedByAdminGroup: v.Usage.AdminByAdminGroup},
		Teacher:     teacher,
		VieScolaire: seatsJSON{Unlimited: true, Used: v.Usage.VieScolaire},
		Spaces:      seatsJSON{Unlimited: true, Used: v.Usage.Espaces},
	}
}

// idle is how long a connection has sent nothing, never negative.
func idle(c backend.Connection, now time.Time) time.Duration {
	return max(now.Sub(c.Seen), 0)
}

func (r *runner) runConnections(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	v, err := bs.Connections(c.Context())
	if err != nil {
		return err
	}
	now := r.now()
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]connJSON, len(v.Conns))
		for i, cn := range v.Conns {
			out[i] = connJSON{ID: cn.ID, User: cn.User, Group: cn.Group, AdminGroup: cn.Admin(), Mode: string(cn.Mode),
				Addr: cn.Addr, Since: cn.Since, LastSeen: cn.Seen, IdleSeconds: int64(idle(cn, now) / time.Second)}
		}
		return writeJSON(w, map[string]any{"in_service": v.InService, "held": v.Held, "connections": out, "licences": licencesOf(v)})
	}
	fmt.Fprintf(w, "Connexions (%d)\n", len(v.Conns))
	if err := serverLine(w, v); err != nil {
		return err
	}
	if len(v.Conns) == 0 {
		fmt.Fprintln(w, "  Aucun utilisateur connecté.")
	} else {
		rows := make([][]string, len(v.Conns))
		for i, cn := range v.Conns {
			rows[i] = []string{sanitize.Line(cn.ID), sanitize.Line(cn.User), orDash(cn.Group), cn.Mode.French(),
				orDash(cn.Addr), fr.DateTime(cn.Since), fr.Duration(idle(cn, now))}
		}
		if err := table(w, "ID\tUtilisateur\tGroupe\tMode ou Espace\tAdresse\tDepuis\tInactif", rows); err != nil {
			return err
		}
	}
	_, err = fmt.Fprintf(w, "Licences utilisées : %s.\n", usageLine(v))
	return err
}

// serverLine says, when it matters, why the list may be empty.
func serverLine(w io.Writer, v backend.ConnectionsView) error {
	var err error
	switch {
	case !v.InService:
		_, err = fmt.Fprintln(w, "  Le serveur n'est pas en service : aucun utilisateur ne peut s'y connecter.")
	case !v.Held && v.Unreachable:
		_, err = fmt.Fprintln(w, "  L'instance d'hébergement qui sert ce serveur ne répond pas : les connexions en cours ne sont pas visibles pour le moment.")
	case !v.Held:
		_, err = fmt.Fprintln(w, "  Les connexions sont tenues par le processus qui fait tourner le serveur (hebergement serve) : elles ne sont pas visibles d'ici.")
	}
	return err
}

// usageLine is the licences used, one phrase per kind:
// "mode administratif 2 sur 4 (dont 1 par le groupe Administration ; 1 réservée aux administrateurs), …".
func usageLine(v backend.ConnectionsView) string {
	admin := fmt.Sprintf("mode administratif %d sur %d", v.Usage.Admin, v.Limits.Admin)
	var notes []string
	if v.Usage.AdminByAdminGroup > 0 {
		notes = append(notes, fmt.Sprintf("dont %d par le groupe Administration", v.Usage.AdminByAdminGroup))
	}
	if v.Limits.Reserved > 0 {
		notes = append(notes, fmt.Sprintf("%d réservée%s aux administrateurs", v.Limits.Reserved, plural(v.Limits.Reserved)))
	}
	if len(notes) > 0 {
		admin += " (" + strings.Join(notes, " ; ") + ")"
	}
	teacher := fmt.Sprintf("mode enseignant %d sur %d", v.Usage.Teacher, v.Limits.Teacher)
	if v.Limits.Teacher == 0 {
		teacher = fmt.Sprintf("mode enseignant %d (illimité)", v.Usage.Teacher)
	}
	return fmt.Sprintf("%s, %s, vie scolaire %d, Espaces %d", admin, teacher, v.Usage.VieScolaire, v.Usage.Espaces)
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// orDash is a sanitized cell, "—" when empty.
func orDash(s string) string {
	if s = sanitize.Line(s); strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// connIDRE is what a connection's ID may look like: the back end draws 32
// hex digits; letters, digits, '-' and '_' leave it room to change.
var connIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (r *runner) runDisconnect(c *cobra.Command, a []string) error {
	id := a[0]
	if err := confirmed(c, "disconnects a user"); err != nil {
		return err
	}
	if !connIDRE.MatchString(id) {
		return usagef("%s: ID must be a connection's ID as connexions shows it (letters and digits)", path(c))
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	// Who it was, for the answer: the back end's DisconnectUser says only
	// whether it was done.
	var who *backend.Connection
	if v, err := bs.Connections(ctx); err == nil {
		for _, cn := range v.Conns {
			if cn.ID == id {
				who = &cn
				break
			}
		}
	}
	if err := bs.DisconnectUser(ctx, id); err != nil {
		return &refusal{err: err, perm: backend.PermConnections}
	}
	if who == nil {
		_, err = fmt.Fprintf(r.env.Stdout, "Connexion %s fermée : l'utilisateur est déconnecté.\n", id)
		return err
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Utilisateur déconnecté : %s (%s, %s). Sa licence est libérée.\n",
		sanitize.Line(who.User), who.Mode.French(), orDash(who.Addr))
	return err
}

func (r *runner) runLicences(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	v, err := bs.Connections(c.Context())
	if err != nil {
		return err
	}
	w := r.env.Stdout
	if wantJSON(c) {
		refusals := make([]refusalJSON, len(v.Refusals))
		for i, f := range v.Refusals {
			refusals[i] = refusalJSON{At: f.At, User: f.User, Group: f.Group, Mode: string(f.Mode), Addr: f.Addr, Reason: f.Reason}
		}
		return writeJSON(w, map[string]any{"in_service": v.InService, "held": v.Held, "licences": licencesOf(v),
			"refused_today": v.RefusedToday, "refused_7_days": v.RefusedWeek, "refusals": refusals})
	}
	fmt.Fprintln(w, "Licences")
	admin := strconv.Itoa(v.Limits.Admin)
	if v.Limits.Reserved > 0 {
		admin += fmt.Sprintf(" (dont %d réservée%s aux administrateurs)", v.Limits.Reserved, plural(v.Limits.Reserved))
	}
	adminUsed := strconv.Itoa(v.Usage.Admin)
	if v.Usage.AdminByAdminGroup > 0 {
		adminUsed += fmt.Sprintf(" (dont %d par le groupe Administration)", v.Usage.AdminByAdminGroup)
	}
	teacher := "illimité"
	if v.Limits.Teacher > 0 {
		teacher = strconv.Itoa(v.Limits.Teacher)
	}
	rows := [][]string{
		{seats.KindAdmin.French(), admin, adminUsed},
		{seats.KindTeacher.French(), teacher, strconv.Itoa(v.Usage.Teacher)},
		{seats.KindVieScolaire.French(), "illimité", strconv.Itoa(v.Usage.VieScolaire)},
		{seats.KindEspaces.French(), "illimité", strconv.Itoa(v.Usage.Espaces)},
	}
	if err := table(w, "Mode ou Espace\tContrat\tUtilisées", rows); err != nil {
		return err
	}
	if err := serverLine(w, v); err != nil {
		return err
	}
	fmt.Fprintf(w, "Connexions refusées faute de licence : %d aujourd'hui, %d sur les 7 derniers jours.\n", v.RefusedToday, v.RefusedWeek)
	if len(v.Refusals) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nDerniers refus (%d)\n", len(v.Refusals))
	rows = make([][]string, len(v.Refusals))
	for i, f := range v.Refusals {
		rows[i] = []string{fr.DateTime(f.At), sanitize.Line(f.User), orDash(f.Group), f.Mode.French(), orDash(f.Addr), sanitize.Line(f.Reason)}
	}
	return table(w, "Date\tUtilisateur\tGroupe\tMode ou Espace\tAdresse\tMotif", rows)
}

// reserveRE is N as the grammar takes it: a whole number in ASCII digits,
// a minus sign allowed so that the rule, not the grammar, refuses it.
var reserveRE = regexp.MustCompile(`^-?[0-9]+$`)

func (r *runner) runReserve(c *cobra.Command, a []string) error {
	if !reserveRE.MatchString(a[0]) {
		return usagef("%s: N must be a whole number of licences, such as 1", path(c))
	}
	n, err := strconv.Atoi(a[0])
	tooBig := errors.Is(err, strconv.ErrRange)
	bs, serr := r.session()
	if serr != nil {
		return serr
	}
	ctx := c.Context()
	if tooBig {
		// Above any contract: the rule's refusal, with this contract's L.
		st, err := bs.Status(ctx)
		if err != nil {
			return err
		}
		return &refusal{err: &backend.ReservedError{Admin: st.Establishment.AdminSeats}}
	}
	if err := bs.SetReservedSeats(ctx, n); err != nil {
		return &refusal{err: err, perm: backend.PermConnections}
	}
	st, err := bs.Status(ctx)
	if err != nil { // done, but the contract cannot be read back
		_, err = fmt.Fprintf(r.env.Stdout, "Licences réservées pour les administrateurs : %d.\n", n)
		return err
	}
	e := st.Establishment
	_, err = fmt.Fprintf(r.env.Stdout, "Licences réservées pour les administrateurs : %d sur %d licences du mode administratif.\n",
		e.ReservedSeats, e.AdminSeats)
	return err
}
