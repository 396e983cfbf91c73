package pronote

import (
	"context"
	"errors"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/dialogs"
)

// Every action runs in a command on the values captured when it was made,
// and answers with a doneMsg that only tells the outcome: the back end
// publishes TopicPublication for each change, to this console too, and the
// root reloads the tab then.

// doneMsg is the outcome of an action: ok is the French sentence shown on
// success, err the refusal; then, when set, runs in Update after a success
// (the form that a stop of the publication was asked for).
type doneMsg struct {
	ok   string
	err  error
	then func() tea.Cmd
}

// actionCmd runs one action of the back end.
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

// allowed reports whether the session may act and the settings are read,
// and otherwise says why on the status line.
func (t *Tab) allowed() bool {
	switch {
	case !t.canAct():
		t.c.SetStatus(backend.PermPublication.Who(), common.StatusErr)
		return false
	case !t.ready():
		t.c.SetStatus("Les réglages de PRONOTE.net ne sont pas encore lus : réessayez dans un instant.", common.StatusErr)
		return false
	}
	return true
}

// stopBody is what stopping the publication does, in the confirmations.
const stopBody = "L'accueil et les Espaces de PRONOTE.net ne répondront plus : personne ne pourra s'y connecter " +
	"tant que la base n'est pas publiée de nouveau (p)."

// stopped is the sentence of a stopped publication.
const stopped = "La publication est arrêtée : les pages de PRONOTE.net ne répondent plus."

// togglePublished is "Publier la base", or "Arrêter la publication" after
// a confirmation.
func (t *Tab) togglePublished() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c, sess := t.c, t.c.Session
	if t.data.Published {
		return c.Push(dialogs.NewConfirm(c, "Arrêter la publication", "Arrêter la publication",
			[]string{"Arrêter la publication de la base ?", stopBody}, "Arrêt de la publication…",
			actionCmd(stopped, func(ctx context.Context) error { return sess.SetPublished(ctx, false) })))
	}
	ok := "La base est publiée : les pages de PRONOTE.net sont en ligne."
	if c.Status.State != backend.ServerRunning {
		ok = "La base est publiée : elle sera en ligne dès que le serveur sera en service."
	}
	c.SetStatus("Publication de la base…", common.StatusInfo)
	return actionCmd(ok, func(ctx context.Context) error { return sess.SetPublished(ctx, true) })
}

// toggleEspace publishes the selected Espace, or unpublishes it.
func (t *Tab) toggleEspace() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c := t.c
	e, ok := backend.ParseEspace(t.selected())
	if !ok {
		c.SetStatus("L'accueil suit la publication de la base (p) : choisissez un Espace dans la liste.", common.StatusErr)
		return nil
	}
	on := !t.data.On(e)
	sess := c.Session
	done := "L'" + e.French() + " n'est plus publié : son adresse ne répond plus."
	if on {
		done = "L'" + e.French() + " est publié."
	}
	return actionCmd(done, func(ctx context.Context) error { return sess.SetEspace(ctx, e, on) })
}

// copyURL copies the selected page's public address to the terminal's
// clipboard with OSC 52: the terminal the user sees does it, over SSH too.
func (t *Tab) copyURL() tea.Cmd {
	c := t.c
	u := t.url(t.selected())
	switch {
	case c.PublicURL == "":
		c.SetStatus("Aucune adresse publique : aucun serveur web ne tourne pour ce dossier de données.", common.StatusErr)
		return nil
	case u == "":
		c.SetStatus("Choisissez d'abord une page dans la liste.", common.StatusErr)
		return nil
	}
	c.SetStatus("Adresse copiée : "+u, common.StatusOK)
	return tea.SetClipboard(u)
}

