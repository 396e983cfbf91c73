package bases

import (
	"context"
	"io"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// Every action runs in a command on the values captured when it was made,
// and answers with a doneMsg that only tells the outcome: the back end
// publishes an event for every change, to this console too, and the root
// reloads the tab then, once.

// actionCmd runs one action of the back end; fn returns the success
// sentence and the base to select.
func actionCmd(fn func(ctx context.Context) (string, int64, error)) tea.Cmd {
	return func() tea.Msg {
		ok, id, err := fn(context.Background())
		return doneMsg{ok: ok, err: err, selectID: id}
	}
}

// uploadedMsg is a file the picker sent and the back end kept: a base, or
// an annex of the base in service.
type uploadedMsg struct {
	annex bool
	base  backend.Base
	att   backend.Annex
}

// outcome is the status line after the upload.
func (m uploadedMsg) outcome() (string, common.StatusKind) {
	if m.annex {
		return "Annexe « " + common.Clean(m.att.Name) + " » (" + m.att.Kind.Label() + ") ajoutée à la base en service.", common.StatusOK
	}
	return "Base « " + common.Clean(m.base.Name) + " » chargée (" + fr.Size(m.base.Size) + "). Appuyez sur o pour l'ouvrir.", common.StatusOK
}

// sendBase and sendAnnex carry a file chosen in the picker to the back end.
func sendBase(s *backend.Session) dialogs.Send {
	return func(ctx context.Context, name string, r io.Reader, p backend.Progress) (tea.Msg, error) {
		b, err := s.LoadBase(ctx, name, r, p)
		return uploadedMsg{base: b}, err
	}
}

func sendAnnex(s *backend.Session) dialogs.Send {
	return func(ctx context.Context, name string, r io.Reader, p backend.Progress) (tea.Msg, error) {
		a, err := s.AttachAnnex(ctx, name, r, p)
		return uploadedMsg{annex: true, att: a}, err
	}
}

// load is "Charger une base".
func (t *Tab) load() tea.Cmd {
	c := t.c
	return c.Push(dialogs.NewPicker(c, "Charger une base", "Choisissez un fichier *.HNOT généré par votre Serveur PRONOTE.",
		[]hostfile.Kind{hostfile.KindBase}, sendBase(c.Session)))
}

// complete is "Compléter la base hébergée".
func (t *Tab) complete() tea.Cmd {
	c := t.c
	if c.Status.InService == nil {
		c.SetStatus(backend.Message(backend.ErrNoBaseInService), common.StatusErr)
		return nil
	}
	return c.Push(dialogs.NewPicker(c, "Compléter la base hébergée",
		"Choisissez un fichier *.HCOURRIERS, *.HDOCJOINTS ou *.HPHOTOS pour la base en service « "+common.Clean(c.Status.InService.Name)+" ».",
		[]hostfile.Kind{hostfile.KindLetters, hostfile.KindAttachments, hostfile.KindPhotos}, sendAnnex(c.Session)))
}

// stoppedSentence is the outcome of "Arrêter le serveur" with the users it
// disconnected (n < 0: unknown, another process holds them).
func stoppedSentence(n int) string {
	switch {
	case n < 0:
		return "Le serveur est arrêté."
	case n == 0:
		return "Le serveur est arrêté ; aucun utilisateur n'était connecté."
	case n == 1:
		return "Le serveur est arrêté ; 1 utilisateur déconnecté."
	}
	return "Le serveur est arrêté ; " + fr.Count(n) + " utilisateurs déconnectés."
}

// connectedMsg is the number of users connected, read for a confirmation
// that stops the server; ask opens it. form is the create form that asked,
// 0 for the tab.
type connectedMsg struct {
	form int
	n    int
	ask  func(n int) tea.Cmd
}

// countThen reads how many users the server holds and answers with a
// connectedMsg for ask, which runs in Update: once per confirmation, when
// its key is pressed, never while it is open (common.ConnectedUsers).
func countThen(sess *backend.Session, form int, ask func(n int) tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		return connectedMsg{form: form, n: common.ConnectedUsers(ctx, sess), ask: ask}
	}
}

