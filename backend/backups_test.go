package backend_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// write makes n changes to the base in service.
func write(t *testing.T, e *env, number string, n int, what string) {
	t.Helper()
	c, err := connect(e.b, number, "Mme MARTIN", "Professeurs", "enseignant")
	ok(t, err)
	for i := range n {
		if _, err := e.b.RecordChange(context.Background(), number, backend.ChangeRequest{Connection: c.ID, What: fmt.Sprintf("%s %d", what, i)}); err != nil {
			t.Fatal(err)
		}
	}
	ok(t, e.b.Disconnect(context.Background(), number, c.ID))
}

func mustBackups(t *testing.T, s *backend.Session) backend.BackupsView {
	t.Helper()
	v, err := s.Backups(context.Background())
	ok(t, err)
	return v
}

// download reads a backup's whole file, from off.
func download(t *testing.T, s *backend.Session, id, off int64) []byte {
	t.Helper()
	x, err := s.ExportBackup(context.Background(), id)
	ok(t, err)
	r, err := x.Open(off)
	ok(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	ok(t, err)
	if int64(len(data))+off != x.Size {
		t.Fatalf("download of %d bytes from %d, listed size %d", len(data), off, x.Size)
	}
	return data
}

// TestBackupRestoresItsChanges: a backup is a point of the log; opening it
// brings back exactly that many changes, the state it replaces backed up
// first; its download is a valid HNOT with those changes that loads back.
func TestBackupRestoresItsChanges(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 5, 30)
	ctx := context.Background()
	opened := mustStatus(t, s).Opened
	annexFile, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: "DOCS",
		Establishment: "Lycée Victor Hugo", Year: opened.Year, BaseID: opened.BaseUID, Size: 4096, Now: start})
	ok(t, err)
	annex, err := attach(s, annexFile[1])
	ok(t, err)
	write(t, e, est.HostingNumber, 7, "note")
	k, err := s.CreateBackup(ctx)
	ok(t, err)
	if k.Kind != backend.BackupManual || k.Changes != 7 || k.By == "" || k.Size <= k.BaseSize {
		t.Fatalf("backup %+v", k)
	}
	write(t, e, est.HostingNumber, 5, "absence")
	if st := mustStatus(t, s); st.Changes != 12 {
		t.Fatalf("changes before the restore: %d", st.Changes)
	}
	if _, err := s.OpenBackup(ctx, k.ID, false); !errors.Is(err, backend.ErrServerRunning) {
		t.Fatalf("open while running: %v", err)
	}
	restored, err := s.OpenBackup(ctx, k.ID, true)
	ok(t, err)
	if len(restored.Annexes) != 1 || restored.Annexes[0].SHA256 != annex.SHA256 {
		t.Errorf("restored base's annexes %+v, want its source's", restored.Annexes)
	}
	st := mustStatus(t, s)
	if st.State != backend.ServerStopped || st.Opened == nil || st.Opened.ID != restored.ID || st.Changes != 7 {
		t.Fatalf("after the restore: state %s, opened %v, changes %d", st.State, st.Opened, st.Changes)
	}
	v := mustBackups(t, s)
	if len(v.Backups) != 2 || v.Backups[0].Kind != backend.BackupBeforeReplace || v.Backups[0].Changes != 12 {
		t.Fatalf("backups after the restore: %+v", v.Backups)
	}
	// The state replaced is there to come back to.
	ok(t, s.PutInService(ctx))
	write(t, e, est.HostingNumber, 1, "retard")
	if st := mustStatus(t, s); st.Changes != 8 {
		t.Fatalf("changes after writing to the restored base: %d", st.Changes)
	}

	data := download(t, s, k.ID, 0)
	h, _, err := hostfile.Verify(bytes.NewReader(data), hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: est.HostingNumber})
	ok(t, err)
	if !h.Generated.Equal(k.At.UTC().Truncate(time.Second)) {
		t.Errorf("generated %v, backup at %v", h.Generated, k.At)
	}
	payload := data[len(data)-hostfile.TrailerSize-int(h.PayloadSize) : len(data)-hostfile.TrailerSize]
	_, changes, err := hostfile.ReadChanges(payload)
	ok(t, err)
	if len(changes) != 7 || changes[0].What != "note 0" || changes[0].Author != "Mme MARTIN" {
		t.Fatalf("changes in the download: %d, first %+v", len(changes), changes[0])
	}
	// The same bytes from any offset; and the file loads back as a base.
	for _, off := range []int64{1, int64(len(data)) / 2, int64(len(data)) - 3, int64(len(data))} {
		if got := download(t, s, k.ID, off); !bytes.Equal(got, data[off:]) {
			t.Errorf("bytes from %d differ from the whole file's", off)
		}
	}
	path := filepath.Join(t.TempDir(), k.FileName)
	ok(t, os.WriteFile(path, data, 0o600))
	back := load(t, s, path)
	if back.Size != int64(len(data)) {
		t.Errorf("reloaded base of %d bytes, download %d", back.Size, len(data))
	}
}

