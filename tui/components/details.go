package components

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/hebergement/console/tui/common"
)

type itemKind int

const (
	kindField itemKind = iota
	kindHeading
	kindText
	kindBlank
)

// Item is one entry of a Details pane: a label and its value, a heading, a
// paragraph or a blank line. Labels and values are raw: the pane cleans
// them.
type Item struct {
	Label string
	Value string
	Tone  Tone
	// Draw, when set, draws the value in w cells instead of Value: a gauge,
	// drawn by trusted code from numbers, never from text of the back end.
	Draw func(w int) string
	kind itemKind
}

// Field is a label and its value, wrapped under the label when long.
func Field(label, value string) Item { return Item{Label: label, Value: value} }

// Drawn is a label and a value drawn by draw in the width it is given.
func Drawn(label string, draw func(w int) string) Item { return Item{Label: label, Draw: draw} }

// Heading is a line in bold across the pane.
func Heading(text string) Item { return Item{Value: text, Tone: ToneBold, kind: kindHeading} }

// Text is a paragraph across the pane, wrapped, in tone.
func Text(text string, tone Tone) Item { return Item{Value: text, Tone: tone, kind: kindText} }

// Blank is an empty line.
func Blank() Item { return Item{kind: kindBlank} }

// WithTone returns the item with its value drawn in tone.
func (i Item) WithTone(t Tone) Item {
	i.Tone = t
	return i
}

// DetailsKeyMap is the keys of a details pane.
type DetailsKeyMap struct {
	PageUp, PageDown key.Binding
}

// DefaultDetailsKeyMap is pg↑/pg↓, as the details of Autres bases.
func DefaultDetailsKeyMap() DetailsKeyMap {
	return DetailsKeyMap{
		PageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pg↑", "détails : haut")),
		PageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pg↓", "détails : bas")),
	}
}

// Details is a framed pane of label/value lines. When they do not fit it
// scrolls a page at a time, with a mark at the top and at the bottom that
// tells there is more (the look of the details of Autres bases).
type Details struct {
	st      *common.Styles
	keys    DetailsKeyMap
	title   string
	items   []Item
	labelW  int
	w, h    int
	off     int
	focused bool
}

// NewDetails returns an empty pane titled title.
func NewDetails(st *common.Styles, title string) *Details {
	return &Details{st: st, title: title, keys: DefaultDetailsKeyMap()}
}

// KeyMap is the keys the pane answers to.
func (d *Details) KeyMap() DetailsKeyMap { return d.keys }

// SetKeyMap replaces the pane's keys.
func (d *Details) SetKeyMap(k DetailsKeyMap) { d.keys = k }

// SetTitle sets the title in the frame (trusted text: the tab's words).
func (d *Details) SetTitle(s string) { d.title = s }

// SetItems replaces the content; the scroll stays where it was, within the
// new content.
func (d *Details) SetItems(items []Item) { d.items = items }

// SetLabelWidth fixes the label column's width; 0 fits the longest label.
func (d *Details) SetLabelWidth(n int) { d.labelW = n }

// SetFocused draws the frame in the focus colour.
func (d *Details) SetFocused(on bool) { d.focused = on }

// SetSize gives the pane its width and height, frame included.
func (d *Details) SetSize(w, h int) { d.w, d.h = max(w, 0), max(h, 0) }

// Inner is the width of the text inside the frame.
func (d *Details) Inner() int { return max(d.w-4, 0) }

// room is the number of lines inside the frame.
func (d *Details) room() int { return max(d.h-2, 0) }

// labelWidth is the width of the label column for inner cells of text: the
// longest label and a space, at most half the text.
func (d *Details) labelWidth(inner int) int {
	if d.labelW > 0 {
		return min(d.labelW, inner/2)
	}
	w := 0
	for _, it := range d.items {
		if it.kind == kindField {
			w = max(w, ansi.StringWidth(common.Clean(it.Label)))
		}
	}
	if w == 0 {
		return 0
	}
	return min(w+1, inner/2)
}

