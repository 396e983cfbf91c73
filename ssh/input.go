package ssh

import (
	"bytes"
	"io"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
)

// maxParams is how many parameters an escape sequence from a client may carry
// before the rest are dropped: x/ansi v0.11.9 panics, on a goroutine nothing
// recovers, on a CSI or DCS sequence with more than 32, which would end the
// whole server. Real keys and mouse reports use a handful.
const maxParams = 24

// maxPaste is how much of one bracketed paste reaches the console: the
// decoder keeps a paste whole in memory until its end sequence, so a client
// that starts one and never ends it would grow the server without bound.
// 64 KiB is far more than anything pasted into a form.
const maxPaste = 64 << 10

// maxString is how much of one OSC, DCS, APC, PM or SOS string, or of one CSI's
// parameters, reaches the console: until the sequence ends the decoder keeps
// all of it and scans it again on every read, memory in its length and time
// in its square. Terminal replies (colours, clipboard, capabilities) fit in far
// less.
const maxString = 4 << 10

// inert replaces the final byte of a sequence the decoder must not act on:
// CSI z and DCS z mean nothing to it.
const inert = 'z'

// The two forms of a bracketed paste's end, the only escapes that go through
// inside a paste.
const (
	pasteEnd  = "\x1b[201~"
	pasteEnd8 = "\x9b201~"
)

// mode is where ultraviolet's decoder stands in what the guard passed on.
type mode uint8

const (
	ground  mode = iota // between events: text, keys, controls
	escape              // after ESC
	control             // in a CSI's parameters and intermediates
	dcsHead             // in a DCS's parameters and intermediates, before its data
	str                 // in an OSC, DCS, APC, PM or SOS string
	paste               // in a bracketed paste
)

// Flags on a CSI or DCS being read.
const (
	prefix = 1 << iota // its first byte is one of < = > ?
	inter              // it has an intermediate byte
	sep                // its first parameter has ended
)