// TestOpenInstant: the base in service at a minute, with the changes
// written up to it; outside the 7 days or while nothing was in service,
// refused.
func TestOpenInstant(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 5, 30)
	ctx := context.Background()
	write(t, e, est.HostingNumber, 3, "avant")
	e.clock.Advance(10 * time.Minute)
	at := e.clock.Now()
	e.clock.Advance(10 * time.Minute)
	write(t, e, est.HostingNumber, 4, "après")
	if _, err := s.OpenInstant(ctx, e.clock.Now().Add(time.Minute), true); !errors.Is(err, backend.ErrInstantOutOfRange) {
		t.Errorf("future instant: %v", err)
	}
	if _, err := s.OpenInstant(ctx, e.clock.Now().Add(-8*24*time.Hour), true); !errors.Is(err, backend.ErrInstantOutOfRange) {
		t.Errorf("instant 8 days ago: %v", err)
	}
	if _, err := s.OpenInstant(ctx, e.clock.Now().Add(-2*time.Hour), true); !errors.Is(err, backend.ErrNothingAtInstant) {
		t.Errorf("instant before the service: %v", err)
	}
	b, err := s.OpenInstant(ctx, at, true)
	ok(t, err)
	if st := mustStatus(t, s); st.Opened == nil || st.Opened.ID != b.ID || st.Changes != 3 {
		t.Fatalf("opened %v with %d changes, want 3", st.Opened, st.Changes)
	}
}

// TestNightlyBackupsAndRetention steps the calendar: one nightly backup
// per night (a catch-up makes one), every backup of 30 days kept, then one
// a week for 26 weeks, and the data of a deleted base freed once no backup
// holds it.
func TestNightlyBackupsAndRetention(t *testing.T) {
	e := newEnv(t)
	s, _ := e.inService(t, 5, 30)
	ctx := context.Background()
	first := mustStatus(t, s).Opened
	paris := mustBackups(t, s).NextNightly
	if paris.IsZero() {
		t.Fatal("no next nightly backup while a base is in service")
	}
	n, err := e.b.NightlyBackups(ctx, paris)
	ok(t, err)
	if n != 1 {
		t.Fatalf("first night: %d backups", n)
	}
	if n, _ := e.b.NightlyBackups(ctx, paris.Add(3*time.Hour)); n != 0 {
		t.Fatalf("the same night again: %d backups", n)
	}
	// Three nights missed: one backup for the night of now.
	if n, _ := e.b.NightlyBackups(ctx, paris.Add(3*24*time.Hour+5*time.Hour)); n != 1 {
		t.Fatalf("catch-up: %d backups", n)
	}
	// Replace the base and delete it: the backups keep it.
	b2, err := s.CreateBase(ctx, backend.CreateBaseRequest{Year: 2025, Grid: hostfile.DefaultGrid(), StopFirst: true})
	ok(t, err)
	ok(t, s.PutInService(ctx))
	ok(t, s.DeleteBase(ctx, first.ID))
	// A year of nights.
	day := paris.Add(4 * 24 * time.Hour)
	for i := range 365 {
		at := day.Add(time.Duration(i) * 24 * time.Hour)
		e.clock.Set(at)
		if _, err := e.b.NightlyBackups(ctx, at); err != nil {
			t.Fatal(err)
		}
		if _, err := e.b.PruneBackups(ctx, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	v := mustBackups(t, s)
	daily, weekly := 0, 0
	for _, k := range v.Backups {
		if k.BaseID == first.ID {
			t.Errorf("a backup of the deleted base survived a year: %+v", k)
		}
		if k.Weekly {
			weekly++
		} else {
			daily++
		}
	}
	if daily < 29 || daily > 31 || weekly < 25 || weekly > 27 {
		t.Errorf("after a year: %d daily and %d weekly backups, want 30 and 26", daily, weekly)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "files", "objects", first.SHA256[:2], first.SHA256)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted base's file outlived its backups (err %v)", err)
	}
	if st := mustStatus(t, s); st.Opened == nil || st.Opened.ID != b2.ID {
		t.Errorf("opened base changed: %v", st.Opened)
	}
}

// TestYears: the grid from the first year to the last; a base of another
// year is refused with both years.
func TestYears(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	rows, err := s.Years(ctx)
	ok(t, err)
	if len(rows) == 0 || rows[0].Year != backend.CurrentSchoolYear(e.clock.Now())-1 {
		t.Fatalf("years %+v", rows)
	}
	b := load(t, s, generate(t, est.HostingNumber, "ANCIENNE", fileSize)[0]) // 2025-2026
	err = s.ReplaceYear(ctx, 2024, b.ID)
	if !errors.Is(err, backend.ErrYearMismatch) && !errors.Is(err, backend.ErrNotPreviousYear) {
		t.Fatalf("a base of 2025 for 2024: %v", err)
	}
	if err := s.ReplaceYear(ctx, 2030, b.ID); !errors.Is(err, backend.ErrNotPreviousYear) {
		t.Fatalf("2030: %v", err)
	}
	e.clock.Set(time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)) // 2025-2026 is a previous year now
	paths, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: "PLUS-ANCIENNE",
		Establishment: "Lycée Victor Hugo", Year: 2024, Size: fileSize, Now: start})
	ok(t, err)
	load(t, s, paths[0]) // the grid now starts in 2024
	err = s.ReplaceYear(ctx, 2024, b.ID)
	if !errors.Is(err, backend.ErrYearMismatch) || !strings.Contains(backend.Message(err), "2025-2026") {
		t.Fatalf("a base of 2025 for 2024: %v (%s)", err, backend.Message(err))
	}
	ok(t, s.ReplaceYear(ctx, 2025, b.ID))
	rows, err = s.Years(ctx)
	ok(t, err)
	if rows[0].Year != 2025 || rows[0].Base == nil || rows[0].Base.ID != b.ID {
		t.Fatalf("grid after filling 2025: %+v", rows[0])
	}
	// Deleted from Autres bases, the archive keeps it.
	ok(t, s.DeleteBase(ctx, b.ID))
	rows, _ = s.Years(ctx)
	if rows[0].Base == nil {
		t.Fatal("the archived base went with its deletion from Autres bases")
	}
}

