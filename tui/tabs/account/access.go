package account

import (
	"context"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// accessKeys are the keys of the view "Accès".
type accessKeys struct {
	// Rename and Revoke act on the selected key; Revoke cancels the
	// selected invitation when the invitations have the focus (SPR only).
	Rename, Revoke key.Binding
	// Invite creates an invitation; Credentials is "Recevoir mes
	// identifiants d'hébergement" (SPR only).
	Invite, Credentials key.Binding
	// NextPane and PrevPane move the focus between the two tables.
	NextPane, PrevPane key.Binding
	Table              components.TableKeyMap
}

// accessLoadedMsg is the answer of the view's load.
type accessLoadedMsg struct {
	gen     int
	keys    []backend.Key
	keysErr error
	invs    []backend.Invitation
	invErr  error
}

// The view's two tables, in focus order.
const (
	paneKeys = iota
	paneInvitations
)

// accessView is "Accès" (SPR only): the enrolled SSH keys, with rename and
// revoke, and the invitations of the groupe Administration, with create and
// cancel; tab and maj+tab move the focus between the two tables. m is
// "Recevoir mes identifiants d'hébergement". The groupe Administration
// reads who may instead.
type accessView struct {
	c    *common.Context
	keys accessKeys
	w, h int

	keyTable *components.Table
	invTable *components.Table
	focus    int
	loads    common.Loads
	loaded   bool
	ownKey   string
	// keyData are the keys as read, by fingerprint (the rows' Key);
	// invData the invitations, by their rows' Key.
	keyData map[string]backend.Key
	invData map[string]backend.Invitation
}

func newAccessView(c *common.Context) *accessView {
	v := &accessView{c: c, keys: accessKeys{
		Rename:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "renommer la clé")),
		Revoke:      key.NewBinding(key.WithKeys("delete", "d"), key.WithHelp("suppr/d", "révoquer la clé")),
		Invite:      key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inviter un utilisateur")),
		Credentials: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "recevoir mes identifiants")),
		NextPane:    key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "clés / invitations")),
		PrevPane:    key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("maj+tab", "clés / invitations")),
		Table:       components.DefaultTableKeyMap(),
	}}
	v.keyTable = components.NewTable(c.Styles, []components.Column{
		{Title: "Nom", Min: 16, Flex: true},
		{Title: "Rôle", Min: 5, Max: 14, Priority: 1},
		{Title: "Empreinte", Min: 16, Max: 51, Priority: 2},
		{Title: "Ajoutée le", Min: 10, Max: 10, Priority: 4},
		{Title: "Utilisée le", Min: 16, Max: 16, Priority: 3},
		{Title: "État", Min: 17, Max: 17},
	})
	v.keyTable.SetEmpty("Chargement…")
	v.invTable = components.NewTable(c.Styles, []components.Column{
		{Title: "Code", Min: 6, Max: 6},
		{Title: "Nom", Min: 12, Flex: true},
		{Title: "Créée le", Min: 16, Max: 16, Priority: 2},
		{Title: "Expire le", Min: 16, Max: 16, Priority: 1},
		{Title: "État", Min: 12, Max: 34},
	})
	v.invTable.SetEmpty("Chargement…")
	v.setFocus(paneKeys)
	v.ownKey = c.Session.KeyFingerprint()
	return v
}

func (v *accessView) title() string { return "Accès" }

// may reports whether the role may see and act on the view's tables: the
// keys and the invitations are both SPR-only.
func (v *accessView) may() bool {
	s := v.c.Session
	return s.Can(backend.PermKeys) && s.Can(backend.PermInvitations)
}

// load reads the keys and the invitations, when the role may.
func (v *accessView) load() tea.Cmd {
	sess := v.c.Session
	if !v.may() {
		return nil
	}
	gen := v.loads.Next()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		m := accessLoadedMsg{gen: gen}
		m.keys, m.keysErr = sess.Keys(ctx)
		m.invs, m.invErr = sess.Invitations(ctx)
		return m
	}
}

