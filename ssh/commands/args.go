package commands

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/sanitize"
)

// Flag values: each checks its text when the flag is parsed, so that a bad
// value is a usage error before anything is asked of the back end.

// yearValue is --annee: a school year such as 2026-2027.
type yearValue struct {
	year hostfile.SchoolYear
	set  bool
}

func (v *yearValue) Set(s string) error {
	y, err := hostfile.ParseSchoolYear(s)
	if err != nil {
		return errors.New("want a school year of two following years, such as 2026-2027")
	}
	v.year, v.set = y, true
	return nil
}

func (v *yearValue) String() string {
	if !v.set {
		return ""
	}
	return v.year.String()
}

func (v *yearValue) Type() string { return "YEAR" }

// gridValue is --grille: HH:MM-HH:MM/SLOTMINUTES/DAYS, as hostfile.ParseGrid
// reads it.
type gridValue struct {
	grid hostfile.Grid
	set  bool
}

func (v *gridValue) Set(s string) error {
	g, err := hostfile.ParseGrid(s)
	if err != nil {
		// ParseGrid's reason is in English and quotes the value safely.
		reason := strings.TrimPrefix(err.Error(), hostfile.ErrInvalidGrid.Error()+": ")
		if strings.Contains(reason, "want the form") {
			return errors.New(reason)
		}
		return fmt.Errorf("%s (the form is HH:MM-HH:MM/SLOTMINUTES/DAYS, days 1=Monday..7=Sunday)", reason)
	}
	v.grid, v.set = g, true
	return nil
}

func (v *gridValue) String() string {
	if !v.set {
		return ""
	}
	return v.grid.String()
}

func (v *gridValue) Type() string { return "GRID" }

// dateValue is --depuis: a day (from its midnight, Paris time) or an RFC 3339
// instant.
type dateValue struct{ t time.Time }

func (v *dateValue) Set(s string) error {
	if t, err := time.ParseInLocation(time.DateOnly, s, clock.Paris()); err == nil {
		v.t = t
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return errors.New("want a date such as 2026-11-30 or an instant such as 2026-11-30T08:00:00+01:00")
	}
	v.t = t
	return nil
}

func (v *dateValue) String() string {
	if v.t.IsZero() {
		return ""
	}
	return v.t.Format(time.RFC3339)
}

func (v *dateValue) Type() string { return "DATE" }

// maxLimit bounds --limite, far above any journal a console shows.
const maxLimit = 1_000_000

// limitValue is --limite: a count of entries, 1 or more.
type limitValue struct{ n int }

func (v *limitValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxLimit {
		return fmt.Errorf("want a whole number of entries from 1 to %d", maxLimit)
	}
	v.n = n
	return nil
}

func (v *limitValue) String() string {
	if v.n == 0 {
		return ""
	}
	return strconv.Itoa(v.n)
}

func (v *limitValue) Type() string { return "N" }

// fingerprintRE is an SSH key fingerprint as OpenSSH prints it and the back
// end stores it: SHA256 and 43 characters of unpadded base64.
var fingerprintRE = regexp.MustCompile(`^SHA256:[A-Za-z0-9+/]{43}$`)

func checkFingerprint(c string, fp string) error {
	if !fingerprintRE.MatchString(fp) {
		return usagef("%s: EMPREINTE must be a key fingerprint as cles shows it (SHA256: and 43 characters)", c)
	}
	return nil
}

// resolveBase finds the base NOM|ID names. A number is first a base's ID;
// when no base has that ID it is tried as a name, since a base may be named
// "2026". A name must match exactly, and a name that several bases share is
// refused with their IDs, so that a script names one by its ID. Nothing
// found is backend.ErrBaseNotFound.
func resolveBase(ctx context.Context, bs *backend.Session, arg string) (backend.Base, error) {
	l, err := bs.Bases(ctx)
	if err != nil {
		return backend.Base{}, err
	}
	all := slices.Concat(l.PreviouslyInService, l.Uploaded)
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 && arg[0] != '+' {
		for _, b := range all {
			if b.ID == id {
				return b, nil
			}
		}
	}
	var found []backend.Base
	for _, b := range all {
		if b.Name == arg {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return backend.Base{}, backend.ErrBaseNotFound
	case 1:
		return found[0], nil
	}
	slices.SortFunc(found, func(a, b backend.Base) int { return cmp.Compare(a.ID, b.ID) })
	ids := make([]string, len(found))
	for i, b := range found {
		ids[i] = strconv.FormatInt(b.ID, 10)
	}
	return backend.Base{}, &told{fmt.Sprintf("Plusieurs bases portent ce nom (n° %s) : désignez celle que vous voulez par son numéro.",
		strings.Join(ids, ", "))}
}

// writeJSON writes v as indented JSON. Every character a terminal could act
// on is escaped, C1 controls and DEL included (encoding/json escapes only
// those below U+0020), so that JSON read on a terminal is as safe as the
// text output; the data is unchanged for a JSON reader.
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeUnprintable(buf.Bytes()))
	return err
}

func escapeUnprintable(b []byte) []byte {
	var out []byte
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r < 0x7f || sanitize.Printable(r) {
			if out != nil {
				out = append(out, b[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = append(make([]byte, 0, len(b)+16), b[:i]...)
		}
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
			out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	if out == nil {
		return b
	}
	return out
}

// table writes rows under a header as aligned columns, each line indented
// by two spaces and without trailing blanks. Cells are already sanitized.
func table(w io.Writer, header string, rows [][]string) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+header)
	for _, r := range rows {
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line != "" {
			out.WriteString(strings.TrimRight(line, " \n") + "\n")
		}
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// visible shows the control characters of s as Go escapes (\x1b), for a
// usage error that quotes what the user typed: the user sees what was wrong,
// and the terminal gets no control character.
func visible(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == utf8.RuneError || sanitize.Printable(r) {
			b.WriteRune(r)
			continue
		}
		q := strconv.QuoteRuneToASCII(r)
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
