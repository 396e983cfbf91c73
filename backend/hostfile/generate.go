package hostfile

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// GenerateOptions describes the files Generate writes, as the old local
// server's "Générer les fichiers pour l'hébergement" would.
type GenerateOptions struct {
	HostingNumber string
	Name          string // file stem; a single safe file name, else ErrInvalidName
	Establishment string
	Year          SchoolYear
	Students      int
	Teachers      int
	Classes       int
	Grid          Grid      // zero value = DefaultGrid()
	Size          int64     // target size of the .HNOT in bytes; payload = Size - overhead, at least 0
	Now           time.Time // generation time; zero = time.Now()
	BaseID        string    // "" = a new random id
}

// Generate writes NAME.HNOT (about opts.Size bytes) and its three annexes
// NAME.HCOURRIERS, NAME.HDOCJOINTS and NAME.HPHOTOS (a few KB up to about
// 1% of Size) into dir, all with the same base id and hosting number, to
// stand in for the old local server in tests and demos. Every file goes
// through a temp file renamed only once all four are written. It returns
// the four paths, base first. Annexes carry zero counts and no grid.
func Generate(dir string, opts GenerateOptions) ([]string, error) {
	if err := checkName(opts.Name); err != nil {
		return nil, err
	}
	if opts.Size < 0 || opts.Size > SizeLimit {
		return nil, fmt.Errorf("%w: %d out of range 0..%d", ErrInvalidSize, opts.Size, int64(SizeLimit))
	}
	if opts.Grid.isZero() {
		opts.Grid = DefaultGrid()
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.BaseID == "" {
		id, err := NewBaseID(rand.Reader)
		if err != nil {
			return nil, err
		}
		opts.BaseID = id
	}
	base := Header{
		Kind:          KindBase,
		Version:       Version,
		HostingNumber: opts.HostingNumber,
		Year:          opts.Year,
		BaseID:        opts.BaseID,
		Establishment: opts.Establishment,
		Generated:     opts.Now.UTC().Truncate(time.Second),
		Students:      opts.Students,
		Teachers:      opts.Teachers,
		Classes:       opts.Classes,
		Grid:          opts.Grid,
	}
	base.PayloadSize = payloadFor(base, opts.Size)
	headers := []Header{base}
	for _, a := range []struct {
		kind     Kind
		div, min int64
	}{{KindLetters, 500, 2 << 10}, {KindAttachments, 200, 8 << 10}, {KindPhotos, 100, 16 << 10}} {
		h := base
		h.Kind, h.Students, h.Teachers, h.Classes, h.Grid = a.kind, 0, 0, 0, Grid{}
		h.PayloadSize = max(opts.Size/a.div, a.min)
		headers = append(headers, h)
	}
	for _, h := range headers {
		if err := h.Validate(); err != nil {
			return nil, fmt.Errorf("hostfile: generating %s: %w", h.Kind, err)
		}
	}

	var temps, paths []string
	cleanup := func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
	for _, h := range headers {
		seed := h.BaseID
		if h.Kind.IsAnnex() {
			seed += "/" + string(h.Kind)
		}
		tmp, err := writeTemp(dir, opts.Name+"."+string(h.Kind), h, seed)
		if tmp != "" {
			temps = append(temps, tmp)
		}
		if err != nil {
			cleanup()
			return nil, err
		}
		paths = append(paths, filepath.Join(dir, opts.Name+"."+string(h.Kind)))
	}
	for i, t := range temps {
		if err := os.Rename(t, paths[i]); err != nil {
			cleanup()
			return nil, fmt.Errorf("hostfile: generating: %w", err)
		}
	}
	return paths, nil
}

// writeTemp writes one file into a new temp file in dir and returns its
// path (set even on error, so the caller can remove it).
func writeTemp(dir, name string, h Header, seed string) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return "", fmt.Errorf("hostfile: generating %s: %w", name, err)
	}
	_, err = Write(f, h, Payload(seed, h.PayloadSize))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return f.Name(), fmt.Errorf("hostfile: generating %s: %w", name, err)
	}
	return f.Name(), nil
}

// payloadFor picks the payload size that makes the whole file total bytes
// (the header's payload line grows with the payload, hence the search); when
// no payload fits exactly it takes the one a byte short, and 0 when total is
// below the overhead.
func payloadFor(h Header, total int64) int64 {
	h.PayloadSize = 0
	fixed := int64(len(h.appendHeader(nil))) - 1 + TrailerSize // without the payload digits
	best := int64(0)
	for digits := int64(1); digits <= 20; digits++ {
		p := total - fixed - digits
		if p < 0 {
			break
		}
		if d := int64(len(fmt.Sprint(p))); d == digits {
			return p
		} else if d < digits {
			best = max(best, p)
		}
	}
	return best
}

// checkName refuses a file stem that is empty, ".", "..", holds a path
// separator or a control character, or is not UTF-8, so Generate never
// writes outside dir.
func checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: %s", ErrInvalidName, quote(name))
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: %s: not UTF-8", ErrInvalidName, quote(name))
	case strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, os.PathSeparator):
		return fmt.Errorf("%w: %s: holds a path separator", ErrInvalidName, quote(name))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %s: holds a control character", ErrInvalidName, quote(name))
	case len(name) > 200:
		return fmt.Errorf("%w: longer than 200 bytes", ErrInvalidName)
	}
	return nil
}
