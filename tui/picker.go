package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"
	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// The file picker lists directories and the hosting files of the expected
// kinds only (extensions matched without regard to case). It is ours rather
// than bubbles' filepicker because every file name must be cleaned before it
// is drawn (a crafted name is an escape sequence like any other), files of
// other kinds must not be listed at all, and the directory is read in a
// command, never while drawing.

// pickEntry is one line of the picker.
type pickEntry struct {
	name string // the name on disk, to open
	show string // the name cleaned for the screen
	dir  bool
	up   bool // the ".." entry
	size int64
	mod  time.Time
}

// dirReadMsg is a directory listing.
type dirReadMsg struct {
	id      int
	dir     string
	entries []pickEntry
	err     error
}

func readDirCmd(id int, dir string, kinds []hostfile.Kind) tea.Cmd {
	return func() tea.Msg {
		abs, err := filepath.Abs(dir)
		if err != nil {
			abs = filepath.Clean(dir)
		}
		des, err := os.ReadDir(abs)
		if err != nil {
			return dirReadMsg{id: id, dir: abs, err: err}
		}
		var out []pickEntry
		for _, de := range des {
			name := de.Name()
			if strings.HasPrefix(name, ".") {
				continue
			}
			info, err := os.Stat(filepath.Join(abs, name)) // follows links
			if err != nil {
				continue
			}
			e := pickEntry{name: name, show: clean(name), size: info.Size(), mod: info.ModTime()}
			switch {
			case info.IsDir():
				e.dir = true
			case info.Mode().IsRegular():
				k, ok := hostfile.KindFromName(name)
				if !ok || !slices.Contains(kinds, k) {
					continue
				}
			default:
				continue
			}
			out = append(out, e)
		}
		sort.SliceStable(out, func(i, j int) bool {
			if out[i].dir != out[j].dir {
				return out[i].dir
			}
			return strings.ToLower(out[i].name) < strings.ToLower(out[j].name)
		})
		if parent := filepath.Dir(abs); parent != abs {
			out = append([]pickEntry{{name: "..", show: "..", dir: true, up: true}}, out...)
		}
		return dirReadMsg{id: id, dir: abs, entries: out}
	}
}

// filePicker chooses a hosting file, then hands over to an upload.
type filePicker struct {
	c       *common
	id      int
	title   string
	hint    string
	kinds   []hostfile.Kind
	annex   bool
	dir     string
	entries []pickEntry
	cursor  int
	offset  int
	loading bool
	err     string
}

func newPicker(c *common, title, hint string, kinds []hostfile.Kind, annex bool) *filePicker {
	dir := c.startDir
	if dir == "" {
		dir = "."
	}
	return &filePicker{c: c, id: c.newID(), title: title, hint: hint, kinds: kinds, annex: annex, dir: dir, loading: true}
}

func (p *filePicker) Init() tea.Cmd { return readDirCmd(p.id, p.dir, p.kinds) }

// size is the picker's box: as wide as the screen allows (80 at most), as
// tall as its entries need, between 12 and 24 lines.
func (p *filePicker) size() (w, h int) {
	w = min(p.c.dlgW, 80)
	need := 2 + len(p.headLines(w-4)) + max(len(p.entries), 2)
	return w, min(p.c.dlgH, 24, max(need, 12))
}

func (p *filePicker) headLines(inner int) []string {
	st := p.c.st
	var lines []string
	for _, s := range wrap(p.hint, inner) {
		lines = append(lines, st.Muted.Render(s))
	}
	lines = append(lines, st.Label.Render("Dossier ")+truncLeft(clean(p.dir), inner-8), "")
	return lines
}

// rows is how many entries fit in the box.
func (p *filePicker) rows() int {
	w, h := p.size()
	return max(h-2-len(p.headLines(w-4)), 1)
}

func (p *filePicker) move(d int) {
	if len(p.entries) == 0 {
		return
	}
	p.cursor = min(max(p.cursor+d, 0), len(p.entries)-1)
	rows := p.rows()
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+rows {
		p.offset = p.cursor - rows + 1
	}
}

