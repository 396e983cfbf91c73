package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// The two lists of the Autres bases tab.
const (
	listInService = iota // "Bases précédemment mises en service"
	listUploaded         // "Bases téléchargées depuis l'établissement"
)

// baseList is one scrolling list of bases. Only the visible rows are drawn,
// so a list of 10,000 bases costs what a list of 10 does.
type baseList struct {
	title string
	// short is the title when the full one does not fit with the count.
	short string
	empty string
	bases []backend.Base
	// nameW is the width of the longest name, measured once per reload so
	// that drawing stays independent of the length of the list.
	nameW  int
	cursor int
	offset int
	// geometry in the tab's coordinates, set by SetSize
	top, rows int
}

func (l *baseList) selected() *backend.Base {
	if l.cursor < 0 || l.cursor >= len(l.bases) {
		return nil
	}
	return &l.bases[l.cursor]
}

func (l *baseList) move(d int) {
	if len(l.bases) == 0 {
		return
	}
	l.cursor = min(max(l.cursor+d, 0), len(l.bases)-1)
	l.scroll()
}

// scroll keeps the cursor in view.
func (l *baseList) scroll() {
	if l.rows <= 0 {
		return
	}
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+l.rows {
		l.offset = l.cursor - l.rows + 1
	}
	l.offset = max(min(l.offset, len(l.bases)-l.rows), 0)
}

// basesTab is "Autres bases": the bases once in service, the bases uploaded
// by the school, the details of the selected one and the actions on them.
type basesTab struct {
	c         *common
	width     int
	height    int
	leftW     int
	lists     [2]baseList
	focus     int
	detailOff int
	loaded    bool
	// pending is the base to select at the next reload (a fresh upload).
	pending int64
}

func newBasesTab(c *common) *basesTab {
	t := &basesTab{c: c}
	t.lists[listInService] = baseList{
		title: "Bases précédemment mises en service",
		short: "Bases mises en service",
		empty: "Aucune base n'a encore été mise en service.",
	}
	t.lists[listUploaded] = baseList{
		title: "Bases téléchargées depuis l'établissement",
		short: "Bases téléchargées",
		empty: "Aucune base chargée. Appuyez sur c pour charger un fichier *.HNOT.",
	}
	return t
}

func (t *basesTab) Title() string { return "Autres bases" }

func (t *basesTab) SetSize(w, h int) {
	t.width, t.height = w, h
	// Below 100 columns the details keep 34 (30 of text), enough for a
	// date and time after its label, and the lists the rest: 46 at 80,
	// where a name of 22 cells fits once the optional columns give way.
	switch {
	case w >= 100:
		t.leftW = w * 56 / 100
	case w >= 72:
		t.leftW = w - 34
	default:
		t.leftW = w // no room for the details: lists only
	}
	topH := h / 2
	t.lists[listInService].top, t.lists[listInService].rows = 0, max(topH-3, 0)
	t.lists[listUploaded].top, t.lists[listUploaded].rows = topH, max(h-topH-3, 0)
	for i := range t.lists {
		t.lists[i].scroll()
	}
}

func (t *basesTab) selected() *backend.Base {
	return t.lists[t.focus].selected()
}

func (t *basesTab) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case dataMsg:
		t.setData(msg.lists)
	case actionDoneMsg:
		if msg.selectID != 0 {
			t.pending = msg.selectID
		}
	case tea.KeyPressMsg:
		return t.handleKey(msg)
	case tea.MouseClickMsg:
		t.click(msg.Mouse())
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			t.lists[t.focus].move(-1)
		case tea.MouseWheelDown:
			t.lists[t.focus].move(1)
		}
		t.detailOff = 0
	}
	return nil
}

