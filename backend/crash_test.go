package backend_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite" // the database file, read as it is after a kill

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
)

// TestCrashKill9: kill -9 at any moment of a backup, a restore, a prune or
// a download leaves the last committed state and no unreferenced data, and
// restoring never destroys the state it replaces (issue "Nothing is lost").
//
// A child process (TestCrashChild, the same test binary) works on a data
// folder through the back end's API: changes, backups, opening a backup or
// an instant, pruning with its clock stepping forward, deleting bases,
// downloads read to their end, loads, annexes, the previous years' grid. It
// says on its stdout what it is about to do and what it committed. The
// parent kills it with SIGKILL at a random moment (or right after it
// starts, or where it is about to remove a stored file), reopens the data
// folder and checks it (see verify), opening one of the backups on the way;
// the next child goes on from there. CRASH_SEED replays a run's choices
// (not its timing).
func TestCrashKill9(t *testing.T) {
	sqliteOnly(t)
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL: Unix only")
	}
	if os.Getenv(crashEnvDir) != "" {
		t.Skip("in the child")
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("CRASH_SEED"); v != "" {
		var err error
		if seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			t.Fatalf("CRASH_SEED: %v", err)
		}
	}
	t.Logf("seed %d (CRASH_SEED=%d replays the choices)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	root := t.TempDir()
	st, first := prepareCrash(t, root)
	budget := 15 * time.Second
	if testing.Short() {
		budget = 5 * time.Second
	}
	h := &crashHistory{events: []crashEvent{first}}
	killedIn := map[string]int{}
	began := time.Now()
	for round := 0; round < 3 || time.Since(began) < budget; round++ {
		childSeed := rng.Uint64()
		mode, delay := "random", time.Duration(rng.Int64N(int64(800*time.Millisecond)))
		switch n := rng.IntN(10); {
		case n == 0:
			// The child is ready after 10 to 80 ms (-race): mostly during
			// the open and its sweep.
			mode, delay = "early", time.Duration(rng.Int64N(int64(40*time.Millisecond)))
		case n <= 2:
			mode = "drop"
		}
		events := runCrashChild(t, root, childSeed, mode, delay, h.last().At.Add(time.Minute))
		inFlight := "the open of the back end"
		if i := slices.IndexFunc(events, func(e crashEvent) bool { return e.Phase == "ready" }); i >= 0 {
			inFlight = "reads between operations"
			if n := len(events); events[n-1].Phase == "begin" {
				inFlight = events[n-1].Op
			} else if events[n-1].Phase == "dropping" {
				inFlight = "removal of a stored file (" + events[n-2].Op + ")"
			}
		}
		killedIn[inFlight]++
		h.events = append(h.events, events...)
		checked := time.Now()
		backups, good := h.verify(t, root, st, rng)
		t.Logf("round %d: child seed %d, %s kill (%v) during %s after %d events; %d backups checked in %v",
			round, childSeed, mode, delay, inFlight, len(events), backups, time.Since(checked).Round(time.Millisecond))
		if !good {
			t.Fatalf("round %d (child seed %d, killed during %s): the state after the kill is wrong", round, childSeed, inFlight)
		}
	}
	t.Logf("%d kills in %v, during: %v", func() int {
		n := 0
		for _, v := range killedIn {
			n += v
		}
		return n
	}(), time.Since(began).Round(time.Millisecond), killedIn)
}

