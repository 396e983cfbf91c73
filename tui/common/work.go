package common

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
)

// Work is what a console still has running against the back end outside
// the commands Bubble Tea waits for: an upload, whose goroutine outlives
// the command that started it. Quitting cancels it and waits for the
// back-end call to return, so that the program never ends (and the back
// end is never closed) under a call that would leave a stored file nobody
// references. It is safe for concurrent use: commands start and end calls,
// Update shuts it down.
type Work struct {
	mu      sync.Mutex
	wg      sync.WaitGroup
	cancels map[int]context.CancelFunc
	next    int
	closed  bool
}

// Start records a call that stops when cancel is called, and returns the
// function to call once it has returned. ok is false when the console is
// shutting down: cancel has then been called and the call must not start.
func (w *Work) Start(cancel context.CancelFunc) (done func(), ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		cancel()
		return func() {}, false
	}
	if w.cancels == nil {
		w.cancels = map[int]context.CancelFunc{}
	}
	w.next++
	id := w.next
	w.cancels[id] = cancel
	w.wg.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			w.mu.Lock()
			delete(w.cancels, id)
			w.mu.Unlock()
			w.wg.Done()
		})
	}, true
}

// Shutdown cancels every call in flight and refuses new ones. It does not
// wait: Wait does, in a command or after the program has ended.
func (w *Work) Shutdown() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, cancel := range w.cancels {
		cancel()
	}
}

// Wait returns once every call started has returned.
func (w *Work) Wait() { w.wg.Wait() }

// After waits d, then answers msg: a tab's periodic reload. The wait is
// registered with w, so that a console that ends (q, or an SSH client
// gone) cancels it at once, where a bare tea.Tick would keep its goroutine
// for up to d after the session; it then answers nil.
func (w *Work) After(d time.Duration, msg tea.Msg) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		done, ok := w.Start(cancel)
		if !ok {
			return nil
		}
		defer done()
		<-ctx.Done()
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil // the console is closing
		}
		return msg
	}
}
