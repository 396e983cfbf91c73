package backend_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
)

// BenchmarkSwitchVersions: the August switch of SWITCH_ESTABLISHMENTS
// establishments (1,000 by default; the README's figure is 10,000), each
// with last year's base in service: one run of the job switches them all
// (a backup, an archive, a new base written and put in service, per
// establishment). Beside it, /baseline runs the job again when nothing is
// due (the reads of every establishment).
//
//	SWITCH_ESTABLISHMENTS=10000 go test -run '^$' -bench SwitchVersions -benchtime 1x -timeout 30m ./backend/
func BenchmarkSwitchVersions(b *testing.B) {
	n := 1000
	if v, err := strconv.Atoi(os.Getenv("SWITCH_ESTABLISHMENTS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		e := newEnv(b)
		setup := time.Now()
		for i := range n {
			s, _ := e.session(b, fmt.Sprintf("Collège %d", i))
			if _, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2025, Grid: hostfile.DefaultGrid()}); err != nil {
				b.Fatal(err)
			}
			if err := s.PutInService(ctx); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
		b.Logf("%d establishments in service in %s", n, time.Since(setup).Round(time.Second))
		at := time.Date(2026, 8, 25, 3, 30, 0, 0, clock.Paris())
		e.clock.Set(at)
		b.StartTimer()
		start := time.Now()
		switched, err := e.b.SwitchVersions(ctx, at)
		took := time.Since(start)
		b.StopTimer()
		if err != nil || switched != n {
			b.Fatalf("%d of %d switched: %v", switched, n, err)
		}
		again := time.Now()
		if m, _ := e.b.SwitchVersions(ctx, at); m != 0 {
			b.Fatalf("again: %d switched", m)
		}
		b.ReportMetric(float64(took.Milliseconds())/float64(n), "ms/establishment")
		b.ReportMetric(took.Seconds(), "s/switch")
		b.ReportMetric(time.Since(again).Seconds(), "s/baseline-run")
	}
}
