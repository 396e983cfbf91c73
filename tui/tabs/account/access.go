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
	// Rename and Revoke act on the selected key (SPR only).
	Rename, Revoke key.Binding
	Table          components.TableKeyMap
}

// keysLoadedMsg is the answer of the view's load.
type keysLoadedMsg struct {
	gen  int
	keys []backend.Key
	err  error
}

// accessView is "Accès": the enrolled SSH keys (SPR only).
type accessView struct {
	c    *common.Context
	keys accessKeys
	w, h int

	keyTable *components.Table
	loads    common.Loads
	loaded   bool
	ownKey   string
	// keyData are the keys as read, by fingerprint (the rows' Key).
	keyData map[string]backend.Key
}

func newAccessView(c *common.Context) *accessView {
	v := &accessView{c: c, keys: accessKeys{
		Rename: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "renommer la clé")),
		Revoke: key.NewBinding(key.WithKeys("delete", "d"), key.WithHelp("suppr/d", "révoquer la clé")),
		Table:  components.DefaultTableKeyMap(),
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
	v.keyTable.SetFocused(true)
	v.ownKey = c.Session.KeyFingerprint()
	return v
}

func (v *accessView) title() string { return "Accès" }

// load reads the keys, when the role may.
func (v *accessView) load() tea.Cmd {
	sess := v.c.Session
	if !sess.Can(backend.PermKeys) {
		return nil
	}
	gen := v.loads.Next()
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), common.LoadTimeout)
		defer cancel()
		keys, err := sess.Keys(ctx)
		return keysLoadedMsg{gen: gen, keys: keys, err: err}
	}
}

func (v *accessView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case keysLoadedMsg:
		if v.loads.Fresh(msg.gen) {
			v.setKeys(msg.keys, msg.err)
		}
	case keyDoneMsg:
		if msg.err != nil {
			v.c.SetStatus(backend.Message(msg.err), common.StatusErr)
		} else {
			v.c.SetStatus(msg.ok, common.StatusOK)
		}
	}
	return nil
}

func (v *accessView) setKeys(keys []backend.Key, err error) {
	v.loaded = true
	v.keyData = make(map[string]backend.Key, len(keys))
	for _, k := range keys {
		v.keyData[k.Fingerprint] = k
	}
	v.keyTable.SetRows(v.keyRows(keys))
	if err != nil {
		v.keyTable.SetEmpty(backend.Message(err))
	} else {
		v.keyTable.SetEmpty("Aucune clé SSH enregistrée.")
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

func (v *accessView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if !v.c.Session.Can(backend.PermKeys) {
		return nil
	}
	switch {
	case key.Matches(msg, v.keys.Rename):
		return v.rename()
	case key.Matches(msg, v.keys.Revoke):
		return v.revoke()
	}
	v.keyTable.HandleKey(msg)
	return nil
}

func (v *accessView) mouse(msg tea.Msg) {
	if m, ok := components.Within(msg, components.FrameInner(v.w, v.h)); ok {
		v.keyTable.Update(m)
	}
}

func (v *accessView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	in := components.FrameInner(v.w, v.h)
	v.keyTable.SetSize(in.W, in.H)
}

func (v *accessView) view() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	st := v.c.Styles
	title := "Clés SSH"
	if !v.c.Session.Can(backend.PermKeys) {
		return common.Box(st, title, whoLines(st, backend.PermKeys, v.w), v.w, v.h, false)
	}
	if v.loaded && v.keyTable.Len() > 0 {
		title += " (" + v.keyTable.Position() + ")"
	}
	return components.Frame(st, title, v.keyTable.View(), v.w, v.h, true)
}

func (v *accessView) shortHelp() []key.Binding {
	if !v.c.Session.Can(backend.PermKeys) {
		return nil
	}
	return append([]key.Binding{v.keys.Rename, v.keys.Revoke}, v.keyTable.ShortHelp()...)
}

func (v *accessView) fullHelp() [][]key.Binding {
	if !v.c.Session.Can(backend.PermKeys) {
		return nil
	}
	tk := v.keys.Table
	return [][]key.Binding{
		{v.keys.Rename, v.keys.Revoke},
		{tk.Up, tk.Down, tk.Top, tk.Bottom},
		{tk.PageUp, tk.PageDown, tk.Sort, tk.Reverse},
	}
}

func (v *accessView) typing() bool { return false }
