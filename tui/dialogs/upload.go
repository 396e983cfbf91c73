package dialogs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
)

// Send carries a file to the back end: name is the file's base name, r its
// content, progress the bytes read so far. It runs in its own goroutine;
// the message it returns reaches the tabs when the upload succeeds (the
// tab that opened the picker tells the outcome and selects what it made),
// an error ends the upload with the refusal in the status line.
type Send func(ctx context.Context, name string, r io.Reader, progress backend.Progress) (tea.Msg, error)

// Uploads. The file is read and sent to the back end by a goroutine that a
// command starts; the progress callback keeps only the latest byte count in
// a one-slot channel, which a re-arming command reads, so the loader never
// blocks on the interface and the interface never falls behind. The
// goroutine is recorded in the console's Work, so that quitting cancels it
// and waits for the back end to return.

// uploadStartedMsg says the file is open and the upload under way.
type uploadStartedMsg struct {
	id   int
	size int64
	prog <-chan int64
	done <-chan uploadDoneMsg
}

// uploadProgressMsg carries the bytes read so far.
type uploadProgressMsg struct {
	id   int
	n    int64
	prog <-chan int64
	done <-chan uploadDoneMsg
}

// uploadDoneMsg is the outcome of an upload.
type uploadDoneMsg struct {
	id     int
	name   string
	result tea.Msg
	err    error
	// openErr is set when the local file could not be opened at all.
	openErr bool
}

// startUpload opens path and hands it to send in a goroutine recorded in
// work.
func startUpload(ctx context.Context, cancel context.CancelFunc, work *common.Work, id int, path string, send Send) tea.Cmd {
	return func() tea.Msg {
		name := filepath.Base(path)
		f, err := os.Open(path)
		if err != nil {
			cancel()
			return uploadDoneMsg{id: id, name: name, err: err, openErr: true}
		}
		info, err := f.Stat()
		if err != nil {
			f.Close()
			cancel()
			return uploadDoneMsg{id: id, name: name, err: err, openErr: true}
		}
		finished, ok := work.Start(cancel)
		if !ok { // the console is quitting
			f.Close()
			return uploadDoneMsg{id: id, name: name, err: context.Canceled}
		}
		prog := make(chan int64, 1)
		done := make(chan uploadDoneMsg, 1)
		report := func(n int64) {
			select { // drop the stale count, keep the latest
			case <-prog:
			default:
			}
			select {
			case prog <- n:
			default:
			}
		}
		go func() {
			defer finished()
			defer cancel()
			defer f.Close()
			res := uploadDoneMsg{id: id, name: name}
			res.result, res.err = send(ctx, name, f, report)
			done <- res
		}()
		return uploadStartedMsg{id: id, size: info.Size(), prog: prog, done: done}
	}
}

// waitUpload reads the next progress report or the outcome.
func waitUpload(id int, prog <-chan int64, done <-chan uploadDoneMsg) tea.Cmd {
	return func() tea.Msg {
		select {
		case d := <-done:
			return d
		default:
		}
		select {
		case d := <-done:
			return d
		case n := <-prog:
			return uploadProgressMsg{id: id, n: n, prog: prog, done: done}
		}
	}
}

// Upload shows the progress of an upload; échap cancels it (the back end
// then keeps nothing of the file). It closes when the upload ends.
type Upload struct {
	c          *common.Context
	id         int
	title      string
	path       string
	name       string
	send       Send
	ctx        context.Context
	size       int64
	done       int64
	cancel     context.CancelFunc
	cancelling bool
	bar        progress.Model
}

// NewUpload returns the progress of the upload of path (name is how the
// screen shows it, cleaned); the upload starts when it is pushed.
func NewUpload(c *common.Context, title, path, name string, send Send) *Upload {
	st := c.Styles
	bar := progress.New(progress.WithColors(st.Primary), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░'))
	bar.EmptyColor = st.Border
	ctx, cancel := context.WithCancel(context.Background())
	return &Upload{c: c, id: c.NewID(), title: title, path: path, name: name, send: send, ctx: ctx, cancel: cancel, bar: bar}
}

// Init starts the upload.
func (u *Upload) Init() tea.Cmd {
	return startUpload(u.ctx, u.cancel, u.c.Work(), u.id, u.path, u.send)
}

// Update implements common.Dialog.
func (u *Upload) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case uploadStartedMsg:
		if msg.id == u.id {
			u.size = msg.size
			return waitUpload(u.id, msg.prog, msg.done)
		}
	case uploadProgressMsg:
		if msg.id == u.id {
			u.done = msg.n
			return waitUpload(u.id, msg.prog, msg.done)
		}
	case uploadDoneMsg:
		if msg.id != u.id {
			return nil
		}
		u.c.Close(u)
		if msg.err != nil {
			u.c.SetStatus(uploadRefusal(msg))
			return nil
		}
		result := msg.result
		return func() tea.Msg { return result }
	case tea.KeyPressMsg:
		if key.Matches(msg, u.c.Keys.Cancel) && !u.cancelling {
			u.cancelling = true
			u.cancel()
		}
	}
	return nil
}

// View implements common.Dialog.
func (u *Upload) View(maxW, maxH int) string {
	st := u.c.Styles
	w := min(maxW, 64)
	inner := w - 4
	lines := common.Wrap("Envoi et vérification de « "+u.name+" »…", inner)
	lines = append(lines, "")
	pct := 0.0
	if u.size > 0 {
		pct = min(float64(u.done)/float64(u.size), 1)
	}
	bar := u.bar
	bar.SetWidth(inner)
	lines = append(lines, bar.ViewAs(pct))
	lines = append(lines, st.Muted.Render(fr.Size(u.done)+" sur "+fr.Size(u.size)))
	lines = append(lines, "")
	if u.cancelling {
		lines = append(lines, st.Notice.Render("Annulation…"))
	} else {
		lines = append(lines, st.Muted.Render("échap pour annuler"))
	}
	return common.Box(st, u.title, lines, w, min(len(lines)+2, maxH), true)
}

// ShortHelp implements common.Dialog.
func (u *Upload) ShortHelp() []key.Binding {
	return []key.Binding{common.WithHelp(u.c.Keys.Cancel, "annuler l'envoi")}
}

// FullHelp implements common.Dialog.
func (u *Upload) FullHelp() [][]key.Binding { return [][]key.Binding{u.ShortHelp()} }

// uploadRefusal is the status line after an upload that failed.
func uploadRefusal(m uploadDoneMsg) (string, common.StatusKind) {
	name := common.Clean(m.name)
	switch {
	case m.openErr:
		return "Impossible d'ouvrir le fichier « " + name + " ».", common.StatusErr
	case errors.Is(m.err, context.Canceled):
		return "Envoi de « " + name + " » annulé : rien n'a été conservé.", common.StatusInfo
	}
	return "« " + name + " » refusé : " + backend.Message(m.err), common.StatusErr
}
