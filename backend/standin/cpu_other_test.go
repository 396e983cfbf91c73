//go:build !unix

package standin_test

import "time"

// cpuTime is not measured here: the benchmarks report no CPU per cycle.
func cpuTime() time.Duration { return 0 }