func (v *accessView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case accessLoadedMsg:
		if v.loads.Fresh(msg.gen) {
			v.loaded = true
			v.setKeys(msg.keys, msg.keysErr)
			v.setInvitations(msg.invs, msg.invErr)
		}
	case keyDoneMsg:
		if msg.err != nil {
			v.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else {
			v.c.SetStatus(msg.ok, common.StatusOK)
		}
	case invitationCreatedMsg:
		return v.created(msg)
	}
	return nil
}

func (v *accessView) setKeys(keys []backend.Key, err error) {
	v.keyData = make(map[string]backend.Key, len(keys))
	for _, k := range keys {
		v.keyData[k.Fingerprint] = k
	}
	v.keyTable.SetRows(v.keyRows(keys))
	if err != nil {
		v.keyTable.SetEmpty(backend.Message(err))
	} else {
		v.keyTable.SetEmpty("Aucune clé SSH : chacune s'enregistre à sa première connexion par SSH.")
	}
}

// keyRows are the keys as rows: the session's own key marked ●, revoked
// ones ✕ and muted.
func (v *accessView) keyRows(keys []backend.Key) []components.Row {
	rows := make([]components.Row, len(keys))
	for i, k := range keys {
		state, mark, tone := "active", "", components.ToneNormal
		switch {
		case !k.RevokedAt.IsZero():
			state, mark, tone = "révoquée "+fr.ShortDate(k.RevokedAt), "✕", components.ToneMuted
		case k.Fingerprint == v.ownKey && v.ownKey != "":
			state, mark = "cette session", "●"
		}
		used := "jamais"
		if !k.LastUsedAt.IsZero() {
			used = fr.DateTime(k.LastUsedAt)
		}
		rows[i] = components.Row{
			Key:   k.Fingerprint,
			Cells: []string{k.Name, k.Role.String(), k.Fingerprint, fr.Date(k.AddedAt), used, state},
			Sort:  []string{"", "", "", sortTime(k.AddedAt), sortTime(k.LastUsedAt), ""},
			Mark:  mark,
			Tone:  tone,
		}
	}
	return rows
}

// invitationKey is an invitation's row Key: labels are unique among the
// pending ones only.
func invitationKey(inv backend.Invitation) string { return inv.Label + "|" + sortTime(inv.CreatedAt) }

func (v *accessView) setInvitations(invs []backend.Invitation, err error) {
	v.invData = make(map[string]backend.Invitation, len(invs))
	rows := make([]components.Row, len(invs))
	for i, inv := range invs {
		k := invitationKey(inv)
		v.invData[k] = inv
		state, mark, tone := inv.State.French(), "", components.ToneNormal
		switch inv.State {
		case backend.InvitationPending:
			mark = "◌"
		case backend.InvitationUsed:
			by := inv.UsedByName
			if by == "" {
				by = inv.UsedBy
			}
			state = "utilisée " + fr.ShortDate(inv.UsedAt) + " · " + by
			tone = components.ToneMuted
		default:
			tone = components.ToneMuted
		}
		name := inv.Name
		if name == "" {
			name = "—"
		}
		rows[i] = components.Row{
			Key:   k,
			Cells: []string{inv.Label + "-…", name, fr.DateTime(inv.CreatedAt), fr.DateTime(inv.ExpiresAt), state},
			Sort:  []string{"", "", sortTime(inv.CreatedAt), sortTime(inv.ExpiresAt), ""},
			Mark:  mark,
			Tone:  tone,
		}
	}
	v.invTable.SetRows(rows)
	if err != nil {
		v.invTable.SetEmpty(backend.Message(err))
	} else {
		v.invTable.SetEmpty("Aucune invitation : i pour inviter un utilisateur du groupe Administration.")
	}
}

func (v *accessView) setFocus(p int) {
	v.focus = p
	v.keyTable.SetFocused(p == paneKeys)
	v.invTable.SetFocused(p == paneInvitations)
}

