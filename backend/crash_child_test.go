package backend_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

// The child process of TestCrashKill9: it works on a prepared data folder
// until its parent kills it with SIGKILL, and says on its stdout what it
// is about to do and what it committed, one JSON line per event.

// The environment of the child.
const (
	crashEnvDir      = "CRASH_CHILD_DIR"      // the folder of crashState and data/
	crashEnvSeed     = "CRASH_CHILD_SEED"     // its random choices
	crashEnvClock    = "CRASH_CHILD_CLOCK"    // its fake clock's start, RFC 3339
	crashEnvDropHang = "CRASH_CHILD_DROPHANG" // "1": hang where a stored file is about to be removed
)

// crashRetention is the policy of the child's establishment: short, so that
// pruning removes backups and bases within a few simulated days.
var crashRetention = backend.Retention{Days: 2, Weeks: 1}

// crashState is what the parent prepared, in crash.json beside data/.
type crashState struct {
	Hosting  string
	Password string
	// Sources are *.HNOT the child loads, each with its annexes and the base
	// id they carry.
	Sources []crashSource
}

type crashSource struct {
	Paths   []string // base first, then the annexes
	BaseUID string
	Year    hostfile.SchoolYear
}

// crashEvent is one line of the child's stdout, after crashPrefix.
type crashEvent struct {
	// Phase: "ready" once open, "begin" before an operation, "ok" after it
	// committed, "refused" when a rule refused it (nothing changed),
	// "dropping" when a stored file is about to be removed (drop hang).
	Phase string
	Op    string    `json:",omitempty"`
	At    time.Time // the child's clock
	// Opened and Changes: the opened base and how many changes its log
	// holds, before the operation (begin) or after it (ok, refused, ready).
	Opened  int64
	Changes int64
	// Backup: the backup taken, opened or downloaded; Base: the base
	// deleted, opened or archived, or created by the operation (ok).
	Backup int64 `json:",omitempty"`
	Base   int64 `json:",omitempty"`
	// Expect: for changes, how many the operation writes; for open, the
	// backup's changes (the new opened base must hold exactly those); for
	// year, the school year.
	Expect int64 `json:",omitempty"`
	// BackupAt, BackupBase: the backup taken (ok of backup).
	BackupAt   time.Time `json:",omitzero"`
	BackupBase int64     `json:",omitempty"`
}

const crashPrefix = "crash-event "

// TestCrashChild is the child process of TestCrashKill9.
func TestCrashChild(t *testing.T) {
	root := os.Getenv(crashEnvDir)
	if root == "" {
		t.Skip("child process of TestCrashKill9")
	}
	seed, err := strconv.ParseUint(os.Getenv(crashEnvSeed), 10, 64)
	ok(t, err)
	at, err := time.Parse(time.RFC3339Nano, os.Getenv(crashEnvClock))
	ok(t, err)
	raw, err := os.ReadFile(filepath.Join(root, "crash.json"))
	ok(t, err)
	var st crashState
	ok(t, json.Unmarshal(raw, &st))

	ctx := context.Background()
	c := clock.NewFake(at)
	b, err := backend.Open(ctx, backend.Options{DataDir: filepath.Join(root, "data"), Clock: c, Hashing: password.Fast,
		PollInterval: time.Second})
	ok(t, err)
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: st.Hosting, Password: st.Password, Addr: "192.0.2.9"})
	ok(t, err)
	w := &crashWorker{t: t, b: b, s: s, c: c, st: st, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	if os.Getenv(crashEnvDropHang) == "1" {
		backend.SetDropHook(t, func(sum string) {
			w.emit(crashEvent{Phase: "dropping"})
			time.Sleep(time.Hour) // killed here
		})
	}
	w.emit(w.state(crashEvent{Phase: "ready"}))
	// The parent kills it well before; the bound keeps an orphan from
	// working forever.
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		w.step(ctx)
	}
}

// crashWorker drives one back end through random operations.
type crashWorker struct {
	t   *testing.T
	b   *backend.Backend
	s   *backend.Session
	c   *clock.Fake
	st  crashState
	rng *rand.Rand
}

// emit writes one event line; a single write, so that a kill leaves whole
// lines only.
func (w *crashWorker) emit(e crashEvent) {
	e.At = w.c.Now()
	line, err := json.Marshal(e)
	if err != nil {
		w.t.Fatal(err)
	}
	os.Stdout.Write(append(append([]byte(crashPrefix), line...), '\n'))
}