// setData replaces the lists, keeping the selection on the same base.
func (t *basesTab) setData(l backend.BaseLists) {
	first := !t.loaded
	t.loaded = true
	keep := int64(0)
	if b := t.selected(); b != nil {
		keep = b.ID
	}
	if t.pending != 0 {
		keep = t.pending
	}
	var keepList [2]int64
	for i := range t.lists {
		if b := t.lists[i].selected(); b != nil {
			keepList[i] = b.ID
		}
	}
	t.lists[listInService].bases = l.PreviouslyInService
	t.lists[listUploaded].bases = l.Uploaded
	for i := range t.lists {
		t.lists[i].nameW = 0
		for _, b := range t.lists[i].bases {
			t.lists[i].nameW = max(t.lists[i].nameW, ansi.StringWidth(clean(b.Name)))
		}
	}
	found := false
	for i := range t.lists {
		lst := &t.lists[i]
		lst.cursor = min(lst.cursor, max(len(lst.bases)-1, 0))
		for j, b := range lst.bases {
			if b.ID == keepList[i] {
				lst.cursor = j
			}
		}
		if keep != 0 {
			for j, b := range lst.bases {
				if b.ID == keep {
					lst.cursor, t.focus, found = j, i, true
				}
			}
		}
		lst.scroll()
	}
	if found {
		t.pending = 0
	}
	if first || len(t.lists[t.focus].bases) == 0 {
		if len(t.lists[listInService].bases) == 0 && len(t.lists[listUploaded].bases) > 0 {
			t.focus = listUploaded
		} else if len(t.lists[listUploaded].bases) == 0 && len(t.lists[listInService].bases) > 0 {
			t.focus = listInService
		}
	}
}

func (t *basesTab) click(m tea.Mouse) {
	if m.X >= t.leftW {
		return
	}
	for i := range t.lists {
		l := &t.lists[i]
		boxH := l.rows + 3
		if m.Y < l.top || m.Y >= l.top+boxH {
			continue
		}
		t.focus = i
		row := m.Y - l.top - 2 // frame and column titles
		if row >= 0 && row < l.rows && l.offset+row < len(l.bases) {
			l.cursor = l.offset + row
			t.detailOff = 0
		}
	}
}

func (t *basesTab) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := t.c.keys
	c := t.c
	switch {
	case key.Matches(msg, k.Up):
		t.lists[t.focus].move(-1)
		t.detailOff = 0
	case key.Matches(msg, k.Down):
		t.lists[t.focus].move(1)
		t.detailOff = 0
	case key.Matches(msg, k.Top):
		t.lists[t.focus].move(-len(t.lists[t.focus].bases))
		t.detailOff = 0
	case key.Matches(msg, k.Bottom):
		t.lists[t.focus].move(len(t.lists[t.focus].bases))
		t.detailOff = 0
	case key.Matches(msg, k.NextList, k.PrevList):
		t.focus = 1 - t.focus
		t.detailOff = 0
	case key.Matches(msg, k.DetailDown):
		n := len(t.detailLines(t.detailsInner()))
		t.detailOff = min(t.detailOff+max(t.height-4, 1), maxDetailOff(n, t.height-2))
	case key.Matches(msg, k.DetailUp):
		// From what shows: the window may have grown since the last pg↓.
		n := len(t.detailLines(t.detailsInner()))
		t.detailOff = max(min(t.detailOff, maxDetailOff(n, t.height-2))-max(t.height-4, 1), 0)
	case key.Matches(msg, k.Load):
		c.modal = newPicker(c, "Charger une base", "Choisissez un fichier *.HNOT généré par votre Serveur PRONOTE.",
			[]hostfile.Kind{hostfile.KindBase}, false)
		return c.modal.(*filePicker).Init()
	case key.Matches(msg, k.Complete):
		if c.status.InService == nil {
			c.setStatus(backend.Message(backend.ErrNoBaseInService), statusErr)
			return nil
		}
		c.modal = newPicker(c, "Compléter la base hébergée",
			"Choisissez un fichier *.HCOURRIERS, *.HDOCJOINTS ou *.HPHOTOS pour la base en service « "+clean(c.status.InService.Name)+" ».",
			[]hostfile.Kind{hostfile.KindLetters, hostfile.KindAttachments, hostfile.KindPhotos}, true)
		return c.modal.(*filePicker).Init()
	case key.Matches(msg, k.Open):
		return t.open()
	case key.Matches(msg, k.Create):
		c.modal = newCreateForm(c)
		return nil
	case key.Matches(msg, k.PutInService):
		return t.putInService()
	case key.Matches(msg, k.Stop):
		return t.stop()
	case key.Matches(msg, k.Delete):
		return t.delete()
	}
	return nil
}

