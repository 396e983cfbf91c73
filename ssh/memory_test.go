package ssh_test

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

// liveHeap is the heap the last garbage collection found live, after two
// collections (the second frees what finalizers released).
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// A thousand consoles opened and closed leave nothing behind: once they are
// gone, the live heap is back within 10 % of what it was before them (issue
// 12). A session that kept anything (a goroutine, a subscription, a pool's
// entry, a cached frame) would leave a thousand of it.
//
// It does not run under the race detector (15 times slower here, and its
// shadow memory is not the program's): .ci/run runs it on its own without.
func TestHeapBackAfterSessionsClose(t *testing.T) {
	if raceEnabled {
		t.Skip("measures the heap: run without -race (.ci/run does)")
	}
	e := newEnv(t, benchConfig())
	est, key := e.enrolledKey("Lycée Condorcet")
	const total, batch = 1000, 100
	g0 := runtime.NumGoroutine()
	// Warm up with a batch: what the first consoles create once and keep
	// (caches, pools; the runtime keeps the descriptors of as many
	// goroutines as ever ran at once) is part of the baseline.
	closeIdle(openIdleConsoles(t, e, key, est.HostingNumber, batch))
	settle(g0)
	base := liveHeap()
	for opened := 0; opened < total; opened += batch {
		closeIdle(openIdleConsoles(t, e, key, est.HostingNumber, batch))
	}
	settle(g0)
	deadline := time.Now().Add(10 * time.Second)
	after := liveHeap()
	for after > base+base/10 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // sessions still winding down
		after = liveHeap()
	}
	t.Logf("live heap: %.1f MB before, %.1f MB after %d consoles closed; goroutines %d before, %d after",
		float64(base)/1e6, float64(after)/1e6, total, g0, runtime.NumGoroutine())
	if after > base+base/10 {
		t.Errorf("live heap %.1f MB after %d consoles closed, more than 10 %% over the %.1f MB before", float64(after)/1e6, total, float64(base)/1e6)
	}
}
