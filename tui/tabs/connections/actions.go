package connections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// The actions run in a command on the values captured when it was made,
// and answer with a doneMsg that only tells the outcome: the back end
// publishes TopicConnections for each, and the root reloads the tab then.

// doneMsg is the outcome of a disconnection or of a change of the
// reserved licences.
type doneMsg struct {
	ok  string
	err error
}

func actionCmd(ok string, fn func(ctx context.Context) error) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			return doneMsg{err: err}
		}
		return doneMsg{ok: ok}
	}
}

// allowed reports whether the session may act, and otherwise says who may
// on the status line.
func (t *Tab) allowed() bool {
	if !t.canAct() {
		t.c.SetStatus(backend.PermConnections.Who(), common.StatusErr)
		return false
	}
	if !t.loaded || t.err != nil {
		t.c.SetStatus("Les connexions ne sont pas encore lues : réessayez dans un instant.", common.StatusErr)
		return false
	}
	return true
}

// disconnect is "Déconnecter" the selected connection, after a
// confirmation that names the user and the mode.
func (t *Tab) disconnect() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c := t.c
	if !t.data.Held {
		msg := notHeldAct
		if t.data.Unreachable {
			msg = unreachableAct
		}
		c.SetStatus(msg, common.StatusErr)
		return nil
	}
	row, ok := t.conns.Selected()
	conn, found := t.connByID(row.Key)
	if !ok || !found {
		c.SetStatus("Sélectionnez d'abord une connexion dans la liste.", common.StatusErr)
		return nil
	}
	sess, id := c.Session, conn.ID
	who := common.Clean(conn.User) + " (" + conn.Mode.French() + ")"
	body := []string{
		"Déconnecter " + who + " ?",
		"Sa connexion sera fermée aussitôt ; une nouvelle connexion restera possible tant qu'une licence est libre.",
	}
	return c.Push(dialogs.NewConfirm(c, "Déconnecter un utilisateur", "Déconnecter", body, "Déconnexion de "+who+"…",
		actionCmd("La connexion de "+who+" est fermée.", func(ctx context.Context) error {
			return sess.DisconnectUser(ctx, id)
		})))
}

// reserve is "Licences réservées pour les administrateurs": a form of one
// field, an integer from 0 to L checked as it is typed; the back end
// checks it again (the contract may have changed meanwhile).
func (t *Tab) reserve() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c := t.c
	l := t.data.Limits
	value := strconv.Itoa(l.Reserved)
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().
			Title("Licences réservées pour les administrateurs").
			Description(reserveHelp(l.Admin)).
			CharLimit(5).
			Value(&value).
			Validate(func(s string) error { _, err := parseReserved(s, l.Admin); return err }),
	))
	sess := c.Session
	return c.Push(dialogs.NewForm(c, "Licences réservées", form, func() tea.Cmd {
		n, err := parseReserved(value, l.Admin) // read now, in Update
		if err != nil {
			c.SetStatus(err.Error(), common.StatusErr)
			return nil
		}
		c.SetStatus("Enregistrement des licences réservées…", common.StatusInfo)
		ok := fmt.Sprintf("Licences réservées aux administrateurs : %s sur %s. Personne n'est déconnecté.",
			fr.Count(n), fr.Count(l.Admin))
		return actionCmd(ok, func(ctx context.Context) error { return sess.SetReservedSeats(ctx, n) })
	}))
}

// reserveHelp is the rule of SPEC §7 in the words of the form.
func reserveHelp(admin int) string {
	return fmt.Sprintf("De 0 à %d. Le groupe Administration peut prendre toute licence libre du mode administratif ; "+
		"les autres utilisateurs n'en ont que %d moins ce nombre. Le changer ne déconnecte personne.", admin, admin)
}

// parseReserved reads the reserved licences typed: an integer from 0 to
// admin, or the French sentence that says what is wrong, short enough for
// the line huh gives it under the field.
func parseReserved(s string, admin int) (int, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.Atoi(s)
	// huh draws the errors' text as is: the user's sentences.
	switch {
	case s == "":
		return 0, errors.New("Saisissez un nombre de 0 à " + fr.Count(admin) + ".") //nolint:staticcheck // ST1005: shown to the user
	case err != nil:
		return 0, errors.New("Saisissez un nombre entier de 0 à " + fr.Count(admin) + ".") //nolint:staticcheck // ST1005
	case n < 0:
		return 0, errors.New("Le nombre ne peut pas être négatif.") //nolint:staticcheck // ST1005
	case n > admin:
		return 0, fmt.Errorf("Au plus %s (les licences du mode administratif).", fr.Count(admin)) //nolint:staticcheck // ST1005
	}
	return n, nil
}