// inputGuard filters what a client types before the console decodes it,
// records when it last typed, for the idle timeout, and tells when its input
// ended (the client closed the channel, or sent EOF).
//
// The filter is one pass, constant work per byte, its state kept across
// reads, and follows the two decoders behind it. Ultraviolet's, which makes
// the console's events, keeps what a client controls: a bracketed paste
// until its end, and an unfinished sequence, scanned again on every read.
// The guard tracks its mode (text, after ESC, a CSI or DCS header, a string,
// a paste), moved only by the bytes it passes on, since those are all the
// decoder sees, and caps what goes on in each (maxString, maxPaste);
// terminators and a paste's end always go through. It also removes what
// would make the decoder read the stream otherwise than the guard does,
// whatever the size and timing of reads (see step). x/ansi's decoder, which
// ultraviolet runs over its buffer first, is followed for the parameter rule
// (see pass).
type inputGuard struct {
	r    io.Reader
	last atomic.Int64 // unix nanoseconds of the last input

	ended   chan struct{}
	endOnce sync.Once

	// Ultraviolet's decoder.
	mode   mode
	kind   byte  // the string's introducer as a C1 byte: 0x9d OSC, 0x90 DCS…
	size   int   // bytes passed on of this string, CSI's parameters or paste
	first  int   // the CSI's first parameter, modulo 2³¹ as the decoder keeps it
	flags  uint8 // prefix, inter, sep
	wide   bool  // the last byte passed on ended a multi-byte character
	need   int   // continuation bytes the held character still needs
	lo, hi byte  // the range its next one must fall in

	// Bytes held back: a character's first bytes, or a paste end's.
	hold  [8]byte
	nhold int

	// A Read too small for what is held goes through spare; the rest of it
	// waits in ready, and err behind it.
	spare [16]byte
	ready []byte
	err   error

	// x/ansi's decoder.
	state  int // 0 text, 1 after ESC, 2 inside CSI/DCS parameters
	params int

	// burst is how many bytes went out since the client last paused,
	// lastOut when the last ones did (see breathe).
	burst   int
	lastOut time.Time
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

// The decoder stalls behind some short sequences: with Alt+key (ESC a) or
// an event it does not know at the start of its buffer, it waits for more
// input, even when more is there, until EscTimeout (50 ms) passes without
// any; meanwhile it keeps everything that arrives and scans it all again at
// every read. What follows is ordinary text, which no cap can tell from
// typing, so a client that never pauses would grow that buffer without end,
// at a cost that grows with its square. Read therefore pauses twice that
// timeout after every breatheEvery bytes a client sends without a pause of
// its own: the decoder's timer fires and it empties its buffer. Nobody types
// that fast; a paste (64 KiB at most reaches a field) waits 0.1 s at most.
const (
	breatheEvery = 64 << 10
	breathe      = 2 * uv.DefaultEscTimeout
)

func (g *inputGuard) Read(p []byte) (int, error) {
	if g.burst >= breatheEvery {
		time.Sleep(breathe)
		g.burst = 0
	}
	n, err := g.read(p)
	if n > 0 {
		now := time.Now()
		if now.Sub(g.lastOut) >= breathe {
			g.burst = 0 // the client paused on its own
		}
		g.burst += n
		g.lastOut = now
	}
	return n, err
}

func (g *inputGuard) read(p []byte) (int, error) {
	if len(g.ready) > 0 || g.err != nil {
		n := copy(p, g.ready)
		g.ready = g.ready[n:]
		if len(g.ready) > 0 {
			return n, nil
		}
		err := g.err
		g.err = nil
		return n, err
	}
	for {
		// Held bytes go out ahead of the new ones: leave them room, in a
		// buffer of our own if p has none.
		h, buf := g.nhold, p
		spare := h > 0 && len(p) <= h
		if spare {
			buf = g.spare[:]
		}
		n, err := g.r.Read(buf[h:])
		if n > 0 {
			g.last.Store(time.Now().UnixNano())
			if n = g.filter(buf[:h+n], h); n == 0 && err == nil {
				continue // everything dropped or held: read again rather than return 0, nil
			}
		}
		if err != nil {
			g.nhold, g.need = 0, 0 // half a character or end sequence means nothing at the end
			g.endOnce.Do(func() { close(g.ended) })
		}
		if spare {
			k := copy(p, buf[:n])
			if g.ready = buf[k:n]; len(g.ready) > 0 {
				g.err = err
				return k, nil
			}
			n = k
		}
		return n, err
	}
}

// filter filters in place the new bytes b[h:], the first h bytes of b being
// room for those held back, and returns how many bytes of b go on. What it
// writes never overtakes what it reads: it writes only bytes it has read, now
// or when it held them.
func (g *inputGuard) filter(b []byte, h int) int {
	w, i := 0, h
	for i < len(b) {
		if (g.mode == ground || g.mode == paste) && g.nhold == 0 && g.state == 0 {
			// Plain text, the common case, goes on as it is, in a paste
			// as far as it fits.
			end := len(b)
			if g.mode == paste {
				end = min(end, i+maxPaste-g.size)
			}
			if j, wide := textRun(b[:end], i); j > i {
				if g.mode == paste {
					g.size += j - i
				}
				if w != i {
					copy(b[w:], b[i:j])
				}
				w, i, g.wide = w+j-i, j, wide
				continue
			}
		}
		w = g.step(b, w, b[i])
		i++
	}
	return w
}

// textRun returns the end of the run of printable ASCII and whole UTF-8
// characters at b[i:], and whether it ends with a multi-byte character. It
// stops at a character with a 0x90 or 0x9b byte, which the parameter rule
// must see.
func textRun(b []byte, i int) (int, bool) {
	wide := false
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < 0x7f {
			i++
			wide = false
			continue
		}
		if c < 0xc2 || c > 0xf4 {
			break
		}
		_, n := utf8.DecodeRune(b[i:])
		if n == 1 || bytes.IndexByte(b[i+1:i+n], 0x90) >= 0 || bytes.IndexByte(b[i+1:i+n], 0x9b) >= 0 {
			break
		}
		i += n
		wide = true
	}
	return i, wide
}