func (p *filePicker) chdir(dir string) tea.Cmd {
	p.dir = dir
	p.loading = true
	p.id = p.c.newID()
	return readDirCmd(p.id, dir, p.kinds)
}

func (p *filePicker) Update(msg tea.Msg) (modal, tea.Cmd) {
	k := p.c.keys
	switch msg := msg.(type) {
	case dirReadMsg:
		if msg.id != p.id {
			return p, nil
		}
		p.loading = false
		p.dir = msg.dir
		p.entries = msg.entries
		p.cursor, p.offset, p.err = 0, 0, ""
		if msg.err != nil {
			p.err = "Impossible de lire ce dossier."
		}
		if len(p.entries) > 1 && p.entries[0].up {
			p.cursor = 1
		}
		p.move(0)
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Cancel):
			p.c.setStatus("Action annulée.", statusInfo)
			return nil, nil
		case key.Matches(msg, k.Up):
			p.move(-1)
		case key.Matches(msg, k.Down):
			p.move(1)
		case key.Matches(msg, k.Top):
			p.move(-len(p.entries))
		case key.Matches(msg, k.Bottom):
			p.move(len(p.entries))
		case key.Matches(msg, k.DetailUp):
			p.move(-p.rows())
		case key.Matches(msg, k.DetailDown):
			p.move(p.rows())
		case key.Matches(msg, k.PickParent):
			return p, p.chdir(filepath.Dir(p.dir))
		case key.Matches(msg, k.PickOpen):
			if p.loading || p.cursor >= len(p.entries) {
				return p, nil
			}
			e := p.entries[p.cursor]
			if e.up {
				return p, p.chdir(filepath.Dir(p.dir))
			}
			path := filepath.Join(p.dir, e.name)
			if e.dir {
				return p, p.chdir(path)
			}
			return p.pick(path, e.show)
		}
	}
	return p, nil
}

// pick starts the upload of path and shows its progress.
func (p *filePicker) pick(path, show string) (modal, tea.Cmd) {
	ctx, cancel := context.WithCancel(context.Background())
	id := p.c.newID()
	u := newUploadDialog(p.c, id, p.title, show, p.annex, cancel)
	return u, startUpload(ctx, p.c.sess, id, path, p.annex)
}

func (p *filePicker) View(maxW, maxH int) string {
	st := p.c.st
	w, h := p.size()
	inner := w - 4
	lines := p.headLines(inner)
	rows := max(h-2-len(lines), 1)
	switch {
	case p.loading:
		lines = append(lines, st.Muted.Render("Lecture du dossier…"))
	case p.err != "":
		lines = append(lines, st.Error.Render(p.err))
	case len(p.entries) == 0 || (len(p.entries) == 1 && p.entries[0].up):
		if len(p.entries) == 1 {
			lines = append(lines, st.Selected.Render(fit("▸ ..", inner)))
		}
		lines = append(lines, st.Muted.Render("Aucun dossier ni fichier "+kindList(p.kinds)+" ici."))
	default:
		// The cursor stays in sight even if the box changed height since
		// move scrolled (the dialog bounds are those of the last render).
		off := min(max(p.offset, p.cursor-rows+1), p.cursor)
		end := min(off+rows, len(p.entries))
		for i := off; i < end; i++ {
			e := p.entries[i]
			cur := "  "
			if i == p.cursor {
				cur = "▸ "
			}
			var row string
			if e.dir {
				name := e.show
				if !e.up {
					name += string(filepath.Separator)
				}
				row = cur + fit(name, inner-2)
			} else {
				meta := fitRight(frSize(e.size), 9) + "  " + frDateTime(e.mod)
				row = cur + fit(e.show, inner-2-len([]rune(meta))-1) + " " + meta
			}
			switch {
			case i == p.cursor:
				row = st.Selected.Render(fit(row, inner))
			case e.dir:
				row = st.Accent.UnsetBold().Render(row)
			}
			lines = append(lines, row)
		}
	}
	return box(st, p.title, lines, w, min(h, maxH), true)
}

