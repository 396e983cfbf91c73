package backend

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Prices are the provider's yearly prices, in euro cents excluding tax
// (HT), read from PricesFile in the data folder so that operators change
// them without a release (`hebergement admin prices set`). Without the file
// the built-in DefaultPrices apply. A malformed file stops Open with an
// error naming the file: guessing a price would be worse. The file is read
// again at each renewal and each invoice issued, so a change made while a
// server runs applies at once; an invoice keeps the amounts it was drawn
// with, so a later change of prices never alters it.
//
// The file is JSON with the four amounts in cents, all required:
//
//	{"hosting_cents": 54000, "admin_seat_cents": 2400,
//	 "teacher_seat_cents": 600, "teacher_unlimited_cents": 39000}
type Prices struct {
	// Hosting is the hosting of the PRONOTE server for one school year.
	Hosting int64 `json:"hosting_cents"`
	// AdminSeat is one licence in mode administratif for one school year.
	AdminSeat int64 `json:"admin_seat_cents"`
	// TeacherSeat is one licence in mode enseignant for one school year.
	TeacherSeat int64 `json:"teacher_seat_cents"`
	// TeacherUnlimited is the flat price of unlimited licences in mode
	// enseignant (TeacherSeats 0) for one school year.
	TeacherUnlimited int64 `json:"teacher_unlimited_cents"`
}

// PricesFile is the prices' file name in the data folder.
const PricesFile = "prices.json"

// MaxPriceCents bounds every price: 1 000 000 € HT; more is a typo.
const MaxPriceCents = 100_000_000

// DefaultPrices are the prices without a PricesFile: 540,00 € the year of
// hosting, 24,00 € a licence in mode administratif, 6,00 € a licence in mode
// enseignant, 390,00 € unlimited licences in mode enseignant (all HT).
func DefaultPrices() Prices {
	return Prices{Hosting: 54000, AdminSeat: 2400, TeacherSeat: 600, TeacherUnlimited: 39000}
}

// Validate refuses a negative price or one over MaxPriceCents.
func (p Prices) Validate() error {
	for _, f := range []struct {
		name  string
		cents int64
	}{{"hosting", p.Hosting}, {"admin seat", p.AdminSeat}, {"teacher seat", p.TeacherSeat}, {"teacher unlimited", p.TeacherUnlimited}} {
		if f.cents < 0 {
			return fmt.Errorf("%w: the %s price must not be negative", ErrInvalidInput, f.name)
		}
		if f.cents > MaxPriceCents {
			return fmt.Errorf("%w: the %s price must be at most 1000000.00 euros", ErrInvalidInput, f.name)
		}
	}
	return nil
}

// LoadPrices reads the prices of the data folder dir; without the file,
// DefaultPrices.
func LoadPrices(dir string) (Prices, error) {
	path := filepath.Join(dir, PricesFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return DefaultPrices(), nil
	}
	if err != nil {
		return Prices{}, fmt.Errorf("prices: %w", err)
	}
	var raw struct {
		Hosting          *int64 `json:"hosting_cents"`
		AdminSeat        *int64 `json:"admin_seat_cents"`
		TeacherSeat      *int64 `json:"teacher_seat_cents"`
		TeacherUnlimited *int64 `json:"teacher_unlimited_cents"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Prices{}, fmt.Errorf("prices: %s is malformed: %w (want {\"hosting_cents\": 54000, \"admin_seat_cents\": 2400, "+
			"\"teacher_seat_cents\": 600, \"teacher_unlimited_cents\": 39000}, amounts in cents excluding tax)", path, err)
	}
	// Nothing but white space may follow the object (More lets a stray
	// closing ] or } through).
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Prices{}, fmt.Errorf("prices: %s is malformed: data after the JSON object", path)
	}
	var missing []string
	for _, f := range []struct {
		name string
		v    *int64
	}{{"hosting_cents", raw.Hosting}, {"admin_seat_cents", raw.AdminSeat}, {"teacher_seat_cents", raw.TeacherSeat}, {"teacher_unlimited_cents", raw.TeacherUnlimited}} {
		if f.v == nil {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Prices{}, fmt.Errorf("prices: %s is malformed: missing %s", path, strings.Join(missing, ", "))
	}
	p := Prices{Hosting: *raw.Hosting, AdminSeat: *raw.AdminSeat, TeacherSeat: *raw.TeacherSeat, TeacherUnlimited: *raw.TeacherUnlimited}
	if err := p.Validate(); err != nil {
		return Prices{}, fmt.Errorf("prices: %s is malformed: %w", path, err)
	}
	return p, nil
}

// SavePrices writes the prices of the data folder dir atomically (a
// temporary file renamed over the old one); invalid prices change nothing.
func SavePrices(dir string, p Prices) error {
	if err := p.Validate(); err != nil {
		return err
	}
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+PricesFile+".*.tmp")
	if err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after the rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close() //nolint:errcheck
		return fmt.Errorf("prices: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close() //nolint:errcheck
		return fmt.Errorf("prices: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, PricesFile)); err != nil {
		return fmt.Errorf("prices: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()  //nolint:errcheck
		d.Close() //nolint:errcheck
	}
	return nil
}

// ParseEuros reads an amount in euros as an operator types it: "540,00",
// "540.00", "540", "1 234,5". Negative amounts, more than two decimals and
// anything that is not a number are refused.
func ParseEuros(s string) (int64, error) {
	t := strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "€", "").Replace(strings.TrimSpace(s))
	if strings.HasPrefix(t, "-") {
		return 0, fmt.Errorf("%w: %q: a price must not be negative", ErrInvalidInput, s)
	}
	whole, frac, hasFrac := strings.Cut(strings.Replace(t, ",", ".", 1), ".")
	if whole == "" || !allDigits(whole) || hasFrac && (frac == "" || !allDigits(frac)) {
		return 0, fmt.Errorf("%w: %q is not an amount in euros (write 540,00, 540.00 or 540)", ErrInvalidInput, s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("%w: %q: at most two decimals (cents)", ErrInvalidInput, s)
	}
	if len(strings.TrimLeft(whole, "0")) > 7 {
		return 0, fmt.Errorf("%w: %q: a price must be at most 1000000.00 euros", ErrInvalidInput, s)
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	frac += strings.Repeat("0", 2-len(frac))
	f, _ := strconv.ParseInt(frac, 10, 64)
	cents := w*100 + f
	if cents > MaxPriceCents {
		return 0, fmt.Errorf("%w: %q: a price must be at most 1000000.00 euros", ErrInvalidInput, s)
	}
	return cents, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Prices are the prices in force now (PricesFile, or DefaultPrices).
func (b *Backend) Prices() (Prices, error) { return LoadPrices(b.dataDir) }
