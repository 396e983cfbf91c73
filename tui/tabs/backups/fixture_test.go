package backups_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/tui"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The tab is tested inside the whole console (package tui), on a real back
// end with a fake clock, driven by keys as a user would; the history is
// made with the back end's own API.

// options are the console options of the tests: the hosting number
// prefilled, the fake clock.
func options(f *ct.Fixture) tui.Options {
	var o tui.Options
	o.Prefill.HostingNumber = f.Est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.Files
	o.Now = f.Clk.Now
	return o
}

// open starts a console at w×h on f, logs in and shows Sauvegardes once it
// has loaded and shows every one of wait.
func open(t *testing.T, f *ct.Fixture, w, h int, wait ...string) *ct.Screen {
	t.Helper()
	s := f.Start(t, w, h, tui.New(f.B, options(f)), tui.Screen)
	s.Login(t)
	s.Key("2")
	s.WaitText(t, append([]string{"Années précédentes ("}, wait...)...)
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// at is a date and time in Paris.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, ct.Epoch.Location())
}

// History is the bases history made.
type History struct {
	Old, Last, Current, Essai backend.Base
}

// history makes a school's last two years on the fake clock, ending at
// ct.Epoch (Saturday 28/11/2026 09:00):
//   - "Collège Victor Hugo 2024" served 2024-2025, "Collège Victor Hugo
//     2025" served 2025-2026, "Collège Victor Hugo 2026" in service since
//     the switch of 24/08/2026 (each change of base backed up first:
//     "Avant remplacement");
//   - nightly backups every Sunday of October and November and every night
//     from 15/11, with a few changes a day from clients (the log);
//   - "Essai emploi du temps" put in service on 17/11 at 10:15 and
//     deleted the next morning (its backups stay, marked);
//   - a manual backup on 27/11 at 14:30;
//   - 2024-2025 archived with its base; 2025-2026 left empty;
//   - the pruning of the night of 28/11 applied.
func history(t testing.TB, f *ct.Fixture) History {
	t.Helper()
	ctx := context.Background()
	sess := f.Session(t)
	gen := func(name string, year, students int) backend.Base {
		return f.Load(t, sess, f.Generate(t, name, year, students)[0])
	}
	var h History
	f.Clk.Set(at(2024, 8, 26, 8, 0))
	h.Old = gen("Collège Victor Hugo 2024", 2024, 480)
	must(t, sess.OpenBase(ctx, h.Old.ID))
	must(t, sess.PutInService(ctx))
	f.Clk.Set(at(2025, 8, 25, 8, 0))
	h.Last = gen("Collège Victor Hugo 2025", 2025, 512)
	must(t, sess.StopAndOpenBase(ctx, h.Last.ID))
	must(t, sess.PutInService(ctx))
	f.Clk.Set(at(2026, 8, 24, 7, 0))
	h.Current = gen("Collège Victor Hugo 2026", 2026, 530)
	must(t, sess.StopAndOpenBase(ctx, h.Current.ID))
	must(t, sess.PutInService(ctx))
	must(t, sess.ReplaceYear(ctx, 2024, h.Old.ID))

	day := 0
	night := func(d time.Time) {
		t.Helper()
		// A few changes the evening before, by a teacher connected then.
		f.Clk.Set(d.Add(-8 * time.Hour))
		c := f.Connect(t, fmt.Sprintf("Professeur %d", day), "Professeurs", "enseignant", "10.0.0.1")
		for i := range 3 + day%5 {
			if _, err := f.B.RecordChange(ctx, f.Est.HostingNumber, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("Note %d", i)}); err != nil {
				t.Fatalf("RecordChange: %v", err)
			}
		}
		must(t, f.B.Disconnect(ctx, f.Est.HostingNumber, c.ID))
		day++
		f.Clk.Set(d)
		if _, err := f.B.NightlyBackups(ctx, d); err != nil {
			t.Fatalf("NightlyBackups: %v", err)
		}
	}
	for d := at(2026, 10, 4, 2, 0); d.Before(at(2026, 11, 15, 0, 0)); d = d.AddDate(0, 0, 7) {
		night(d)
	}
	for d := at(2026, 11, 15, 2, 0); !d.After(at(2026, 11, 28, 2, 0)); d = d.AddDate(0, 0, 1) {
		night(d)
		switch d.Day() {
		case 17: // a trial base put in service for a day
			f.Clk.Set(at(2026, 11, 17, 10, 15))
			paths, err := hostfile.Generate(f.Files, hostfile.GenerateOptions{
				HostingNumber: f.Est.HostingNumber, Name: "Essai emploi du temps", Establishment: f.Est.Name,
				Year: 2026, Students: 530, Teachers: 44, Classes: 21, Size: 2 << 20, Now: ct.Epoch,
				BaseID: strings.Repeat("e", 32),
			})
			must(t, err)
			essai := f.Load(t, sess, paths[0])
			must(t, sess.StopAndOpenBase(ctx, essai.ID))
			must(t, sess.PutInService(ctx))
			h.Essai = essai
		case 18:
			f.Clk.Set(at(2026, 11, 18, 8, 5))
			must(t, sess.StopAndOpenBase(ctx, h.Current.ID))
			must(t, sess.PutInService(ctx))
			must(t, sess.DeleteBase(ctx, h.Essai.ID))
		case 27:
			f.Clk.Set(at(2026, 11, 27, 14, 30))
			if _, err := sess.CreateBackup(ctx); err != nil {
				t.Fatalf("CreateBackup: %v", err)
			}
		}
	}
	f.Clk.Set(at(2026, 11, 28, 3, 0))
	if _, err := f.B.PruneBackups(ctx, f.Clk.Now()); err != nil {
		t.Fatalf("PruneBackups: %v", err)
	}
	f.Clk.Set(ct.Epoch)
	return h
}

// hexRun is a piece of a hash on screen.
var hexRun = regexp.MustCompile(`[0-9a-f]{6,}`)

// normalize is ct's Normalize, and the hashes of the backups' bases (a
// deleted base's among them) by the pieces of ct.FixedHash.
func normalize(t testing.TB, f *ct.Fixture, s string) string {
	t.Helper()
	s = f.Normalize(t, s)
	v, err := f.Session(t).Backups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return hexRun.ReplaceAllStringFunc(s, func(run string) string {
		for _, b := range v.Backups {
			if i := strings.Index(b.BaseSHA256, run); i >= 0 && len(b.BaseSHA256) == len(ct.FixedHash) {
				return ct.FixedHash[i : i+len(run)]
			}
		}
		return run
	})
}

// backups are the establishment's backups, most recent first.
func backups(t testing.TB, f *ct.Fixture) []backend.Backup {
	t.Helper()
	v, err := f.Session(t).Backups(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return v.Backups
}

// flat is text with every run of spaces and line breaks made one space:
// a sentence of the status line reads whole across its two lines.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }

// waitFlat waits until the screen, flattened, holds every one of texts:
// for the sentences of the status line, which wraps on a narrow screen.
func waitFlat(t *testing.T, s *ct.Screen, texts ...string) {
	t.Helper()
	s.WaitFor(t, strings.Join(texts, ", "), func(v string) bool {
		v = flat(v)
		for _, x := range texts {
			if !strings.Contains(v, flat(x)) {
				return false
			}
		}
		return true
	})
}
