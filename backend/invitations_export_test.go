package backend

import "testing"

// SetDrawCode makes invitations draw their codes from f for the rest of the
// test.
func SetDrawCode(t testing.TB, f func() (string, error)) {
	old := drawCode
	drawCode = f
	t.Cleanup(func() { drawCode = old })
}
