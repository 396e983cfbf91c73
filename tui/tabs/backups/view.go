package backups

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// Layout: the list pane (its border names the two views) holds, in the
// backups' view, the summary (next automatic backup, storage gauge,
// retention policy) above the table; the details of the selected row are
// beside it from 100 columns, else under it, their content's height but at
// most a third of the tab, and left out when the list would keep fewer than
// 8 lines. The summary gives way before the table keeps fewer than a title
// line and two rows.

// wideFrom is the width from which the details sit beside the list.
const wideFrom = 100

// minListH is the least height the list keeps under the details.
const minListH = 8

// sshHost is the name the school's computers reach the hosting with, as
// SPEC §12 writes the commands.
const sshHost = "console.hebergement"

// Marks of the backups' gutter.
const (
	markWeekly  = "◆"
	markDeleted = "✕"
)

// SetSize lays the panes out for w×h cells.
func (t *Tab) SetSize(w, h int) {
	t.w, t.h = max(w, 0), max(h, 0)
	t.wide = w >= wideFrom
	t.details.SetTitle(t.detailsTitle())
	t.details.SetItems(t.detailItems())
	if t.wide {
		// The details take 42 columns at 120 (the list keeps 78: its
		// columns whole) and a third of a wider screen.
		left := w - max(42, w*35/100)
		t.listRect = components.Rect{W: left, H: t.h}
		t.detailsRect = components.Rect{X: left, W: w - left, H: t.h}
	} else {
		// At 80×24 (18 lines) the details keep 5 lines: the base, the
		// file and its download; the list a title line and 4 rows.
		dh := min(len(t.details.Lines(max(w-4, 0)))+2, max(t.h*2/5, 6))
		if t.h-dh < minListH {
			dh = max(t.h-minListH, 0)
		}
		if dh < 4 {
			dh = 0
		}
		t.listRect = components.Rect{W: t.w, H: t.h - dh}
		t.detailsRect = components.Rect{Y: t.h - dh, W: t.w, H: dh}
	}
	t.details.SetSize(t.detailsRect.W, t.detailsRect.H)

	in := components.FrameInner(t.listRect.W, t.listRect.H)
	t.summary = t.summaryLines(in.W)
	if keep := max(in.H-3, 0); len(t.summary) > keep {
		t.summary = t.summary[:keep]
	}
	tableH := max(in.H-len(t.summary), 0)
	if t.legendShown(tableH) {
		tableH--
	}
	t.backups.SetSize(in.W, tableH)
	t.years.SetSize(in.W, tableH)

	// With the details shown, pg↑/pg↓ scroll them; without, they page the
	// list.
	tk := t.keys.Table
	tk.PageUp.SetEnabled(!t.detailsShown())
	tk.PageDown.SetEnabled(!t.detailsShown())
	t.backups.SetKeyMap(tk)
	t.years.SetKeyMap(tk)
}

// detailsShown reports whether the details pane has room on screen.
func (t *Tab) detailsShown() bool { return t.detailsRect.H >= 3 && t.detailsRect.W >= 6 }

// detailsScroll reports whether the details do not fit their pane: pg↓
// then shows the rest.
func (t *Tab) detailsScroll() bool {
	return t.detailsShown() && len(t.details.Lines(t.details.Inner())) > t.detailsRect.H-2
}

// tableRect is the table's place in the tab: inside the list's frame,
// under the summary.
func (t *Tab) tableRect() components.Rect {
	in := components.FrameInner(t.listRect.W, t.listRect.H)
	in.X += t.listRect.X
	in.Y += t.listRect.Y + len(t.summary)
	in.H = max(in.H-len(t.summary), 0)
	return in
}

// legendShown reports whether the line that says what the marks mean fits
// under a table of h lines: when a row has a mark and the table keeps a
// title line and six rows.
func (t *Tab) legendShown(h int) bool {
	if t.view != viewBackups || h < 8 {
		return false
	}
	for _, b := range t.data.Backups {
		if b.Weekly || b.BaseDeleted {
			return true
		}
	}
	return false
}

// changes is the state of a change log: "1 204 saisies", "0 saisie".
func changes(n int64) string {
	if n <= 1 {
		return fr.Count(int(n)) + " saisie"
	}
	return fr.Count(int(n)) + " saisies"
}