// stopBody is what every confirmation that stops the server says.
const stopBody = "Arrêter le serveur ? Toutes les connexions des utilisateurs seront fermées."

func (t *basesTab) open() tea.Cmd {
	c := t.c
	b := t.selected()
	if b == nil {
		c.setStatus("Sélectionnez d'abord une base dans l'une des deux listes.", statusErr)
		return nil
	}
	if b.Opened {
		c.setStatus(backend.Message(backend.ErrAlreadyOpened), statusErr)
		return nil
	}
	sess, id, name := c.sess, b.ID, clean(b.Name)
	ok := "La base « " + name + " » est ouverte. Appuyez sur s pour la mettre en service."
	if c.status.State == backend.ServerRunning {
		c.modal = newConfirm(c, "Ouvrir cette base", "Arrêter et ouvrir", []string{
			"Le serveur est en service : pour ouvrir la base « " + name + " », il faut d'abord l'arrêter.",
			stopBody,
		}, "Arrêt du serveur et ouverture de la base…", actionCmd(func(ctx context.Context) (string, int64, error) {
			if err := sess.StopServer(ctx); err != nil {
				return "", 0, err
			}
			return ok, id, sess.OpenBase(ctx, id)
		}))
		return nil
	}
	c.setStatus("Ouverture de la base « "+name+" »…", statusInfo)
	return actionCmd(func(ctx context.Context) (string, int64, error) {
		return ok, id, sess.OpenBase(ctx, id)
	})
}

func (t *basesTab) putInService() tea.Cmd {
	c := t.c
	sess := c.sess
	c.setStatus("Mise en service…", statusInfo)
	return actionCmd(func(ctx context.Context) (string, int64, error) {
		if err := sess.PutInService(ctx); err != nil {
			return "", 0, err
		}
		// Name the base from the state after the action, not from what the
		// screen showed when the key was pressed.
		if st, err := sess.Status(ctx); err == nil && st.InService != nil {
			return "La base « " + clean(st.InService.Name) + " » est en service.", st.InService.ID, nil
		}
		return "Le serveur est en service.", 0, nil
	})
}

func (t *basesTab) stop() tea.Cmd {
	c := t.c
	if c.status.State != backend.ServerRunning {
		c.setStatus(backend.Message(backend.ErrServerStopped), statusErr)
		return nil
	}
	sess := c.sess
	c.modal = newConfirm(c, "Arrêter le serveur", "Arrêter le serveur", []string{stopBody},
		"Arrêt du serveur…", actionCmd(func(ctx context.Context) (string, int64, error) {
			return "Le serveur est arrêté.", 0, sess.StopServer(ctx)
		}))
	return nil
}

func (t *basesTab) delete() tea.Cmd {
	c := t.c
	b := t.selected()
	if b == nil {
		c.setStatus("Sélectionnez d'abord la base à supprimer.", statusErr)
		return nil
	}
	if b.Opened {
		c.setStatus(backend.Message(backend.ErrBaseOpened), statusErr)
		return nil
	}
	sess, id, name := c.sess, b.ID, clean(b.Name)
	c.modal = newConfirm(c, "Supprimer une base", "Supprimer", []string{
		"Supprimer la base « " + name + " » (" + b.Year.String() + ") ?",
		"Elle sera effacée de l'hébergement avec ses annexes ; cette action est définitive.",
	}, "Suppression…", actionCmd(func(ctx context.Context) (string, int64, error) {
		return "La base « " + name + " » a été supprimée.", 0, sess.DeleteBase(ctx, id)
	}))
	return nil
}

