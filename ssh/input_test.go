package ssh

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
)

// chunks is a client's input arriving in reads of the sizes next says.
type chunks struct {
	b    []byte
	next func() int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, c.b[:min(c.next(), len(c.b))])
	c.b = c.b[n:]
	return n, nil
}

// feed is one way of cutting a client's input into reads, and the console's
// reads into buffers.
type feed struct {
	name string
	next func(r *rand.Rand) int // size of the client's next read
	buf  func(r *rand.Rand) int // size of the console's next buffer, 0 for the whole input
}

var feeds = []feed{
	{"whole", func(*rand.Rand) int { return 1 << 30 }, func(*rand.Rand) int { return 0 }},
	{"bytes", func(*rand.Rand) int { return 1 }, func(*rand.Rand) int { return 4096 }},
	{"random", func(r *rand.Rand) int { return 1 + r.IntN(64) }, func(*rand.Rand) int { return 4096 }},
	{"small buffers", func(r *rand.Rand) int { return 1 + r.IntN(16) }, func(r *rand.Rand) int { return 1 + r.IntN(8) }},
}

// guarded is what the console reads of in, fed through a new guard.
func guarded(t testing.TB, in []byte, f feed) ([]byte, *inputGuard) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(len(in)), 7))
	g := newInputGuard(&chunks{b: in, next: func() int { return f.next(r) }})
	p := make([]byte, max(len(in)+1, 4096))
	var out []byte
	for {
		size := f.buf(r)
		if size == 0 {
			size = len(p)
		}
		n, err := g.Read(p[:size])
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, g
		}
		if err != nil || n == 0 {
			t.Fatalf("%s: Read = %d, %v", f.name, n, err)
		}
	}
}

// decode is what ultraviolet's decoder, as Bubble Tea runs it, makes of in.
func decode(t testing.TB, in []byte) []uv.Event {
	t.Helper()
	tr := uv.NewTerminalReader(struct{ io.Reader }{bytes.NewReader(in)}, "xterm-256color")
	evc := make(chan uv.Event)
	done := make(chan []uv.Event)
	go func() {
		var evs []uv.Event
		for ev := range evc {
			evs = append(evs, ev)
		}
		done <- evs
	}()
	if err := tr.StreamEvents(context.Background(), evc); err != nil {
		t.Fatal(err)
	}
	close(evc)
	return <-done
}

// win32 spells s in win32-input-mode key events, which ultraviolet decodes
// back into s before anything else.
func win32(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "\x1b[0;0;%d;1;0;1_", r)
	}
	return b.String()
}

