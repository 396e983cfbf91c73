package password_test

import (
	"strings"
	"testing"

	"github.com/hebergement/console/backend/password"
)

func TestGenerate(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 200; i++ {
		pw, err := password.Generate()
		if err != nil {
			t.Fatal(err)
		}
		if len(pw) != password.Length || password.Length != 14 {
			t.Fatalf("password %q: want 14 characters", pw)
		}
		if strings.ContainsAny(pw, "0O1lI") {
			t.Errorf("password %q holds a character read wrong on a phone", pw)
		}
		for _, r := range pw {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '2' && r <= '9') {
				t.Errorf("password %q holds %q", pw, r)
			}
		}
		if seen[pw] {
			t.Fatalf("password %q drawn twice", pw)
		}
		seen[pw] = true
	}
}

func TestDigits(t *testing.T) {
	counts := map[rune]int{}
	for i := 0; i < 100; i++ {
		d, err := password.Digits(12)
		if err != nil || len(d) != 12 {
			t.Fatalf("Digits(12) = %q, %v", d, err)
		}
		for _, r := range d {
			if r < '0' || r > '9' {
				t.Fatalf("Digits(12) = %q", d)
			}
			counts[r]++
		}
	}
	if len(counts) != 10 {
		t.Errorf("1200 digits drawn use only %d distinct digits", len(counts))
	}
}

func TestHashVerify(t *testing.T) {
	pw := "AbcdEfghJkmnP2"
	for _, p := range []password.Params{password.Fast, {MemoryKiB: 128, Time: 2, Threads: 2}} {
		h, err := password.Hash(pw, p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$") || strings.Contains(h, pw) {
			t.Errorf("hash %q", h)
		}
		h2, _ := password.Hash(pw, p)
		if h == h2 {
			t.Error("two hashes of the same password are equal: no salt")
		}
		for _, c := range []struct {
			pw   string
			want bool
		}{{pw, true}, {pw + "x", false}, {strings.ToLower(pw), false}, {"", false}, {pw[:13], false}} {
			got, err := password.Verify(c.pw, h)
			if err != nil || got != c.want {
				t.Errorf("Verify(%q) = %v, %v; want %v", c.pw, got, err, c.want)
			}
		}
	}
}

func TestVerifyRefusesUnknownHashes(t *testing.T) {
	good, _ := password.Hash("x", password.Fast)
	parts := strings.Split(good, "$")
	bad := []string{
		"",
		"plaintext",
		"$2a$10$abcdefghijklmnopqrstuu", // bcrypt
		strings.Replace(good, "argon2id", "argon2i", 1),
		strings.Replace(good, "v=19", "v=16", 1),
		strings.Replace(good, parts[3], "m=x,t=1,p=1", 1),
		strings.Join(append(parts[:5:5], ""), "$"),              // empty key
		strings.Join(append(parts[:4:4], "!!!", parts[5]), "$"), // bad salt
	}
	for _, h := range bad {
		if ok, err := password.Verify("x", h); err == nil || ok {
			t.Errorf("Verify against %q = %v, %v; want an error", h, ok, err)
		}
	}
}

func TestDefaultCost(t *testing.T) {
	if password.Default.MemoryKiB < 19*1024 || password.Default.Time < 2 {
		t.Errorf("default argon2id cost %+v is below the OWASP recommendation", password.Default)
	}
}
