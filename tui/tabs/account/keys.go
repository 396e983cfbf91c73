package account

import (
	"context"
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hebergement/console/backend"
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
