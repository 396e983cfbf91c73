package ssh

import (
	"io"
	"sync/atomic"
	"time"
)

// maxParams is how many parameters an escape sequence from a client may carry
// before the rest are dropped: x/ansi v0.11.9 panics, on a goroutine nothing
// recovers, on a CSI or DCS sequence with more than 32, which would end the
// whole server. Real keys and mouse reports use a handful.
const maxParams = 24

// inputGuard filters what a client types before the console decodes it, and
// records when it last typed, for the idle timeout.
type inputGuard struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds of the last input

	state  int // 0 text, 1 after ESC, 2 inside CSI/DCS parameters
	params int
	c2     bool // previous byte was 0xC2 (C1 controls are U+0080..U+009F)
}

func newInputGuard(r io.Reader) *inputGuard {
	g := &inputGuard{r: r}
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
		return n, err
	}
}

// filter drops, in place, the parameter bytes past maxParams of every CSI or
// DCS sequence (ESC [, ESC P, and their C1 forms), keeping the sequence
// well-formed; it keeps state across reads.
func (g *inputGuard) filter(b []byte) int {
	out := b[:0]
	for _, c := range b {
		switch g.state {
		case 0:
			switch {
			case c == 0x1b:
				g.state = 1
			case g.c2 && (c == 0x9b || c == 0x90):
				g.state, g.params = 2, 0
			}
			g.c2 = c == 0xc2
			out = append(out, c)
		case 1:
			if c == '[' || c == 'P' {
				g.state, g.params = 2, 0
			} else {
				g.state = 0
			}
			out = append(out, c)
		case 2:
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
				if c == 0x1b {
					g.state = 1
				}
			}
			out = append(out, c)
		}
	}
	return len(out)
}
