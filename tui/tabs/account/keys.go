package account

import (
	"context"
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// The actions on the selected key run in a command on the values captured
// when it was made, and answer with a keyDoneMsg that only tells the
// outcome: the back end publishes an event of TopicKeys for every change,
// and the root reloads the tab then.

// keyNameLimit is the longest name the rename field takes.
const keyNameLimit = 60

// keyDoneMsg is the outcome of a rename or a revocation.
type keyDoneMsg struct {
	ok  string
	err error
}

func keyCmd(ok string, fn func(ctx context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			return keyDoneMsg{err: err}
		}
		return keyDoneMsg{ok: ok}
	}
}

// selectedKey is the key under the cursor of the keys table, when the role
// may act on keys and the key is still valid; otherwise it says why in the
// status line.
func (v *accessView) selectedKey() (backend.Key, bool) {
	c := v.c
	if !c.Session.Can(backend.PermKeys) {
		c.SetStatus(backend.PermKeys.Who(), common.StatusErr)
		return backend.Key{}, false
	}
	row, ok := v.keyTable.Selected()
	k, found := v.keyData[row.Key]
	if !ok || !found {
		c.SetStatus("Sélectionnez d'abord une clé SSH.", common.StatusErr)
		return backend.Key{}, false
	}
	if !k.RevokedAt.IsZero() {
		c.SetStatus(backend.Message(backend.ErrAlreadyRevoked), common.StatusErr)
		return backend.Key{}, false
	}
	return k, true
}

// rename is "Renommer la clé": a form of one field.
func (v *accessView) rename() tea.Cmd {
	k, ok := v.selectedKey()
	if !ok {
		return nil
	}
	c := v.c
	sess, fp := c.Session, k.Fingerprint
	name := common.Clean(k.Name)
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().
			Title("Nouveau nom de la clé").
			CharLimit(keyNameLimit).
			Value(&name).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					// huh draws the error's text as is: the user's sentence.
					return errors.New("Saisissez un nom.") //nolint:staticcheck // ST1005: shown to the user
				}
				return nil
			}),
	))
	return c.Push(dialogs.NewForm(c, "Renommer la clé", form, func() tea.Cmd {
		typed := name // read now, in Update
		shown := common.Clean(strings.TrimSpace(typed))
		c.SetStatus("Renommage de la clé…", common.StatusInfo)
		return keyCmd("La clé « "+shown+" » est renommée.", func(ctx context.Context) error {
			return sess.RenameKey(ctx, fp, typed)
		})
	}))
}

// revoke is "Révoquer la clé", after a confirmation.
func (v *accessView) revoke() tea.Cmd {
	k, ok := v.selectedKey()
	if !ok {
		return nil
	}
	c := v.c
	sess, fp := c.Session, k.Fingerprint
	name := common.Clean(k.Name)
	body := []string{
		"Révoquer la clé « " + name + " » (" + common.Clean(fp) + ") ? Ses sessions ouvertes seront fermées dans la seconde, et elle ne pourra plus se connecter.",
	}
	if own := c.Session.KeyFingerprint(); own != "" && own == fp {
		body = append(body, "C'est la clé de cette session : cette console se fermera aussi.")
	}
	return c.Push(dialogs.NewConfirm(c, "Révoquer la clé", "Révoquer", body, "Révocation de la clé…",
		keyCmd("La clé « "+name+" » est révoquée.", func(ctx context.Context) error {
			return sess.RevokeKey(ctx, fp)
		})))
}

// invitationCreatedMsg is the outcome of "Inviter un utilisateur": the
// invitation and its code, which only the dialog that answers shows.
type invitationCreatedMsg struct {
	inv  backend.Invitation
	code string
	err  error
}

// invite is "Inviter un utilisateur": a form of one optional field, the
// name, then the code in a dialog of its own.
func (v *accessView) invite() tea.Cmd {
	c := v.c
	sess := c.Session
	var name string
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().
			Title("Nom de l'invitation (facultatif)").
			Description("Par exemple : Mme Durand, secrétariat. La clé enregistrée avec le code portera ce nom.").
			CharLimit(keyNameLimit).
			Value(&name),
	))
	return c.Push(dialogs.NewForm(c, "Inviter un utilisateur du groupe Administration", form, func() tea.Cmd {
		typed := name // read now, in Update
		c.SetStatus("Création de l'invitation…", common.StatusInfo)
		return func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
			defer cancel()
			inv, code, err := sess.CreateInvitation(ctx, typed)
			return invitationCreatedMsg{inv: inv, code: code, err: err}
		}
	}))
}

