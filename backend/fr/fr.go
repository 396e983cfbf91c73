// Package fr formats numbers, sizes, dates and durations the way French
// readers expect them, for every front end (the console, the SSH server's
// messages, the commands for scripts): one place, so that a size reads the
// same in an sftp refusal and in the details pane.
package fr

import (
	"fmt"
	"strings"
	"time"

	"github.com/hebergement/console/backend/clock"
)

// DateTime formats an instant in Paris time: "28/11/2026 22:35"; the zero
// time reads as a dash.
func DateTime(t time.Time) string { return format(t, "02/01/2006 15:04") }

// Hour is the time of day in Paris the French way: "3 h 30", "14 h".
func Hour(t time.Time) string {
	t = t.In(clock.Paris())
	if t.Minute() == 0 {
		return fmt.Sprintf("%d h", t.Hour())
	}
	return fmt.Sprintf("%d h %02d", t.Hour(), t.Minute())
}

// Date formats the day of an instant in Paris time: "28/11/2026".
func Date(t time.Time) string { return format(t, "02/01/2006") }

// ShortDate is Date with a two-digit year, for narrow columns: "28/11/26".
func ShortDate(t time.Time) string { return format(t, "02/01/06") }

func format(t time.Time, layout string) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(clock.Paris()).Format(layout)
}

// Size formats a byte count with French units and a decimal comma: "512 o",
// "12,3 Mo".
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d o", n)
	}
	units := []string{"Ko", "Mo", "Go", "To", "Po"}
	v := float64(n) / unit
	i := 0
	for v >= unit && i < len(units)-1 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	if v >= 100 {
		s = fmt.Sprintf("%.0f", v)
	}
	return strings.Replace(s, ".", ",", 1) + " " + units[i]
}

// Count formats a count with a space as the thousands separator: "10 000".
func Count(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Duration writes a duration the way the console says it: "30 min", "45 s".
func Duration(d time.Duration) string {
	if d >= time.Minute {
		return fmt.Sprintf("%d min", int(d.Round(time.Minute)/time.Minute))
	}
	return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
}

// folds are the accented letters of French, and of the names most met
// beside them, with their plain forms, in both cases. No library in the
// module graph does only this (golang.org/x/text would, as a dependency
// for one table).
var folds = strings.NewReplacer(
	"à", "a", "â", "a", "ä", "a", "ç", "c", "é", "e", "è", "e", "ê", "e", "ë", "e",
	"î", "i", "ï", "i", "ô", "o", "ö", "o", "ù", "u", "û", "u", "ü", "u", "ÿ", "y", "œ", "oe", "æ", "ae",
	"á", "a", "ã", "a", "å", "a", "ì", "i", "í", "i", "ñ", "n", "ò", "o", "ó", "o", "õ", "o", "ø", "o",
	"ú", "u", "ý", "y", "ß", "ss",
	"À", "A", "Â", "A", "Ä", "A", "Ç", "C", "É", "E", "È", "E", "Ê", "E", "Ë", "E",
	"Î", "I", "Ï", "I", "Ô", "O", "Ö", "O", "Ù", "U", "Û", "U", "Ü", "U", "Ÿ", "Y", "Œ", "OE", "Æ", "AE",
	"Á", "A", "Ã", "A", "Å", "A", "Ì", "I", "Í", "I", "Ñ", "N", "Ò", "O", "Ó", "O", "Õ", "O", "Ø", "O",
	"Ú", "U", "Ý", "Y",
)

// Plain is s without its accents, case kept: "Élèves" is "Eleves".
func Plain(s string) string { return folds.Replace(s) }

// Fold is s for comparing and sorting: lower case, without accents.
func Fold(s string) string { return folds.Replace(strings.ToLower(s)) }

// Euros formats an amount in cents the French way, exact to the cent, with
// a space as the thousands separator (as Count) and a decimal comma:
// "1 234,56 €"; a negative amount (a credit) reads "-12,00 €".
func Euros(cents int64) string {
	sign := ""
	u := uint64(cents)
	if cents < 0 {
		sign, u = "-", uint64(-(cents+1))+1 // math.MinInt64 too
	}
	units := fmt.Sprint(u / 100)
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range units {
		if i > 0 && (len(units)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(r)
	}
	fmt.Fprintf(&b, ",%02d €", u%100)
	return b.String()
}
