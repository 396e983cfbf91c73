package seats_test

import (
	"fmt"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hebergement/console/backend/seats"
)

// What holding every connection in memory costs (issue 8): 10,000 schools
// with 50 connections each, admitted into one broker, and the heap they
// take per connection; and one admission, heartbeat and departure on the
// broker alone, from every CPU at once.
//
//	go test -run '^$' -bench HeldConnections -count 3 ./backend/seats/

const (
	heldSchools = 10_000
	heldPerEst  = 50
)

func BenchmarkHeldConnections(b *testing.B) {
	b.Run("10000x50", func(b *testing.B) {
		now := time.Date(2026, 10, 6, 10, 0, 0, 0, time.UTC)
		run := seats.Period{ID: 1, Rev: 1}
		lim := seats.Limits{Admin: 10, Teacher: 0}
		var perConn float64
		for range b.N {
			before := heapInUse()
			br := seats.New(nil, nil)
			for est := range int64(heldSchools) {
				for i := range heldPerEst {
					// As the stand-in hands them over: strings of their
					// own, decoded from each request.
					c := seats.Conn{User: fmt.Sprintf("M. DUPONT %d", i), Group: string([]byte("Professeurs")),
						Mode: seats.Enseignant, Addr: "198.51.100." + strconv.Itoa(i)}
					if i%10 == 0 {
						c.Mode, c.Group = seats.Administratif, string([]byte("Administration"))
					}
					if _, err := br.Admit(est+1, lim, run, c, now); err != nil {
						b.Fatal(err)
					}
				}
			}
			if n := br.Total(); n != heldSchools*heldPerEst {
				b.Fatalf("%d connections held", n)
			}
			after := heapInUse()
			runtime.KeepAlive(br)
			perConn = float64(after-before) / (heldSchools * heldPerEst)
		}
		b.ReportMetric(perConn, "B/conn")
		b.ReportMetric(perConn*heldSchools*heldPerEst/(1<<20), "MiB-total")
	})

	b.Run("admit-touch-release", func(b *testing.B) {
		br := seats.New(nil, nil)
		now := time.Date(2026, 10, 6, 10, 0, 0, 0, time.UTC)
		run := seats.Period{ID: 1, Rev: 1}
		lim := seats.Limits{Admin: 1000, Teacher: 0}
		var next atomic.Int64
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			// Each goroutine is a client of its own school among 10,000.
			est := next.Add(1)%heldSchools + 1
			c := seats.Conn{User: "M. DUPONT", Group: "Professeurs", Mode: seats.Enseignant, Addr: "198.51.100.7"}
			for pb.Next() {
				got, err := br.Admit(est, lim, run, c, now)
				if err != nil {
					b.Error(err)
					return
				}
				if _, err := br.Touch(est, run, got.ID, now); err != nil {
					b.Error(err)
					return
				}
				if _, err := br.Release(est, run, got.ID, now); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// heapInUse is the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
