//go:build unix

package standin_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used (user and system), for
// the benchmarks' CPU per cycle: on a machine whose CPUs are all busy,
// that is what bounds the cycles per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