// step filters one byte, writing at b[w] what goes on, and returns the new w.
// Besides the caps, so that the decoder reads the stream as the guard does,
// it
//   - holds back a multi-byte UTF-8 character until whole and drops malformed
//     UTF-8, so that C1 bytes (0x80–0x9f) start sequences where the decoder
//     starts them: at a character boundary, not inside "ŝ" (C5 9D);
//   - drops a C1 byte right after a multi-byte character, which the decoder
//     may take as part of it (after a prepended mark such as U+0600), and
//     any C1 byte inside a string, where it starts nothing unless the
//     decoder has left the string (it does on a lone ESC after a pause);
//   - inside a paste, passes text only and holds back what may be its end
//     until whole: the decoder decodes escapes inside a paste, and a string
//     or an X10 mouse report there swallows the end, leaving it pasting for
//     ever; the 8-bit end counts only after ASCII, as a prepended mark would
//     swallow it too;
//   - changes the final byte of an X10 mouse report (CSI M; this console asks
//     for the SGR form, CSI < … M), after which the decoder takes the next
//     three bytes raw, or fewer if fewer have come.
func (g *inputGuard) step(b []byte, w int, c byte) int {
	if g.need > 0 { // inside a held character
		if c >= g.lo && c <= g.hi {
			g.hold[g.nhold] = c
			g.nhold++
			g.lo, g.hi = 0x80, 0xbf
			if g.need--; g.need == 0 {
				w = g.char(b, w)
			}
			return w
		}
		g.need, g.nhold = 0, 0 // malformed: dropped, the decoder would only report it unknown
	} else if g.nhold > 0 { // inside what may be a paste's end
		end := pasteEnd
		if g.hold[0] == 0x9b {
			end = pasteEnd8
		}
		if c == end[g.nhold] {
			g.hold[g.nhold] = c
			if g.nhold++; g.nhold == len(end) {
				w = g.flush(b, w)
				g.mode = ground
			}
			return w
		}
		g.nhold = 0 // something else: dropped, as any escape inside a paste
	}

	if g.mode != str { // strings are read byte by byte, characters elsewhere
		switch {
		case c >= 0xa0 && c < 0xc2 || c > 0xf4:
			return w // a stray continuation byte, or one UTF-8 never uses
		case c >= 0xc2:
			g.hold[0], g.nhold = c, 1
			g.need, g.lo, g.hi = utf8Start(c)
			return w
		}
	}

	switch g.mode {
	case ground:
		switch {
		case c == 0x1b:
			g.mode = escape
		case c >= 0x80: // C1
			if g.wide {
				return w
			}
			g.open(c)
		}
	case escape:
		switch c {
		case '[':
			g.open(0x9b)
		case 'P':
			g.open(0x90)
		case ']':
			g.open(0x9d)
		case '_':
			g.open(0x9f)
		case '^':
			g.open(0x9e)
		case 'X':
			g.open(0x98)
		case 0x1b: // still after ESC
		default: // an Alt key, or a C1 byte the decoder reads on its own
			g.mode = ground
			return g.step(b, w, c)
		}
	case control, dcsHead:
		switch {
		case c >= 0x20 && c <= 0x2f, c >= 0x30 && c <= 0x3f && g.flags&inter == 0:
			if g.size >= maxString {
				return w
			}
			g.size++
			switch {
			case c < 0x30:
				g.flags |= inter
			case g.size == 1 && c >= '<':
				g.flags |= prefix
			case c == ';' || c == ':':
				g.flags |= sep
			case c <= '9' && g.flags&sep == 0:
				g.first = (g.first*10 + int(c-'0')) & 0x7fffffff
			}
		case c >= 0x40 && c <= 0x7e: // final byte
			if g.mode == dcsHead {
				g.mode = str
				break
			}
			g.mode = ground
			if g.flags&(prefix|inter) == 0 {
				switch {
				case c == '~' && g.first == 200:
					g.mode, g.size = paste, 0
				case c == 'M':
					c = inert
				}
			}
		default: // the decoder ends the sequence before this byte
			g.mode = ground
			return g.step(b, w, c)
		}
	case str:
		switch {
		case c == 0x1b:
			g.mode = escape // ESC \ or not, the string ends
		case c == 0x9c,
			c == 0x07 && g.kind == 0x9d,
			(c == 0x18 || c == 0x1a) && g.kind != 0x90:
			g.mode = ground
		case c >= 0x80 && c <= 0x9f:
			return w
		default:
			if g.size >= maxString {
				return w
			}
			g.size++
		}
	case paste:
		switch {
		case c == 0x1b, c == 0x9b && !g.wide:
			g.hold[0], g.nhold = c, 1
			return w
		case c >= 0x80: // C1
			return w
		}
		if g.size >= maxPaste {
			return w
		}
		g.size++
	}
	return g.put(b, w, c)
}

