package ssh_test

// Benchmarks of the SSH console over loopback, client and server in the same
// process (so memory figures include the client side of each connection).

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	hssh "github.com/hebergement/console/ssh"
)

// benchConfig lifts the limits a benchmark would hit from one address.
func benchConfig() hssh.Config {
	return hssh.Config{
		MaxUnauthenticated: 10000, MaxUnauthenticatedPerAddr: 10000, MaxEnrolling: 10000, MaxEnrollingPerAddr: 10000,
		MaxSessionsPerKey: 10000, ConnRate: 1 << 30, ConnBurst: 1 << 30,
	}
}

// BenchmarkConnectToFirstScreen: TCP connect, handshake, authentication, PTY,
// shell, until the console's header is on screen, for an enrolled key.
func BenchmarkConnectToFirstScreen(b *testing.B) {
	e := newEnv(b, benchConfig())
	est, key := e.enrolledKey("Lycée du Parc")
	b.ResetTimer()
	for range b.N {
		c, err := e.dial(est.HostingNumber, key)
		if err != nil {
			b.Fatal(err)
		}
		t := openTermOn(b, c, 80, 24)
		t.waitText(est.Name, "Autres bases", "Serveur")
		b.StopTimer()
		t.sess.Close()
		c.Close()
		b.StartTimer()
	}
}

