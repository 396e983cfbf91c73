package hostfile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Grid is the timetable grid of a base: the span of the school day, the
// length of a slot and the days taught. The hosted server needs it to lay
// out timetables before the base is opened.
type Grid struct {
	Start, End int            // minutes from midnight; End may be 24*60
	Slot       int            // slot length in minutes: 15, 30, 45, 50, 55, 60, 90 or 120
	Days       []time.Weekday // sorted Monday..Sunday (Sunday last), unique
}

// allowedSlots lists the slot lengths, in minutes, that a grid may use: the
// quarter-hour multiples PRONOTE offers plus the 50 and 55 minute periods
// common in French secondary schools.
var allowedSlots = []int{15, 30, 45, 50, 55, 60, 90, 120}

// DefaultGrid is the grid most schools use (08:00-18:00, 60 minute slots,
// Monday to Friday), so a zero Grid in GenerateOptions means this.
func DefaultGrid() Grid {
	return Grid{
		Start: 8 * 60,
		End:   18 * 60,
		Slot:  60,
		Days:  []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
	}
}

// isZero reports whether g is the zero Grid, which annexes carry.
func (g Grid) isZero() bool {
	return g.Start == 0 && g.End == 0 && g.Slot == 0 && len(g.Days) == 0
}

// isoDay maps a weekday to its ISO number (Monday 1 .. Sunday 7), the order
// in which a grid's days are sorted.
func isoDay(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

// Validate refuses grids the hosted server could not lay out, so that a bad
// grid is caught when the file is written rather than when a timetable is
// drawn.
func (g Grid) Validate() error {
	switch {
	case g.Start < 0:
		return fmt.Errorf("%w: start %d is before midnight", ErrInvalidGrid, g.Start)
	case g.End > 24*60:
		return fmt.Errorf("%w: end %d is after midnight", ErrInvalidGrid, g.End)
	case g.End <= g.Start:
		return fmt.Errorf("%w: end %s is not after start %s", ErrInvalidGrid, hhmm(g.End), hhmm(g.Start))
	case !slices.Contains(allowedSlots, g.Slot):
		return fmt.Errorf("%w: slot of %d minutes, want one of %v", ErrInvalidGrid, g.Slot, allowedSlots)
	case (g.End-g.Start)%g.Slot != 0:
		return fmt.Errorf("%w: %s-%s is not a whole number of %d minute slots", ErrInvalidGrid, hhmm(g.Start), hhmm(g.End), g.Slot)
	case len(g.Days) == 0:
		return fmt.Errorf("%w: no days", ErrInvalidGrid)
	}
	for i, d := range g.Days {
		if d < time.Sunday || d > time.Saturday {
			return fmt.Errorf("%w: weekday %d out of range", ErrInvalidGrid, int(d))
		}
		if i > 0 {
			p := isoDay(g.Days[i-1])
			switch c := isoDay(d); {
			case c == p:
				return fmt.Errorf("%w: %s listed twice", ErrInvalidGrid, frenchDays[d])
			case c < p:
				return fmt.Errorf("%w: days not in order Monday..Sunday", ErrInvalidGrid)
			}
		}
	}
	return nil
}

// ParseGrid reads the header syntax "08:00-18:00/60/1,2,3,4,5" (start-end,
// slot minutes, ISO weekdays 1=Monday..7=Sunday) and validates the result.
func ParseGrid(s string) (Grid, error) {
	span, rest, ok1 := strings.Cut(s, "/")
	slot, days, ok2 := strings.Cut(rest, "/")
	start, end, ok3 := strings.Cut(span, "-")
	if !ok1 || !ok2 || !ok3 {
		return Grid{}, fmt.Errorf("%w: %s: want the form 08:00-18:00/60/1,2,3,4,5", ErrInvalidGrid, quote(s))
	}
	var g Grid
	var err error
	if g.Start, err = parseHHMM(start); err != nil {
		return Grid{}, fmt.Errorf("%w: start: %w", ErrInvalidGrid, err)
	}
	if g.End, err = parseHHMM(end); err != nil {
		return Grid{}, fmt.Errorf("%w: end: %w", ErrInvalidGrid, err)
	}
	n, err := parseCount(slot, 1000)
	if err != nil {
		return Grid{}, fmt.Errorf("%w: slot: %w", ErrInvalidGrid, err)
	}
	g.Slot = int(n)
	for _, d := range strings.Split(days, ",") {
		if len(d) != 1 || d[0] < '1' || d[0] > '7' {
			return Grid{}, fmt.Errorf("%w: day %s: want 1 (Monday) to 7 (Sunday)", ErrInvalidGrid, quote(d))
		}
		g.Days = append(g.Days, time.Weekday((d[0]-'0')%7))
	}
	if err := g.Validate(); err != nil {
		return Grid{}, err
	}
	return g, nil
}

// parseHHMM reads a strict "HH:MM" time of day (24:00 allowed) in minutes.
func parseHHMM(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return 0, fmt.Errorf("%s: want HH:MM", quote(s))
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%s: not a time of day", quote(s))
	}
	return h*60 + m, nil
}

// hhmm formats minutes from midnight as "HH:MM".
func hhmm(m int) string {
	if m < 0 {
		return strconv.Itoa(m)
	}
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// String gives the header syntax, the inverse of ParseGrid.
func (g Grid) String() string {
	var b strings.Builder
	b.WriteString(hhmm(g.Start))
	b.WriteByte('-')
	b.WriteString(hhmm(g.End))
	b.WriteByte('/')
	b.WriteString(strconv.Itoa(g.Slot))
	b.WriteByte('/')
	for i, d := range g.Days {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(isoDay(d)))
	}
	return b.String()
}

// frenchDays names weekdays in French, indexed by time.Weekday.
var frenchDays = [7]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}

// dayName names d in French, or its number when out of range.
func dayName(d time.Weekday) string {
	if d < time.Sunday || d > time.Saturday {
		return strconv.Itoa(int(d))
	}
	return frenchDays[d]
}

// French describes the grid for people, e.g. "8h00–18h00, créneaux de 60
// min, du lundi au vendredi". Three or more consecutive days read as a range
// ("du lundi au vendredi"), a single day as "le mercredi", anything else as
// a list ("lundi, mardi, jeudi").
func (g Grid) French() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%dh%02d–%dh%02d, créneaux de %d min, ", g.Start/60, g.Start%60, g.End/60, g.End%60, g.Slot)
	contiguous := len(g.Days) >= 3
	for i := 1; i < len(g.Days) && contiguous; i++ {
		contiguous = isoDay(g.Days[i]) == isoDay(g.Days[i-1])+1
	}
	switch {
	case len(g.Days) == 1:
		b.WriteString("le ")
		b.WriteString(dayName(g.Days[0]))
	case contiguous:
		b.WriteString("du ")
		b.WriteString(dayName(g.Days[0]))
		b.WriteString(" au ")
		b.WriteString(dayName(g.Days[len(g.Days)-1]))
	default:
		for i, d := range g.Days {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(dayName(d))
		}
	}
	return b.String()
}