// state fills in the opened base and its changes.
func (w *crashWorker) state(e crashEvent) crashEvent {
	st := mustStatus(w.t, w.s)
	if st.Opened != nil {
		e.Opened = st.Opened.ID
	}
	e.Changes = st.Changes
	return e
}

// The operations and their weights.
var crashOps = []struct {
	name   string
	weight int
}{
	{"changes", 22}, {"backup", 12}, {"nightly", 4}, {"open", 10}, {"instant", 6}, {"prune", 10},
	{"delete", 8}, {"download", 16}, {"create", 3}, {"load", 3}, {"openbase", 4}, {"attach", 3}, {"year", 2},
}

func (w *crashWorker) pick() string {
	total := 0
	for _, o := range crashOps {
		total += o.weight
	}
	n := w.rng.IntN(total)
	for _, o := range crashOps {
		if n < o.weight {
			return o.name
		}
		n -= o.weight
	}
	panic("unreachable")
}

// step advances the clock and runs one operation.
func (w *crashWorker) step(ctx context.Context) {
	t := w.t
	// Whole seconds: the store keeps milliseconds, and the parent compares.
	w.c.Advance(time.Minute + time.Duration(w.rng.Int64N(3*3600))*time.Second)
	st := mustStatus(t, w.s)
	before := crashEvent{Phase: "begin", At: w.c.Now()}
	if st.Opened != nil {
		before.Opened = st.Opened.ID
	}
	before.Changes = st.Changes
	op := w.pick()
	if op == "changes" && st.State != backend.ServerRunning {
		op = "start"
	}
	before.Op = op
	done := crashEvent{Phase: "ok", Op: op}
	var err error
	switch op {
	case "start":
		w.emit(before)
		err = w.s.PutInService(ctx)
	case "changes":
		n := 1 + w.rng.IntN(30)
		before.Expect = int64(n)
		w.emit(before)
		err = w.changes(ctx, st.Establishment.HostingNumber, n)
	case "backup":
		w.emit(before)
		var k backend.Backup
		if k, err = w.s.CreateBackup(ctx); err == nil {
			done.Backup, done.BackupAt, done.BackupBase = k.ID, k.At, k.BaseID
			if k.Changes != st.Changes || k.BaseID != before.Opened {
				t.Fatalf("backup %+v of base %d with %d changes", k, before.Opened, st.Changes)
			}
		}
	case "nightly":
		w.emit(before)
		_, err = w.b.NightlyBackups(ctx, w.c.Now())
	case "open":
		k, found := w.anyBackup()
		if !found {
			return
		}
		before.Backup, before.Expect = k.ID, k.Changes
		w.emit(before)
		var base backend.Base
		if base, err = w.s.OpenBackup(ctx, k.ID, true); err == nil {
			done.Base = base.ID
			if got := mustStatus(t, w.s); got.Opened == nil || got.Opened.ID != base.ID || got.Changes != k.Changes {
				t.Fatalf("opened backup %d of %d changes: status %+v", k.ID, k.Changes, got)
			}
			w.replacedKept(before)
		}
	case "instant":
		w.emit(before)
		var base backend.Base
		at := w.c.Now().Add(-time.Duration(w.rng.Int64N(int64(backend.PITRWindow))))
		if base, err = w.s.OpenInstant(ctx, at, true); err == nil {
			done.Base = base.ID
			w.replacedKept(before)
		}
	case "prune":
		w.emit(before)
		_, err = w.b.PruneBackups(ctx, w.c.Now())
	case "delete":
		base, found := w.anyBase(func(b backend.Base) bool { return !b.Opened })
		if !found {
			return
		}
		before.Base, done.Base = base.ID, base.ID
		w.emit(before)
		err = w.s.DeleteBase(ctx, base.ID)
	case "download":
		k, found := w.anyBackup()
		if !found {
			return
		}
		before.Backup = k.ID
		w.emit(before)
		err = w.download(ctx, k)
	case "create":
		w.emit(before)
		var base backend.Base
		if base, err = w.s.CreateBase(ctx, backend.CreateBaseRequest{Year: backend.CurrentSchoolYear(w.c.Now()),
			Grid: hostfile.DefaultGrid(), StopFirst: true}); err == nil {
			done.Base = base.ID
			w.replacedKept(before)
		}
	case "load":
		src := w.st.Sources[w.rng.IntN(len(w.st.Sources))]
		w.emit(before)
		var base backend.Base
		if base, err = loadErr(w.s, filepath.Base(src.Paths[0]), src.Paths[0]); err == nil {
			done.Base = base.ID
		}
	case "openbase":
		base, found := w.anyBase(func(b backend.Base) bool { return !b.Opened })
		if !found {
			return
		}
		before.Base = base.ID
		w.emit(before)
		if err = w.s.StopAndOpenBase(ctx, base.ID); err == nil {
			done.Base = base.ID
			w.replacedKept(before)
		}
	case "attach":
		if st.InService == nil {
			return
		}
		i := slices.IndexFunc(w.st.Sources, func(s crashSource) bool { return s.BaseUID == st.InService.BaseUID })
		if i < 0 {
			return
		}
		paths := w.st.Sources[i].Paths
		w.emit(before)
		_, err = attach(w.s, paths[1+w.rng.IntN(len(paths)-1)])
	case "year":
		year := backend.CurrentSchoolYear(w.c.Now()) - 1
		base, found := w.anyBase(func(b backend.Base) bool { return b.Year == year })
		if !found {
			return
		}
		before.Base, done.Base = base.ID, base.ID
		before.Expect, done.Expect = int64(year), int64(year)
		w.emit(before)
		err = w.s.ReplaceYear(ctx, year, base.ID)
	}
	if err != nil {
		if !refusal(err) {
			t.Fatalf("%s: %v", op, err)
		}
		done.Phase = "refused"
	}
	w.emit(w.state(done))
}