// nextWords is when the next automatic backup runs, said from now: "cette
// nuit à 02:00" within a day, else "le 03/12/2026 à 02:00".
func nextWords(next, now time.Time) string {
	n := next.In(clock.Paris())
	if d := next.Sub(now); d > 0 && d <= 24*time.Hour {
		return "cette nuit à " + n.Format("15:04")
	}
	return "le " + fr.Date(n) + " à " + n.Format("15:04")
}

// backupRows are the backups' table, most recent first as the back end
// gives them.
func (t *Tab) backupRows() []components.Row {
	rows := make([]components.Row, len(t.data.Backups))
	for i, b := range t.data.Backups {
		name := b.BaseName
		mark, tone := "", components.ToneNormal
		switch {
		case b.BaseDeleted:
			name += " (supprimée)"
			mark, tone = markDeleted, components.ToneMuted
		case b.Weekly:
			mark = markWeekly
		}
		rows[i] = components.Row{
			Key:   strconv.FormatInt(b.ID, 10),
			Cells: []string{fr.DateTime(b.At), b.Kind.French(), b.By, name, fr.Size(b.Size), changes(b.Changes)},
			Sort: []string{b.At.UTC().Format(time.RFC3339), "", "", "",
				fmt.Sprintf("%020d", b.Size), fmt.Sprintf("%020d", b.Changes)},
			Mark: mark,
			Tone: tone,
		}
	}
	return rows
}

// backupsEmpty is the line of the backups' table when it has no row.
func (t *Tab) backupsEmpty() string {
	switch {
	case !t.loaded:
		return "Chargement…"
	case t.err != nil:
		return backend.Message(t.err)
	case !t.data.NextNightly.IsZero():
		return "Aucune sauvegarde pour l'instant : la première sera faite " + nextWords(t.data.NextNightly, t.now) + "."
	case t.data.Opened != nil && t.canAct():
		return "Aucune sauvegarde pour l'instant : elles seront faites chaque nuit dès qu'une base sera en service ; " +
			"s sauvegarde maintenant la base ouverte."
	}
	return "Aucune sauvegarde pour l'instant : elles seront faites chaque nuit dès qu'une base sera en service."
}

// yearRows are the previous years' grid, most recent first.
func (t *Tab) yearRows() []components.Row {
	rows := make([]components.Row, len(t.rows))
	for i, y := range t.rows {
		r := components.Row{Key: y.Year.String()}
		if y.Base == nil {
			r.Cells = []string{y.Year.String(), "vide", "", ""}
			r.Tone = components.ToneMuted
		} else {
			r.Cells = []string{y.Year.String(), y.Base.Name, fr.DateTime(y.ArchivedAt), y.ArchivedBy}
		}
		rows[i] = r
	}
	return rows
}

// yearsEmpty is the line of the grid when it has no row.
func (t *Tab) yearsEmpty() string {
	switch {
	case !t.loaded:
		return "Chargement…"
	case t.err != nil:
		return backend.Message(t.err)
	}
	return "Aucune année précédente."
}

// selectedBackup is the backup under the cursor.
func (t *Tab) selectedBackup() (backend.Backup, bool) {
	r, ok := t.backups.Selected()
	if !ok {
		return backend.Backup{}, false
	}
	for _, b := range t.data.Backups {
		if strconv.FormatInt(b.ID, 10) == r.Key {
			return b, true
		}
	}
	return backend.Backup{}, false
}

// selectedYear is the year under the cursor, nil when none.
func (t *Tab) selectedYear() *backend.YearRow {
	r, ok := t.years.Selected()
	if !ok {
		return nil
	}
	for i := range t.rows {
		if t.rows[i].Year.String() == r.Key {
			return &t.rows[i]
		}
	}
	return nil
}

