package backend_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/password"
)

func TestParseEuros(t *testing.T) {
	for in, want := range map[string]int64{"540,00": 54000, "540.00": 54000, "540": 54000, "0": 0, "6,5": 650, " 1 234,56 ": 123456,
		"1000000": 100000000, "24,00 €": 2400} {
		got, err := backend.ParseEuros(in)
		if err != nil || got != want {
			t.Errorf("ParseEuros(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, why := range map[string]string{"-1": "negative", "1,234": "two decimals", "1000000,01": "at most", "99999999": "at most",
		"abc": "not an amount", "": "not an amount", "1,": "not an amount", ",5": "not an amount", "1e3": "not an amount", "1.2.3": "not an amount"} {
		if _, err := backend.ParseEuros(in); err == nil || !strings.Contains(err.Error(), why) || !errors.Is(err, backend.ErrInvalidInput) {
			t.Errorf("ParseEuros(%q): %v, want %q", in, err, why)
		}
	}
}

func TestPricesFile(t *testing.T) {
	dir := t.TempDir()
	if p, err := backend.LoadPrices(dir); err != nil || p != backend.DefaultPrices() {
		t.Fatalf("without the file: %+v, %v", p, err)
	}
	want := backend.Prices{Hosting: 60000, AdminSeat: 2500, TeacherSeat: 700, TeacherUnlimited: 40000}
	if err := backend.SavePrices(dir, want); err != nil {
		t.Fatal(err)
	}
	if p, err := backend.LoadPrices(dir); err != nil || p != want {
		t.Fatalf("read back: %+v, %v", p, err)
	}
	if err := backend.SavePrices(dir, backend.Prices{Hosting: -1}); err == nil {
		t.Error("a negative price was saved")
	}
	if p, _ := backend.LoadPrices(dir); p != want {
		t.Error("a refused save changed the file")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// A malformed prices file stops Open with a message naming the file.
func TestOpenRefusesMalformedPrices(t *testing.T) {
	for _, body := range []string{`{`, `{"hosting_cents": 54000}`, `{"hosting_cents": -5, "admin_seat_cents": 1, "teacher_seat_cents": 1, "teacher_unlimited_cents": 1}`,
		`{"hosting_cents": 1, "admin_seat_cents": 1, "teacher_seat_cents": 1, "teacher_unlimited_cents": 1, "typo": 2}`, `[]`,
		// A whole object followed by a stray closing bracket or brace: what is
		// after the object is not ignored.
		`{"hosting_cents": 1, "admin_seat_cents": 1, "teacher_seat_cents": 1, "teacher_unlimited_cents": 1}]`,
		`{"hosting_cents": 1, "admin_seat_cents": 1, "teacher_seat_cents": 1, "teacher_unlimited_cents": 1}}`,
		`{"hosting_cents": 1, "admin_seat_cents": 1, "teacher_seat_cents": 1, "teacher_unlimited_cents": 1} {}`} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, backend.PricesFile), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := backend.Open(context.Background(), backend.Options{DataDir: dir, Hashing: password.Fast})
		if err == nil {
			b.Close()
			t.Errorf("%s: opened", body)
			continue
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, backend.PricesFile)) {
			t.Errorf("%s: %v does not name the file", body, err)
		}
	}
}