// kindList names the accepted extensions: "*.HNOT" or
// "*.HCOURRIERS, *.HDOCJOINTS ou *.HPHOTOS".
func kindList(kinds []hostfile.Kind) string {
	var names []string
	for _, k := range kinds {
		names = append(names, "*."+string(k))
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " ou " + names[len(names)-1]
}

func (p *filePicker) ShortHelp() []key.Binding {
	k := p.c.keys
	return []key.Binding{k.Up, k.Down, k.PickOpen, k.PickParent, k.Cancel}
}

func (p *filePicker) FullHelp() [][]key.Binding {
	k := p.c.keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.PickOpen, k.PickParent, k.Cancel}}
}

// uploadDialog shows the progress of an upload; échap cancels it (the back
// end then keeps nothing of the file).
type uploadDialog struct {
	c          *common
	id         int
	title      string
	name       string
	annex      bool
	size       int64
	done       int64
	cancel     context.CancelFunc
	cancelling bool
	bar        progress.Model
}

func newUploadDialog(c *common, id int, title, name string, annex bool, cancel context.CancelFunc) *uploadDialog {
	bar := progress.New(progress.WithColors(c.st.Primary), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	bar.EmptyColor = c.st.Border
	return &uploadDialog{c: c, id: id, title: title, name: name, annex: annex, cancel: cancel, bar: bar}
}

func (u *uploadDialog) Update(msg tea.Msg) (modal, tea.Cmd) {
	switch msg := msg.(type) {
	case uploadStartedMsg:
		if msg.id == u.id {
			u.size = msg.size
			return u, waitUpload(u.id, msg.prog, msg.done)
		}
	case uploadProgressMsg:
		if msg.id == u.id {
			u.done = msg.n
			return u, waitUpload(u.id, msg.prog, msg.done)
		}
	case tea.KeyPressMsg:
		if key.Matches(msg, u.c.keys.Cancel) && !u.cancelling {
			u.cancelling = true
			u.cancel()
		}
	}
	return u, nil
}

func (u *uploadDialog) View(maxW, maxH int) string {
	st := u.c.st
	w := min(maxW, 64)
	inner := w - 4
	lines := wrap("Envoi et vérification de « "+u.name+" »…", inner)
	lines = append(lines, "")
	pct := 0.0
	if u.size > 0 {
		pct = min(float64(u.done)/float64(u.size), 1)
	}
	bar := u.bar
	bar.SetWidth(inner)
	lines = append(lines, bar.ViewAs(pct))
	lines = append(lines, st.Muted.Render(frSize(u.done)+" sur "+frSize(u.size)))
	lines = append(lines, "")
	if u.cancelling {
		lines = append(lines, st.Notice.Render("Annulation…"))
	} else {
		lines = append(lines, st.Muted.Render("échap pour annuler"))
	}
	return box(st, u.title, lines, w, min(len(lines)+2, maxH), true)
}

func (u *uploadDialog) ShortHelp() []key.Binding {
	return []key.Binding{withHelp(u.c.keys.Cancel, "annuler l'envoi")}
}

func (u *uploadDialog) FullHelp() [][]key.Binding { return [][]key.Binding{u.ShortHelp()} }

// uploadOutcome is the status line after an upload.
func uploadOutcome(m uploadDoneMsg) (string, statusKind) {
	name := clean(m.name)
	switch {
	case m.openErr:
		return "Impossible d'ouvrir le fichier « " + name + " ».", statusErr
	case errors.Is(m.err, context.Canceled):
		return "Envoi de « " + name + " » annulé : rien n'a été conservé.", statusInfo
	case m.err != nil:
		return "« " + name + " » refusé : " + backend.Message(m.err), statusErr
	case m.annex:
		return "Annexe « " + clean(m.att.Name) + " » (" + m.att.Kind.Label() + ") ajoutée à la base en service.", statusOK
	}
	return "Base « " + clean(m.base.Name) + " » chargée (" + frSize(m.base.Size) + "). Appuyez sur o pour l'ouvrir.", statusOK
}
