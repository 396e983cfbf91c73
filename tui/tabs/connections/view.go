package connections

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// Layout, top to bottom: the licences (their content's height, leaving the
// lower pane 5 lines at least), the chart in its own pane when the rest
// has room for it and 12 lines more, then the lower pane and its views.

// minLower is the lower pane's height that the chart's own pane leaves at
// least: a frame, the column titles and nine rows.
const minLower = 12

// reasonLines is the most lines under the refusals that say the selected
// one's reason in full, after a blank line.
const reasonLines = 3

// SetSize lays the panes out for w×h cells.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.licences.SetItems(t.licenceItems())
	t.licences.SetTitle(t.licencesTitle())
	topH := min(len(t.licences.Lines(max(w-4, 0)))+2, max(h-5, min(h, 4)))
	rest := max(h-topH, 0)
	ns := t.chartSeries()
	t.split = w >= 60 && rest >= ns+3+minLower
	chartH := 0
	if t.split {
		if t.loaded && t.err == nil && !t.historyEmpty() {
			band := min(max((rest-minLower-3)/ns, 1), 3)
			chartH = ns*band + 3
		} else { // a sentence in a frame
			chartH = min(len(common.Wrap(t.emptyHistory(), max(w-4, 1)))+2, 4)
		}
	}
	t.licRect = components.Rect{W: w, H: topH}
	t.chartRect = components.Rect{Y: topH, W: w, H: chartH}
	t.lowerRect = components.Rect{Y: topH + chartH, W: w, H: max(rest-chartH, 0)}
	t.licences.SetSize(w, topH)

	t.view = t.want
	if t.split && t.view == viewHistory {
		t.view = viewConns
	}
	in := components.FrameInner(t.lowerRect.W, t.lowerRect.H)
	t.sizeConns()
	t.filter.SetWidth(max(in.W-1-len([]rune(t.filter.Prompt))-1, 1))
	// The refusals take their rows' height, leaving the reason at least a
	// blank line and two lines under them when the pane has 6 lines.
	detail := 0
	if in.H >= 6 {
		detail = 3
	}
	t.refusals.SetSize(in.W, max(min(max(t.refusals.Len(), 1)+1, in.H-detail), 0))
}

// userMax is the most cells the Utilisateur column takes. It is the
// table's flexible column, which takes the room the others leave; on a
// wide screen that would set the other columns far apart, so the table
// ends short of the pane's border instead.
const userMax = 40

// sizeConns sizes the connections' table in the lower pane, under the
// filter field when it shows, its Utilisateur column at most userMax
// cells wide when it has rows (the line of an empty table keeps the
// pane's width).
func (t *Tab) sizeConns() {
	in := components.FrameInner(t.lowerRect.W, t.lowerRect.H)
	h := max(in.H-t.filterLines(), 0)
	t.conns.SetSize(in.W, h)
	if t.conns.Len() == 0 {
		return
	}
	if ws := t.conns.Widths(); len(ws) > 0 && ws[0] > userMax {
		t.conns.SetSize(in.W-(ws[0]-userMax), h)
	}
}

// filterLines is 1 when the filter field shows (it has the focus or holds
// a filter), else 0.
func (t *Tab) filterLines() int {
	if t.typing || t.filter.Value() != "" {
		return 1
	}
	return 0
}

// emptyHistory is what the chart says when it has nothing to draw.
func (t *Tab) emptyHistory() string {
	if !t.loaded {
		return "Chargement…"
	}
	return "Aucune connexion ces dernières 24 heures : l'historique se remplit dès qu'un utilisateur se connecte."
}

