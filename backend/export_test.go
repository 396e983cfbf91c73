package backend

import "testing"

// SetDropHook makes dropUnreferenced call f between finding a stored file
// unreferenced and removing it, for the rest of the test.
func SetDropHook(t testing.TB, f func(sum string)) {
	dropHook = f
	t.Cleanup(func() { dropHook = nil })
}
