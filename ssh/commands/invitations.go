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

// invitations, invitation creer, invitation annuler, identifiants envoyer:
// who may reach the console, from Mon compte (SPR only; the back end refuses
// the other roles). The code of an invitation is printed once, by creer, and
// never again: lists show its first group, "ABCD-…".

func (r *runner) accessCommands(root *cobra.Command) {
	list := r.leaf(root, &cobra.Command{
		Use:   "invitations [--json]",
		Short: "the invitations of the groupe Administration, newest first (SPR)",
		Long: "The invitations created for the groupe Administration, newest first, with their state: en attente, " +
			"utilisée (by which key), annulée or expirée. Codes are never shown again: only their first group. Reserved to the SPR.",
		Args: args(),
	}, r.runInvitations)
	addJSON(list)

	g := r.group(root, "invitation", "create or cancel an invitation (SPR)")
	creer := r.leaf(g, &cobra.Command{
		Use:   "creer [--nom NOM]",
		Short: "create a one-time code for a key of the groupe Administration (SPR)",
		Long: "Create an invitation: a code, printed once, valid 24 hours, that enrolls one SSH key in the groupe " +
			"Administration (type the hosting number and the code on the console's enrollment screen, ssh -t). " +
			"--nom names it (one line, at most 60 characters), and the key after it. Reserved to the SPR.",
		Args: args(),
	}, r.runCreateInvitation)
	creer.Flags().String("nom", "", "the invitation's name (`NOM`), given to the key it enrolls")

	r.leaf(g, &cobra.Command{
		Use:   "annuler CODE",
		Short: "cancel a pending invitation by its code or its first group (SPR)",
		Long: "Cancel a pending invitation: CODE is the whole code (ABCD-EFGH-JKMN; dashes, spaces and case do not " +
			"matter) or its first group as invitations shows it (ABCD). Reserved to the SPR.",
		Args: args("CODE"),
	}, r.runCancelInvitation)

	id := r.group(root, "identifiants", "the hosting credentials (SPR)")
	envoyer := r.leaf(id, &cobra.Command{
		Use:   "envoyer -y",
		Short: "receive new hosting credentials: a new password by SMS (SPR)",
		Long: "Recevoir mes identifiants d'hébergement: a new password is sent by SMS, the hosting and invoice numbers " +
			"by e-mail. The old password stops working at once (enrolled SSH keys keep working). Reserved to the " +
			"SPR. --oui (-y) is required.",
		Args: args(),
	}, r.runSendCredentials)
	addConfirm(envoyer)
}

// invitationJSON is an invitation in JSON: never its code.
type invitationJSON struct {
	Label      string     `json:"label"` // the code's first group
	Name       string     `json:"name"`
	Created    time.Time  `json:"created"`
	CreatedBy  string     `json:"created_by"`
	Expires    time.Time  `json:"expires"`
	State      string     `json:"state"` // pending, used, cancelled, expired
	UsedAt     *time.Time `json:"used_at"`
	UsedBy     string     `json:"used_by"` // the fingerprint of the key it enrolled
	UsedByName string     `json:"used_by_name"`
	Cancelled  *time.Time `json:"cancelled_at"`
}

