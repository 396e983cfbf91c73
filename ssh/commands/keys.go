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

// cles, cle renommer, cle revoquer: the SSH keys of Mon compte (SPR only;
// the back end refuses the other roles).

func (r *runner) keyCommands(root *cobra.Command) {
	cles := r.leaf(root, &cobra.Command{
		Use:   "cles [--json]",
		Short: "the establishment's SSH keys, revoked ones included (SPR)",
		Long:  "The SSH keys enrolled for the establishment, oldest first, revoked ones included, with their role and last use. Reserved to the SPR.",
		Args:  args(),
	}, r.runKeys)
	addJSON(cles)

	g := r.group(root, "cle", "rename or revoke an SSH key (SPR)")
	r.leaf(g, &cobra.Command{
		Use:   "renommer EMPREINTE NOM",
		Short: "give a key a new name (SPR)",
		Long:  "Give one of the establishment's keys a new name (one line, at most 60 characters). Reserved to the SPR.",
		Args:  args("EMPREINTE", "NOM"),
	}, r.runRenameKey)

	revoquer := r.leaf(g, &cobra.Command{
		Use:   "revoquer EMPREINTE -y",
		Short: "revoke a key: its sessions end, it must enroll again (SPR)",
		Long: "Revoke one of the establishment's keys: its open sessions end within a second and its next connection " +
			"gets the enrollment screen. Reserved to the SPR. This cannot be undone: --oui (-y) is required.",
		Args: args("EMPREINTE"),
	}, r.runRevokeKey)
	addConfirm(revoquer)
}

// keyJSON is a key in JSON.
type keyJSON struct {
	Fingerprint string     `json:"fingerprint"`
	Name        string     `json:"name"`
	Role        string     `json:"role"` // "spr" or "admin"
	Added       time.Time  `json:"added"`
	LastUsed    *time.Time `json:"last_used"` // null: never used
	Revoked     *time.Time `json:"revoked"`   // null: valid
	Current     bool       `json:"current"`   // the key of this SSH session
}

func roleCode(r backend.Role) string {
	if r == backend.RoleAdmin {
		return "admin"
	}
	return "spr"
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func (r *runner) runKeys(c *cobra.Command, _ []string) error {
	bs, err := r.session()
	if err != nil {
		return err
	}
	keys, err := bs.Keys(c.Context())
	if err != nil {
		return &refusal{err: err, perm: backend.PermKeys}
	}
	own := bs.KeyFingerprint()
	w := r.env.Stdout
	if wantJSON(c) {
		out := make([]keyJSON, len(keys))
		for i, k := range keys {
			out[i] = keyJSON{Fingerprint: k.Fingerprint, Name: k.Name, Role: roleCode(k.Role), Added: k.AddedAt,
				LastUsed: timeOrNil(k.LastUsedAt), Revoked: timeOrNil(k.RevokedAt), Current: k.Fingerprint == own}
		}
		return writeJSON(w, map[string]any{"keys": out})
	}
	fmt.Fprintf(w, "Clés SSH (%d)\n", len(keys))
	if len(keys) == 0 {
		return nil
	}
	rows := make([][]string, 0, len(keys))
	for _, k := range keys {
		state := "valide"
		if !k.RevokedAt.IsZero() {
			state = "révoquée le " + fr.DateTime(k.RevokedAt)
		}
		if k.Fingerprint == own {
			state += " (cette session)"
		}
		rows = append(rows, []string{sanitize.Line(k.Fingerprint), sanitize.Line(k.Name), k.Role.String(),
			fr.DateTime(k.AddedAt), fr.DateTime(k.LastUsedAt), state})
	}
	return table(w, "Empreinte\tNom\tRôle\tAjoutée le\tUtilisée le\tÉtat", rows)
}

func (r *runner) runRenameKey(c *cobra.Command, a []string) error {
	fp, name := a[0], a[1]
	if err := checkFingerprint(path(c), fp); err != nil {
		return err
	}
	if strings.TrimSpace(sanitize.Line(name)) == "" {
		return usagef("%s: NOM is empty once control characters are removed", path(c))
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	if err := bs.RenameKey(ctx, fp, name); err != nil {
		return &refusal{err: err, perm: backend.PermKeys}
	}
	// The name as the back end stored it (cleaned, cut at its length).
	stored := name
	if keys, err := bs.Keys(ctx); err == nil {
		for _, k := range keys {
			if k.Fingerprint == fp {
				stored = k.Name
			}
		}
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Clé renommée : %s s'appelle maintenant « %s ».\n", fp, sanitize.Line(stored))
	return err
}

func (r *runner) runRevokeKey(c *cobra.Command, a []string) error {
	fp := a[0]
	if err := confirmed(c, "revokes a key for good"); err != nil {
		return err
	}
	if err := checkFingerprint(path(c), fp); err != nil {
		return err
	}
	bs, err := r.session()
	if err != nil {
		return err
	}
	ctx := c.Context()
	own := fp == bs.KeyFingerprint()
	if own && r.env.Detach != nil {
		// The session's own key: its revocation would end this SSH
		// session before the command says it is done.
		r.env.Detach()
	}
	if err := bs.RevokeKey(ctx, fp); err != nil {
		return &refusal{err: err, perm: backend.PermKeys}
	}
	if own {
		_, err = fmt.Fprintf(r.env.Stdout, "Clé révoquée : %s (%s). C'était la clé de cette session : elle ne peut plus se connecter sans être enregistrée de nouveau.\n",
			fp, sanitize.Line(bs.Actor()))
		return err
	}
	name := ""
	if keys, err := bs.Keys(ctx); err == nil {
		for _, k := range keys {
			if k.Fingerprint == fp {
				name = " (" + sanitize.Line(k.Name) + ")"
			}
		}
	}
	_, err = fmt.Fprintf(r.env.Stdout, "Clé révoquée : %s%s. Ses sessions ouvertes sont fermées.\n", fp, name)
	return err
}
