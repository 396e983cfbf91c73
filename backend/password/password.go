// Package password draws hosting passwords and stores them only as argon2id
// hashes; the clear password leaves the back end once, by SMS.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id costs. Stored inside each hash, so changing them
// does not break existing hashes.
type Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// Default follows the OWASP recommendation for argon2id (19 MiB, 2 passes).
var Default = Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1}

// Fast is for tests only: it keeps the format but costs almost nothing.
var Fast = Params{MemoryKiB: 64, Time: 1, Threads: 1}

// alphabet avoids characters read wrong on a phone screen (0/O, 1/l/I).
const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

// Length is the length of a hosting password.
const Length = 14

// Generate draws a new 14-character password.
func Generate() (string, error) {
	return randomString(Length, alphabet)
}

// Digits draws n random decimal digits (hosting and invoice numbers).
func Digits(n int) (string, error) {
	return randomString(n, "0123456789")
}

func randomString(n int, set string) (string, error) {
	out := make([]byte, n)
	buf := make([]byte, 1)
	limit := 256 - 256%len(set) // reject bytes that would bias the draw
	for i := 0; i < n; {
		if _, err := rand.Read(buf); err != nil {
			return "", err
		}
		if int(buf[0]) >= limit {
			continue
		}
		out[i] = set[int(buf[0])%len(set)]
		i++
	}
	return string(out), nil
}

// Hash returns the PHC-style argon2id hash of pw.
func Hash(pw string, p Params) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.MemoryKiB, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

var errFormat = errors.New("password: unknown hash format")

// Verify reports whether pw matches hash, in constant time.
func Verify(pw, hash string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errFormat
	}
	var version int
	var p Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, errFormat
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false, errFormat
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
