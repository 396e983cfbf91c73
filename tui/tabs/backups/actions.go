package backups

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// Every action runs in a command on the values captured when it was made,
// and answers with a doneMsg that only tells the outcome: the back end
// publishes an event for every change, to this console too, and the root
// reloads the tab then, once.

// doneMsg is the outcome of an action: ok is the French sentence shown on
// success, err the refusal.
type doneMsg struct {
	ok  string
	err error
}

// actionCmd runs one action of the back end; fn returns the success
// sentence.
func actionCmd(fn func(ctx context.Context) (string, error)) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		ok, err := fn(ctx)
		return doneMsg{ok: ok, err: err}
	}
}

// allowed reports whether the session may act and the data is read, and
// otherwise says why on the status line.
func (t *Tab) allowed() bool {
	switch {
	case !t.canAct():
		t.c.SetStatus(backend.PermBackups.Who(), common.StatusErr)
		return false
	case !t.loaded || t.err != nil:
		t.c.SetStatus("Les sauvegardes ne sont pas encore lues : réessayez dans un instant.", common.StatusErr)
		return false
	}
	return true
}

// createBackup is "Sauvegarder maintenant": a manual backup of the opened
// base. It costs the same whatever the base's size (a point of its change
// log), so it runs without a progress bar.
func (t *Tab) createBackup() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c := t.c
	if t.data.Opened == nil {
		c.SetStatus("Aucune base n'est ouverte : il n'y a rien à sauvegarder. Ouvrez une base dans Autres bases.", common.StatusErr)
		return nil
	}
	sess := c.Session
	c.SetStatus("Sauvegarde de la base « "+common.Clean(t.data.Opened.Name)+" »…", common.StatusInfo)
	return actionCmd(func(ctx context.Context) (string, error) {
		b, err := sess.CreateBackup(ctx)
		if err != nil {
			return "", err
		}
		return "Sauvegarde faite\u00a0: « " + common.Clean(b.BaseName) + " » le " + fr.Date(b.At) + " à " + b.At.In(clock.Paris()).Format("15:04") + ", " +
			changes(b.Changes) + " (" + common.Clean(b.FileName) + ").", nil
	})
}

// openedSentence is the outcome of an open: the new base, and what puts it
// online.
func openedSentence(b backend.Base, canStart bool) string {
	// Non-breaking spaces keep the colon and the guillemets with their
	// words when the status line wraps.
	s := "La base «\u00a0" + common.Clean(b.Name) + "\u00a0» est ouverte"
	if canStart {
		return s + "\u00a0: appuyez sur m (ou s dans Autres bases) pour la mettre en service."
	}
	return s + "\u00a0: «\u00a0Mettre en service\u00a0» la met en ligne."
}

// replacedSentence says what happens to the opened base an open replaces.
func (t *Tab) replacedSentence() string {
	if o := t.data.Opened; o != nil {
		return "La base ouverte « " + common.Clean(o.Name) + " » sera d'abord sauvegardée : rien n'est perdu. " +
			"L'état choisi devient une nouvelle base, ouverte, listée dans Autres bases."
	}
	return "L'état choisi devient une nouvelle base, ouverte, listée dans Autres bases."
}

// openWith asks before an open (what names the state opened) and runs it:
// while the server runs, the confirmation offers to stop it, with the
// users it disconnects, and the back end stops and opens in one
// transaction; otherwise it says that the opened base is backed up first.
func (t *Tab) openWith(title, what string, open func(ctx context.Context, stopFirst bool) (backend.Base, error)) tea.Cmd {
	c := t.c
	canStart := c.Session.Can(backend.PermServer)
	run := func(stopFirst bool) tea.Cmd {
		return actionCmd(func(ctx context.Context) (string, error) {
			b, err := open(ctx, stopFirst)
			if err != nil {
				return "", err
			}
			return openedSentence(b, canStart), nil
		})
	}
	replaced := t.replacedSentence()
	if t.data.Running {
		sess := c.Session
		return countThen(sess, func(n int) tea.Cmd {
			return c.Push(dialogs.NewConfirm(c, title, "Arrêter et ouvrir", []string{
				"Le serveur est en service : pour ouvrir " + what + ", il faut d'abord l'arrêter.",
				common.StopBody(n),
				replaced,
			}, "Arrêt du serveur et ouverture de "+what+"…", run(true)))
		})
	}
	return c.Push(dialogs.NewConfirm(c, title, "Ouvrir", []string{
		"Ouvrir " + what + " ?",
		replaced,
	}, "Ouverture de "+what+"…", run(false)))
}

