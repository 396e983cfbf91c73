package dialogs

import (
	"reflect"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/tui/common"
)

// maxPaste bounds what a paste hands to a form's field: the field cuts it
// to its own limit afterwards, but only after working through all of it.
const maxPaste = 1024

// Form is a huh form in a dialog: it forwards the messages to the form,
// draws it in a frame with a title, closes on échap (Action annulée.) and,
// once the form is complete, closes and runs the command onSubmit returns.
// onSubmit runs in Update: it reads the values the form filled in and
// captures them in the command it returns.
type Form struct {
	c        *common.Context
	id       int
	title    string
	form     *huh.Form
	onSubmit func() tea.Cmd
	width    int // the form's width, as last drawn
	done     bool
}

// formMsg is a message of a huh form, tagged with the dialog it belongs
// to. huh's own messages (next field, next group…) carry no form: every
// dialog gets every message the root does not keep, so that two forms open
// on the stack would both act on an untagged one.
type formMsg struct {
	id  int
	msg tea.Msg
}

// NewForm returns the dialog of form f: its theme and keys become the
// console's, its help and errors are drawn by the dialog's rules.
func NewForm(c *common.Context, title string, f *huh.Form, onSubmit func() tea.Cmd) *Form {
	km := huh.NewDefaultKeyMap()
	// ctrl+c quits the console (the root keeps it), échap closes the
	// dialog: the form itself never aborts.
	km.Quit = key.NewBinding(key.WithDisabled())
	f.WithTheme(Theme(c.Styles)).WithKeyMap(km).WithShowHelp(false).WithShowErrors(true)
	return &Form{c: c, id: c.NewID(), title: title, form: f, onSubmit: onSubmit}
}

// Theme is huh's theme drawn from the console's styles: the colours are
// already those of the terminal's background, so isDark is not read. The
// fields have no frame of their own: the dialog's frame is enough.
func Theme(st *common.Styles) huh.Theme {
	return huh.ThemeFunc(func(bool) *huh.Styles {
		t := huh.ThemeBase(st.Dark)
		fs := &t.Focused
		fs.Base = lipgloss.NewStyle()
		fs.Card = fs.Base
		fs.Title = st.Title
		fs.NoteTitle = st.Title
		fs.Description = st.Muted
		fs.ErrorIndicator = st.Error.SetString(" *")
		fs.ErrorMessage = st.Error
		fs.SelectSelector = st.Accent.SetString("> ")
		fs.Option = st.Text
		fs.SelectedOption = st.Success
		fs.UnselectedOption = st.Text
		fs.FocusedButton = st.ButtonFocused.Padding(0, 2).MarginRight(1)
		fs.BlurredButton = st.Button.Padding(0, 2).MarginRight(1)
		fs.Next = fs.FocusedButton
		fs.TextInput.Cursor = lipgloss.NewStyle().Foreground(st.Primary)
		fs.TextInput.Placeholder = st.Muted
		fs.TextInput.Prompt = lipgloss.NewStyle().Foreground(st.Primary)
		fs.TextInput.Text = st.Text
		t.Blurred = t.Focused
		t.Blurred.TextInput.Prompt = st.BorderFg
		t.Group.Title = st.Title
		t.Group.Description = st.Muted
		t.Help = st.Help
		return t
	})
}

// Init starts the form (it focuses its first field).
func (d *Form) Init() tea.Cmd { return d.tag(d.form.Init()) }

// Update implements common.Dialog.
func (d *Form) Update(msg tea.Msg) tea.Cmd {
	if d.done {
		return nil
	}
	switch m := msg.(type) {
	case formMsg:
		if m.id != d.id {
			return nil
		}
		msg = m.msg
	case tea.KeyPressMsg:
		if key.Matches(m, d.c.Keys.Cancel) {
			d.done = true
			d.c.SetStatus("Action annulée.", common.StatusInfo)
			d.c.Close(d)
			return nil
		}
		// A bidi override or a zero-width character would be drawn as is by
		// the text input; control characters never reach it.
		if strings.IndexFunc(m.Text, func(r rune) bool { return !sanitize.Printable(r) }) >= 0 {
			return nil
		}
	case tea.PasteMsg:
		// Escape sequences go whole (an OSC's text with its introducer),
		// then what the field would not draw; a huge paste is cut first.
		if len(m.Content) > 4*maxPaste {
			m.Content = m.Content[:4*maxPaste]
		}
		m.Content = common.FitPaste(common.Clean(m.Content), maxPaste)
		msg = m
	case tea.WindowSizeMsg:
		return nil // the dialog sizes the form when it draws it
	}
	_, cmd := d.form.Update(msg)
	if d.form.State == huh.StateCompleted {
		d.done = true
		d.c.Close(d)
		if d.onSubmit != nil {
			return d.onSubmit()
		}
		return nil
	}
	return d.tag(cmd)
}

// The console's own fields do not blink (Styles.Input): huh gives no hold
// on its text input's cursor and sets its styles again at each drawing, so
// a form's cursor blinks; its timers are tagged and end when it closes.

// tag makes the messages of cmd the dialog's own, through batches and
// sequences. What the program itself would act on (a request of the
// window's size) is tagged too, hence inert: the dialog sizes the form.
func (d *Form) tag(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch m := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, 0, len(m))
			for _, c := range m {
				if c != nil {
					out = append(out, d.tag(c))
				}
			}
			return out
		}
		// tea.Sequence's message type is not exported: a slice of
		// commands, run in order.
		if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[tea.Cmd]() {
			cmds := make([]tea.Cmd, 0, v.Len())
			for i := range v.Len() {
				if c, _ := v.Index(i).Interface().(tea.Cmd); c != nil {
					cmds = append(cmds, d.tag(c))
				}
			}
			return tea.Sequence(cmds...)()
		}
		return formMsg{id: d.id, msg: msg}
	}
}

// View implements common.Dialog.
func (d *Form) View(maxW, maxH int) string {
	w := min(maxW, 64)
	inner := max(w-4, 1)
	if inner != d.width {
		// huh sizes a form once (WithWidth) and its height on each window
		// size: the dialog gives it its inner width, and the height it needs.
		d.width = inner
		d.form.WithWidth(inner)
		d.form.Update(tea.WindowSizeMsg{Width: inner, Height: max(maxH-2, 1)})
	}
	lines := strings.Split(strings.TrimRight(d.form.View(), "\n"), "\n")
	h := min(len(lines)+2, maxH)
	return common.Box(d.c.Styles, d.title, lines, w, h, true)
}

// ShortHelp implements common.Dialog.
func (d *Form) ShortHelp() []key.Binding {
	k := d.c.Keys
	return []key.Binding{k.Confirm, k.Cancel}
}

// FullHelp implements common.Dialog.
func (d *Form) FullHelp() [][]key.Binding { return [][]key.Binding{d.ShortHelp()} }