func (t *basesTab) View() string {
	if t.width <= 0 || t.height <= 0 {
		return ""
	}
	topH := t.height / 2
	a := t.listView(listInService, t.leftW, topH)
	b := t.listView(listUploaded, t.leftW, t.height-topH)
	left := a + "\n" + b
	if t.leftW >= t.width {
		return left
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, left, t.detailsView(t.width-t.leftW, t.height))
}

// column of a list; the first (flex) column takes the room left.
type column struct {
	title string
	width int
	right bool
	what  columnKind
}

// columnKind is what a column shows.
type columnKind int

const (
	colName columnKind = iota
	colYear
	colStart
	colEnd
	colSize
	colLoaded
)

// listLayout is how a list spends its width: the date format (16: date and
// time, 10: date, 8: two-digit year), whether the optional column shows (the
// end of service, the size: both are in the details too), and the school
// year in the short form "2025-26".
type listLayout struct {
	date      int
	optional  bool
	shortYear bool
}

// Fixed widths of the list columns.
const (
	yearW, shortYearW, sizeW = 9, 7, 7
)

// nameRoom is what layout c leaves to the name column of list which in inner
// cells (separators counted).
func nameRoom(which, inner int, c listLayout) int {
	fixed := yearW + 2 + c.date // the year, the first date and their gaps
	if c.shortYear {
		fixed -= yearW - shortYearW
	}
	if c.optional {
		if which == listInService {
			fixed += 1 + c.date
		} else {
			fixed += 1 + sizeW
		}
	}
	return inner - fixed
}

// layouts picks the layout of both lists for inner cells each. The name
// matters most: each list takes the richest layout that leaves its longest
// name whole (up to a cap), trying every column with dates and times, with
// dates, with two-digit years, then without the optional column, then with
// short school years. When one list needs two-digit years, the other one
// takes them too, so that the dates read alike, and keeps its optional
// column if it fits then.
func (t *basesTab) layouts(inner int) [2]listLayout {
	choices := []listLayout{
		{16, true, false}, {10, true, false}, {8, true, false},
		{16, false, false}, {10, false, false}, {8, false, false}, {8, false, true},
	}
	var want [2]int
	var picks [2]listLayout
	for i := range t.lists {
		want[i] = min(max(t.lists[i].nameW, 10), 32) + 2 // the mark and a space
		pick := choices[len(choices)-1]
		for _, c := range choices {
			if nameRoom(i, inner, c) >= want[i] {
				pick = c
				break
			}
		}
		picks[i] = pick
	}
	if picks[0].date != 8 && picks[1].date != 8 {
		return picks
	}
	var out [2]listLayout
	for i := range out {
		date := 8
		out[i] = listLayout{date, false, true}
		for _, c := range []listLayout{{date, true, false}, {date, false, false}} {
			if nameRoom(i, inner, c) >= want[i] {
				out[i] = c
				break
			}
		}
	}
	return out
}

// columns are the columns of list which in inner cells.
func (t *basesTab) columns(which, inner int) []column {
	lay := t.layouts(inner)[which]
	date, name, year := lay.date, nameRoom(which, inner, lay), yearW
	if lay.shortYear {
		year = shortYearW
	}
	cols := []column{{"Nom", name, false, colName}, {"Année", year, false, colYear}}
	if which == listInService {
		startTitle := map[int]string{8: "Service", 10: "En service", 16: "Mise en service"}[date]
		cols = append(cols, column{startTitle, date, false, colStart})
		if lay.optional {
			cols = append(cols, column{"Arrêt", date, false, colEnd})
		}
		return cols
	}
	if lay.optional {
		cols = append(cols, column{"Taille", sizeW, true, colSize})
	}
	loaded := "Chargée le"
	if date == 8 {
		loaded = "Chargée"
	}
	return append(cols, column{loaded, date, false, colLoaded})
}

