package backend

import (
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/store"
)

// TestRetain: every backup of the last 30 days, then the latest of each
// ISO week (Paris) for 26 weeks; the latest of a week not over is only sure
// of its 30 days.
func TestRetain(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, clock.Paris()) // a Wednesday
	at := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, clock.Paris()) }
	rows := []store.Backup{
		{ID: 1, At: at(2026, 12, 2, 2)},  // this week's latest, week not over
		{ID: 2, At: at(2026, 12, 1, 2)},  // this week, not the latest
		{ID: 3, At: at(2026, 10, 25, 2)}, // Sunday: latest of its week, past 30 days
		{ID: 4, At: at(2026, 10, 24, 2)}, // same week, older: goes
		{ID: 5, At: at(2026, 5, 1, 2)},   // past 30 days + 26 weeks: goes
	}
	got := retain(rows, now, Retention{Days: 30, Weeks: 26})
	want := []keep{
		{kept: true, until: rows[0].At.AddDate(0, 0, 30)},
		{kept: true, until: rows[1].At.AddDate(0, 0, 30)},
		{kept: true, weekly: true, until: rows[2].At.Add(30*24*time.Hour + 26*7*24*time.Hour)},
		{kept: false, until: rows[3].At.Add(30 * 24 * time.Hour)},
		{kept: false, weekly: true, until: rows[4].At.Add(30*24*time.Hour + 26*7*24*time.Hour)},
	}
	for i := range want {
		if got[i].kept != want[i].kept || got[i].weekly != want[i].weekly || !got[i].until.Equal(want[i].until) {
			t.Errorf("backup %d: %+v, want %+v", rows[i].ID, got[i], want[i])
		}
	}
	// No weeks: only the days.
	if k := retain(rows[2:3], now, Retention{Days: 30}); k[0].kept || k[0].weekly {
		t.Errorf("weeks=0 kept a backup past its days: %+v", k[0])
	}
}

// TestRetainShortDays: with fewer days than a week, the latest backup of a
// week not over is kept to its week's end, and says so.
func TestRetainShortDays(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, clock.Paris()) // a Friday
	tuesday := store.Backup{ID: 1, At: time.Date(2026, 12, 1, 2, 0, 0, 0, clock.Paris())}
	k := retain([]store.Backup{tuesday}, now, Retention{Days: 1, Weeks: 2})[0]
	if monday := time.Date(2026, 12, 7, 0, 0, 0, 0, clock.Paris()); !k.kept || !k.until.Equal(monday) {
		t.Errorf("Tuesday's backup on Friday: %+v, want kept until Monday %v", k, monday)
	}
}