func TestInputGuardFilter(t *testing.T) {
	const (
		start = "\x1b[200~"
		end   = "\x1b[201~"
	)
	rep := strings.Repeat
	tests := []struct {
		name   string
		in     string
		want   string // "" for the input unchanged
		inMode mode   // where the guard ends
	}{
		// Input that goes through untouched.
		{name: "text", in: "héllo wörld, ŝ, Ærø, 日本語, 🎉 👩‍💻 🇫🇷\r\tß\x7f"},
		{name: "ŝ is not an OSC", in: rep("ŝ", 5000) + "\a" + rep("Ÿ", 5000) + "\x1b\\"},
		{name: "keys", in: "\x1b[A\x1bOB\x1b[1;5C\x1b[3~\x1b[97;5u\x1b[I\x1ba\x1b\x1b\x1b[Z\x00\x03"},
		{name: "SGR mouse", in: "\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<64;200;80M"},
		{name: "paste", in: start + "hello\r\nwörld\t🎉" + end + "x"},
		{name: "8-bit paste", in: "\x9b200~hello\x9b201~x"},
		{name: "terminal replies", in: "\x1b]11;rgb:0000/0000/0000\x1b\\\x1b]10;rgb:ffff/ffff/ffff\a" +
			"\x1bP1+r5463=31\x1b\\\x1bP>|kitty(0.31)\x1b\\\x1b[?62;22c\x1b_Gi=1;OK\x1b\\"},

		// The parameter rule.
		{name: "CSI params", in: "\x1b[" + rep("1;", 30) + "m", want: "\x1b[" + rep("1;", 24) + "1m"},
		{name: "8-bit CSI params", in: "\x9b" + rep(";", 40) + "H", want: "\x9b" + rep(";", 24) + "H"},
		{name: "DCS params", in: "\x1bP" + rep("1;", 30) + "q\x1b\\", want: "\x1bP" + rep("1;", 24) + "1q\x1b\\"},
		{name: "Û counts as CSI", in: "Û" + rep(";", 30), want: "Û" + rep(";", 24)},
		{name: "win32 input", in: win32(start) + "x", want: strings.ReplaceAll(win32(start), "_", "z") + "x"},

		// Bracketed paste.
		{
			name: "endless paste",
			in:   start + rep("x", 1<<20) + end + "typed",
			want: start + rep("x", maxPaste) + end + "typed",
		},
		{
			name: "escapes past the cap",
			in:   start + rep("x", maxPaste+10) + "\x1b[2\x1b[20\x1b[200~\x1b" + rep("9", 1<<16) + "\x1b[" + rep("1", 1<<16) + end + "ok",
			want: start + rep("x", maxPaste) + end + "ok",
		},
		{
			name: "escapes in a paste",
			in:   start + "a\x1b]0;b\x1bPqc\x1b[Md\x9de\x9b201~f" + end + "ok",
			want: start + "a]0;bPqcMde\x9b201~f" + end + "ok",
		},
		{
			name: "characters at the cap",
			in:   start + rep("x", maxPaste-1) + "é" + end,
			want: start + rep("x", maxPaste-1) + end,
		},
		{name: "8-bit end after a character", in: start + "é\x9b201~x", want: start + "é201~x", inMode: paste},
		{name: "unended paste", in: start + rep("y", 1<<17), want: start + rep("y", maxPaste), inMode: paste},
		{name: "paste start, leading zeros", in: "\x1b[0200~" + rep("y", 1<<17), want: "\x1b[0200~" + rep("y", maxPaste), inMode: paste},
		{name: "paste start, modulo 2³¹", in: "\x1b[2147483848;3~", inMode: paste},
		{name: "paste start, more params", in: "\x1b[200:1;2~", inMode: paste},
		{name: "not a paste start", in: "\x1b[?200~\x1b[200$~\x1b[2000~\x1b[20;0~"},
		{name: "paste start after a dropped byte", in: "\x1b\xff[200~", want: start, inMode: paste},

		// Strings.
		{
			name: "endless OSC",
			in:   "\x1b]0;" + rep("a", 10<<20) + "\a" + "after",
			want: "\x1b]0;" + rep("a", maxString-2) + "\a" + "after",
		},
		{
			name: "endless 8-bit OSC",
			in:   "\x9d" + rep("a", 1<<20) + "\x9c" + "after",
			want: "\x9d" + rep("a", maxString) + "\x9c" + "after",
		},
		{
			name: "BEL does not end an APC",
			in:   "\x1b_" + rep("a", 10) + "\a" + rep("b", 1<<16) + "\x1b\\after",
			want: "\x1b_" + rep("a", 10) + "\a" + rep("b", maxString-11) + "\x1b\\after",
		},
		{
			name: "CAN does not end a DCS",
			in:   "\x1bP1$r" + rep("a", 10) + "\x18" + rep("b", 1<<16) + "\x9cafter",
			want: "\x1bP1$r" + rep("a", 10) + "\x18" + rep("b", maxString-13) + "\x9cafter",
		},
		{name: "PM and SOS", in: "\x1b^" + rep("p", 1<<16) + "\x18\x1bX" + rep("s", 1<<16) + "\x1a.",
			want: "\x1b^" + rep("p", maxString) + "\x18\x1bX" + rep("s", maxString) + "\x1a."},
		{name: "endless DCS header", in: "\x1bP" + rep("1", 1<<16), want: "\x1bP" + rep("1", maxString), inMode: dcsHead},
		{name: "endless CSI", in: "\x1b[" + rep("1", 1<<16) + "A", want: "\x1b[" + rep("1", maxString) + "A"},
		{name: "unended OSC", in: "\x1b]52;c;" + rep("QUFB", 1<<14), want: "\x1b]52;c;" + rep("QUFB", 1<<14)[:maxString-5], inMode: str},
		{name: "C1 in a string", in: "\x1b]0;a\x9bb\x90c\x9dd\x9c.", want: "\x1b]0;abcd\x9c."},

		// What keeps the decoder where the guard believes it is.
		{name: "malformed UTF-8", in: "a\xffb\xc3(c\xe2\xa2x\xed\xa0\xbfy\xf0\xa0\xa0z\xa0\xbf\xc0\xc1\xf8", want: "ab(cxyz"},
		{name: "half ŝ is not an OSC", in: "\xe2\x9dx" + rep("a", 5000), want: "x" + rep("a", 5000)},
		{name: "C1 after a character", in: "\u0600\x9d" + rep("a", 5000), want: "\u0600" + rep("a", 5000)},
		{name: "X10 mouse", in: "\x1b[M !!\x1b[1;2M\x9bMabc", want: "\x1b[z !!\x1b[1;2z\x9bzabc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			if want == "" {
				want = tt.in
			}
			// Whole, a byte at a time, in random reads and into small
			// buffers: sequences arrive split, paste ends past the cap too.
			for _, f := range feeds {
				if len(tt.in) > 2<<20 && f.name != "whole" && f.name != "random" {
					continue // seconds a byte at a time under -race; smaller cases cover those feeds
				}
				out, g := guarded(t, []byte(tt.in), f)
				if string(out) != want {
					t.Errorf("%s: got %s", f.name, diff(out, want))
				}
				if g.mode != tt.inMode {
					t.Errorf("%s: ends in mode %d, want %d", f.name, g.mode, tt.inMode)
				}
			}
		})
	}
}