// cells are the texts of base b in columns cols.
func (t *basesTab) cells(cols []column, b backend.Base, cursor bool) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		dt := frDate
		switch c.width {
		case 16:
			dt = frDateTime
		case 8:
			dt = frShortDate
		}
		switch c.what {
		case colName:
			// One cell before the name: the cursor on the selected row,
			// else the mark of the opened (○) or in-service (●) base.
			mark := " "
			switch {
			case cursor:
				mark = "▸"
			case b.InService:
				mark = "●"
			case b.Opened:
				mark = "○"
			}
			out[i] = mark + " " + clean(b.Name)
		case colYear:
			out[i] = b.Year.String()
			if c.width < yearW {
				out[i] = fmt.Sprintf("%d-%02d", int(b.Year), (int(b.Year)+1)%100)
			}
		case colStart:
			out[i] = dt(b.LastPeriod().From)
		case colEnd:
			p := b.LastPeriod()
			out[i] = dt(p.To)
			if p.To.IsZero() {
				out[i] = "en cours"
			}
		case colSize:
			out[i] = frSize(b.Size)
		case colLoaded:
			out[i] = dt(b.LoadedAt)
		}
	}
	return out
}

func renderRow(cols []column, cells []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		if c.right {
			parts[i] = fitRight(cells[i], c.width)
		} else {
			parts[i] = fit(cells[i], c.width)
		}
	}
	return strings.Join(parts, " ")
}

func (t *basesTab) listView(which, w, h int) string {
	st := t.c.st
	l := &t.lists[which]
	focused := which == t.focus
	inner := w - 3 // frame, and one free cell on the right
	cols := t.columns(which, inner)
	var lines []string
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.title
	}
	lines = append(lines, st.ColumnHeader.Render(renderRow(cols, append([]string{"  " + titles[0]}, titles[1:]...))))
	switch {
	case !t.loaded:
		lines = append(lines, st.Muted.Render(" Chargement…"))
	case len(l.bases) == 0:
		for _, s := range wrap(l.empty, inner-2) {
			lines = append(lines, st.Muted.Render(" "+s))
		}
	default:
		end := min(l.offset+l.rows, len(l.bases))
		for i := l.offset; i < end; i++ {
			b := l.bases[i]
			row := renderRow(cols, t.cells(cols, b, i == l.cursor && focused))
			switch {
			case i == l.cursor && focused:
				row = st.Selected.Render(row)
			case i == l.cursor:
				row = st.SelectedBlurred.Render(row)
			case b.InService:
				row = st.Running.UnsetBold().Render(row)
			case b.Opened:
				row = st.MarkOpened.UnsetBold().Render(row)
			}
			lines = append(lines, row)
		}
	}
	// The full title with the count, else the short one with the count,
	// else the full title as far as it goes.
	title := l.title
	if n := len(l.bases); n > 0 {
		count := fmt.Sprintf(" (%d)", n)
		if n > l.rows && l.rows > 0 {
			count = fmt.Sprintf(" (%d/%d)", l.cursor+1, n)
		}
		switch {
		case ansi.StringWidth(title+count) <= w-6:
			title += count
		case ansi.StringWidth(l.short+count) <= w-6:
			title = l.short + count
		}
	} else if ansi.StringWidth(title) > w-6 {
		title = l.short
	}
	return boxPad(st, title, lines, w, h, focused, 0)
}

// detailsView draws the details pane of the selected base.
func (t *basesTab) detailsView(w, h int) string {
	st := t.c.st
	inner := w - 4
	lines := t.detailLines(inner)
	if lines == nil {
		msg := "Aucune base sélectionnée."
		if !t.loaded {
			msg = "Chargement…"
		}
		return box(st, "Détails", []string{st.Muted.Render(msg)}, w, h, false)
	}
	// Scroll with pgup/pgdown when the details do not fit; a mark at the
	// top and at the bottom tells that there is more.
	room := h - 2
	off := min(t.detailOff, maxDetailOff(len(lines), room))
	var out []string
	if off > 0 {
		out = append(out, st.Muted.Render(fitRight("… pg↑", inner)))
		room--
	}
	lines = lines[off:]
	if len(lines) > room && room > 0 {
		lines = append(lines[:room-1:room-1], st.Muted.Render(fitRight("… pg↓", inner)))
	}
	return box(st, "Détails", append(out, lines...), w, h, false)
}