// refusal tells the rules' refusals, which change nothing, from failures.
func refusal(err error) bool {
	for _, r := range []error{backend.ErrNothingAtInstant, backend.ErrDuplicateBase, backend.ErrNoBaseInService,
		backend.ErrNotInService, backend.ErrAlreadyRunning, backend.ErrYearMismatch, backend.ErrNotPreviousYear} {
		if errors.Is(err, r) {
			return true
		}
	}
	return false
}

// changes writes n changes to the base in service as one connected user.
func (w *crashWorker) changes(ctx context.Context, number string, n int) error {
	c, err := connect(w.b, number, "Mme MARTIN", "Professeurs", "enseignant")
	if err != nil {
		return err
	}
	for i := range n {
		if _, err := w.b.RecordChange(ctx, number, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("note %d", i)}); err != nil {
			return err
		}
	}
	return w.b.Disconnect(ctx, number, c.ID)
}

// download reads a backup's file to its end, from the start (checked) or
// from an offset.
func (w *crashWorker) download(ctx context.Context, k backend.Backup) error {
	x, err := w.s.ExportBackup(ctx, k.ID)
	if err != nil {
		return err
	}
	var off int64
	if w.rng.IntN(4) == 0 {
		off = w.rng.Int64N(x.Size)
	}
	r, err := x.Open(off)
	if err != nil {
		return err
	}
	defer r.Close()
	if off == 0 {
		if _, _, err := hostfile.Verify(r, hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: w.st.Hosting}); err != nil {
			return fmt.Errorf("download of backup %d: %w", k.ID, err)
		}
		return nil
	}
	n, err := io.Copy(io.Discard, r)
	if err == nil && n != x.Size-off {
		err = fmt.Errorf("download of backup %d from %d: %d bytes of %d", k.ID, off, n, x.Size-off)
	}
	return err
}

// replacedKept checks, after an action that replaced the opened base, that
// the state it replaced was backed up first.
func (w *crashWorker) replacedKept(before crashEvent) {
	w.t.Helper()
	if before.Opened == 0 {
		return
	}
	for _, k := range mustBackups(w.t, w.s).Backups {
		if k.Kind == backend.BackupBeforeReplace && k.BaseID == before.Opened && k.Changes == before.Changes && k.At.Equal(before.At) {
			return
		}
	}
	w.t.Fatalf("%s replaced base %d (%d changes) without backing it up", before.Op, before.Opened, before.Changes)
}

func (w *crashWorker) anyBackup() (backend.Backup, bool) {
	v := mustBackups(w.t, w.s)
	if len(v.Backups) == 0 {
		return backend.Backup{}, false
	}
	return v.Backups[w.rng.IntN(len(v.Backups))], true
}

func (w *crashWorker) anyBase(keep func(backend.Base) bool) (backend.Base, bool) {
	var bs []backend.Base
	for _, b := range allBases(mustBases(w.t, w.s)) {
		if keep(b) {
			bs = append(bs, b)
		}
	}
	if len(bs) == 0 {
		return backend.Base{}, false
	}
	return bs[w.rng.IntN(len(bs))], true
}