// summaryLines are the lines above the table, w cells wide: in the
// backups' view, who may act (for a role that may not), the next automatic
// backup, the storage and the policy; in the years' view, what the grid
// is.
func (t *Tab) summaryLines(w int) []string {
	if w <= 1 || !t.loaded {
		return nil
	}
	var items []components.Item
	if !t.canAct() {
		items = append(items, components.Text(backend.PermBackups.Who(), components.ToneMuted))
	}
	if t.err != nil {
		items = append(items, components.Text(backend.Message(t.err), components.ToneDanger))
	} else if t.view == viewYears {
		items = append(items, components.Text("Une base par année scolaire passée : archivée à la bascule d'août, "+
			"ou choisie ici parmi les bases de cette année chargées dans Autres bases.", components.ToneMuted))
	} else {
		v := t.data
		switch {
		case !v.NextNightly.IsZero():
			items = append(items, components.Text("Prochaine sauvegarde automatique : "+nextWords(v.NextNightly, t.now), components.ToneNormal))
		case v.Opened != nil:
			items = append(items, components.Text("Pas de sauvegarde automatique : aucune base n'est en service "+
				"(la base ouverte « "+v.Opened.Name+" » attend sa mise en service).", components.ToneWarning))
		default:
			items = append(items, components.Text("Pas de sauvegarde automatique : aucune base n'est ouverte ni en service.", components.ToneWarning))
		}
		st := t.c.Styles
		// A backup copies nothing: what it alone keeps is the data of the
		// bases deleted since, said when there is some.
		text := fr.Size(v.UsedBytes)
		if v.QuotaBytes > 0 {
			text += " sur " + fr.Size(v.QuotaBytes)
		}
		if v.BackupBytes > 0 {
			text += ", dont " + fr.Size(v.BackupBytes) + " pour les seules sauvegardes"
		}
		g := components.Gauge{Used: v.UsedBytes, Total: v.QuotaBytes, Text: text}
		items = append(items,
			components.Drawn("Stockage", func(w int) string { return g.View(st, w) }),
			components.Text(v.Retention.French(), components.ToneMuted))
	}
	d := components.NewDetails(t.c.Styles, "")
	d.SetItems(items)
	lines := d.Lines(w - 1)
	for i, l := range lines {
		lines[i] = " " + l
	}
	return lines
}

// legend says what the marks of the backups mean.
func (t *Tab) legend(w int) string {
	return " " + t.c.Styles.Muted.Render(common.Fit(markWeekly+" gardée pour sa semaine  "+markDeleted+" base supprimée depuis", w-1))
}

// detailsTitle is the details pane's title.
func (t *Tab) detailsTitle() string {
	if t.view == viewYears {
		if y := t.selectedYear(); y != nil {
			return "Année " + y.Year.String()
		}
		return "Année"
	}
	if b, ok := t.selectedBackup(); ok {
		return "Sauvegarde du " + fr.DateTime(b.At)
	}
	return "Sauvegarde"
}

// detailItems describe the selected row of the view shown.
func (t *Tab) detailItems() []components.Item {
	if !t.loaded {
		return []components.Item{components.Text("Chargement…", components.ToneMuted)}
	}
	if t.view == viewYears {
		return t.yearItems()
	}
	b, ok := t.selectedBackup()
	if !ok {
		if t.err != nil {
			return []components.Item{components.Text(backend.Message(t.err), components.ToneDanger)}
		}
		return []components.Item{components.Text("Aucune sauvegarde sélectionnée.", components.ToneMuted)}
	}
	path := "sauvegardes/" + b.FileName
	kept := "jusqu'au " + fr.Date(b.KeptUntil)
	switch {
	case b.KeptUntil.IsZero():
		kept = "—"
	case !b.KeptUntil.After(t.now):
		// Past the policy, not pruned yet: the pruning of 03:00 removes it.
		kept = "au-delà de la politique de conservation : supprimée au prochain nettoyage (03:00)"
	case b.Weekly:
		kept += " (gardée pour sa semaine)"
	}
	items := []components.Item{
		components.Field("Base", b.BaseName+" ("+b.Year.String()+")").WithTone(components.ToneBold),
	}
	if b.BaseDeleted {
		items = append(items, components.Text("Cette base a été supprimée d'Autres bases depuis : la sauvegarde en garde l'état.", components.ToneWarning))
	}
	items = append(items,
		components.Field("Fichier", path),
		components.Text("Télécharger : scp "+shellQuote(sshHost+":"+path)+" .", components.ToneAccent),
		components.Field("Conservée", kept),
		components.Field("Type", b.Kind.French()+", par "+b.By),
		components.Field("Journal", changes(b.Changes)),
		components.Field("Taille", fr.Size(b.Size)),
		components.Field("SHA-256", common.ShortHash(b.BaseSHA256, 17)+" (base)"),
		components.Blank(),
		components.Text("Ou par sftp : sftp "+sshHost+", puis get "+shellQuote(path)+".", components.ToneMuted),
	)
	return items
}

