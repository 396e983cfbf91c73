package consoletest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Filled prepares a year of history: a 2024 base served in September and
// stopped, a 2025 base in service with two annexes, a 2026 base uploaded.
func Filled(t *testing.T, f *Fixture) {
	t.Helper()
	ctx := context.Background()
	sess := f.Session(t)
	old := f.Generate(t, "Collège Victor Hugo 2024", 2024, 480)
	cur := f.Generate(t, "Collège Victor Hugo 2025", 2025, 512)
	next := f.Generate(t, "Essai rentrée 2026", 2026, 530)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	f.Clk.Set(time.Date(2025, 8, 22, 7, 30, 0, 0, Epoch.Location()))
	a := f.Load(t, sess, old[0])
	must(sess.OpenBase(ctx, a.ID))
	must(sess.PutInService(ctx))
	f.Clk.Set(time.Date(2025, 9, 1, 18, 5, 0, 0, Epoch.Location()))
	must(sess.StopServer(ctx))
	b := f.Load(t, sess, cur[0])
	must(sess.OpenBase(ctx, b.ID))
	must(sess.PutInService(ctx))
	f.Clk.Set(time.Date(2025, 9, 2, 8, 15, 0, 0, Epoch.Location()))
	for _, p := range cur[1:3] {
		r, err := os.Open(p)
		must(err)
		_, err = sess.AttachAnnex(ctx, filepath.Base(p), r, nil)
		r.Close()
		must(err)
	}
	f.Clk.Set(Epoch)
	f.Load(t, sess, next[0])
}

// Damaged writes a copy of a generated base with its last bytes cut off.
func Damaged(t *testing.T, f *Fixture, name string) {
	t.Helper()
	paths := f.Generate(t, "source", 2026, 300)
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		os.Remove(p)
	}
	p := filepath.Join(f.Files, name)
	if err := os.WriteFile(p, data[:len(data)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, Epoch, Epoch)
}

// Named prepares bases with the names schools give them: one served and
// stopped, one in service (both in the first list), one uploaded.
func Named(t *testing.T, f *Fixture, served, inService, uploaded string) {
	t.Helper()
	ctx := context.Background()
	sess := f.Session(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a := f.Load(t, sess, f.Generate(t, served, 2025, 480)[0])
	must(sess.OpenBase(ctx, a.ID))
	must(sess.PutInService(ctx))
	must(sess.StopServer(ctx))
	b := f.Load(t, sess, f.Generate(t, inService, 2026, 512)[0])
	must(sess.OpenBase(ctx, b.ID))
	must(sess.PutInService(ctx))
	f.Load(t, sess, f.Generate(t, uploaded, 2027, 530)[0])
}
