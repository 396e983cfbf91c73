package hostfile

import (
	"fmt"
	"strconv"
	"strings"
)

// SchoolYear identifies a French school year by the calendar year it starts
// in: 2026 means 2026-2027. An int keeps comparisons and sorting trivial.
type SchoolYear int

// Bounds of the school years this format accepts (both calendar years of the
// school year lie in 2000..2099).
const (
	minYear = 2000
	maxYear = 2098
)

// ParseSchoolYear reads the "2026-2027" form people type and headers carry.
// Surrounding whitespace is ignored; the second year must follow the first
// and both must lie in 2000..2099.
func ParseSchoolYear(s string) (SchoolYear, error) {
	t := strings.TrimSpace(s)
	a, b, ok := strings.Cut(t, "-")
	if !ok || len(a) != 4 || len(b) != 4 || !allDigits(a) || !allDigits(b) {
		return 0, fmt.Errorf("%w: %s: want the form 2026-2027", ErrInvalidYear, quote(s))
	}
	first, _ := strconv.Atoi(a)
	second, _ := strconv.Atoi(b)
	if second != first+1 {
		return 0, fmt.Errorf("%w: %s: the second year must be the first plus one", ErrInvalidYear, quote(s))
	}
	y := SchoolYear(first)
	if err := y.validate(); err != nil {
		return 0, err
	}
	return y, nil
}

// String gives the "2026-2027" form used in headers and on screen.
func (y SchoolYear) String() string {
	return fmt.Sprintf("%04d-%04d", int(y), int(y)+1)
}

// validate checks that y lies in the supported range.
func (y SchoolYear) validate() error {
	if y < minYear || y > maxYear {
		return fmt.Errorf("%w: %s: years must lie in %d..%d", ErrInvalidYear, y, minYear, maxYear+1)
	}
	return nil
}

// allDigits reports whether s is non-empty and made of ASCII digits only.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quote renders untrusted text for an error message: Go-quoted (so control
// characters and escape sequences are inert) and cut to a sane length.
func quote(s string) string {
	const max = 40
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(s[:cut]) + "…"
	}
	return strconv.Quote(s)
}
