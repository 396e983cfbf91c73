package backend_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/outbox"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/postgres"
	"github.com/hebergement/console/backend/store/postgres/pgtest"
	"github.com/hebergement/console/backend/store/sqlite"
)

// start is the fake clock's first instant: a school day in March, in Paris.
var start = time.Date(2026, 3, 10, 9, 30, 0, 0, clock.Paris())

// env is one back end on a migrated SQLite in a temporary data folder.
type env struct {
	b     *backend.Backend
	clock *clock.Fake
	dir   string
	logs  *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger and the test together.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newEnv opens a back end on a fresh data folder with a fake clock and cheap
// password hashing.
func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	return openEnv(t, dir, clock.NewFake(start))
}

// openEnv opens a back end on dir; it is closed at the end of the test.
func openEnv(t testing.TB, dir string, c *clock.Fake) *env {
	t.Helper()
	logs := &syncBuffer{}
	logger := log.New(logs)
	logger.SetLevel(log.DebugLevel)
	b, err := backend.Open(context.Background(), backend.Options{
		DataDir:      dir,
		DB:           testDB(t, dir),
		Clock:        c,
		Logger:       logger,
		Hashing:      password.Fast,
		PollInterval: 20 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return &env{b: b, clock: c, dir: dir, logs: logs}
}

// onPostgres, when set, runs the back end's tests on PostgreSQL rather than
// SQLite: a fresh database per data folder on the server of pgtest.EnvVar.
const onPostgres = "HEBERGEMENT_TEST_BACKEND_ON_PG"

// testDBs are the PostgreSQL databases of the data folders, so that a
// back end opened again on a folder finds its state.
var testDBs sync.Map

// testDB is the DSN of dir's database under onPostgres, "" (SQLite)
// without it.
func testDB(t testing.TB, dir string) string {
	if os.Getenv(onPostgres) == "" {
		return ""
	}
	if dsn, ok := testDBs.Load(dir); ok {
		return dsn.(string)
	}
	dsn := pgtest.DSN(t)
	testDBs.Store(dir, dsn)
	return dsn
}

// sqliteOnly skips a test that reads the SQLite file itself when the tests
// run on PostgreSQL.
func sqliteOnly(t testing.TB) {
	if os.Getenv(onPostgres) != "" {
		t.Skip("reads the SQLite file of the data folder; " + onPostgres + " is set")
	}
}

// openStore opens the store of e's back end beside it, as another process
// would.
func (e *env) openStore(t testing.TB) store.Store {
	t.Helper()
	var db store.Store
	var err error
	if dsn := testDB(t, e.dir); dsn != "" {
		db, err = postgres.Open(context.Background(), dsn)
	} else {
		db, err = sqlite.Open(context.Background(), filepath.Join(e.dir, "hebergement.db"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// school is a valid establishment form.
func school(name string) backend.NewEstablishment {
	return backend.NewEstablishment{
		Name: name, UAI: "0751234A", Email: "ce.0751234a@ac-paris.fr", Phone: "06 12 34 56 78",
		AdminSeats: 4, TeacherSeats: 50,
	}
}

// establish creates an establishment and returns it with its password.
func (e *env) establish(t testing.TB, n backend.NewEstablishment) (backend.Establishment, string) {
	t.Helper()
	est, pw, err := e.b.CreateEstablishment(context.Background(), n)
	if err != nil {
		t.Fatalf("CreateEstablishment(%q): %v", n.Name, err)
	}
	return est, pw
}

// session creates an establishment and logs in as its SPR (first login, with
// the invoice number).
func (e *env) session(t testing.TB, name string) (*backend.Session, backend.Establishment) {
	t.Helper()
	est, pw := e.establish(t, school(name))
	return e.login(t, est, pw), est
}

func (e *env) login(t testing.TB, est backend.Establishment, pw string) *backend.Session {
	t.Helper()
	s, err := e.b.Login(context.Background(), backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw,
		Invoice: est.Invoice, Addr: "192.0.2.1"})
	if err != nil {
		t.Fatalf("Login: %v", err)
	}
	return s
}

// generate writes NAME.HNOT and its annexes for hosting into a temporary
// folder and returns the four paths, base first.
func generate(t testing.TB, hosting, name string, size int64) []string {
	t.Helper()
	paths, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{
		HostingNumber: hosting, Name: name, Establishment: "Lycée Victor Hugo", Year: 2025,
		Students: 812, Teachers: 64, Classes: 31, Size: size, Now: start.Add(-time.Hour),
	})
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return paths
}

// load loads the file at path under its own name.
func load(t testing.TB, s *backend.Session, path string) backend.Base {
	t.Helper()
	b, err := loadErr(s, filepath.Base(path), path)
	if err != nil {
		t.Fatalf("LoadBase(%s): %v", filepath.Base(path), err)
	}
	return b
}

func loadErr(s *backend.Session, name, path string) (backend.Base, error) {
	f, err := os.Open(path)
	if err != nil {
		return backend.Base{}, err
	}
	defer f.Close()
	return s.LoadBase(context.Background(), name, f, nil)
}

func attach(s *backend.Session, path string) (backend.Annex, error) {
	f, err := os.Open(path)
	if err != nil {
		return backend.Annex{}, err
	}
	defer f.Close()
	return s.AttachAnnex(context.Background(), filepath.Base(path), f, nil)
}

// files lists the regular files under dir, relative to it, sorted.
func files(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func (e *env) objects(t testing.TB) []string {
	return files(t, filepath.Join(e.dir, "files", "objects"))
}

func (e *env) tmp(t testing.TB) []string { return files(t, filepath.Join(e.dir, "files", "tmp")) }

// message is one file of the outbox folder.
type message struct {
	channel, to, body string
	raw               string
}

// outboxMessages reads the outbox folder of the data directory.
func (e *env) outboxMessages(t testing.TB) []message {
	t.Helper()
	f := &outbox.Folder{Dir: filepath.Join(e.dir, "outbox")}
	raw, err := f.Messages()
	if err != nil {
		t.Fatal(err)
	}
	var out []message
	for _, r := range raw {
		head, body, _ := strings.Cut(r, "\n\n")
		m := message{body: body, raw: r}
		for _, line := range strings.Split(head, "\n") {
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "Channel":
				m.channel = v
			case "To":
				m.to = v
			}
		}
		out = append(out, m)
	}
	return out
}

// lastSMSPassword returns the password of the latest SMS of the outbox.
func (e *env) lastSMSPassword(t testing.TB) string {
	t.Helper()
	var pw string
	for _, m := range e.outboxMessages(t) {
		if m.channel == "sms" {
			_, after, ok := strings.Cut(m.body, "votre mot de passe est ")
			if !ok {
				t.Fatalf("SMS without password: %q", m.body)
			}
			pw = strings.TrimSpace(after)
		}
	}
	if pw == "" {
		t.Fatal("no SMS in the outbox")
	}
	return pw
}

// journal returns the establishment's journal, newest first.
func (e *env) journal(t testing.TB, estID int64) []backend.JournalEntry {
	t.Helper()
	j, err := e.b.Journal(context.Background(), estID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// count counts the journal entries of an action with the given outcome.
func count(j []backend.JournalEntry, action string, ok bool) int {
	n := 0
	for _, e := range j {
		if e.Action == action && e.OK == ok {
			n++
		}
	}
	return n
}

func mustBases(t testing.TB, s *backend.Session) backend.BaseLists {
	t.Helper()
	l, err := s.Bases(context.Background())
	if err != nil {
		t.Fatalf("Bases: %v", err)
	}
	return l
}

func mustStatus(t testing.TB, s *backend.Session) backend.Status {
	t.Helper()
	st, err := s.Status(context.Background())
	if err != nil {
		t.Fatalf("Status: %v", err)
	}
	return st
}

func allBases(l backend.BaseLists) []backend.Base {
	return append(append([]backend.Base(nil), l.PreviouslyInService...), l.Uploaded...)
}

func ok(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}