// openBackup is "Ouvrir cette sauvegarde" on the selected backup.
func (t *Tab) openBackup() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	b, ok := t.selectedBackup()
	if !ok {
		t.c.SetStatus("Sélectionnez d'abord une sauvegarde dans la liste.", common.StatusErr)
		return nil
	}
	sess, id := t.c.Session, b.ID
	what := "la sauvegarde du " + fr.DateTime(b.At) + " de « " + common.Clean(b.BaseName) + " » (" + changes(b.Changes) + ")"
	return t.openWith("Ouvrir cette sauvegarde", what, func(ctx context.Context, stopFirst bool) (backend.Base, error) {
		return sess.OpenBackup(ctx, id, stopFirst)
	})
}

// instantMsg opens the form of "Ouvrir l'état à une date" with the time
// the console's clock read.
type instantMsg struct{ now time.Time }

// askInstant reads the clock (in a command: never in Update) for the form.
func (t *Tab) askInstant() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	now := t.c.Now
	return func() tea.Msg {
		at := time.Now()
		if now != nil {
			at = now()
		}
		return instantMsg{now: at}
	}
}

// instantLayout is how the form reads and writes a date and time.
const instantLayout = "02/01/2006 15:04"

// earliest is the first whole minute at or after from: the earliest the
// form accepts.
func earliest(from time.Time) time.Time {
	m := from.Truncate(time.Minute)
	if m.Before(from) {
		m = m.Add(time.Minute)
	}
	return m
}

// parseInstant reads a date and time typed in Paris time, JJ/MM/AAAA HH:MM
// (a day or month of one digit and 10h15 are read too), and checks it lies
// between from and now; the error is the French sentence the form shows
// under its field.
func parseInstant(s string, now, from time.Time) (time.Time, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, errors.New("Saisissez une date et une heure : JJ/MM/AAAA HH:MM.") //nolint:staticcheck // ST1005: shown to the user
	}
	norm := strings.Replace(strings.Replace(s, "h", ":", 1), "H", ":", 1)
	var at time.Time
	var err error
	for _, layout := range []string{instantLayout, "2/1/2006 15:04", "2/1/2006 15:4"} {
		if at, err = time.ParseInLocation(layout, norm, clock.Paris()); err == nil {
			break
		}
	}
	if err != nil {
		return time.Time{}, errors.New("Date illisible : écrivez-la JJ/MM/AAAA HH:MM, par exemple " + //nolint:staticcheck // ST1005
			now.In(clock.Paris()).Format(instantLayout) + ".")
	}
	switch first := earliest(from); {
	case at.After(now):
		return time.Time{}, errors.New("Cette date est dans le futur : choisissez une minute passée.") //nolint:staticcheck // ST1005
	case at.Before(first):
		return time.Time{}, errors.New("Trop ancienne : au plus tôt le " + fr.DateTime(first) + " (les 7 derniers jours).") //nolint:staticcheck // ST1005
	}
	return at, nil
}

// openInstantForm is "Ouvrir l'état à une date": one field, the date and
// time in Paris (now as the placeholder: typing starts a new date rather
// than appending to one), checked as it is submitted; then the
// confirmation of openWith.
func (t *Tab) openInstantForm(now time.Time) tea.Cmd {
	c := t.c
	from := now.Add(-backend.PITRWindow)
	value := ""
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().
			Title("Date et heure (heure de Paris)").
			Description("L'état de la base en service à cette minute, entre le " + fr.DateTime(earliest(from)) + " et maintenant.").
			Placeholder(now.In(clock.Paris()).Format(instantLayout)).
			CharLimit(20).
			Value(&value).
			Validate(func(s string) error { _, err := parseInstant(s, now, from); return err }),
	))
	sess := c.Session
	return c.Push(dialogs.NewForm(c, "Ouvrir l'état à une date", form, func() tea.Cmd {
		at, err := parseInstant(value, now, from) // read now, in Update
		if err != nil {
			c.SetStatus(err.Error(), common.StatusErr)
			return nil
		}
		what := "l'état du " + fr.DateTime(at)
		return t.openWith("Ouvrir l'état à une date", what, func(ctx context.Context, stopFirst bool) (backend.Base, error) {
			return sess.OpenInstant(ctx, at, stopFirst)
		})
	}))
}

