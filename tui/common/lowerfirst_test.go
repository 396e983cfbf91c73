package common

import "testing"

// The help of a confirmation reads its button in lower case without
// lowering names and acronyms.
func TestLowerFirst(t *testing.T) {
	for in, want := range map[string]string{
		"Passer à PRONOTE 2027": "passer à PRONOTE 2027",
		"Écraser la base":       "écraser la base",
		"révoquer":              "révoquer",
		"":                      "",
	} {
		if got := LowerFirst(in); got != want {
			t.Errorf("LowerFirst(%q) = %q, want %q", in, got, want)
		}
	}
}
