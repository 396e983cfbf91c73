package hostfile

import (
	"fmt"
	"math/big"
	"strings"
)

// SizeLimit is the largest size ParseSize and Generate accept (1 TB, binary).
const SizeLimit = 1 << 40

// sizeUnits maps a unit to its multiplier. Units are binary: 1 KB = 1024
// bytes, 1 MB = 1<<20, 1 GB = 1<<30, 1 TB = 1<<40 (KiB, MiB... are accepted
// as synonyms), matching what file managers show people.
var sizeUnits = map[string]int64{
	"": 1, "B": 1,
	"K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10,
	"M": 1 << 20, "MB": 1 << 20, "MIB": 1 << 20,
	"G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
	"T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40,
}

// ParseSize reads a size a person typed ("200MB", "1.5GB", "512 KB",
// "1024"), so commands can take human sizes. Units are binary (1 MB =
// 1<<20 bytes) and case-insensitive; a fraction is allowed with a unit and
// rounds down to a whole byte. Empty, negative, malformed or above 1 TB
// sizes give ErrInvalidSize.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	mult, ok := sizeUnits[unit]
	whole, frac, dot := strings.Cut(num, ".")
	switch {
	case !ok:
		return 0, fmt.Errorf("%w: %s: unknown unit (use B, KB, MB, GB or TB)", ErrInvalidSize, quote(s))
	case !allDigits(whole) || dot && !allDigits(frac):
		return 0, fmt.Errorf("%w: %s: want a number such as 200MB or 1.5GB", ErrInvalidSize, quote(s))
	case dot && mult == 1:
		return 0, fmt.Errorf("%w: %s: a byte count must be whole", ErrInvalidSize, quote(s))
	case len(num) > 30:
		return 0, fmt.Errorf("%w: %s: too large", ErrInvalidSize, quote(s))
	}
	r, _ := new(big.Rat).SetString(num)
	r.Mul(r, new(big.Rat).SetInt64(mult))
	n := new(big.Int).Quo(r.Num(), r.Denom())
	if !n.IsInt64() || n.Int64() > SizeLimit {
		return 0, fmt.Errorf("%w: %s: above 1 TB", ErrInvalidSize, quote(s))
	}
	return n.Int64(), nil
}