// open notes the start of what the C1 byte c, or its ESC form, introduces.
func (g *inputGuard) open(c byte) {
	g.size, g.first, g.flags = 0, 0, 0
	switch c {
	case 0x9b:
		g.mode = control
	case 0x90:
		g.mode, g.kind = dcsHead, c
	case 0x9d, 0x9f, 0x9e, 0x98:
		g.mode, g.kind = str, c
	}
}

// char passes on the whole character held: in a paste if it fits, elsewhere
// as an event of its own, which also ends an ESC or a sequence's header.
func (g *inputGuard) char(b []byte, w int) int {
	if g.mode == paste {
		if g.size+g.nhold > maxPaste {
			g.nhold = 0
			return w
		}
		g.size += g.nhold
	} else {
		g.mode = ground
	}
	w = g.flush(b, w)
	g.wide = true
	return w
}

// flush passes on the bytes held.
func (g *inputGuard) flush(b []byte, w int) int {
	for _, c := range g.hold[:g.nhold] {
		w = g.put(b, w, c)
	}
	g.nhold = 0
	return w
}

// put writes c at b[w] unless the parameter rule drops it, and returns the
// new w.
func (g *inputGuard) put(b []byte, w int, c byte) int {
	g.wide = false
	if c, ok := g.pass(c); ok {
		b[w] = c
		w++
	}
	return w
}

// pass applies x/ansi's rules to a byte on its way out: it drops the
// parameter bytes past maxParams of every CSI or DCS sequence, keeping the
// sequence well-formed, and changes a final '_', since ultraviolet decodes
// win32-input-mode sequences (which this console never asks for) into any
// bytes, a paste start included. It starts a sequence wherever x/ansi's
// decoder does: at ESC [ and ESC P, intermediates (ESC SP [) allowed, and at
// the 8-bit CSI and DCS 0x9b and 0x90, raw or UTF-8 encoded. An ESC or one of
// those bytes starts a new sequence in any state, as the decoder restarts
// there too; inside a character that costs "Û_" its underscore.
func (g *inputGuard) pass(c byte) (byte, bool) {
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
				return c, false
			}
		case c >= 0x30 && c <= 0x3f:
			if g.params > maxParams {
				return c, false
			}
		default: // intermediate or final byte, or anything else: the sequence ends
			g.state = 0
			if c == '_' {
				c = inert // win32-input-mode: would be decoded into any bytes
			}
		}
	}
	return c, true
}

// utf8Start says, for the first byte c of a multi-byte character, how many
// continuation bytes follow and the range of the next, as utf8.DecodeRune
// accepts them (no overlong forms, surrogates, or runes past U+10FFFF). The
// guard works byte by byte, across reads, and must tell at each byte whether
// the character is still well formed; unicode/utf8 only says so of a whole
// rune, so its table is written out here.
func utf8Start(c byte) (need int, lo, hi byte) {
	switch {
	case c < 0xe0:
		return 1, 0x80, 0xbf
	case c == 0xe0:
		return 2, 0xa0, 0xbf
	case c == 0xed:
		return 2, 0x80, 0x9f
	case c < 0xf0:
		return 2, 0x80, 0xbf
	case c == 0xf0:
		return 3, 0x90, 0xbf
	case c == 0xf4:
		return 3, 0x80, 0x8f
	}
	return 3, 0x80, 0xbf
}