// prepareCrash makes the data folder the children work on: an establishment
// with a short retention, two bases loaded (one of the previous school
// year), one in service with a few changes. The event is that state.
func prepareCrash(t *testing.T, root string) (crashState, crashEvent) {
	t.Helper()
	ctx := context.Background()
	e := openEnv(t, filepath.Join(root, "data"), clock.NewFake(start))
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	s := e.login(t, est, pw)
	ok(t, e.b.SetRetention(ctx, est.HostingNumber, crashRetention))
	st := crashState{Hosting: est.HostingNumber, Password: pw}
	ok(t, os.MkdirAll(filepath.Join(root, "src"), 0o700))
	var first backend.Base
	for i, src := range []struct {
		name string
		year hostfile.SchoolYear
		size int64
	}{{"HUGO-2025", 2025, 1 << 20}, {"HUGO-2024", 2024, 256 << 10}} {
		paths, err := hostfile.Generate(filepath.Join(root, "src"), hostfile.GenerateOptions{HostingNumber: est.HostingNumber,
			Name: src.name, Establishment: est.Name, Year: src.year, Students: 812, Teachers: 64, Classes: 31, Size: src.size,
			Now: start.Add(-time.Hour)})
		ok(t, err)
		b := load(t, s, paths[0])
		if i == 0 {
			first = b
		}
		st.Sources = append(st.Sources, crashSource{Paths: paths, BaseUID: b.BaseUID, Year: src.year})
	}
	ok(t, s.OpenBase(ctx, first.ID))
	ok(t, s.PutInService(ctx))
	write(t, e, est.HostingNumber, 5, "note")
	raw, err := json.Marshal(st)
	ok(t, err)
	ok(t, os.WriteFile(filepath.Join(root, "crash.json"), raw, 0o600))
	ok(t, e.b.Close())
	return st, crashEvent{Phase: "checked", At: start, Opened: first.ID, Changes: 5}
}

// childOutput collects a child's output: its events, and the rest for the
// failure message.
type childOutput struct {
	mu     sync.Mutex
	buf    []byte
	text   strings.Builder
	events []crashEvent
	phase  chan string // "ready", "dropping"
}

func (o *childOutput) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	for {
		i := bytes.IndexByte(o.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(o.buf[:i])
		o.buf = o.buf[i+1:]
		raw, found := strings.CutPrefix(line, crashPrefix)
		if !found {
			o.text.WriteString(line + "\n")
			continue
		}
		var e crashEvent
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			o.text.WriteString("unreadable event: " + line + "\n")
			continue
		}
		o.events = append(o.events, e)
		if e.Phase == "ready" || e.Phase == "dropping" {
			select {
			case o.phase <- e.Phase:
			default:
			}
		}
	}
}

// runCrashChild starts a child on root, kills it as mode says and returns
// its events. mode "early": delay after the start, whatever it is doing;
// "random": delay after it is ready; "drop": once it is about to remove a
// stored file (it hangs there), or 2 s after it is ready.
func runCrashChild(t *testing.T, root string, seed uint64, mode string, delay time.Duration, at time.Time) []crashEvent {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), crashEnvDir+"="+root, crashEnvSeed+"="+strconv.FormatUint(seed, 10),
		crashEnvClock+"="+at.Format(time.RFC3339Nano))
	if mode == "drop" {
		cmd.Env = append(cmd.Env, crashEnvDropHang+"=1")
	}
	out := &childOutput{phase: make(chan string, 4)}
	cmd.Stdout, cmd.Stderr = out, out
	ok(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }() //nolint:errcheck // the state says how it ended
	failed := func(why string) {
		cmd.Process.Kill()
		<-exited
		out.mu.Lock()
		defer out.mu.Unlock()
		t.Fatalf("child %s:\n%s", why, out.text.String())
	}
	wait := func(phase string, d time.Duration) bool {
		timer := time.NewTimer(d)
		defer timer.Stop()
		for {
			select {
			case p := <-out.phase:
				if p == phase {
					return true
				}
			case <-exited:
				failed("ended before it was killed")
			case <-timer.C:
				return false
			}
		}
	}
	switch mode {
	case "early":
		wait("", delay)
	case "random":
		if !wait("ready", time.Minute) {
			failed("not ready after a minute")
		}
		wait("", delay)
	case "drop":
		if !wait("ready", time.Minute) {
			failed("not ready after a minute")
		}
		wait("dropping", 2*time.Second)
	}
	ok(t, cmd.Process.Kill())
	<-exited
	if cmd.ProcessState.ExitCode() != -1 { // -1: killed by a signal
		failed("ended before it was killed")
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	return out.events
}

// crashHistory is every event of every child, and the parent's checks.
type crashHistory struct {
	events []crashEvent
}

// last is the latest event.
func (h *crashHistory) last() crashEvent { return h.events[len(h.events)-1] }