// delegate is "Déléguer l'authentification": while the base is published,
// a confirmation offers to stop the publication first, then the form
// opens; otherwise the form opens at once.
func (t *Tab) delegate() tea.Cmd {
	if !t.allowed() {
		return nil
	}
	c, p := t.c, t.data
	if !p.Published {
		return t.authForm(p)
	}
	sess := c.Session
	stop := func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		err := sess.SetPublished(ctx, false)
		if errors.Is(err, backend.ErrPublicationStopped) {
			err = nil // stopped meanwhile, from elsewhere: the form opens all the same
		}
		if err != nil {
			return doneMsg{err: err}
		}
		p.Published, p.Online = false, false
		return doneMsg{ok: stopped, then: func() tea.Cmd { return t.authForm(p) }}
	}
	return c.Push(dialogs.NewConfirm(c, "Déléguer l'authentification", "Arrêter la publication", []string{
		noAuthChange + " Arrêter la publication maintenant, puis choisir l'authentification ?",
		stopBody,
	}, "Arrêt de la publication…", stop))
}

// casHelp is the rule of the CAS server's address in the words of the form.
const casHelp = "L'adresse du service CAS donnée par l'ENT : https, un nom de serveur, sans identifiant ni #."

// checkCAS is the check of the form's field: the reason of
// backend.CheckCASURL, in the back end's sentence.
func checkCAS(s string) error {
	if _, err := backend.CheckCASURL(strings.TrimSpace(s)); err != nil {
		return errors.New(backend.Message(err)) //nolint:staticcheck // ST1005: shown to the user
	}
	return nil
}

// authForm is the form of "Déléguer l'authentification", filled with the
// settings p: the mode; for CAS, the ENT and the CAS server's address,
// checked as it is submitted. The back end checks everything again.
func (t *Tab) authForm(p backend.Publication) tea.Cmd {
	c := t.c
	mode, ent, url := p.Auth, p.ENT, p.CASURL
	if !slices.Contains(backend.ENTs, ent) {
		ent = backend.ENTs[0]
	}
	ents := make([]huh.Option[string], len(backend.ENTs))
	for i, e := range backend.ENTs {
		ents[i] = huh.NewOption(common.Clean(e), e)
	}
	form := huh.NewForm(
		huh.NewGroup(
			huh.NewSelect[backend.AuthMode]().
				Title("Mode d'authentification").
				Description("Comment les utilisateurs se connectent à PRONOTE.net.").
				Options(
					huh.NewOption(backend.AuthPronote.French()+" (identifiant et mot de passe PRONOTE)", backend.AuthPronote),
					huh.NewOption(backend.AuthCAS.French()+" (le serveur CAS de l'ENT)", backend.AuthCAS),
					huh.NewOption(backend.AuthEduConnect.French()+" (le service de l'Éducation nationale)", backend.AuthEduConnect),
				).
				Value(&mode),
		),
		huh.NewGroup(
			huh.NewSelect[string]().
				Title("ENT").
				Options(ents...).
				Height(6).
				Value(&ent),
			huh.NewInput().
				Title("Adresse du serveur CAS").
				Description(casHelp).
				Placeholder("https://cas.mon-ent.fr/cas").
				CharLimit(backend.MaxCASURL).
				Value(&url).
				Validate(checkCAS),
		).WithHideFunc(func() bool { return mode != backend.AuthCAS }),
	)
	sess := c.Session
	return c.Push(dialogs.NewForm(c, "Déléguer l'authentification", form, func() tea.Cmd {
		// Read now, in Update.
		req := backend.AuthRequest{Mode: mode}
		ok := ""
		switch mode {
		case backend.AuthCAS:
			norm, err := backend.CheckCASURL(strings.TrimSpace(url))
			if err != nil {
				c.SetStatus(backend.Message(err), common.StatusErr)
				return nil
			}
			req.ENT, req.CASURL = ent, norm
			ok = "Authentification déléguée au CAS de l'ENT « " + common.Clean(ent) + " » (" + common.Clean(norm) + ")."
		case backend.AuthEduConnect:
			ok = "Authentification déléguée à ÉduConnect."
		default:
			ok = "Les utilisateurs se connectent avec leurs comptes PRONOTE."
		}
		ok += " La publication reste arrêtée : p pour publier la base."
		c.SetStatus("Enregistrement de l'authentification…", common.StatusInfo)
		return actionCmd(ok, func(ctx context.Context) error { return sess.SetAuth(ctx, req) })
	}))
}