// maxDetailOff is how far n lines of details scroll in room lines: not at
// all when they fit, else until the last line shows under the top mark.
func maxDetailOff(n, room int) int {
	if n <= room {
		return 0
	}
	return n - room + 1
}

// detailsInner is the width of the text in the details pane.
func (t *basesTab) detailsInner() int { return t.width - t.leftW - 4 }

// detailLines are the lines of the details pane of the selected base, nil
// when none is selected.
func (t *basesTab) detailLines(inner int) []string {
	st := t.c.st
	b := t.selected()
	if b == nil || inner <= 0 {
		return nil
	}
	labelW := 12
	valueW := inner - labelW
	var lines []string
	field := func(label, value string) {
		vs := wrap(value, valueW)
		for i, v := range vs {
			l := strings.Repeat(" ", labelW)
			if i == 0 {
				l = st.Label.Render(fit(label, labelW))
			}
			lines = append(lines, l+v)
		}
	}
	for _, s := range wrap(clean(b.Name), inner) {
		lines = append(lines, st.Bold.Render(s))
	}
	var marks []string
	if b.Opened {
		marks = append(marks, st.MarkOpened.Render("ouverte"))
	}
	if b.InService {
		marks = append(marks, st.MarkInService.Render("en service"))
	}
	if len(marks) > 0 {
		lines = append(lines, strings.Join(marks, st.Muted.Render(" · ")))
	}
	field("Année", b.Year.String())
	field("Origine", b.Origin.French())
	if len(b.Periods) == 0 {
		field("Service", "jamais mise en service")
	}
	for i, p := range b.Periods {
		label := ""
		if i == 0 {
			label = "Service"
		}
		if p.To.IsZero() {
			field(label, "depuis le "+frDateTime(p.From))
		} else {
			field(label, "du "+frDateTime(p.From)+" au "+frDateTime(p.To))
		}
	}
	if len(b.Annexes) == 0 {
		field("Annexes", "aucune")
	}
	for i, a := range b.Annexes {
		label := ""
		if i == 0 {
			label = "Annexes"
		}
		if valueW < 40 {
			field(label, a.Kind.Label()+", "+frSize(a.Size))
		} else {
			field(label, fmt.Sprintf("%s : %s, %s, le %s", a.Kind.Label(), clean(a.Name), frSize(a.Size), frDateTime(a.LoadedAt)))
		}
	}
	field("Taille", frSize(b.Size))
	if h := clean(b.SHA256); h != "" {
		if len(h) == 64 && valueW >= 32 {
			field("SHA-256", h[:32])
			field("", h[32:])
		} else {
			field("SHA-256", shortHash(h, valueW))
		}
	}
	if b.Origin == backend.OriginCreated {
		field("Créée le", frDateTime(b.LoadedAt))
	} else {
		field("Chargée le", frDateTime(b.LoadedAt))
	}
	if by := clean(b.LoadedBy); by != "" {
		field("Par", by)
	}
	field("Élèves", frCount(b.Students))
	field("Professeurs", frCount(b.Teachers))
	field("Classes", frCount(b.Classes))
	if b.Grid.Slot > 0 {
		field("Grille", b.Grid.French())
	} else {
		field("Grille", "—")
	}
	return lines
}

func (t *basesTab) ShortHelp() []key.Binding {
	k := t.c.keys
	return []key.Binding{k.Load, k.Open, k.Create, k.PutInService, k.Stop, k.Complete, k.Delete}
}

func (t *basesTab) FullHelp() [][]key.Binding {
	k := t.c.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.Top, k.Bottom, k.NextList, k.DetailDown, k.DetailUp},
		{
			withHelp(k.Load, "Charger une base"),
			withHelp(k.Open, "Ouvrir cette base"),
			withHelp(k.Create, "Créer une base"),
			withHelp(k.PutInService, "Mettre en service"),
		},
		{
			withHelp(k.Stop, "Arrêter le serveur"),
			withHelp(k.Complete, "Compléter la base hébergée"),
			withHelp(k.Delete, "Supprimer"),
		},
	}
}