// replaces tells the operations that replace the opened base.
func replaces(op string) bool {
	return op == "open" || op == "instant" || op == "create" || op == "openbase"
}

// makesBase tells the operations that may insert a base (whose id may be
// one a base deleted for good had).
func makesBase(op string) bool { return replaces(op) || op == "load" }

// verify reopens the data folder after a kill and checks it against what
// the children said they committed: no temporary file left; the opened
// base and its changes as last committed (or as the operation killed
// would have left them); its change count equal to its log; every backup
// committed still listed unless a pruning may have removed it, and the
// backup of every state a restore replaced; every backup downloads whole
// and valid with its changes; deletions and archives hold; one backup,
// drawn at random, opens with its changes, the state it replaces backed up
// first. Then, the back end closed, the database file alone (see
// checkCrashDB). It appends the state it left.
func (h *crashHistory) verify(t *testing.T, root string, st crashState, rng *rand.Rand) (backups int, good bool) {
	t.Helper()
	ctx := context.Background()
	data := filepath.Join(root, "data")
	now := h.last().At
	for _, e := range h.events {
		if e.At.After(now) {
			now = e.At
		}
	}
	now = now.Add(time.Minute)
	env := openEnv(t, data, clock.NewFake(now))
	defer env.b.Close()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf(format, args...)
	}
	if left := env.tmp(t); len(left) != 0 {
		fail("temporary files left after the open: %v", left)
	}
	s, err := env.b.Login(ctx, backend.LoginRequest{HostingNumber: st.Hosting, Password: st.Password, Addr: "192.0.2.8"})
	ok(t, err)
	status := mustStatus(t, s)
	if status.Opened == nil {
		t.Fatal("no opened base after the kill")
	}

	// The last state a child completed, and the operation it was in.
	last, flying := h.events[0], (*crashEvent)(nil)
	for i, e := range h.events {
		switch e.Phase {
		case "ok", "refused", "ready", "checked":
			last, flying = e, nil
		case "begin":
			flying = &h.events[i]
		}
	}
	opened := status.Opened.ID
	switch {
	case opened == last.Opened:
		most := last.Changes
		if flying != nil && flying.Op == "changes" {
			most += flying.Expect
		}
		if status.Changes < last.Changes || status.Changes > most {
			fail("opened base %d holds %d changes; it held %d when last committed (at most %d since)", opened, status.Changes, last.Changes, most)
		}
	case flying != nil && flying.Op == "openbase" && opened == flying.Base:
		// The opening killed committed.
	case flying != nil && replaces(flying.Op) && flying.Op != "openbase" && opened > last.Opened:
		// The operation killed committed: a new opened base.
		if flying.Op == "open" && status.Changes != flying.Expect {
			fail("opened backup %d holds %d changes, want %d", flying.Backup, status.Changes, flying.Expect)
		}
		if flying.Op == "create" && status.Changes != 0 {
			fail("created base holds %d changes", status.Changes)
		}
	default:
		fail("opened base %d; last committed %d (operation in flight: %+v)", opened, last.Opened, flying)
	}
	changes, err := env.b.Changes(ctx, opened, 0, 0)
	ok(t, err)
	if int64(len(changes)) != status.Changes {
		fail("the opened base's log holds %d changes, its count says %d", len(changes), status.Changes)
	}

	// Every backup committed is there unless a pruning may have removed it,
	// and so is the backup of every state a restore replaced.
	view := mustBackups(t, s)
	var prunes []time.Time
	for _, e := range h.events {
		if e.Phase == "begin" && e.Op == "prune" {
			prunes = append(prunes, e.At)
		}
	}
	mayBePruned := func(at time.Time) bool {
		return slices.ContainsFunc(prunes, func(p time.Time) bool {
			return !p.Before(at.Add(time.Duration(crashRetention.Days) * 24 * time.Hour))
		})
	}
	kept := func(want func(backend.Backup) bool) bool { return slices.ContainsFunc(view.Backups, want) }
	var begin crashEvent
	for _, e := range h.events {
		if e.Phase == "begin" {
			begin = e
		}
		if e.Phase != "ok" {
			continue
		}
		if e.Op == "backup" && !mayBePruned(e.BackupAt) && !kept(func(k backend.Backup) bool {
			return k.ID == e.Backup && k.At.Equal(e.BackupAt) && k.BaseID == e.BackupBase
		}) {
			fail("backup %d (base %d, %v) was committed and is gone", e.Backup, e.BackupBase, e.BackupAt)
		}
		if replaces(e.Op) && begin.Opened != 0 && !mayBePruned(begin.At) && !kept(func(k backend.Backup) bool {
			return k.Kind == backend.BackupBeforeReplace && k.BaseID == begin.Opened && k.Changes == begin.Changes && k.At.Equal(begin.At)
		}) {
			fail("%s at %v replaced base %d (%d changes) and its backup is gone", e.Op, begin.At, begin.Opened, begin.Changes)
		}
	}
	if flying != nil && replaces(flying.Op) && opened != last.Opened && !kept(func(k backend.Backup) bool {
		return k.Kind == backend.BackupBeforeReplace && k.BaseID == flying.Opened && k.Changes == flying.Changes && k.At.Equal(flying.At)
	}) {
		fail("%s killed after its commit replaced base %d (%d changes) without its backup", flying.Op, flying.Opened, flying.Changes)
	}

	// Every backup downloads whole, valid, with its changes.
	for _, k := range view.Backups {
		file := download(t, s, k.ID, 0)
		hdr, _, err := hostfile.Verify(bytes.NewReader(file), hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: st.Hosting})
		if err != nil {
			fail("backup %d (%s): download invalid: %v", k.ID, k.FileName, err)
			continue
		}
		payload := file[len(file)-hostfile.TrailerSize-int(hdr.PayloadSize) : len(file)-hostfile.TrailerSize]
		if _, cs, err := hostfile.ReadChanges(payload); err != nil || int64(len(cs)) != k.Changes {
			fail("backup %d: download holds %d changes (%v), the backup %d", k.ID, len(cs), err, k.Changes)
		}
	}

	// Deletions and archives committed hold, unless a later operation may
	// have reused the id.
	lists := mustBases(t, s)
	years, err := s.Years(ctx)
	ok(t, err)
	for i, e := range h.events {
		if e.Phase != "ok" || slices.ContainsFunc(h.events[i:], func(l crashEvent) bool {
			return l.Phase == "begin" && makesBase(l.Op) || l.Phase == "checked" // the check opens a backup
		}) {
			continue
		}
		switch e.Op {
		case "delete":
			if slices.ContainsFunc(allBases(lists), func(b backend.Base) bool { return b.ID == e.Base }) {
				fail("base %d was deleted and is listed again", e.Base)
			}
		case "year":
			if slices.ContainsFunc(h.events[i+1:], func(l crashEvent) bool { return l.Op == "year" && l.Expect == e.Expect }) {
				continue
			}
			if i := slices.IndexFunc(years, func(r backend.YearRow) bool { return int64(r.Year) == e.Expect }); i < 0 ||
				years[i].Base == nil || years[i].Base.ID != e.Base {
				fail("year %d was given base %d and lost it", e.Expect, e.Base)
			}
		}
	}

	// A backup opens with its changes, the state it replaces backed up.
	changed := status
	if n := len(view.Backups); n > 0 {
		k := view.Backups[rng.IntN(n)]
		base, err := s.OpenBackup(ctx, k.ID, true)
		ok(t, err)
		if changed = mustStatus(t, s); changed.Opened == nil || changed.Opened.ID != base.ID || changed.Changes != k.Changes {
			fail("opened backup %d of %d changes: opened base %v with %d changes", k.ID, k.Changes, changed.Opened, changed.Changes)
		}
		if !slices.ContainsFunc(mustBackups(t, s).Backups, func(b backend.Backup) bool {
			return b.Kind == backend.BackupBeforeReplace && b.BaseID == opened && b.Changes == status.Changes && b.At.Equal(now)
		}) {
			fail("opening backup %d replaced base %d (%d changes) without backing it up", k.ID, opened, status.Changes)
		}
	}
	ok(t, env.b.Close())

	// The database as a file: sound, and no data that nothing references.
	var collected time.Time
	for _, e := range h.events {
		if e.Phase == "ok" && (e.Op == "prune" || e.Op == "delete" || e.Op == "year") {
			collected = e.At
		}
	}
	for _, p := range checkCrashDB(t, data, collected) {
		fail("%s", p)
	}
	seen := crashEvent{Phase: "checked", At: now, Changes: changed.Changes}
	if changed.Opened != nil {
		seen.Opened = changed.Opened.ID
	}
	h.events = append(h.events, seen)
	return len(view.Backups), !t.Failed()
}