// diff shows where got first differs from want, briefly.
func diff(got []byte, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	cut := func(s string) string {
		if len(s) > 40 {
			return s[:40] + "…"
		}
		return s
	}
	return fmt.Sprintf("%d bytes, want %d; from byte %d got %q, want %q", len(got), len(want), i, cut(string(got[i:])), cut(want[i:]))
}

// TestInputGuardDecoder feeds what the guard lets through of hostile input to
// the real decoder: no paste grows past maxPaste, and typing afterwards
// arrives as typing, not as more paste.
func TestInputGuardDecoder(t *testing.T) {
	rep := strings.Repeat
	tests := map[string]string{
		"endless paste":     "\x1b[200~" + rep("x", 1<<20),
		"OSC in a paste":    "\x1b[200~a\x1b]0;b\x1b[201~" + rep("x", 1<<17),
		"DCS in a paste":    "\x1b[200~a\x1bPqb\x1b[201~" + rep("x", 1<<17),
		"X10 in a paste":    "\x1b[200~a\x1b[M\x1b[201~" + rep("x", 1<<17),
		"win32 paste start": win32("\x1b[200~") + rep("x", 1<<17),
		"8-bit end eaten":   "\x1b[200~\u0600\x9b201~" + rep("x", 1<<17),
		"endless OSC":       "\x1b]0;" + rep("a", 1<<20) + "\a",
		"endless APC":       "\x1b_" + rep("a", 1<<20) + "\x1b\\",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			out, _ := guarded(t, []byte(in+"\x1b[201~ok"), feeds[2])
			var typed strings.Builder
			for _, ev := range decode(t, out) {
				switch ev := ev.(type) {
				case uv.PasteEvent:
					if len(ev.Content) > maxPaste {
						t.Errorf("paste of %d bytes", len(ev.Content))
					}
				case uv.KeyPressEvent:
					typed.WriteString(ev.Text)
				}
			}
			if !strings.HasSuffix(typed.String(), "ok") {
				t.Errorf("typing after it is lost: %q", typed.String())
			}
		})
	}
}

func TestInputGuardRead(t *testing.T) {
	// Dropped bytes: Read waits for more rather than returning 0, nil.
	g := newInputGuard(io.MultiReader(strings.NewReader("\xff\xff"), strings.NewReader("a")))
	p := make([]byte, 8)
	if n, err := g.Read(p); n != 1 || err != nil || p[0] != 'a' {
		t.Fatalf("Read = %d, %v, %q", n, err, p[:n])
	}
	select {
	case <-g.ended:
		t.Fatal("ended before the end")
	default:
	}
	if n, err := g.Read(p); n != 0 || err != io.EOF {
		t.Fatalf("Read = %d, %v, want EOF", n, err)
	}
	<-g.ended
	if g.idle() > time.Minute {
		t.Fatal("idle since before the last input")
	}
}