// titles are the lower pane's views as its border names them.
func (t *Tab) titles() []string {
	var out []string
	for _, v := range t.views() {
		switch v {
		case viewConns:
			s := "Connexions"
			if t.loaded && t.conns.Len() > 0 {
				s += " (" + t.conns.Position()
				if t.filter.Value() != "" {
					s += " sur " + fr.Count(len(t.data.Conns))
				}
				s += ")"
			}
			out = append(out, s)
		case viewHistory:
			if t.view == viewHistory {
				out = append(out, t.chartTitle(components.FrameInner(t.lowerRect.W, 0).W-1))
			} else {
				out = append(out, "Historique")
			}
		case viewRefusals:
			s := "Derniers refus"
			if n := len(t.data.Refusals); n > 0 {
				s += " (" + fr.Count(n) + ")"
			}
			out = append(out, s)
		}
	}
	return out
}

// active is the place of the view shown among views().
func (t *Tab) active() int {
	for i, v := range t.views() {
		if v == t.view {
			return i
		}
	}
	return 0
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	st := t.c.Styles
	parts := []string{t.licences.View()}
	if r := t.chartRect; r.H > 0 {
		in := components.FrameInner(r.W, r.H)
		parts = append(parts, components.Frame(st, t.chartTitle(in.W-1), t.chartBody(in.W, in.H), r.W, r.H, false))
	}
	if r := t.lowerRect; r.H > 0 {
		in := components.FrameInner(r.W, r.H)
		var body string
		switch t.view {
		case viewConns:
			body = t.conns.View()
			if t.filterLines() > 0 {
				body = common.Fit(" "+t.filter.View(), in.W) + "\n" + body
			}
		case viewHistory:
			body = t.chartBody(in.W, in.H)
		case viewRefusals:
			body = t.refusals.View() + t.refusalReason(in.W, in.H-t.refusalsHeight())
		}
		parts = append(parts, components.FrameTabs(st, t.titles(), t.active(), body, r.W, r.H, true))
	}
	return common.PadLines(strings.Join(parts, "\n"), t.w, t.h)
}

func (t *Tab) refusalsHeight() int {
	_, h := t.refusals.Size()
	return h
}

// refusalReason is the full reason of the selected refusal, after a
// blank line under the refusals, in at most h lines (a reason is a
// sentence, cut in its column).
func (t *Tab) refusalReason(w, h int) string {
	r, ok := t.refusals.Selected()
	if h < 2 || !ok {
		return ""
	}
	st := t.c.Styles
	lines := common.Wrap("Motif : "+r.Cells[5], max(w-2, 1)) // the cells are cleaned
	if n := min(h-1, reasonLines); len(lines) > n {
		lines = lines[:n]
		lines[n-1] = common.Fit(lines[n-1]+" …", w-2)
	}
	out := "\n"
	for _, l := range lines {
		out += "\n " + st.Muted.Render(l)
	}
	return out
}

// mouse handles a click or the wheel in the tab's coordinates: a click on
// a view's name in the lower border shows it, the lists take their own.
func (t *Tab) mouse(msg tea.Msg) {
	r := t.lowerRect
	if m, ok := components.Within(msg, components.Rect{X: r.X, Y: r.Y, W: r.W, H: 1}); ok {
		if c, click := m.(tea.MouseClickMsg); click {
			if i := components.FrameTabAt(t.titles(), r.W, c.X); i >= 0 {
				t.setView(t.views()[i])
			}
		}
		return
	}
	in := components.FrameInner(r.W, r.H)
	in.X += r.X
	in.Y += r.Y
	if m, ok := components.Within(msg, in); ok {
		switch t.view {
		case viewConns:
			if n := t.filterLines(); n > 0 {
				m, ok = components.Within(m, components.Rect{Y: n, W: in.W, H: in.H - n})
			}
			// A click right of a table narrower than the pane is on its row.
			if c, click := m.(tea.MouseClickMsg); ok && click && c.Y > 0 {
				if tw, _ := t.conns.Size(); c.X >= tw && tw > 0 {
					c.X = tw - 1
					m = c
				}
			}
			if ok {
				t.conns.Update(m)
			}
		case viewRefusals:
			t.refusals.Update(m)
		}
		return
	}
	if m, ok := components.Within(msg, t.licRect); ok {
		t.licences.Update(m)
	}
}