func (v *accessView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if !v.may() {
		return nil
	}
	switch {
	case key.Matches(msg, v.keys.NextPane, v.keys.PrevPane):
		v.setFocus(1 - v.focus)
		return nil
	case key.Matches(msg, v.keys.Invite):
		return v.invite()
	case key.Matches(msg, v.keys.Credentials):
		return v.sendCredentials()
	case v.focus == paneKeys && key.Matches(msg, v.keys.Rename):
		return v.rename()
	case key.Matches(msg, v.keys.Revoke):
		if v.focus == paneInvitations {
			return v.cancelInvitation()
		}
		return v.revoke()
	}
	if v.focus == paneInvitations {
		v.invTable.HandleKey(msg)
	} else {
		v.keyTable.HandleKey(msg)
	}
	return nil
}

// split is the height of the keys' frame; the invitations' frame has the
// rest.
func (v *accessView) split() int { return (v.h + 1) / 2 }

func (v *accessView) mouse(msg tea.Msg) {
	if !v.may() {
		return
	}
	top := v.split()
	if m, ok := components.Within(msg, components.FrameInner(v.w, top)); ok {
		v.setFocus(paneKeys)
		v.keyTable.Update(m)
		return
	}
	in := components.FrameInner(v.w, v.h-top)
	in.Y += top
	if m, ok := components.Within(msg, in); ok {
		v.setFocus(paneInvitations)
		v.invTable.Update(m)
	}
}

func (v *accessView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	top := v.split()
	in := components.FrameInner(v.w, top)
	v.keyTable.SetSize(in.W, in.H)
	in = components.FrameInner(v.w, v.h-top)
	v.invTable.SetSize(in.W, in.H)
}

func (v *accessView) view() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	st := v.c.Styles
	if !v.may() {
		return common.Box(st, "Clés SSH et invitations", whoLines(st, backend.PermKeys, v.w), v.w, v.h, false)
	}
	keys, invs := "Clés SSH", "Invitations"
	if v.loaded && v.keyTable.Len() > 0 {
		keys += " (" + v.keyTable.Position() + ")"
	}
	if v.loaded && v.invTable.Len() > 0 {
		invs += " (" + v.invTable.Position() + ")"
	}
	top := v.split()
	out := components.Frame(st, keys, v.keyTable.View(), v.w, top, v.focus == paneKeys)
	if v.h-top <= 0 {
		return out
	}
	return out + "\n" + components.Frame(st, invs, v.invTable.View(), v.w, v.h-top, v.focus == paneInvitations)
}

func (v *accessView) shortHelp() []key.Binding {
	if !v.may() {
		return nil
	}
	if v.focus == paneInvitations {
		return append([]key.Binding{v.keys.Invite, common.WithHelp(v.keys.Revoke, "annuler l'invitation"), v.keys.NextPane},
			v.invTable.ShortHelp()...)
	}
	return append([]key.Binding{v.keys.Rename, v.keys.Revoke, v.keys.Invite, v.keys.NextPane}, v.keyTable.ShortHelp()...)
}

func (v *accessView) fullHelp() [][]key.Binding {
	if !v.may() {
		return nil
	}
	tk := v.keys.Table
	return [][]key.Binding{
		{v.keys.Rename, v.keys.Revoke, common.WithHelp(v.keys.Revoke, "annuler l'invitation")},
		{v.keys.Invite, v.keys.Credentials, v.keys.NextPane, v.keys.PrevPane},
		{tk.Up, tk.Down, tk.Top, tk.Bottom},
		{tk.PageUp, tk.PageDown, tk.Sort, tk.Reverse},
	}
}

func (v *accessView) typing() bool { return false }

// selectedInvitation is the invitation under the cursor, when it is
// pending; otherwise it says why in the status line.
func (v *accessView) selectedInvitation() (backend.Invitation, bool) {
	c := v.c
	row, ok := v.invTable.Selected()
	inv, found := v.invData[row.Key]
	if !ok || !found {
		c.SetStatus("Sélectionnez d'abord une invitation.", common.StatusErr)
		return backend.Invitation{}, false
	}
	var err error
	switch inv.State {
	case backend.InvitationUsed:
		err = backend.ErrInvitationUsed
	case backend.InvitationCancelled:
		err = backend.ErrInvitationCancelled
	case backend.InvitationExpired:
		err = backend.ErrInvitationExpired
	}
	if err != nil {
		c.SetStatus(backend.Message(err), common.StatusErr)
		return backend.Invitation{}, false
	}
	return inv, true
}