// TestCorruptBackupEndsShort: a stored file that no longer matches its
// checksum ends the download before its changes and trailer, with
// ErrBackupCorrupt, so no client holds a file that looks complete.
func TestCorruptBackupEndsShort(t *testing.T) {
	e := newEnv(t)
	s, est := e.inService(t, 5, 30)
	ctx := context.Background()
	write(t, e, est.HostingNumber, 3, "note")
	k, err := s.CreateBackup(ctx)
	ok(t, err)
	p := filepath.Join(e.dir, "files", "objects", k.BaseSHA256[:2], k.BaseSHA256)
	data, err := os.ReadFile(p)
	ok(t, err)
	info, err := os.Stat(p)
	ok(t, err)
	data[len(data)/2] ^= 0xff
	ok(t, os.Chmod(p, 0o600))
	ok(t, os.WriteFile(p, data, 0o600))
	// Its modification time put back, as `touch -r` or a restore would: the
	// status-change time still tells (on Linux and macOS).
	if runtime.GOOS == "linux" || runtime.GOOS == "darwin" {
		ok(t, os.Chtimes(p, info.ModTime(), info.ModTime()))
	}
	if _, err := s.OpenBackup(ctx, k.ID, true); !errors.Is(err, backend.ErrBackupCorrupt) {
		t.Errorf("opening a backup whose stored file changed: %v, want ErrBackupCorrupt", err)
	}
	if st := mustStatus(t, s); st.State != backend.ServerRunning {
		t.Errorf("the refused opening stopped the server")
	}
	for _, off := range []int64{0, k.Size - 1} {
		x, err := s.ExportBackup(ctx, k.ID)
		ok(t, err)
		r, err := x.Open(off)
		ok(t, err)
		got, err := io.ReadAll(r)
		r.Close()
		if !errors.Is(err, backend.ErrBackupCorrupt) || off+int64(len(got)) >= k.Size {
			t.Errorf("from %d: %d bytes of %d, err %v; want ErrBackupCorrupt before the end", off, len(got), k.Size, err)
		}
	}
}