// yearItems describe the selected previous year and how to fill it.
func (t *Tab) yearItems() []components.Item {
	y := t.selectedYear()
	if y == nil {
		if t.err != nil {
			return []components.Item{components.Text(backend.Message(t.err), components.ToneDanger)}
		}
		return []components.Item{components.Text("Aucune année sélectionnée.", components.ToneMuted)}
	}
	var items []components.Item
	if b := y.Base; b != nil {
		items = append(items,
			components.Field("Base archivée", b.Name).WithTone(components.ToneBold),
			components.Field("Archivée le", fr.DateTime(y.ArchivedAt)),
			components.Field("Par", y.ArchivedBy),
			components.Field("Contenu", fr.Count(b.Students)+" élèves, "+fr.Count(b.Teachers)+" professeurs, "+fr.Count(b.Classes)+" classes"),
			components.Field("Taille", fr.Size(b.Size)),
			components.Field("SHA-256", common.ShortHash(b.SHA256, 17)),
		)
	} else {
		items = append(items, components.Text("Année vide : aucune base n'est archivée pour "+y.Year.String()+".", components.ToneMuted))
	}
	items = append(items, components.Blank())
	n := len(t.candidates(*y))
	verb := "remplir l'année avec"
	if y.Base != nil {
		verb = "remplacer la base archivée par"
	}
	switch {
	case n == 0:
		items = append(items, components.Text(noCandidate(*y), components.ToneMuted))
	case !t.canAct():
		items = append(items, components.Text(backend.PermBackups.Who(), components.ToneMuted))
	case n == 1:
		items = append(items, components.Text("e : "+verb+" la base de "+y.Year.String()+" chargée dans Autres bases.", components.ToneNormal))
	default:
		items = append(items, components.Text("e : "+verb+" l'une des "+fr.Count(n)+" bases de "+y.Year.String()+" chargées dans Autres bases.", components.ToneNormal))
	}
	return items
}

// noCandidate says that no base of the year is loaded, and how to load one.
func noCandidate(y backend.YearRow) string {
	s := "Aucune base de " + y.Year.String() + " n'est chargée"
	if y.Base != nil {
		s = "Aucune autre base de " + y.Year.String() + " n'est chargée"
	}
	return s + " : chargez-la dans Autres bases (c), ou déposez le fichier *.HNOT dans depot/ par sftp, puis revenez ici."
}

// candidates are the bases that may fill year y: the establishment's bases
// of that school year, but the one archived already.
func (t *Tab) candidates(y backend.YearRow) []backend.Base {
	var out []backend.Base
	for _, b := range t.bases {
		if b.Year == y.Year && (y.Base == nil || b.ID != y.Base.ID) {
			out = append(out, b)
		}
	}
	return out
}

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters a file name is safe with unquoted.
func shellQuote(s string) string {
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@+,", r)) {
			safe = false
			break
		}
	}
	if safe && s != "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// titles are the two views as the list's border names them.
func (t *Tab) titles() []string {
	b, y := "Sauvegardes", "Années précédentes"
	if t.loaded && t.err == nil {
		b += " (" + t.backups.Position() + ")"
		y += " (" + t.years.Position() + ")"
	}
	return []string{b, y}
}

// View draws the tab in exactly its size.
func (t *Tab) View() string {
	if t.w <= 0 || t.h <= 0 {
		return ""
	}
	st := t.c.Styles
	// The details follow the cursor and the data: drawn from them now.
	t.details.SetTitle(t.detailsTitle())
	t.details.SetItems(t.detailItems())
	r := t.listRect
	var list string
	if r.H > 0 {
		in := components.FrameInner(r.W, r.H)
		lines := append([]string(nil), t.summary...)
		lines = append(lines, t.table().View())
		if _, th := t.table().Size(); t.legendShown(th + 1) {
			body := strings.Join(lines, "\n")
			lines = []string{common.PadLines(body, in.W, len(t.summary)+th), t.legend(in.W)}
		}
		list = components.FrameTabs(st, t.titles(), t.view, strings.Join(lines, "\n"), r.W, r.H, true)
	}
	out := list
	if t.detailsShown() {
		d := t.details.View()
		switch {
		case t.wide:
			out = lipgloss.JoinHorizontal(lipgloss.Top, list, d)
		case list != "":
			out = list + "\n" + d
		default:
			out = d
		}
	}
	return common.PadLines(out, t.w, t.h)
}