func (r *runner) runInvitations(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	list, err := bs.Invitations(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermInvitations}
	}
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]invitationJSON, len(list))
		for i, v := range list {
			out[i] = invitationJSON{Label: v.Label, Name: v.Name, Created: v.CreatedAt, CreatedBy: v.CreatedBy, Expires: v.ExpiresAt,
				State: v.State.Code(), UsedAt: timeOrNil(v.UsedAt), UsedBy: v.UsedBy, UsedByName: v.UsedByName, Cancelled: timeOrNil(v.CancelledAt)}
		}
		return writeJSON(w, map[string]any{"invitations": out})
	}
	fmt.Fprintf(w, "Invitations (%d)\n", len(list))
	if len(list) == 0 {
		return nil
	}
	rows := make([][]string, 0, len(list))
	for _, v := range list {
		name := sanitize.Line(v.Name)
		if name == "" {
			name = "—"
		}
		state := v.State.French()
		switch v.State {
		case backend.InvitationUsed:
			state += " le " + fr.DateTime(v.UsedAt)
		case backend.InvitationCancelled:
			state += " le " + fr.DateTime(v.CancelledAt)
		}
		by := ""
		if v.State == backend.InvitationUsed {
			by = sanitize.Line(v.UsedByName)
			if by == "" {
				by = sanitize.Line(v.UsedBy)
			}
		}
		rows = append(rows, []string{v.Label + "-…", name, fr.DateTime(v.CreatedAt), sanitize.Line(v.CreatedBy),
			fr.DateTime(v.ExpiresAt), state, by})
	}
	return table(w, "Code\tNom\tCréée le\tPar\tExpire le\tÉtat\tUtilisée par", rows)
}

func (r *runner) runCreateInvitation(c *cobra.Command, _ []string) error {
	name, _ := c.Flags().GetString("nom")
	if c.Flags().Changed("nom") && strings.TrimSpace(sanitize.Line(name)) == "" {
		return usagef("%s: --nom is empty once control characters are removed", path(c))
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	inv, code, err := bs.CreateInvitation(ctx, name)
	if err != nil {
		return &refusal{err: err, perm: backend.PermInvitations}
	}
	number := "votre numéro d'hébergement"
	if st, err := bs.Status(ctx); err == nil {
		number = "le numéro d'hébergement " + st.Establishment.HostingNumber
	}
	w := r.env.Stdout
	fmt.Fprintf(w, "Invitation créée : %s\n", code)
	if inv.Name != "" {
		fmt.Fprintf(w, "Nom : %s\n", sanitize.Line(inv.Name))
	}
	fmt.Fprintf(w, "Valable jusqu'au %s, pour une seule clé. Notez ce code : il ne sera plus affiché.\n", fr.DateTime(inv.ExpiresAt))
	_, err = fmt.Fprintf(w, "Pour l'utiliser : ssh -t %s, puis saisir %s et ce code à la place du mot de passe ; "+
		"la clé est enregistrée pour le groupe Administration.\n", strings.TrimPrefix(Program, "ssh "), number)
	return err
}

func (r *runner) runCancelInvitation(c *cobra.Command, a []string) error {
	n := strings.TrimSuffix(strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(a[0])), "…")
	if _, isCode := backend.NormalizeInvitationCode(n); !isCode && (len(n) != 4 || !isLabel(n)) {
		return usagef("%s: CODE must be a code (ABCD-EFGH-JKMN) or its first group (ABCD)", path(c))
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	if err := bs.CancelInvitation(c.Context(), n); err != nil {
		return &refusal{err: err, perm: backend.PermInvitations}
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Invitation %s-… annulée : son code ne permet plus d'enregistrer une clé.\n", n[:4])
	return err
}

func isLabel(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(backend.CodeAlphabet, r) {
			return false
		}
	}
	return true
}

func (r *runner) runSendCredentials(c *cobra.Command, _ []string) error {
	if err := confirmed(c, "replaces the password"); err != nil {
		return err
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	if err := bs.SendCredentials(ctx); err != nil {
		return &refusal{err: err, perm: backend.PermCredentials}
	}
	to := ""
	if st, err := bs.Status(ctx); err == nil {
		to = fmt.Sprintf(" (SMS au %s, e-mail à %s)", backend.MaskPhone(st.Establishment.Phone), sanitize.Line(backend.MaskEmail(st.Establishment.Email)))
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Identifiants envoyés%s : un nouveau mot de passe par SMS, le numéro d'hébergement et le numéro de facture par e-mail. "+
		"L'ancien mot de passe ne fonctionne plus ; les clés SSH enregistrées restent valables.\n", to)
	return err
}
