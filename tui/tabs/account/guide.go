package account

import (
	_ "embed"
	"regexp"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// guideText is the hosting guide, in Markdown.
//
//go:embed guide.md
var guideText string

// The Assistance view: the guide rendered by glamour for the view's width
// (again only when the width changes), scrolled by lines, searched as it
// is typed in its plain text, case and accents ignored (the rendered lines
// stripped of their styles and folded rune by rune, so that a match maps
// back to the cells it covers, "œ" folding to two letters included).
//
// The style is glamour's dark or light one, from what the console's
// styles know of the background (dark when unknown): glamour is never
// asked to query the terminal, which over SSH would be the server's.

// guideGutter is the column left of the text where the line of the current
// match is marked.
const guideGutter = 1

// guideMatch is a match of the search: its line and its cells [from, to).
type guideMatch struct{ line, from, to int }

// guideKeys are the view's keys.
type guideKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Search, Next, Prev, Clear, Apply        key.Binding
}

func defaultGuideKeys() guideKeys {
	k := common.DefaultKeyMap()
	return guideKeys{
		Up: k.Up, Down: k.Down, Top: k.Top, Bottom: k.Bottom,
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pg↑", "page précédente")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "space"), key.WithHelp("pg↓", "page suivante")),
		Search:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "chercher")),
		Next:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "résultat suivant")),
		Prev:     key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "résultat précédent")),
		Clear:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("échap", "effacer la recherche")),
		Apply:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("entrée", "garder la recherche")),
	}
}

// guideView is "Assistance".
type guideView struct {
	c    *common.Context
	keys guideKeys
	w, h int

	// The rendering for renderedW columns of text: the styled lines, and
	// for each its plain text folded with, per byte, the cell it comes from.
	renderedW int
	dark      bool
	lines     []string
	folded    []string
	cells     [][]int

	offset int

	search    textinput.Model
	searching bool
	matches   []guideMatch
	cur       int
}

func newGuideView(c *common.Context) *guideView {
	v := &guideView{c: c, keys: defaultGuideKeys(), renderedW: -1}
	in := textinput.New()
	in.Prompt = "Chercher : "
	in.Placeholder = "un mot du guide"
	in.CharLimit = 60
	in.KeyMap.Paste.SetEnabled(false)
	in.KeyMap.AcceptSuggestion.SetEnabled(false)
	in.KeyMap.NextSuggestion.SetEnabled(false)
	in.KeyMap.PrevSuggestion.SetEnabled(false)
	in.SetStyles(c.Styles.Input)
	v.search = in
	return v
}

func (v *guideView) title() string { return "Assistance" }

func (v *guideView) load() tea.Cmd { return nil }

func (v *guideView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg: // the root has rebuilt the styles
		v.search.SetStyles(v.c.Styles.Input)
		v.render(true)
	case tea.PasteMsg:
		if v.searching {
			cmd := common.Paste(&v.search, msg)
			v.find(true)
			return cmd
		}
	}
	return nil
}

// textW is the width the guide is rendered for: the frame's inner width,
// less the gutter.
func (v *guideView) textW() int {
	return max(components.FrameInner(v.w, v.h).W-guideGutter, 1)
}

// bodyH is the number of the guide's lines shown: the frame's inner
// height, less the search line when it shows.
func (v *guideView) bodyH() int {
	h := components.FrameInner(v.w, v.h).H
	if v.searching || v.search.Value() != "" {
		h--
	}
	return max(h, 0)
}

func (v *guideView) setSize(w, h int) {
	v.w, v.h = max(w, 0), max(h, 0)
	v.search.SetWidth(max(components.FrameInner(v.w, v.h).W-len([]rune(v.search.Prompt))-2, 1))
	v.render(false)
	v.clamp()
}

// oscRE is an OSC sequence (a hyperlink, a title): glamour writes links as
// hyperlinks, and the guide draws none.
var oscRE = regexp.MustCompile(`\x1b\][^\x07\x1b]*(\x07|\x1b\\)`)

