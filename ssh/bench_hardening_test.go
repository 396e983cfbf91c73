package ssh_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	hssh "github.com/hebergement/console/ssh"
)

// BenchmarkWindowMemory: the heap one console costs once drawn, for a
// client claiming 80×24 (the baseline), 500×200 (the largest the console
// renders) and 10000×10000 (clamped to 500×200), with an enrolled key, and
// 10000×10000 with unknown keys (the enrollment screen, clamped to 120×200).
// Three consoles each time, as in the hostile test that found the hole.
func BenchmarkWindowMemory(b *testing.B) {
	for _, sz := range []struct {
		w, h   int
		enroll bool
	}{{80, 24, false}, {500, 200, false}, {10000, 10000, false}, {10000, 10000, true}} {
		name := fmt.Sprintf("%dx%d", sz.w, sz.h)
		if sz.enroll {
			name = "enrollment-" + name
		}
		b.Run(name, func(b *testing.B) {
			e := newEnv(b, benchConfig())
			_, key := e.enrolledKey("Lycée Chaptal")
			var perConsole float64
			for range b.N {
				g0 := runtime.NumGoroutine()
				before := heapInUse()
				var clients []*gossh.Client
				var outs []*countingWriter
				for range 3 {
					k := key
					if sz.enroll {
						k = newKey(b)
					}
					c, _, out := e.bigPTY(k, sz.w, sz.h)
					clients, outs = append(clients, c), append(outs, out)
				}
				for _, out := range outs {
					eventually(b, "a first frame", func() error {
						if out.count() == 0 {
							return fmt.Errorf("nothing drawn")
						}
						return nil
					})
				}
				time.Sleep(300 * time.Millisecond) // the first frames out
				perConsole += (float64(heapInUse()) - float64(before)) / 3
				for _, c := range clients {
					c.Close()
				}
				settle(g0)
			}
			b.ReportMetric(perConsole/float64(b.N)/(1<<20), "heap-MB/console")
		})
	}
}

// BenchmarkEnrolledLogin: an enrolled key connects and runs statut, with no
// other connection (the baseline) and while 100 connections from ten other
// addresses authenticate with throwaway keys and sit idle (ssh -N).
func BenchmarkEnrolledLogin(b *testing.B) {
	for _, idle := range []int{0, 100} {
		b.Run(fmt.Sprintf("idle=%d", idle), func(b *testing.B) {
			e := newEnv(b, hssh.Config{LoginGrace: 10 * time.Minute, ConnRate: 1 << 30, ConnBurst: 1 << 30})
			est, key := e.enrolledKey("Lycée Janson")
			var mu sync.Mutex
			var held []*gossh.Client
			var wg sync.WaitGroup
			for i := range idle {
				wg.Go(func() {
					if c, err := e.dialFrom(fmt.Sprintf("127.0.1.%d", i%10+1), "idle", newKey(b), nil); err == nil {
						mu.Lock()
						held = append(held, c)
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			defer func() {
				for _, c := range held {
					c.Close()
				}
			}()
			b.ResetTimer()
			for range b.N {
				c, err := e.dialFrom("127.0.2.1", est.HostingNumber, key, nil)
				if err != nil {
					b.Fatalf("enrolled key refused with %d idle connections held: %v", len(held), err)
				}
				if r := runOn(b, c, "statut"); r.code != 0 {
					b.Fatalf("statut: %+v", r)
				}
				c.Close()
			}
			b.StopTimer()
			runtime.GC()
		})
	}
}
