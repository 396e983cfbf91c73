package dialogs

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/tui/common"
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
			e := pickEntry{name: name, show: common.Clean(name), size: info.Size(), mod: info.ModTime()}
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

// Picker chooses a hosting file, then hands over to the progress of its
// upload (Upload), which send carries to the back end.
type Picker struct {
	c       *common.Context
	id      int
	title   string
	hint    string
	kinds   []hostfile.Kind
	send    Send
	dir     string
	entries []pickEntry
	cursor  int
	offset  int
	loading bool
	err     string
}

// NewPicker returns a picker of the files of kinds, opened in the
// console's StartDir; hint says what to choose. The file chosen is sent
// with send.
func NewPicker(c *common.Context, title, hint string, kinds []hostfile.Kind, send Send) *Picker {
	dir := c.StartDir
	if dir == "" {
		dir = "."
	}
	return &Picker{c: c, id: c.NewID(), title: title, hint: hint, kinds: kinds, send: send, dir: dir, loading: true}
}

// Init reads the first folder.
func (p *Picker) Init() tea.Cmd { return readDirCmd(p.id, p.dir, p.kinds) }

// size is the picker's box: as wide as the screen allows (80 at most), as
// tall as its entries need, between 12 and 24 lines.
func (p *Picker) size() (w, h int) {
	w = min(p.c.DialogW, 80)
	need := 2 + len(p.headLines(w-4)) + max(len(p.entries), 2)
	return w, min(p.c.DialogH, 24, max(need, 12))
}

func (p *Picker) headLines(inner int) []string {
	st := p.c.Styles
	var lines []string
	for _, s := range common.Wrap(p.hint, inner) {
		lines = append(lines, st.Muted.Render(s))
	}
	lines = append(lines, st.Label.Render("Dossier ")+common.TruncLeft(common.Clean(p.dir), inner-8), "")
	return lines
}

// rows is how many entries fit in the box.
func (p *Picker) rows() int {
	w, h := p.size()
	return max(h-2-len(p.headLines(w-4)), 1)
}

func (p *Picker) move(d int) {
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

func (p *Picker) chdir(dir string) tea.Cmd {
	p.dir = dir
	p.loading = true
	p.id = p.c.NewID()
	return readDirCmd(p.id, dir, p.kinds)
}

// Update implements common.Dialog.
func (p *Picker) Update(msg tea.Msg) tea.Cmd {
	k := p.c.Keys
	switch msg := msg.(type) {
	case dirReadMsg:
		if msg.id != p.id {
			return nil
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
			p.c.SetStatus("Action annulée.", common.StatusInfo)
			p.c.Close(p)
		case key.Matches(msg, k.Up):
			p.move(-1)
		case key.Matches(msg, k.Down):
			p.move(1)
		case key.Matches(msg, k.Top):
			p.move(-len(p.entries))
		case key.Matches(msg, k.Bottom):
			p.move(len(p.entries))
		case key.Matches(msg, k.PageUp):
			p.move(-p.rows())
		case key.Matches(msg, k.PageDown):
			p.move(p.rows())
		case key.Matches(msg, k.PickParent):
			return p.chdir(filepath.Dir(p.dir))
		case key.Matches(msg, k.PickOpen):
			if p.loading || p.cursor >= len(p.entries) {
				return nil
			}
			e := p.entries[p.cursor]
			if e.up {
				return p.chdir(filepath.Dir(p.dir))
			}
			path := filepath.Join(p.dir, e.name)
			if e.dir {
				return p.chdir(path)
			}
			// The progress of the upload takes the picker's place.
			return p.c.Replace(p, NewUpload(p.c, p.title, path, e.show, p.send))
		}
	}
	return nil
}

// View implements common.Dialog.
func (p *Picker) View(maxW, maxH int) string {
	st := p.c.Styles
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
			lines = append(lines, st.Selected.Render(common.Fit("▸ ..", inner)))
		}
		lines = append(lines, st.Muted.Render("Aucun dossier ni fichier "+KindList(p.kinds)+" ici."))
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
				row = cur + common.Fit(name, inner-2)
			} else {
				// The name first: the date, then the size, give way
				// before it gets fewer than 20 cells.
				meta := common.FitRight(fr.Size(e.size), 9) + "  " + fr.DateTime(e.mod)
				if inner-2-ansi.StringWidth(meta)-1 < 20 {
					meta = common.FitRight(fr.Size(e.size), 9)
				}
				if inner-2-ansi.StringWidth(meta)-1 < 20 {
					meta = ""
				}
				row = cur + common.Fit(e.show, inner-2-ansi.StringWidth(meta)-1)
				if meta != "" {
					row += " " + meta
				}
			}
			switch {
			case i == p.cursor:
				row = st.Selected.Render(common.Fit(row, inner))
			case e.dir:
				row = st.Accent.UnsetBold().Render(row)
			}
			lines = append(lines, row)
		}
	}
	return common.Box(st, p.title, lines, w, min(h, maxH), true)
}

// KindList names the accepted extensions: "*.HNOT" or
// "*.HCOURRIERS, *.HDOCJOINTS ou *.HPHOTOS".
func KindList(kinds []hostfile.Kind) string {
	var names []string
	for _, k := range kinds {
		names = append(names, "*."+string(k))
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " ou " + names[len(names)-1]
}

// ShortHelp implements common.Dialog.
func (p *Picker) ShortHelp() []key.Binding {
	k := p.c.Keys
	return []key.Binding{k.Up, k.Down, k.PickOpen, k.PickParent, k.Cancel}
}

// FullHelp implements common.Dialog.
func (p *Picker) FullHelp() [][]key.Binding {
	k := p.c.Keys
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.PickOpen, k.PickParent, k.Cancel}}
}