// Lines is the content drawn at inner cells wide, every line.
func (d *Details) Lines(inner int) []string {
	if inner <= 0 {
		return nil
	}
	st := d.st
	labelW := d.labelWidth(inner)
	valueW := inner - labelW
	var lines []string
	for _, it := range d.items {
		style := it.Tone.Style(st)
		switch it.kind {
		case kindBlank:
			lines = append(lines, "")
		case kindHeading, kindText:
			for _, s := range common.Wrap(common.Clean(it.Value), inner) {
				lines = append(lines, style.Render(s))
			}
		case kindField:
			// A space after the label, even when it is cut.
			label := ""
			if labelW > 0 {
				label = st.Label.Render(common.Fit(common.Clean(it.Label), labelW-1) + " ")
			}
			if it.Draw != nil {
				lines = append(lines, label+common.Fit(it.Draw(valueW), valueW))
				continue
			}
			for i, v := range common.Wrap(common.Clean(it.Value), valueW) {
				l := strings.Repeat(" ", labelW)
				if i == 0 {
					l = label
				}
				lines = append(lines, l+style.Render(v))
			}
		}
	}
	return lines
}

// MaxScroll is how far n lines scroll in room lines, a page of details at a
// time: not at all when they fit, else until the last line shows under the
// top mark.
func MaxScroll(n, room int) int {
	if n <= room {
		return 0
	}
	return n - room + 1
}

// Scrolled is the window of lines, inner cells wide, that room lines show
// from offset off (bounded by MaxScroll): a mark "… pg↑" at the top when
// lines are above, "… pg↓" at the bottom when lines are below.
func Scrolled(st *common.Styles, lines []string, off, room, inner int) []string {
	if room < 2 { // no room for a mark beside a line: the line
		if room < 1 || len(lines) == 0 {
			return nil
		}
		return lines[min(max(off, 0), len(lines)-1):][:1]
	}
	off = min(off, MaxScroll(len(lines), room))
	var out []string
	if off > 0 {
		out = append(out, st.Muted.Render(common.FitRight("… pg↑", inner)))
		room--
	}
	lines = lines[off:]
	if len(lines) > room && room > 0 {
		lines = append(lines[:room-1:room-1], st.Muted.Render(common.FitRight("… pg↓", inner)))
	}
	return append(out, lines...)
}

// page is the number of lines a pg↓ moves.
func (d *Details) page() int { return max(d.room()-2, 1) }

// PageDown scrolls down a page.
func (d *Details) PageDown() {
	n := len(d.Lines(d.Inner()))
	d.off = min(d.off+d.page(), MaxScroll(n, d.room()))
}

// PageUp scrolls up a page, from what shows: the pane may have grown since
// the last PageDown.
func (d *Details) PageUp() {
	n := len(d.Lines(d.Inner()))
	d.off = max(min(d.off, MaxScroll(n, d.room()))-d.page(), 0)
}

// Top scrolls back to the first line.
func (d *Details) Top() { d.off = 0 }

// Offset is the first line shown.
func (d *Details) Offset() int {
	return min(d.off, MaxScroll(len(d.Lines(d.Inner())), d.room()))
}

// Update handles pg↑/pg↓ and the mouse wheel; it reports nothing back.
func (d *Details) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		d.HandleKey(msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			d.off = max(d.Offset()-1, 0)
		case tea.MouseWheelDown:
			d.off = min(d.Offset()+1, MaxScroll(len(d.Lines(d.Inner())), d.room()))
		}
	}
	return nil
}

// HandleKey scrolls on the pane's keys and reports whether the key was one.
func (d *Details) HandleKey(msg tea.KeyPressMsg) bool {
	switch {
	case key.Matches(msg, d.keys.PageDown):
		d.PageDown()
	case key.Matches(msg, d.keys.PageUp):
		d.PageUp()
	default:
		return false
	}
	return true
}

// Help is the pane's keys, for the full help.
func (d *Details) Help() []key.Binding { return []key.Binding{d.keys.PageDown, d.keys.PageUp} }

// View draws the pane in exactly its size.
func (d *Details) View() string {
	if d.w < 6 || d.h < 2 {
		return common.PadLines("", d.w, d.h)
	}
	st := d.st
	inner := d.Inner()
	return common.Box(st, d.title, Scrolled(st, d.Lines(inner), d.off, d.room(), inner), d.w, d.h, d.focused)
}
