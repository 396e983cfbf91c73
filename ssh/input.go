package ssh

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// maxParams is how many parameters an escape sequence from a client may carry
// before the rest are dropped: x/ansi v0.11.9 panics, on a goroutine nothing
// recovers, on a CSI or DCS sequence with more than 32, which would end the
// whole server. Real keys and mouse reports use a handful.
const maxParams = 24

// inputGuard filters what a client types before the console decodes it,
// records when it last typed, for the idle timeout, and tells when its input
// ended (the client closed the channel, or sent EOF).
type inputGuard struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds of the last input

	ended   chan struct{}
	endOnce sync.Once

	state  int // 0 text, 1 after ESC, 2 inside CSI/DCS parameters
	params int
}

func newInputGuard(r io.Reader) *inputGuard {
	g := &inputGuard{r: r, ended: make(chan struct{})}
	g.last.Store(time.Now().UnixNano())
	return g
}

// idle is how long since the client last sent anything.
func (g *inputGuard) idle() time.Duration {
	return time.Since(time.Unix(0, g.last.Load()))
}

func (g *inputGuard) Read(p []byte) (int, error) {
	for {
		n, err := g.r.Read(p)
		if n > 0 {
			g.last.Store(time.Now().UnixNano())
			n = g.filter(p[:n])
			if n == 0 && err == nil {
				continue // everything dropped: read again rather than return 0, nil
			}
		}
		if err != nil {
			g.endOnce.Do(func() { close(g.ended) })
		}
		return n, err
	}
}

// filter drops, in place, the parameter bytes past maxParams of every CSI or
// DCS sequence, keeping the sequence well-formed; it keeps state across
// reads. It starts a sequence wherever x/ansi's decoder does: at ESC [ and
// ESC P, intermediates (ESC SP [) allowed, and at the 8-bit CSI and DCS 0x9b
// and 0x90, raw or UTF-8 encoded. An ESC or one of those bytes starts a new
// sequence in any state, as the decoder restarts there too.
func (g *inputGuard) filter(b []byte) int {
	out := b[:0]
	for _, c := range b {
		switch {
		case c == 0x1b:
			g.state = 1
		case c == 0x9b || c == 0x90:
			// A continuation byte of the same value (Û, Ð…) starts one as
			// well, which costs nothing but a 25th ';' typed right after.
			g.state, g.params = 2, 0
		case g.state == 1:
			switch {
			case c == '[' || c == 'P':
				g.state, g.params = 2, 0
			case c >= ' ' && c <= '/': // intermediate: still an escape
			default:
				g.state = 0
			}
		case g.state == 2:
			switch {
			case c == ';' || c == ':':
				g.params++
				if g.params > maxParams {
					continue
				}
			case c >= 0x30 && c <= 0x3f:
				if g.params > maxParams {
					continue
				}
			default: // intermediate or final byte, or anything else: the sequence ends
				g.state = 0
			}
		}
		out = append(out, c)
	}
	return len(out)
}