func (t *Tab) open() tea.Cmd {
	c := t.c
	b := t.selected()
	if b == nil {
		c.SetStatus("Sélectionnez d'abord une base dans l'une des deux listes.", common.StatusErr)
		return nil
	}
	if b.Opened {
		c.SetStatus(backend.Message(backend.ErrAlreadyOpened), common.StatusErr)
		return nil
	}
	sess, id, name := c.Session, b.ID, common.Clean(b.Name)
	ok := "La base « " + name + " » est ouverte. Appuyez sur s pour la mettre en service."
	if c.Status.State == backend.ServerRunning {
		return countThen(sess, 0, func(n int) tea.Cmd {
			return c.Push(dialogs.NewConfirm(c, "Ouvrir cette base", "Arrêter et ouvrir", []string{
				"Le serveur est en service : pour ouvrir la base « " + name + " », il faut d'abord l'arrêter.",
				common.StopBody(n),
			}, "Arrêt du serveur et ouverture de la base…", actionCmd(func(ctx context.Context) (string, int64, error) {
				return ok, id, sess.StopAndOpenBase(ctx, id)
			})))
		})
	}
	c.SetStatus("Ouverture de la base « "+name+" »…", common.StatusInfo)
	return actionCmd(func(ctx context.Context) (string, int64, error) {
		return ok, id, sess.OpenBase(ctx, id)
	})
}

func (t *Tab) putInService() tea.Cmd {
	c := t.c
	sess := c.Session
	c.SetStatus("Mise en service…", common.StatusInfo)
	return actionCmd(func(ctx context.Context) (string, int64, error) {
		if err := sess.PutInService(ctx); err != nil {
			return "", 0, err
		}
		// Name the base from the state after the action, not from what the
		// screen showed when the key was pressed.
		st, err := sess.Status(ctx)
		switch {
		case err != nil:
			// Done, but the state after it could not be read: say both.
			return "Le serveur est en service. " + backend.Message(err), 0, nil
		case st.InService != nil:
			return "La base « " + common.Clean(st.InService.Name) + " » est en service.", st.InService.ID, nil
		}
		return "Le serveur est en service.", 0, nil
	})
}

func (t *Tab) stop() tea.Cmd {
	c := t.c
	if c.Status.State != backend.ServerRunning {
		c.SetStatus(backend.Message(backend.ErrServerStopped), common.StatusErr)
		return nil
	}
	sess := c.Session
	return countThen(sess, 0, func(n int) tea.Cmd {
		return c.Push(dialogs.NewConfirm(c, "Arrêter le serveur", "Arrêter le serveur", []string{common.StopBody(n)},
			"Arrêt du serveur…", actionCmd(func(ctx context.Context) (string, int64, error) {
				return stoppedSentence(common.ConnectedUsers(ctx, sess)), 0, sess.StopServer(ctx)
			})))
	})
}

func (t *Tab) delete() tea.Cmd {
	c := t.c
	b := t.selected()
	if b == nil {
		c.SetStatus("Sélectionnez d'abord la base à supprimer.", common.StatusErr)
		return nil
	}
	if b.Opened {
		c.SetStatus(backend.Message(backend.ErrBaseOpened), common.StatusErr)
		return nil
	}
	sess, id, name := c.Session, b.ID, common.Clean(b.Name)
	return c.Push(dialogs.NewConfirm(c, "Supprimer une base", "Supprimer", []string{
		"Supprimer la base « " + name + " » (" + b.Year.String() + ") ?",
		"Elle sera retirée d'Autres bases avec ses annexes ; cette action est définitive.",
		"Les sauvegardes qui la contiennent, et une année archivée, la gardent jusqu'à leur expiration.",
	}, "Suppression…", actionCmd(func(ctx context.Context) (string, int64, error) {
		return "La base « " + name + " » a été supprimée.", 0, sess.DeleteBase(ctx, id)
	})))
}

// createMsg opens "Créer une base" with the back end's defaults, read in a
// command when the tab has not loaded them yet.
type createMsg struct{ defaults backend.CreateBaseRequest }

// create is "Créer une base": the form opens with the defaults read with
// the lists; before the first load, a command reads them (the school year
// depends on the back end's clock, never read in Update).
func (t *Tab) create() tea.Cmd {
	if t.defaults.Year != 0 {
		return t.openCreateForm(t.defaults)
	}
	sess := t.c.Session
	return func() tea.Msg { return createMsg{defaults: sess.DefaultCreateBase()} }
}
