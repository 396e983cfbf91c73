package commands

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/clock"
)

// TestVersionCommands: version [--json] tells the calendar; version
// pre-version switches from 6 to 20 July and is refused outside with the
// dates; usage errors are 2.
func TestVersionCommands(t *testing.T) {
	f := newFixture(t) // 05/10/2026: version 2026
	f.inService(f.spr)
	f.must(f.spr, []string{"version"}, "Version            PRONOTE 2026", "Version suivante   PRONOTE 2027",
		"Pré-version        du 06/07/2027 au 20/07/2027", "Bascule automatique le ")
	var v struct {
		Version, Next int
		SwitchAt      time.Time `json:"switch_at"`
		Open          bool      `json:"pre_version_open"`
	}
	o := f.must(f.spr, []string{"version", "--json"})
	if err := json.Unmarshal([]byte(o.stdout), &v); err != nil || v.Version != 2026 || v.Next != 2027 || v.Open ||
		v.SwitchAt.In(clock.Paris()).Month() != time.August {
		t.Fatalf("version --json: %+v %v\n%s", v, err, o.stdout)
	}
	if o := f.run(f.spr, "version", "pre-version"); o.code != ExitRefused || !strings.Contains(o.stderr, "du 06/07/2027 au 20/07/2027") {
		t.Fatalf("pre-version in October: %+v", o)
	}
	f.clk.Set(time.Date(2027, 7, 8, 10, 0, 0, 0, clock.Paris()))
	f.must(f.spr, []string{"version", "pre-version"}, "PRONOTE 2027 : la bascule est faite.", "(2027-2028) est en service.")
	st, _ := f.spr.Status(context.Background())
	if st.Version != "PRONOTE 2027" || st.InService == nil || st.InService.Year != 2027 {
		t.Fatalf("after pre-version: %+v", st)
	}
	for _, args := range [][]string{{"version", "x"}, {"version", "pre-version", "now"}} {
		if o := f.run(f.spr, args...); o.code != ExitUsage {
			t.Errorf("%v: %+v, want a usage error", args, o)
		}
	}
}