// created shows the new invitation's code, once.
func (v *accessView) created(msg invitationCreatedMsg) tea.Cmd {
	if msg.err != nil {
		v.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		return nil
	}
	v.c.SetStatus("Invitation "+msg.inv.Label+"-… créée, valable jusqu'au "+fr.DateTime(msg.inv.ExpiresAt)+".", common.StatusOK)
	return v.c.Push(newCodeDialog(v.c, msg.inv, msg.code))
}

// cancelInvitation is "Annuler l'invitation", after a confirmation.
func (v *accessView) cancelInvitation() tea.Cmd {
	inv, ok := v.selectedInvitation()
	if !ok {
		return nil
	}
	c := v.c
	sess, label := c.Session, inv.Label
	what := "l'invitation " + label + "-…"
	if inv.Name != "" {
		what += " (« " + common.Clean(inv.Name) + " »)"
	}
	body := []string{"Annuler " + what + " ? Son code ne permettra plus d'enregistrer une clé."}
	return c.Push(dialogs.NewConfirm(c, "Annuler l'invitation", "Annuler l'invitation", body, "Annulation de l'invitation…",
		keyCmd("L'invitation "+label+"-… est annulée.", func(ctx context.Context) error {
			return sess.CancelInvitation(ctx, label)
		})))
}

// sendCredentials is "Recevoir mes identifiants d'hébergement", after a
// confirmation: the old password stops working.
func (v *accessView) sendCredentials() tea.Cmd {
	c := v.c
	sess := c.Session
	e := c.Status.Establishment
	body := []string{
		"Un nouveau mot de passe vous sera envoyé par SMS ; l'ancien ne fonctionnera plus.",
		"Le numéro d'hébergement et le numéro de facture vous seront envoyés par e-mail (" + common.Clean(backend.MaskEmail(e.Email)) +
			"), le mot de passe au " + backend.MaskPhone(e.Phone) + ". Les clés SSH enregistrées restent valables.",
	}
	return c.Push(dialogs.NewConfirm(c, "Recevoir mes identifiants d'hébergement", "Envoyer", body, "Envoi des identifiants…",
		keyCmd("Identifiants envoyés : le nouveau mot de passe arrive par SMS, les numéros par e-mail.", sess.SendCredentials)))
}

// codeDialog shows a new invitation's code, the only time it is shown;
// entrée or échap closes it, and the code is forgotten.
type codeDialog struct {
	c    *common.Context
	inv  backend.Invitation
	code string
}

func newCodeDialog(c *common.Context, inv backend.Invitation, code string) *codeDialog {
	return &codeDialog{c: c, inv: inv, code: code}
}

// Update implements common.Dialog.
func (d *codeDialog) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		k := d.c.Keys
		if key.Matches(msg, k.Confirm, k.Cancel) {
			d.code = ""
			d.c.Close(d)
		}
	}
	return nil
}

// View implements common.Dialog.
func (d *codeDialog) View(maxW, maxH int) string {
	st := d.c.Styles
	w := min(maxW, 64)
	inner := max(w-4, 1)
	center := func(s string) string {
		pad := max(inner-ansi.StringWidth(s), 0) / 2
		return strings.Repeat(" ", pad) + s
	}
	var lines []string
	if d.inv.Name != "" {
		lines = append(lines, common.Wrap("Invitation « "+common.Clean(d.inv.Name)+" »", inner)...)
	}
	lines = append(lines, "", center(st.Accent.Bold(true).Render(d.code)), "")
	for _, p := range []string{
		"Notez ce code : il ne sera plus affiché. Valable 24 heures, pour une seule clé.",
		"Jusqu'au " + fr.DateTime(d.inv.ExpiresAt) + ". Pour l'utiliser : ssh -t console.hebergement, puis le numéro d'hébergement " +
			d.c.Status.Establishment.HostingNumber + " et ce code à la place du mot de passe. La clé sera enregistrée pour le groupe Administration.",
	} {
		lines = append(lines, common.Wrap(p, inner)...)
	}
	lines = append(lines, "", center(st.ButtonFocused.Render("[ J'ai noté le code (entrée) ]")))
	return common.Box(st, "Code d'invitation", lines, w, min(len(lines)+2, maxH), true)
}

// ShortHelp implements common.Dialog.
func (d *codeDialog) ShortHelp() []key.Binding {
	return []key.Binding{common.WithHelp(d.c.Keys.Confirm, "fermer")}
}

// FullHelp implements common.Dialog.
func (d *codeDialog) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