func FuzzInputGuard(f *testing.F) {
	for _, s := range []string{
		"héllo ŝ 🎉", "\x1b[A\x1b[<0;10;5M", "\x1b[200~hello\x1b[201~ok", "\x9b200~a\x9b201~",
		"\x1b[200~a\x1b]0;b\x1b[201~c", "\x1b]0;title\a", "\x1bPq\x1b\\", "\x1b_G\x1b\\",
		"\x1b[M !!", "\x1b\xff[200~x", "\u0600\x9b200~x", win32("\x1b[200~"), "\x1b[" + strings.Repeat("1;", 40) + "m",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, g := guarded(t, in, feeds[0])
		if len(out) > len(in) {
			t.Fatalf("%d bytes out of %d", len(out), len(in))
		}
		for _, f := range feeds[1:] {
			if o, _ := guarded(t, in, f); !bytes.Equal(o, out) {
				t.Fatalf("%s: %q, whole: %q", f.name, o, out)
			}
		}
		// The guard's own output goes through it untouched: had it lost track
		// of the decoder, what it let through would read differently.
		if again, _ := guarded(t, out, feeds[0]); !bytes.Equal(again, out) {
			t.Fatalf("filtered twice: %q, once: %q", again, out)
		}
		pasting := false
		for _, ev := range decode(t, out) {
			switch ev := ev.(type) {
			case uv.PasteStartEvent:
				pasting = true
			case uv.PasteEndEvent:
				pasting = false
			case uv.PasteEvent:
				if len(ev.Content) > maxPaste {
					t.Fatalf("paste of %d bytes", len(ev.Content))
				}
			}
		}
		if pasting && g.mode != paste {
			t.Fatalf("the decoder is left in a paste the guard does not know of (mode %d)", g.mode)
		}
	})
}

// benchInput is 1 MiB of what a console is typed: text, accents, emoji, keys,
// mouse reports and a small paste.
func benchInput() []byte {
	var b bytes.Buffer
	for b.Len() < 1<<20 {
		b.WriteString("Sauvegarde de la base « Élèves » terminée à 14 h 32. 🎉 ")
		b.WriteString("\x1b[A\x1b[B\x1b[<0;10;5M\x1b[<0;10;5m\r")
		b.WriteString("\x1b[200~ŝ copied text, naïve café\x1b[201~\x1b[97;5u\x7f\t")
	}
	return b.Bytes()[:1<<20]
}

func benchRead(b *testing.B, wrap func(io.Reader) io.Reader) {
	data := benchInput()
	buf := make([]byte, 4096) // ultraviolet's read size
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		// Plain Reader and Writer, so that io.CopyBuffer copies through buf.
		r := wrap(struct{ io.Reader }{bytes.NewReader(data)})
		if _, err := io.CopyBuffer(struct{ io.Writer }{io.Discard}, r, buf); err != nil {
			b.Fatal(err)
		}
	}
}

// It measures the filter: the pauses Read makes on purpose every 64 KiB of
// unbroken input (see breathe) are left out.
func BenchmarkInputGuard(b *testing.B) {
	benchRead(b, func(r io.Reader) io.Reader { return filterOnly{newInputGuard(r)} })
}

// filterOnly reads through the guard's filter without its pauses.
type filterOnly struct{ g *inputGuard }

func (f filterOnly) Read(p []byte) (int, error) { return f.g.read(p) }

// BenchmarkInputCopy is the same copy without the guard, to read the other as
// a ratio.
func BenchmarkInputCopy(b *testing.B) {
	benchRead(b, func(r io.Reader) io.Reader { return r })
}

// endless is a client that sends prefix, then x without ever pausing, until
// stop is closed.
type endless struct {
	prefix []byte
	stop   chan struct{}
}

func (e *endless) Read(p []byte) (int, error) {
	select {
	case <-e.stop:
		return 0, io.EOF
	default:
	}
	if len(e.prefix) > 0 {
		n := copy(p, e.prefix)
		e.prefix = e.prefix[n:]
		return n, nil
	}
	n := min(len(p), 4096)
	for i := range n {
		p[i] = 'x'
	}
	return n, nil
}

// A client that stalls the decoder with a short sequence (Alt+a, an OSC
// without its command) and then never pauses gets its keys decoded all the
// same: the guard pauses now and then for the decoder's timer, which would
// otherwise never fire while its buffer grows without end.
func TestInputGuardUnstallsTheDecoder(t *testing.T) {
	for name, prefix := range map[string]string{"alt+a": "\x1ba", "osc": "\x1b]1;\a"} {
		t.Run(name, func(t *testing.T) {
			src := &endless{prefix: []byte(prefix), stop: make(chan struct{})}
			defer close(src.stop)
			tr := uv.NewTerminalReader(newInputGuard(src), "xterm-256color")
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			evc := make(chan uv.Event, 1024)
			go tr.StreamEvents(ctx, evc) //nolint:errcheck
			const want = 256 << 10
			got := 0
			deadline := time.After(10 * time.Second)
			for got < want {
				select {
				case ev := <-evc:
					if k, ok := ev.(uv.KeyPressEvent); ok && k.Text == "x" {
						got++
					}
				case <-deadline:
					t.Fatalf("%d x decoded in 10 s from an endless stream, want %d", got, want)
				}
			}
		})
	}
}
