package pronote

import (
	"strings"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// Layout: from wideFrom columns, the publication pane and the
// authentication pane side by side on top; narrower, one pane holds both.
// The public addresses are under them, a line per page. When the height is
// short the pane on top gives way (it scrolls on pg↑/pg↓) down to a line,
// then the addresses.

// wideFrom is the width from which the two panes sit side by side.
const wideFrom = 100

// noAuthChange is what the tab says while the base is published.
const noAuthChange = "L'authentification ne se modifie que lorsque la publication est arrêtée."

func (t *Tab) pubItems() []components.Item {
	if !t.c.Loaded || !t.loaded {
		return []components.Item{components.Text("Chargement…", components.ToneMuted)}
	}
	var items []components.Item
	if !t.canAct() {
		items = append(items, components.Text(t.Permission().Who(), components.ToneMuted))
	}
	if t.err != nil {
		return append(items, components.Text(backend.Message(t.err), components.ToneDanger))
	}
	p := t.data
	switch {
	case p.Online:
		items = append(items, components.Field("État", "Base publiée, en ligne").WithTone(components.ToneOK))
	case p.Published:
		items = append(items, components.Field("État", "Base publiée, hors ligne (serveur arrêté)").WithTone(components.ToneWarning))
	default:
		items = append(items, components.Field("État", "Publication arrêtée").WithTone(components.ToneDanger))
	}
	if b := t.c.Status.InService; b != nil && t.c.Status.State == backend.ServerRunning {
		items = append(items, components.Field("Base", b.Name))
	}
	if t.c.PublicURL == "" {
		items = append(items, components.Text("Aucun serveur web ne tourne pour ce dossier de données : les pages n'ont pas d'adresse publique (hebergement serve en lance un).", components.ToneMuted))
	}
	return items
}

// authItems is the authentication's lines; mode is the label of the mode:
// "Mode" in its own pane, "Authentification" under the publication.
func (t *Tab) authItems(mode string) []components.Item {
	if !t.c.Loaded || !t.loaded || t.err != nil {
		return nil
	}
	p := t.data
	items := []components.Item{components.Field(mode, p.Auth.French())}
	if p.Auth == backend.AuthCAS {
		items = append(items, components.Field("ENT", p.ENT), components.Field("Serveur CAS", p.CASURL))
	}
	if p.Published {
		items = append(items, components.Text(noAuthChange, components.ToneMuted))
	}
	return items
}

func (t *Tab) rows() []components.Row {
	if !t.loaded || t.err != nil {
		return nil
	}
	p := t.data
	url := func(k string) string {
		if u := t.url(k); u != "" {
			return u
		}
		return "—"
	}
	home, tone := "publiée", components.ToneNormal
	if !p.Published {
		home, tone = "arrêtée", components.ToneMuted
	} else if !p.Online {
		tone = components.ToneMuted
	}
	rows := []components.Row{{Key: homeKey, Cells: []string{"Accueil", home, url(homeKey)}, Tone: tone}}
	for _, e := range backend.Espaces {
		s, tone := "publié", components.ToneNormal
		if !p.On(e) {
			s, tone = "non publié", components.ToneMuted
		} else if !p.Online {
			tone = components.ToneMuted
		}
		rows = append(rows, components.Row{Key: string(e), Cells: []string{strings.TrimPrefix(e.French(), "Espace "), s, url(string(e))}, Tone: tone})
	}
	return rows
}

// paneH is the height pane d needs to show its items at width w.
func paneH(d *components.Details, items []components.Item, w int) int {
	if len(items) == 0 {
		return 0
	}
	d.SetItems(items)
	return len(d.Lines(max(w-4, 0))) + 2
}

// SetSize lays the panes out for w×h cells.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	w, h = t.w, t.h
	t.wide = w >= wideFrom
	t.table.SetRows(t.rows())
	if t.loaded && t.err == nil {
		t.table.SetEmpty("")
	} else {
		t.table.SetEmpty("Chargement…")
	}
	tableNeed := max(t.table.Len(), 1) + 1 + 2
	if t.wide {
		// Two panes side by side, as tall as the taller.
		left := w / 2
		pubItems, authItems := t.pubItems(), t.authItems("Mode")
		top := max(paneH(t.pub, pubItems, left), paneH(t.auth, authItems, w-left))
		top = min(top, max(h-tableNeed, min(h, 3)))
		t.pubRect = components.Rect{W: left, H: top}
		t.authRect = components.Rect{X: left, W: w - left, H: top}
		if len(authItems) == 0 {
			t.pubRect.W, t.authRect = w, components.Rect{}
		}
		t.pub.SetItems(pubItems)
		t.auth.SetItems(authItems)
	} else {
		// One pane: the publication, then the authentication.
		items := append(t.pubItems(), t.authItems("Authentification")...)
		top := min(paneH(t.pub, items, w), max(h-tableNeed, min(h, 3)))
		t.pubRect = components.Rect{W: w, H: top}
		t.authRect = components.Rect{}
		t.auth.SetItems(nil)
	}
	t.tableRect = components.Rect{Y: t.pubRect.H, W: w, H: min(tableNeed, h-t.pubRect.H)}
	t.pub.SetSize(t.pubRect.W, t.pubRect.H)
	t.auth.SetSize(t.authRect.W, t.authRect.H)
	in := components.FrameInner(t.tableRect.W, t.tableRect.H)
	t.table.SetSize(in.W, in.H)
}

// pubScrolls and authScrolls report whether a pane has more than it shows.
func (t *Tab) pubScrolls() bool  { return scrolls(t.pub, t.pubRect) }
func (t *Tab) authScrolls() bool { return scrolls(t.auth, t.authRect) }

func scrolls(d *components.Details, r components.Rect) bool {
	return r.H > 0 && len(d.Lines(d.Inner())) > max(r.H-2, 0)
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	// The root's status (the base in service) may have changed since
	// SetSize.
	t.SetSize(t.w, t.h)
	var parts []string
	switch {
	case t.wide && t.authRect.H > 0:
		l := strings.Split(t.pub.View(), "\n")
		r := strings.Split(t.auth.View(), "\n")
		for i := range l {
			if i < len(r) {
				l[i] += r[i]
			}
		}
		parts = append(parts, strings.Join(l, "\n"))
	default:
		if t.pubRect.H > 0 {
			parts = append(parts, t.pub.View())
		}
		if t.authRect.H > 0 {
			parts = append(parts, t.auth.View())
		}
	}
	if r := t.tableRect; r.H > 0 {
		parts = append(parts, components.Frame(t.c.Styles, "Adresses publiques", t.table.View(), r.W, r.H, false))
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}