// checkCrashDB opens the database file alone and lists what is wrong: its
// integrity, its foreign keys, change totals that differ from the log,
// stored files nothing references or referenced and missing, and hidden
// bases that the last collection (at collected) should have deleted.
func checkCrashDB(t *testing.T, data string, collected time.Time) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(data, "hebergement.db"))+"?_pragma=busy_timeout(10000)")
	ok(t, err)
	defer db.Close()
	var problems []string
	strs := func(q string, args ...any) []string {
		rows, err := db.Query(q, args...)
		ok(t, err)
		defer rows.Close()
		cols, err := rows.Columns()
		ok(t, err)
		var out []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			ok(t, rows.Scan(ptrs...))
			out = append(out, strings.TrimSpace(fmt.Sprintln(vals...)))
		}
		ok(t, rows.Err())
		return out
	}
	if r := strs(`PRAGMA integrity_check`); len(r) != 1 || r[0] != "ok" {
		problems = append(problems, fmt.Sprintf("integrity_check: %v", r))
	}
	if r := strs(`PRAGMA foreign_key_check`); len(r) != 0 {
		problems = append(problems, fmt.Sprintf("foreign_key_check: %v", r))
	}
	if r := strs(`SELECT b.id, COALESCE(t.count, 0), COUNT(c.id) FROM bases b
		LEFT JOIN change_totals t ON t.base_id = b.id LEFT JOIN changes c ON c.base_id = b.id
		GROUP BY b.id HAVING COALESCE(t.count, 0) != COUNT(c.id)`); len(r) != 0 {
		problems = append(problems, fmt.Sprintf("change totals differ from the log (base, total, log): %v", r))
	}
	if !collected.IsZero() {
		keepSince := collected.Add(-backend.PITRWindow).UnixMilli()
		if r := strs(`SELECT b.id FROM bases b WHERE b.deleted_at IS NOT NULL AND b.deleted_at <= ?1
			AND b.id NOT IN (SELECT opened_base_id FROM establishments WHERE opened_base_id IS NOT NULL)
			AND NOT EXISTS (SELECT 1 FROM backups k WHERE k.base_id = b.id)
			AND NOT EXISTS (SELECT 1 FROM archives a WHERE a.base_id = b.id)
			AND NOT EXISTS (SELECT 1 FROM service_periods p WHERE p.base_id = b.id AND (p.ended_at IS NULL OR p.ended_at >= ?2))`,
			collected.UnixMilli(), keepSince); len(r) != 0 {
			problems = append(problems, fmt.Sprintf("hidden bases nothing needs, kept past the collection of %v: %v", collected, r))
		}
	}
	refs := map[string]int64{}
	for _, r := range strs(`SELECT sha256, size FROM bases UNION SELECT sha256, size FROM annexes`) {
		sha, size, _ := strings.Cut(r, " ")
		n, err := strconv.ParseInt(size, 10, 64)
		ok(t, err)
		refs[sha] = n
	}
	objects := filepath.Join(data, "files", "objects")
	for _, f := range files(t, objects) {
		if _, found := refs[filepath.Base(f)]; !found {
			problems = append(problems, "stored file nothing references: "+f)
		}
	}
	for sha, size := range refs {
		fi, err := os.Stat(filepath.Join(objects, sha[:2], sha))
		if err != nil || fi.Size() != size {
			problems = append(problems, fmt.Sprintf("referenced file %s of %d bytes: %v", sha, size, statSize(fi, err)))
		}
	}
	return problems
}

func statSize(fi os.FileInfo, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%d bytes", fi.Size())
}
