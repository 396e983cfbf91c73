package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/scheduler"
)

// sprAt opens the data folder's back end on a fake clock at 'at' and logs in
// as the SPR of number, with the credentials the outbox holds; both close at
// the end of the test, or earlier by the returned function.
func sprAt(t *testing.T, data, number string, at time.Time) (*backend.Backend, *backend.Session, func()) {
	t.Helper()
	ctx := context.Background()
	pw := regexp.MustCompile(`mot de passe est (\S{14})`).FindStringSubmatch(readOutbox(t, data, "sms"))
	if pw == nil {
		t.Fatal("no password in the SMS")
	}
	b, err := backend.Open(ctx, backend.Options{DataDir: data, Clock: clock.NewFake(at), Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	est, err := b.EstablishmentByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: number, Password: pw[1], Invoice: est.Invoice, Addr: "test"})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	done := func() {
		if !closed {
			closed = true
			s.Close()
			b.Close()
		}
	}
	t.Cleanup(done)
	return b, s, done
}

// inServiceAt creates a base and puts it in service at 'at'.
func inServiceAt(t *testing.T, data, number string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	_, s, done := sprAt(t, data, number, at)
	defer done()
	if _, err := s.CreateBase(ctx, s.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
}

// nightlies are the instants of the establishment's nightly backups, most
// recent first, and how many backup.nightly and backup.prune entries its
// journal holds, read on a clock at 'at'.
func nightlies(t *testing.T, data, number string, at time.Time) (backups []time.Time, made, prunes int) {
	t.Helper()
	ctx := context.Background()
	b, s, done := sprAt(t, data, number, at)
	defer done()
	v, err := s.Backups(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range v.Backups {
		if k.Kind == backend.BackupNightly {
			backups = append(backups, k.At)
		}
	}
	entries, err := b.Journal(ctx, s.EstablishmentID(), 10000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Action {
		case "backup.nightly":
			made++
		case "backup.prune":
			prunes++
		}
	}
	return backups, made, prunes
}

func rfc3339(t time.Time) string { return t.Format(time.RFC3339) }

// TestJobsRunStepsThroughMonths: `admin jobs run --at` stepped every 15
// days through four months makes one nightly backup per step (a catch-up
// for the 15 nights, not one per night), at the step's instant, and the
// pruning removes those past the retention (7 days, then 2 weeks).
func TestJobsRunStepsThroughMonths(t *testing.T) {
	data := t.TempDir()
	number := createEstablishment(t, data)
	paris := clock.Paris()
	inServiceAt(t, data, number, time.Date(2027, 1, 4, 9, 0, 0, 0, paris))
	out, err := run(t, data, "admin", "establishment", "set-retention", number, "--days", "7", "--weeks", "2")
	if err != nil || !strings.Contains(out, "every backup of the last 7 day(s), then the latest of each week for 2 week(s)") {
		t.Fatalf("set-retention: %v\n%s", err, out)
	}

	var steps []time.Time
	for k := range 8 { // 5 January to 20 April, across the change to summer time
		steps = append(steps, time.Date(2027, 1, 5+15*k, 3, 0, 0, 0, paris))
	}
	for k, at := range steps {
		out, err := run(t, data, "admin", "jobs", "run", "--at", rfc3339(at))
		if err != nil || !containsAll(out, "Jobs due at "+rfc3339(at), "  nightly-backup: ok (1 backup(s) taken)", "  prune-backups: ok (") ||
			strings.Contains(out, "Note:") {
			t.Fatalf("step %s: %v\n%s", at, err, out)
		}
		kept, made, _ := nightlies(t, data, number, at)
		if made != k+1 {
			t.Fatalf("step %s: %d nightly backups made in all, want %d (one per step)", at, made, k+1)
		}
		// This step's, at its instant, and the previous step's (15 days:
		// its week's latest, within 7 days + 2 weeks); older ones pruned.
		want := []time.Time{at}
		if k > 0 {
			want = append(want, steps[k-1])
		}
		if len(kept) != len(want) {
			t.Fatalf("step %s: backups %v, want %v", at, kept, want)
		}
		for i := range want {
			if !kept[i].Equal(want[i]) {
				t.Fatalf("step %s: backups %v, want %v", at, kept, want)
			}
		}
	}
	last := steps[len(steps)-1]
	_, _, prunes := nightlies(t, data, number, last)
	if prunes != len(steps)-2 {
		t.Errorf("%d prunings removed something, want %d", prunes, len(steps)-2)
	}

	// Again at the same instant: nothing is due, nothing is made.
	out, err = run(t, data, "admin", "jobs", "run", "--at", rfc3339(last))
	if err != nil || !containsAll(out, "nightly-backup: not due (next due 2027-04-21T02:00:00+02:00)",
		"prune-backups: not due (next due 2027-04-21T03:00:00+02:00)") {
		t.Fatalf("again: %v\n%s", err, out)
	}
	if _, made, _ := nightlies(t, data, number, last); made != len(steps) {
		t.Errorf("a run at the same instant made a backup: %d", made)
	}
	out, err = run(t, data, "--now", "2027-04-20T09:00:00+02:00", "admin", "jobs", "list")
	if err != nil || !regexp.MustCompile(`nightly-backup +every day at 02:00 Europe/Paris +2027-04-20 03:00 CEST +2027-04-21 02:00 CEST`).MatchString(out) ||
		!regexp.MustCompile(`prune-backups +every day at 03:00 Europe/Paris +2027-04-20 03:00 CEST +2027-04-21 03:00 CEST`).MatchString(out) {
		t.Errorf("jobs list: %v\n%s", err, out)
	}
	// Seen from the real clock, months before, those runs are not trusted.
	out, _ = run(t, data, "admin", "jobs", "list")
	if !strings.Contains(out, "at once (its last run is after now)") {
		t.Errorf("jobs list before the recorded runs:\n%s", out)
	}
}

// TestJobsRunBesideTheLockHolder: while another process holds the
// scheduler lock, the jobs run all the same and the command says so, but
// scheduler.json is the holder's; once the lock is free, the run is
// recorded, and the night's backup is not made twice.
func TestJobsRunBesideTheLockHolder(t *testing.T) {
	data := t.TempDir()
	number := createEstablishment(t, data)
	at := time.Date(2027, 3, 10, 2, 30, 0, 0, clock.Paris())
	inServiceAt(t, data, number, at.Add(-24*time.Hour))
	l, _, err := scheduler.TryLease(data, time.Now())
	if err != nil || l == nil {
		t.Fatalf("lease: %v", err)
	}
	out, err := run(t, data, "admin", "jobs", "run", "--at", "2027-03-10T02:30+01:00")
	l.Release()
	if err != nil || !containsAll(out, "Note: another process (pid ", "holds the scheduler lock of this data folder",
		"not recorded in scheduler.json", "  nightly-backup: ok (", "  prune-backups: ok (") {
		t.Fatalf("beside the holder: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(data, scheduler.StateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("scheduler.json written beside the holder: %v", err)
	}
	if kept, made, _ := nightlies(t, data, number, at); made != 1 || len(kept) != 1 || !kept[0].Equal(at) {
		t.Fatalf("backups %v, %d made", kept, made)
	}
	out, err = run(t, data, "admin", "jobs", "run", "--at", "2027-03-10T01:30:00Z")
	if err != nil || strings.Contains(out, "Note:") || !strings.Contains(out, "nightly-backup: ok") {
		t.Fatalf("once the lock is free: %v\n%s", err, out)
	}
	if _, made, _ := nightlies(t, data, number, at); made != 1 {
		t.Errorf("the night's backup was made %d times", made)
	}
	out, err = run(t, data, "admin", "jobs", "list")
	if err != nil || !strings.Contains(out, "2027-03-10 02:30 CET") {
		t.Errorf("the run is not recorded: %v\n%s", err, out)
	}
}

// TestJobsRunReportsFailures: every job's outcome is told, a panic in one
// line, and a failure is the command's error.
func TestJobsRunReportsFailures(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2027, 8, 25, 3, 0, 0, 0, clock.Paris())
	mk := func(name string, run func(context.Context, time.Time) error) scheduler.Job {
		return scheduler.NewJob(name, scheduler.Daily(3, 0, clock.Paris()), run)
	}
	var got time.Time
	s, err := scheduler.New(scheduler.Config{Dir: dir, Jobs: []scheduler.Job{
		mk("broken", func(context.Context, time.Time) error { return errors.New("disk full") }),
		mk("buggy", func(context.Context, time.Time) error { panic("a bug") }),
		mk("fine", func(_ context.Context, now time.Time) error { got = now; return nil }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var out bytes.Buffer
	err = runJobsAt(context.Background(), &out, s, dir, false, at, func(string) string { return "" })
	if err == nil || err.Error() != "2 jobs failed" {
		t.Errorf("error %v", err)
	}
	if !containsAll(out.String(), "  broken: error: disk full\n", "  buggy: panic: a bug\n", "  fine: ok\n") || !got.Equal(at) {
		t.Errorf("output:\n%s(fine ran at %v)", out.String(), got)
	}
}

func TestJobsRunRefusesBadInstants(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "--at is required"},
		{[]string{"--at", "2027-08-25T03:00"}, `"2027-08-25T03:00" has no UTC offset: give one, e.g. 2027-08-25T03:00+02:00`},
		{[]string{"--at", "2027-08-25"}, "has no UTC offset"},
		{[]string{"--at", "demain"}, `--at: "demain" is not an instant: use RFC 3339 with its offset`},
		{[]string{"--at", "2027-13-25T03:00+02:00"}, "is not an instant"},
		{[]string{"--at", ""}, "is not an instant"},
		{[]string{"--at", "2027-08-25T03:00+02:00", "extra"}, "unknown command"},
	} {
		out, err := run(t, data, append([]string{"admin", "jobs", "run"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Errorf("a refused run touched the data folder: %v", entries)
	}
}

func TestEstablishmentSetRetention(t *testing.T) {
	data := t.TempDir()
	number := createEstablishment(t, data)
	at := time.Date(2027, 1, 4, 9, 0, 0, 0, clock.Paris())
	retention := func() backend.Retention {
		t.Helper()
		_, s, done := sprAt(t, data, number, at)
		defer done()
		v, err := s.Backups(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return v.Retention
	}
	if r := retention(); r != backend.DefaultRetention {
		t.Fatalf("default retention %+v", r)
	}
	out, err := run(t, data, "admin", "establishment", "set-retention", number, "--days", "14", "--weeks", "0")
	if err != nil || !strings.Contains(out, "Backup retention set for "+number+" (Lycée Victor Hugo): every backup of the last 14 day(s), then the latest of each week for 0 week(s).") {
		t.Fatalf("set-retention: %v\n%s", err, out)
	}
	if r := retention(); r != (backend.Retention{Days: 14, Weeks: 0}) {
		t.Fatalf("retention %+v", r)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{number, "--days", "0", "--weeks", "2"}, `--days: "0" must be a whole number from 1 to 366`},
		{[]string{number, "--days", "367", "--weeks", "2"}, "from 1 to 366"},
		{[]string{number, "--days", "30", "--weeks", "521"}, `--weeks: "521" must be a whole number from 0 to 520`},
		{[]string{number, "--days", "30", "--weeks=-1"}, "from 0 to 520"},
		{[]string{number, "--days", "trente", "--weeks", "2"}, "from 1 to 366"},
		{[]string{number, "--days", "30"}, `required flag(s) "weeks" not set`},
		{[]string{number, "--weeks", "3"}, `required flag(s) "days" not set`},
		{[]string{"--days", "30", "--weeks", "3"}, "accepts 1 arg"},
		{[]string{"123456789012", "--days", "30", "--weeks", "3"}, "no establishment has the hosting number 123456789012"},
		{[]string{"12ab", "--days", "30", "--weeks", "3"}, "12 digits"},
	} {
		out, err := run(t, data, append([]string{"admin", "establishment", "set-retention"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q\n%s", c.args, err, c.want, out)
		}
	}
	if r := retention(); r != (backend.Retention{Days: 14, Weeks: 0}) {
		t.Errorf("a refused set-retention changed the policy: %+v", r)
	}
}

// TestJobsAreWired: serve and the local console run the back end's jobs,
// and serve's health line counts them.
func TestJobsAreWired(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{DataDir: dir, Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := startServices(ctx, &globals{http: ""}, b, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(a.SchedulerState().Jobs, ","); got != backend.JobNightlyBackup+","+backend.JobPruneBackups+","+backend.JobSwitch {
		t.Errorf("the console's jobs: %q", got)
	}
	stopServices(a)
	b.Close()

	_, logs, cancel, done, result := serveInBackground(t, "--data", t.TempDir(), "serve", "--listen", "127.0.0.1:0",
		"--http", "127.0.0.1:0", "--metrics", "")
	waitOutput(t, logs, regexp.MustCompile(`scheduler: active jobs=3 `), done, result)
	cancel()
	<-done
}

// TestJobsNeedADataFolder: a mistyped --data is refused, and nothing is
// created there.
func TestJobsNeedADataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{{"admin", "jobs", "run", "--at", "2027-01-05T03:00+01:00"}, {"admin", "jobs", "list"}} {
		out, err := run(t, dir, args...)
		if err == nil || !strings.Contains(err.Error(), "not a data folder") {
			t.Errorf("%v on a missing folder: %v\n%s", args, err, out)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the mistyped folder was created: %v", err)
	}
}