// BenchmarkKeyToFrame: with N consoles open and idle, the time from a key
// (? toggles the full help) to the new frame on the measured console, with
// its median and 99th percentile over the iterations (run 200 of them for a
// p99 that means something).
func BenchmarkKeyToFrame(b *testing.B) {
	for _, bc := range []struct {
		n     int
		cells bool
	}{{1, false}, {200, false}, {1000, false}, {1000, true}} {
		name := fmt.Sprintf("sessions=%d", bc.n)
		if bc.cells {
			name += "/renderer=cells"
		}
		n := bc.n
		b.Run(name, func(b *testing.B) {
			cfg := benchConfig()
			cfg.CellRenderer = bc.cells
			e := newEnv(b, cfg)
			est, key := e.enrolledKey("Lycée Henri IV")
			idle := openIdle(b, e, key, est.HostingNumber, n-1)
			defer closeIdle(idle)
			t := e.console(key, est, 80, 24)
			t.quiet(100 * time.Millisecond)
			shown := false
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				t.send("?")
				shown = !shown
				if shown {
					t.waitFor("the full help", func(s string) bool { return containsAll(s, "masquer l'aide") })
				} else {
					t.waitFor("the short help", func(s string) bool { return !containsAll(s, "masquer l'aide") })
				}
				took = append(took, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(took[(len(took)*99)/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// headerWatch is a session's stdout that only notes when the console's tab
// title went by: no emulator, so that memory figures stay the server's.
type headerWatch struct {
	mu   sync.Mutex
	tail []byte
	seen chan struct{}
	once sync.Once
	n    atomic.Int64 // bytes written
}

func (h *headerWatch) Write(p []byte) (int, error) {
	h.n.Add(int64(len(p)))
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tail = append(h.tail, p...)
	if bytes.Contains(h.tail, []byte("Autres bases")) {
		h.once.Do(func() { close(h.seen) })
	}
	if len(h.tail) > 64 {
		h.tail = append(h.tail[:0], h.tail[len(h.tail)-64:]...)
	}
	return len(p), nil
}

type idleConsole struct {
	c    *gossh.Client
	sess *gossh.Session
}

// openIdleConsoles opens n consoles of 80×24 with light clients (16 at a
// time) and waits until each shows its console.
func openIdleConsoles(b testing.TB, e *env, key gossh.Signer, user string, n int) []idleConsole {
	b.Helper()
	out := make([]idleConsole, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := e.dial(user, key)
			if err != nil {
				errs <- err
				return
			}
			sess, err := c.NewSession()
			if err != nil {
				errs <- err
				return
			}
			h := &headerWatch{seen: make(chan struct{})}
			sess.Stdout = h
			if _, err := sess.StdinPipe(); err != nil {
				errs <- err
				return
			}
			if err := sess.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
				errs <- err
				return
			}
			if err := sess.Shell(); err != nil {
				errs <- err
				return
			}
			select {
			case <-h.seen:
			case <-time.After(30 * time.Second):
				errs <- fmt.Errorf("console %d never showed", i)
				return
			}
			out[i] = idleConsole{c: c, sess: sess}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return out
}

// openIdle is openIdleConsoles, closed at the end of the test if not
// before (the cleanup keeps them reachable until then).
func openIdle(b testing.TB, e *env, key gossh.Signer, user string, n int) []idleConsole {
	b.Helper()
	out := openIdleConsoles(b, e, key, user, n)
	b.Cleanup(func() { closeIdle(out) })
	return out
}

func closeIdle(l []idleConsole) {
	for _, s := range l {
		if s.c != nil {
			s.sess.Close()
			s.c.Close()
		}
	}
}

// BenchmarkIdleSessionMemory: heap in use per idle console (server and the
// light client of this process together), and goroutines per console.
func BenchmarkIdleSessionMemory(b *testing.B) {
	for _, cells := range []bool{false, true} {
		name := "renderer=lines"
		if cells {
			name = "renderer=cells"
		}
		b.Run(name, func(b *testing.B) {
			cfg := benchConfig()
			cfg.CellRenderer = cells
			idleSessionMemory(b, cfg)
		})
	}
}

func idleSessionMemory(b *testing.B, cfg hssh.Config) {
	const n = 100
	e := newEnv(b, cfg)
	est, key := e.enrolledKey("Lycée Montaigne")
	closeIdle(openIdle(b, e, key, est.HostingNumber, 2)) // warm up
	var perSession, goroutines, sys float64
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		settle(runtime.NumGoroutine())
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		b.StartTimer()
		l := openIdle(b, e, key, est.HostingNumber, n)
		b.StopTimer()
		time.Sleep(200 * time.Millisecond) // let the first frames go out
		runtime.GC()
		runtime.ReadMemStats(&after)
		perSession += (float64(after.HeapInuse) - float64(before.HeapInuse)) / n
		sys += (float64(after.Sys) - float64(before.Sys)) / n
		goroutines += float64(runtime.NumGoroutine()-g0) / n
		closeIdle(l)
		settle(g0)
		b.StartTimer()
	}
	b.ReportMetric(perSession/float64(b.N), "heap-bytes/session")
	b.ReportMetric(sys/float64(b.N), "sys-bytes/session")
	b.ReportMetric(goroutines/float64(b.N), "goroutines/session")
}

// settle waits (up to 10 s) for the goroutine count to come back near want.
func settle(want int) {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want+5 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

// BenchmarkSFTPUpload256MB: a 256 MiB .HNOT through the pkg/sftp client over
// loopback, validated, stored and fsync'd; the base is deleted between
// iterations. Beside it, the same client and file to OpenSSH's own
// sftp-server (no validation, no fsync) behind an SSH server of this
// process with the same transport and cipher, so that the ratio compares
// the two SFTP servers.
func BenchmarkSFTPUpload256MB(b *testing.B) {
	b.Run("server=console", benchSFTPUploadConsole)
	b.Run("server=openssh-sftp-server", benchSFTPUploadOpenSSH)
}

func benchSFTPUploadConsole(b *testing.B) {
	e := newEnv(b, benchConfig())
	est, key := e.enrolledKey("Lycée Janson de Sailly")
	path := generate(b, est, "Grosse base 2025", 256<<20)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	c := e.mustDial(est.HostingNumber, key)
	sc, err := sftp.NewClient(c, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	bs := e.keySession(key)
	remote := "depot/" + filepath.Base(path)
	var closeTook time.Duration
	defer func() { b.ReportMetric(float64(closeTook.Milliseconds())/float64(b.N), "close-ms/op") }()
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rf, err := sc.Create(remote)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rf.ReadFrom(f); err != nil {
			b.Fatal(err)
		}
		closing := time.Now()
		if err := rf.Close(); err != nil {
			b.Fatalf("upload refused: %v", err)
		}
		f.Close()
		b.StopTimer()
		closeTook += time.Since(closing)
		l, err := bs.Bases(context.Background())
		if err != nil || len(l.Uploaded) != 1 || l.Uploaded[0].Size != st.Size() {
			b.Fatalf("after the upload: %+v %v", l.Uploaded, err)
		}
		if err := bs.DeleteBase(context.Background(), l.Uploaded[0].ID); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// sftpServerPath is OpenSSH's sftp-server on Debian (openssh-sftp-server).
const sftpServerPath = "/usr/lib/openssh/sftp-server"

func benchSFTPUploadOpenSSH(b *testing.B) {
	if _, err := os.Stat(sftpServerPath); err != nil {
		b.Skip("no OpenSSH sftp-server here (apt-get install openssh-sftp-server)")
	}
	est := backend.Establishment{HostingNumber: "123456789012", Name: "Lycée Janson de Sailly"}
	path := generate(b, est, "Grosse base 2025", 256<<20)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	addr := serveOpenSSHSFTP(b, dir)
	c, err := gossh.Dial("tcp", addr, clientConfig("bench", gossh.Password("")))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	sc, err := sftp.NewClient(c, sftp.UseConcurrentWrites(true), sftp.MaxConcurrentRequestsPerFile(64))
	if err != nil {
		b.Fatal(err)
	}
	defer sc.Close()
	b.SetBytes(st.Size())
	b.ResetTimer()
	for range b.N {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rf, err := sc.Create(filepath.Base(path))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := rf.ReadFrom(f); err != nil {
			b.Fatal(err)
		}
		if err := rf.Close(); err != nil {
			b.Fatal(err)
		}
		f.Close()
		b.StopTimer()
		if got, err := os.Stat(filepath.Join(dir, filepath.Base(path))); err != nil || got.Size() != st.Size() {
			b.Fatalf("after the upload: %v %v", got, err)
		}
		os.Remove(filepath.Join(dir, filepath.Base(path)))
		b.StartTimer()
	}
}

// serveOpenSSHSFTP runs an SSH server (x/crypto/ssh, as the console's) whose
// sftp subsystem is OpenSSH's sftp-server working in dir, and returns its
// address.
func serveOpenSSHSFTP(b *testing.B, dir string) string {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		b.Fatal(err)
	}
	cfg := &gossh.ServerConfig{NoClientAuth: true}
	cfg.AddHostKey(signer)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	go func() {
		for {
			nc, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				_, chans, reqs, err := gossh.NewServerConn(nc, cfg)
				if err != nil {
					return
				}
				go gossh.DiscardRequests(reqs)
				for nch := range chans {
					if nch.ChannelType() != "session" {
						nch.Reject(gossh.UnknownChannelType, "session only") //nolint:errcheck
						continue
					}
					ch, in, err := nch.Accept()
					if err != nil {
						return
					}
					go func() {
						for req := range in {
							ok := req.Type == "subsystem" && len(req.Payload) > 4 && string(req.Payload[4:]) == "sftp"
							req.Reply(ok, nil) //nolint:errcheck
							if !ok {
								continue
							}
							cmd := exec.Command(sftpServerPath)
							cmd.Dir, cmd.Stdin, cmd.Stdout = dir, ch, ch
							go func() {
								cmd.Run() //nolint:errcheck
								ch.Close()
							}()
						}
					}()
				}
			}()
		}
	}()
	return l.Addr().String()
}