// fillYear is "Remplir l'année" / "Remplacer la base archivée": a choice
// among the establishment's bases of that school year, then a
// confirmation.
func (t *Tab) fillYear() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c := t.c
	y := t.selectedYear()
	if y == nil {
		c.SetStatus("Sélectionnez d'abord une année dans la grille.", common.StatusErr)
		return nil
	}
	row := *y
	cands := t.candidates(row)
	if len(cands) == 0 {
		c.SetStatus(noCandidate(row), common.StatusErr)
		return nil
	}
	title := "Remplir l'année " + row.Year.String()
	if row.Base != nil {
		title = "Remplacer la base archivée de " + row.Year.String()
	}
	opts := make([]huh.Option[int64], len(cands))
	names := map[int64]string{}
	for i, b := range cands {
		names[b.ID] = common.Clean(b.Name)
		label := names[b.ID] + " — " + fr.Size(b.Size) + ", " + strings.ToLower(b.Origin.MadeWord()[:1]) + b.Origin.MadeWord()[1:] + " " + fr.Date(b.LoadedAt)
		opts[i] = huh.NewOption(label, b.ID)
	}
	choice := cands[0].ID
	// Whether the archived base a replacement drops is still in Autres
	// bases (else nothing but a backup keeps it).
	listed := false
	for _, b := range t.bases {
		listed = listed || row.Base != nil && b.ID == row.Base.ID
	}
	form := huh.NewForm(huh.NewGroup(
		huh.NewSelect[int64]().
			Title("Base de " + row.Year.String()).
			Description("Les bases de cette année scolaire chargées dans Autres bases.").
			Options(opts...).
			Value(&choice),
	))
	sess, year := c.Session, row.Year
	return c.Push(dialogs.NewForm(c, title, form, func() tea.Cmd {
		id, name := choice, names[choice] // read now, in Update
		body := []string{"Archiver « " + name + " » pour l'année " + year.String() + " ?"}
		if row.Base != nil {
			old := common.Clean(row.Base.Name)
			if listed {
				body = append(body, "Elle remplace « "+old+" » dans la grille ; « "+old+" » reste dans Autres bases.")
			} else {
				body = append(body, "Elle remplace « "+old+" » dans la grille. « "+old+" » n'est plus listée dans Autres bases : "+
					"elle sera effacée de l'hébergement si aucune sauvegarde ne la garde.")
			}
		}
		return c.Push(dialogs.NewConfirm(c, title, "Archiver", body, "Archivage de « "+name+" »…",
			actionCmd(func(ctx context.Context) (string, error) {
				if err := sess.ReplaceYear(ctx, year, id); err != nil {
					return "", err
				}
				return "« " + name + " » est la base archivée de l'année " + year.String() + ".", nil
			})))
	}))
}

// putInService is "Mettre en service" on the opened base, offered once an
// open has left it waiting.
func (t *Tab) putInService() tea.Cmd {
	c := t.c
	if !c.Session.Can(backend.PermServer) {
		c.SetStatus(backend.PermServer.Who(), common.StatusErr)
		return nil
	}
	if !t.canPutInService() {
		if t.data.Running {
			c.SetStatus("Le serveur est déjà en service.", common.StatusErr)
		} else {
			c.SetStatus(backend.Message(backend.ErrNoOpenedBase), common.StatusErr)
		}
		return nil
	}
	sess := c.Session
	c.SetStatus("Mise en service…", common.StatusInfo)
	return actionCmd(func(ctx context.Context) (string, error) {
		if err := sess.PutInService(ctx); err != nil {
			return "", err
		}
		st, err := sess.Status(ctx)
		switch {
		case err != nil:
			return "Le serveur est en service. " + backend.Message(err), nil
		case st.InService != nil:
			return "La base « " + common.Clean(st.InService.Name) + " » est en service.", nil
		}
		return "Le serveur est en service.", nil
	})
}

// connectedMsg is the number of users connected, read for a confirmation
// that stops the server; ask opens it.
type connectedMsg struct {
	n   int
	ask func(n int) tea.Cmd
}

// countThen reads how many users the server holds and answers with a
// connectedMsg for ask, which runs in Update.
func countThen(sess *backend.Session, ask func(n int) tea.Cmd) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		return connectedMsg{n: common.ConnectedUsers(ctx, sess), ask: ask}
	}
}
