//go:build race

package ssh_test

// raceEnabled: the tests run under the race detector, which makes every
// allocation and goroutine several times dearer.
const raceEnabled = true
