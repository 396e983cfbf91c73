package connections

import (
	"fmt"
	"strings"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/tui/common"
	"github.com/hebergement/console/tui/components"
)

// The rows of the two tables, from the view the back end gave.
//
// Rules:
//   - Depuis is the time of the connection, Paris time, "08:12" the same
//     day as now and "27/11 08:12" before;
//   - Inactif is the time since the client's last sign of life (heartbeat,
//     admission or change sent): "< 1 min", "3 min", "1 h 05"; a client
//     silent for 5 minutes is let go (SPEC §8), so it rarely reads more;
//   - the sort keys are the instants (Depuis) and the idle seconds
//     (Inactif), so that t sorts them as times, not as text, and the texts
//     (user, group, mode) folded like the filter, so that "Élèves" sorts
//     among the E, before "Vie scolaire", and case does not count;
//   - the filter keeps the connections whose user, group, mode or Espace
//     (as shown) or address holds what was typed, ignoring case and
//     accents ("eleve" finds "Espace Élèves").

// clockTime is when t happened, as the Depuis column says it.
func clockTime(t, now time.Time) string {
	p, n := t.In(clock.Paris()), now.In(clock.Paris())
	if p.Year() == n.Year() && p.YearDay() == n.YearDay() {
		return p.Format("15:04")
	}
	return p.Format("02/01 15:04")
}

// idle is a time without activity, as the Inactif column says it.
func idle(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "< 1 min"
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	}
	return fmt.Sprintf("%d h %02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

func sortTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000") }

// connRows are the connections kept by the filter, as rows keyed by the
// connection's id.
func (t *Tab) connRows() []components.Row {
	conns := t.data.Conns
	q := fr.Fold(strings.TrimSpace(t.filter.Value()))
	if q != "" && len(t.haystacks) != len(conns) {
		t.haystacks = make([]string, len(conns))
		for i, c := range conns {
			t.haystacks[i] = fr.Fold(common.Clean(c.User) + "\x00" + common.Clean(c.Group) + "\x00" +
				c.Mode.French() + "\x00" + common.Clean(c.Addr))
		}
	}
	rows := make([]components.Row, 0, len(conns))
	// Groups and modes repeat: each is folded once.
	folded := map[string]string{}
	foldOnce := func(s string) string {
		f, ok := folded[s]
		if !ok {
			f = sortText(s)
			folded[s] = f
		}
		return f
	}
	for i, c := range conns {
		if q != "" && !strings.Contains(t.haystacks[i], q) {
			continue
		}
		d := max(t.now.Sub(c.Seen), 0)
		mode := c.Mode.French()
		rows = append(rows, components.Row{
			Key:   c.ID,
			Cells: []string{c.User, c.Group, mode, c.Addr, clockTime(c.Since, t.now), idle(d)},
			Sort: []string{sortText(c.User), foldOnce(c.Group), foldOnce(mode), "", sortTime(c.Since),
				fmt.Sprintf("%012d", int64(d/time.Second))},
		})
	}
	return rows
}

// sortText is a text cell's sort key: as shown (cleaned), folded. Only
// the order depends on it, never what is drawn. Printable ASCII, most
// names, needs neither the cleaning nor the accents' replacer.
func sortText(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return fr.Fold(common.Clean(s))
		}
	}
	return strings.ToLower(s)
}

// refusalRows are the latest refusals, newest first, keyed by their rank
// (a refusal has no id, and the list only grows at its head).
func (t *Tab) refusalRows() []components.Row {
	rows := make([]components.Row, len(t.data.Refusals))
	n := len(t.data.Refusals)
	for i, r := range t.data.Refusals {
		rows[i] = components.Row{
			Key:   fmt.Sprintf("%s/%d", sortTime(r.At), n-i),
			Cells: []string{clockTime(r.At, t.now), r.User, r.Mode.French(), r.Group, r.Addr, r.Reason},
			Sort:  []string{sortTime(r.At)},
		}
	}
	return rows
}

// connByID is the connection with that id in the view shown, if any.
func (t *Tab) connByID(id string) (backend.Connection, bool) {
	for _, c := range t.data.Conns {
		if c.ID == id {
			return c, true
		}
	}
	return backend.Connection{}, false
}
