package common

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// note is a dialog that keeps what is typed into it.
type note struct {
	name  string
	typed string
	init  bool
}

func (n *note) Init() tea.Cmd { n.init = true; return nil }
func (n *note) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		n.typed += k.Text
	}
	return nil
}
func (n *note) View(int, int) string      { return n.name + ":" + n.typed }
func (n *note) ShortHelp() []key.Binding  { return nil }
func (n *note) FullHelp() [][]key.Binding { return nil }

// Closing the dialog on top shows the one below as it was left; closing a
// dialog closes what was opened over it; a dialog closed already is left
// alone.
func TestDialogStack(t *testing.T) {
	t.Parallel()
	var c Context
	form, confirm, picker := &note{name: "form"}, &note{name: "confirm"}, &note{name: "picker"}
	c.Push(form)
	if !form.init {
		t.Error("Push did not start the dialog (Init)")
	}
	form.Update(tea.KeyPressMsg{Code: '2', Text: "2026"})
	c.Push(confirm)
	if c.Dialog() != confirm || len(c.Dialogs()) != 2 {
		t.Fatalf("top %v, %d open; want the confirmation over the form", c.Dialog(), len(c.Dialogs()))
	}
	c.Close(confirm)
	if c.Dialog() != form || form.typed != "2026" {
		t.Fatalf("after closing the confirmation: top %v, typed %q; want the form with 2026", c.Dialog(), form.typed)
	}
	c.Push(confirm)
	c.Close(form) // yes on a confirmation that also closes the form
	if c.Dialog() != nil {
		t.Fatalf("%d dialogs left after closing the bottom one", len(c.Dialogs()))
	}
	c.Close(confirm) // a late answer
	c.Push(picker)
	c.Replace(picker, confirm)
	if c.Dialog() != confirm || c.IsOpen(picker) || len(c.Dialogs()) != 1 {
		t.Errorf("Replace left %d dialogs, top %v", len(c.Dialogs()), c.Dialog())
	}
	if msg := Open(form)(); msg.(OpenDialogMsg).Dialog != form {
		t.Errorf("Open answers %v", msg)
	}
}

// Shutdown cancels the calls in flight and refuses new ones; Wait returns
// once every call has returned.
func TestWork(t *testing.T) {
	t.Parallel()
	var w Work
	ctx, cancel := context.WithCancel(context.Background())
	done, ok := w.Start(cancel)
	if !ok {
		t.Fatal("Start refused before Shutdown")
	}
	var returned atomic.Bool
	go func() {
		<-ctx.Done()
		returned.Store(true)
		done()
		done() // twice is harmless
	}()
	w.Shutdown()
	w.Wait()
	if !returned.Load() {
		t.Error("Wait returned before the call")
	}
	ctx2, cancel2 := context.WithCancel(context.Background())
	if _, ok := w.Start(cancel2); ok {
		t.Error("Start accepted a call after Shutdown")
	}
	select {
	case <-ctx2.Done():
	case <-time.After(time.Second):
		t.Error("a call refused after Shutdown was not cancelled")
	}
}