// renderGuide renders the guide for w columns in the dark or light style;
// every line is at most w cells.
func renderGuide(w int, dark bool) []string {
	style := styles.DarkStyleConfig
	if !dark {
		style = styles.LightStyleConfig
	}
	// Headings read as titles (bold, coloured), not as Markdown: no "## ".
	style.H2.Prefix, style.H3.Prefix, style.H4.Prefix = "", "", ""
	out := ""
	r, err := glamour.NewTermRenderer(glamour.WithStyles(style), glamour.WithWordWrap(w))
	if err == nil {
		out, err = r.Render(guideText)
	}
	if err != nil { // the guide is ours and renders; the raw text if not
		out = guideText
	}
	out = oscRE.ReplaceAllString(out, "")
	lines := strings.Split(strings.Trim(out, "\n"), "\n")
	for i, l := range lines {
		// glamour pads its lines with styled blanks: the view pads them.
		n := min(ansi.StringWidth(strings.TrimRight(ansi.Strip(l), " ")), w)
		if n < ansi.StringWidth(l) {
			l = ansi.Truncate(l, n, "")
		}
		lines[i] = l
	}
	return lines
}

// render renders the guide again when the width (or, with force, the
// style) changed, and finds the search again in the new lines.
func (v *guideView) render(force bool) {
	w := v.textW()
	dark := v.c.Styles.Dark || !v.c.Styles.Known
	if w == v.renderedW && dark == v.dark && !force {
		return
	}
	top := 0.0
	if len(v.lines) > 0 {
		top = float64(v.offset) / float64(len(v.lines))
	}
	v.renderedW, v.dark = w, dark
	v.lines = renderGuide(w, dark)
	v.folded = make([]string, len(v.lines))
	v.cells = make([][]int, len(v.lines))
	for i, l := range v.lines {
		v.folded[i], v.cells[i] = foldCells(ansi.Strip(l))
	}
	v.offset = int(top * float64(len(v.lines)))
	v.find(false)
}

// foldCells folds s rune by rune (fr.Fold) and gives, for each byte of the
// result, the cell of s it comes from; one more entry gives the end.
func foldCells(s string) (string, []int) {
	var b strings.Builder
	cells := make([]int, 0, len(s)+1)
	cell := 0
	for _, r := range s {
		f := fr.Fold(string(r))
		b.WriteString(f)
		for range len(f) {
			cells = append(cells, cell)
		}
		cell += ansi.StringWidth(string(r))
	}
	return b.String(), append(cells, cell)
}

// find looks for the search in the guide; jump moves to the first match
// from the top of the view on.
func (v *guideView) find(jump bool) {
	v.matches, v.cur = nil, 0
	q := fr.Fold(strings.TrimSpace(common.Clean(v.search.Value())))
	if q == "" {
		return
	}
	for i, f := range v.folded {
		for from := 0; ; {
			j := strings.Index(f[from:], q)
			if j < 0 {
				break
			}
			s, e := from+j, from+j+len(q)
			v.matches = append(v.matches, guideMatch{line: i, from: v.cells[i][s], to: v.cells[i][e]})
			from = e
		}
	}
	if !jump {
		return
	}
	for i, m := range v.matches {
		if m.line >= v.offset {
			v.cur = i
			break
		}
	}
	v.show()
}

// show scrolls the current match into view.
func (v *guideView) show() {
	if len(v.matches) == 0 {
		return
	}
	l, h := v.matches[v.cur].line, v.bodyH()
	if l < v.offset || l >= v.offset+h {
		v.offset = l - h/3
	}
	v.clamp()
}

func (v *guideView) clamp() {
	v.offset = max(min(v.offset, len(v.lines)-v.bodyH()), 0)
}

func (v *guideView) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	k := v.keys
	if v.searching {
		switch {
		case key.Matches(msg, k.Clear):
			v.clearSearch()
		case key.Matches(msg, k.Apply):
			v.searching = false
			v.search.Blur()
			v.clamp()
		case msg.String() == "up" || msg.String() == "down" || msg.String() == "pgup" || msg.String() == "pgdown":
			v.scrollKey(msg)
		default:
			before := v.search.Value()
			cmd := common.TypeKey(&v.search, msg)
			if v.search.Value() != before {
				v.find(true)
			}
			return cmd
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Search):
		v.searching = true
		v.clamp()
		return v.search.Focus()
	case key.Matches(msg, k.Clear) && v.search.Value() != "":
		v.clearSearch()
	case key.Matches(msg, k.Next) && len(v.matches) > 0:
		v.cur = (v.cur + 1) % len(v.matches)
		v.show()
	case key.Matches(msg, k.Prev) && len(v.matches) > 0:
		v.cur = (v.cur - 1 + len(v.matches)) % len(v.matches)
		v.show()
	default:
		v.scrollKey(msg)
	}
	return nil
}

