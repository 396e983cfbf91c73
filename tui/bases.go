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
	title  string
	empty  string
	bases  []backend.Base
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
		empty: "Aucune base n'a encore été mise en service.",
	}
	t.lists[listUploaded] = baseList{
		title: "Bases téléchargées depuis l'établissement",
		empty: "Aucune base chargée. Appuyez sur c pour charger un fichier *.HNOT.",
	}
	return t
}

func (t *basesTab) Title() string { return "Autres bases" }

func (t *basesTab) SetSize(w, h int) {
	t.width, t.height = w, h
	switch {
	case w >= 100:
		t.leftW = w * 56 / 100
	case w >= 72:
		t.leftW = w - 35
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
		t.detailOff = min(t.detailOff+max(t.height-4, 1), max(n-(t.height-2), 0))
	case key.Matches(msg, k.DetailUp):
		t.detailOff = max(t.detailOff-max(t.height-4, 1), 0)
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
}

func (t *basesTab) columns(which, inner int) []column {
	const year, size = 9, 8
	dates := 1
	if which == listInService {
		dates = 2
	}
	fixed := year + 3
	if which == listUploaded {
		fixed += size
	}
	// Dates with the time of day when the names keep 24 cells or more, with
	// a four-digit year when they keep 16, else "01/09/25".
	date := 8
	switch {
	case inner-fixed-dates*16 >= 2+24:
		date = 16
	case inner-fixed-dates*10 >= 2+16:
		date = 10
	}
	name := inner - fixed - dates*date
	if which == listInService {
		startTitle := map[int]string{8: "Service", 10: "En service", 16: "Mise en service"}[date]
		return []column{{"Nom", name, false}, {"Année", year, false}, {startTitle, date, false}, {"Arrêt", date, false}}
	}
	loaded := "Chargée le"
	if date == 8 {
		loaded = "Chargée"
	}
	return []column{{"Nom", name, false}, {"Année", year, false}, {"Taille", size, true}, {loaded, date, false}}
}

func (t *basesTab) cells(which int, b backend.Base, date int, cursor bool) []string {
	dt := frDate
	switch date {
	case 16:
		dt = frDateTime
	case 8:
		dt = frShortDate
	}
	// One cell before the name: the cursor on the selected row, else the
	// mark of the opened (○) or in-service (●) base.
	mark := " "
	switch {
	case cursor:
		mark = "▸"
	case b.InService:
		mark = "●"
	case b.Opened:
		mark = "○"
	}
	name := mark + " " + clean(b.Name)
	if which == listInService {
		p := b.LastPeriod()
		end := dt(p.To)
		if p.To.IsZero() {
			end = "en cours"
		}
		return []string{name, b.Year.String(), dt(p.From), end}
	}
	return []string{name, b.Year.String(), frSize(b.Size), dt(b.LoadedAt)}
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
	date := cols[3].width
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
			row := renderRow(cols, t.cells(which, b, date, i == l.cursor && focused))
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
	title := l.title
	if n := len(l.bases); n > 0 {
		count := fmt.Sprintf(" (%d)", n)
		if n > l.rows && l.rows > 0 {
			count = fmt.Sprintf(" (%d/%d)", l.cursor+1, n)
		}
		if ansi.StringWidth(title+count) <= w-6 {
			title += count
		}
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
	// Scroll with pgup/pgdown when the details do not fit.
	room := h - 2
	off := min(t.detailOff, max(len(lines)-room, 0))
	lines = lines[off:]
	if len(lines) > room && room > 0 {
		lines = append(lines[:room-1], st.Muted.Render(fitRight("… pg↓", inner)))
	}
	return box(st, "Détails", lines, w, h, false)
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