func (v *guideView) scrollKey(msg tea.KeyPressMsg) {
	k, h := v.keys, v.bodyH()
	switch {
	case key.Matches(msg, k.Up):
		v.offset--
	case key.Matches(msg, k.Down):
		v.offset++
	case key.Matches(msg, k.PageUp):
		v.offset -= max(h-1, 1)
	case key.Matches(msg, k.PageDown):
		v.offset += max(h-1, 1)
	case key.Matches(msg, k.Top):
		v.offset = 0
	case key.Matches(msg, k.Bottom):
		v.offset = len(v.lines)
	}
	v.clamp()
}

func (v *guideView) clearSearch() {
	v.searching = false
	v.search.Blur()
	v.search.SetValue("")
	v.matches, v.cur = nil, 0
	v.clamp()
}

func (v *guideView) mouse(msg tea.Msg) {
	if m, ok := msg.(tea.MouseWheelMsg); ok {
		switch m.Button {
		case tea.MouseWheelUp:
			v.offset -= 3
		case tea.MouseWheelDown:
			v.offset += 3
		}
		v.clamp()
	}
}

func (v *guideView) view() string {
	if v.w <= 0 || v.h <= 0 {
		return ""
	}
	st := v.c.Styles
	in := components.FrameInner(v.w, v.h)
	hi := lipgloss.NewStyle().Reverse(true)
	curHi := st.Selected
	h := v.bodyH()
	out := make([]string, 0, in.H)
	for i := v.offset; i < v.offset+h; i++ {
		if i >= len(v.lines) {
			out = append(out, strings.Repeat(" ", in.W))
			continue
		}
		line, mark := v.lines[i], " "
		var ranges []lipgloss.Range
		for j, m := range v.matches {
			if m.line != i {
				continue
			}
			style := hi
			if j == v.cur {
				style, mark = curHi, st.Accent.Render("▸")
			}
			ranges = append(ranges, lipgloss.NewRange(m.from, m.to, style))
		}
		if len(ranges) > 0 {
			line = lipgloss.StyleRanges(line, ranges...)
		}
		out = append(out, common.Fit(mark+line, in.W))
	}
	if v.searching || v.search.Value() != "" {
		out = append(out, common.Fit(" "+v.search.View(), in.W))
	}
	return components.Frame(st, v.frameTitle(), strings.Join(out, "\n"), v.w, v.h, true)
}

// frameTitle says where the reading is, or what the search found.
func (v *guideView) frameTitle() string {
	t := "Assistance"
	q := strings.TrimSpace(common.Clean(v.search.Value()))
	switch n := len(v.matches); {
	case q == "":
		if len(v.lines) > 0 && v.bodyH() < len(v.lines) {
			pct := 100 * min(v.offset+v.bodyH(), len(v.lines)) / len(v.lines)
			t += " · " + strconv.Itoa(pct) + " %"
		}
	case n == 0:
		t += " · Aucun résultat pour « " + q + " »"
	case n == 1:
		t += " · 1 résultat"
	default:
		t += " · " + strconv.Itoa(n) + " résultats (" + strconv.Itoa(v.cur+1) + "/" + strconv.Itoa(n) + ")"
	}
	return t
}

func (v *guideView) shortHelp() []key.Binding {
	k := v.keys
	if v.searching {
		return []key.Binding{k.Apply, k.Clear}
	}
	out := []key.Binding{k.Search}
	if len(v.matches) > 0 {
		out = append(out, k.Next, k.Prev)
	}
	if v.search.Value() != "" {
		out = append(out, k.Clear)
	}
	return append(out, k.Down, k.PageDown)
}

func (v *guideView) fullHelp() [][]key.Binding {
	k := v.keys
	return [][]key.Binding{
		{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom},
		{k.Search, k.Apply, k.Next, k.Prev, k.Clear},
	}
}

func (v *guideView) typing() bool { return v.searching }
