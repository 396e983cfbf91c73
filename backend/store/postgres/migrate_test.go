package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hebergement/console/backend/store/postgres/pgtest"
	"github.com/hebergement/console/backend/store/sqlite"
)

// open gives the test a pool on a fresh database.
func open(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func allMigrations(t *testing.T) []migration {
	t.Helper()
	ms, err := loadMigrations(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// upTo is the migrations of ms up to version v.
func upTo(ms []migration, v int) []migration {
	var out []migration
	for _, m := range ms {
		if m.version <= v {
			out = append(out, m)
		}
	}
	return out
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

type applied struct {
	version   int
	appliedAt int64
}

func versions(t *testing.T, db *sql.DB) []applied {
	t.Helper()
	rows, err := db.Query(`SELECT version, applied_at FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []applied
	for rows.Next() {
		var a applied
		if err := rows.Scan(&a.version, &a.appliedAt); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func versionNumbers(as []applied) []int {
	out := make([]int, len(as))
	for i, a := range as {
		out[i] = a.version
	}
	return out
}

// Each step translates the SQLite step of the same number and name.
func TestMigrationsMatchSQLiteSteps(t *testing.T) {
	entries, err := os.ReadDir(filepath.Join("..", "sqlite", "migrations"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	var got []string
	for i, m := range allMigrations(t) {
		got = append(got, m.name)
		if m.version != i+1 {
			t.Errorf("%s: version %d, want %d (no gap)", m.name, m.version, i+1)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("migrations %v, SQLite's %v", got, want)
	}
}

func TestLoadMigrationsRefusesBadNames(t *testing.T) {
	for _, files := range [][]string{
		{"x_init.sql"},
		{"0000_zero.sql"},
		{"-1_negative.sql"},
		{"0001_a.sql", "01_b.sql"},
	} {
		fsys := fstest.MapFS{}
		for _, f := range files {
			fsys["m/"+f] = &fstest.MapFile{Data: []byte("SELECT 1;")}
		}
		if ms, err := loadMigrations(fsys, "m"); err == nil {
			t.Errorf("%v: loaded %d migrations, want an error", files, len(ms))
		}
	}
}

// From an empty database, every step applies once; a second run applies
// nothing.
func TestMigrateEmptyThenAgain(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	if err := migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	first := versions(t, db)
	if got, want := versionNumbers(first), allSteps(t); !slices.Equal(got, want) {
		t.Fatalf("applied %v, want %v", got, want)
	}
	if err := migrate(ctx, db); err != nil {
		t.Fatalf("again: %v", err)
	}
	if again := versions(t, db); !slices.Equal(again, first) {
		t.Errorf("after a second run %v, want %v unchanged", again, first)
	}
}

// Instances starting together on a fresh database all succeed, and the
// steps are applied once: without the lock, the losers would fail on
// CREATE TABLE or the schema_migrations key.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	const n = 4
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		wg.Go(func() {
			<-start
			errs[i] = migrate(context.Background(), db)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	check, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer check.Close()
	if got := versionNumbers(versions(t, check)); !slices.Equal(got, allSteps(t)) {
		t.Errorf("applied %v", got)
	}
	// The lock was given back: another run takes it at once.
	if err := migrate(context.Background(), check); err != nil {
		t.Errorf("after: %v", err)
	}
}

// A database migrated by a newer program is refused, untouched, as the
// SQLite store refuses it.
func TestMigrateRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	ms := allMigrations(t)
	if err := migrateDB(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	known := len(ms)
	exec(t, db, fmt.Sprintf(`INSERT INTO schema_migrations (version, applied_at) VALUES (%d, 1)`, known+1))
	err := migrateDB(ctx, db, ms)
	want := fmt.Sprintf("the database is at schema version %d, newer than this program knows (%d): use a newer hebergement", known+1, known)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want the newer-schema refusal", err)
	}
	// An older program, knowing one step fewer, is refused as well.
	if err := migrateDB(ctx, db, upTo(ms, known-1)); err == nil {
		t.Errorf("a program knowing %d steps accepted a database at %d", known-1, known+1)
	}
	if got := len(versions(t, db)); got != known+1 {
		t.Errorf("%d versions recorded, want %d", got, known+1)
	}
}

// A step that fails changes nothing, and the steps before it stay applied:
// the next start tries it again.
func TestMigrateFailedStepChangesNothing(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	ms := []migration{
		{version: 1, name: "0001_a.sql", sql: `CREATE TABLE a (x BIGINT);`},
		{version: 2, name: "0002_b.sql", sql: `CREATE TABLE b (x BIGINT); INSERT INTO a VALUES (1); SELECT no_such_column FROM a;`},
		{version: 3, name: "0003_c.sql", sql: `CREATE TABLE c (x BIGINT);`},
	}
	err := migrateDB(ctx, db, ms)
	if err == nil || !strings.Contains(err.Error(), "0002_b.sql") {
		t.Fatalf("err = %v, want the failure of 0002_b.sql", err)
	}
	if got := versionNumbers(versions(t, db)); !slices.Equal(got, []int{1}) {
		t.Errorf("applied %v, want [1]", got)
	}
	var tables []string
	rows, err := db.Query(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		rows.Scan(&name) //nolint:errcheck
		tables = append(tables, name)
	}
	if !slices.Equal(tables, []string{"a", "schema_migrations"}) {
		t.Errorf("tables %v, want a and schema_migrations only", tables)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM a`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows of a = %d, %v; want the failed step's insert undone", n, err)
	}
	// Fixed, it applies, with the step after it.
	ms[1].sql = `CREATE TABLE b (x BIGINT);`
	if err := migrateDB(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	if got := versionNumbers(versions(t, db)); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("applied %v, want [1 2 3]", got)
	}
}

// A canceled migration gives the lock back: the next one is not blocked.
func TestMigrateCanceledReleasesLock(t *testing.T) {
	t.Parallel()
	dsn := pgtest.DSN(t)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // the next run gets the same session back if it was kept
	watch, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ms := []migration{{version: 1, name: "0001_slow.sql", sql: `SELECT pg_sleep(600);`}}
	done := make(chan error, 1)
	go func() { done <- migrateDB(ctx, db, ms) }()
	// Cancel once the step runs, holding the lock.
	for {
		var n int
		if err := watch.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE query = 'SELECT pg_sleep(600);' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("a canceled migration succeeded")
	}
	// The lock goes with the session if it could not be released: the next
	// run waits for the server to end it, never for ever (the deadline
	// only turns a lock kept by mistake into a failure).
	ms[0].sql = `CREATE TABLE t (x BIGINT);`
	ctx2, cancel2 := context.WithTimeout(context.Background(), time.Minute)
	defer cancel2()
	if err := migrateDB(ctx2, db, ms); err != nil {
		t.Fatalf("after a canceled run: %v", err)
	}
}

// Migration 0005 counts the record bytes of the changes written before it
// in UTF-8 bytes, as SQLite's length(CAST(… AS BLOB)).
func TestMigration0005RecordBytes(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	ms := allMigrations(t)
	if err := migrateDB(ctx, db, upTo(ms, 4)); err != nil {
		t.Fatal(err)
	}
	var est, base int64
	if err := db.QueryRow(`INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
		quota_bytes, password_hash, version, created_at) VALUES ('123456789012', 'É', 'u', 'e', 'p', 1, 1, 1, 'h', 1, 1) RETURNING id`).Scan(&est); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`INSERT INTO bases (establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers,
		classes, grid, loaded_by, loaded_at) VALUES ($1, 'b', 2026, 'uploaded', $2, 1, 'u', 1, 1, 1, 'g', 'x', 1) RETURNING id`,
		est, strings.Repeat("a", 64)).Scan(&base); err != nil {
		t.Fatal(err)
	}
	// 20 + 1 + 2 + 3 and 20 + 3 + 0 + 4 (é: 2 bytes, €: 3, 😀: 4).
	exec(t, db, `INSERT INTO changes (establishment_id, base_id, at, connection_id, author, what) VALUES ($1, $2, 1, 'c', 'é', '€'), ($1, $2, 2, 'abc', '', '😀')`, est, base)
	exec(t, db, `INSERT INTO change_totals (base_id, establishment_id, bytes, count) VALUES ($1, $2, 0, 2)`, base, est)
	if err := migrateDB(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	var got int64
	if err := db.QueryRow(`SELECT record_bytes FROM change_totals WHERE base_id = $1`, base).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if want := int64(20 + 1 + 2 + 3 + 20 + 3 + 0 + 4); got != want {
		t.Errorf("record_bytes = %d, want %d", got, want)
	}
}

// Migration 0008 gives the establishments that exist a contract from the
// day they were created (Paris) to the 31 August ending that school year:
// the cases of the SQLite store's test, and the instants around both
// changes of time.
func TestMigration0008ContractOfExistingRows(t *testing.T) {
	t.Parallel()
	db := open(t)
	ctx := context.Background()
	ms := allMigrations(t)
	if err := migrateDB(ctx, db, upTo(ms, 7)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		created     time.Time
		from, until string
	}{
		{time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC), "2026-11-28", "2027-08-31"},
		{time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC), "2026-11-29", "2027-08-31"}, // winter: +1 h
		{time.Date(2026, 7, 1, 22, 30, 0, 0, time.UTC), "2026-07-02", "2026-08-31"},   // summer: +2 h
		{time.Date(2026, 8, 31, 22, 30, 0, 0, time.UTC), "2026-09-01", "2027-08-31"},  // 1 September in Paris
		{time.Date(2026, 8, 31, 21, 30, 0, 0, time.UTC), "2026-08-31", "2026-08-31"},
		{time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "2026-03-29", "2026-08-31"},   // before the change to summer time
		{time.Date(2026, 10, 24, 22, 30, 0, 0, time.UTC), "2026-10-25", "2027-08-31"}, // still summer time
		{time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC), "2027-01-01", "2027-08-31"},
		// Summer time starts 2026-03-29 01:00 UTC, ends 2026-10-25 01:00 UTC.
		{time.Date(2026, 3, 28, 22, 59, 59, 999e6, time.UTC), "2026-03-28", "2026-08-31"}, // 23:59:59.999 +1 h
		{time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), "2026-03-29", "2026-08-31"},
		{time.Date(2027, 3, 27, 22, 30, 0, 0, time.UTC), "2027-03-27", "2027-08-31"}, // winter still: +1 h
		{time.Date(2027, 3, 28, 22, 30, 0, 0, time.UTC), "2027-03-29", "2027-08-31"}, // summer since 01:00 UTC
		{time.Date(2026, 10, 25, 0, 59, 59, 0, time.UTC), "2026-10-25", "2027-08-31"},
		{time.Date(2026, 10, 25, 22, 59, 0, 0, time.UTC), "2026-10-25", "2027-08-31"}, // winter again: 23:59
		{time.Date(2026, 10, 25, 23, 0, 0, 0, time.UTC), "2026-10-26", "2027-08-31"},
		{time.Date(1999, 12, 31, 23, 0, 0, 0, time.UTC), "2000-01-01", "2000-08-31"},
	}
	ids := make([]int64, len(cases))
	for i, c := range cases {
		if err := db.QueryRow(`INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
			quota_bytes, password_hash, version, created_at) VALUES ($1, 'n', 'u', 'e', 'p', 1, 1, 1, 'h', 1, $2) RETURNING id`,
			fmt.Sprintf("1234567890%02d", i), c.created.UnixMilli()).Scan(&ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	exec(t, db, `INSERT INTO invoices (establishment_id, number, issued_at, label) VALUES ($1, '1000000001', 1, 'x')`, ids[0])
	if err := migrateDB(ctx, db, ms); err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		var from, until string
		if err := db.QueryRow(`SELECT contract_from, contract_until FROM establishments WHERE id = $1`, ids[i]).Scan(&from, &until); err != nil {
			t.Fatal(err)
		}
		if from != c.from || until != c.until {
			t.Errorf("created %s: contract %s to %s, want %s to %s", c.created, from, until, c.from, c.until)
		}
		// The case itself agrees with Go's zone, which new rows use.
		if want := c.created.In(paris).Format(time.DateOnly); want != c.from {
			t.Errorf("case %s: Go says %s", c.created, want)
		}
	}
	var kind, pfrom, lines string
	var total sql.NullInt64
	if err := db.QueryRow(`SELECT kind, period_from, lines, total_cents FROM invoices`).Scan(&kind, &pfrom, &lines, &total); err != nil {
		t.Fatal(err)
	}
	if kind != "facture" || pfrom != "" || lines != "[]" || total.Valid {
		t.Errorf("migrated invoice: %q %q %q %v", kind, pfrom, lines, total)
	}
}

// The constraints refuse what SQLite's refuse, and ids are never reused.
func TestSchemaConstraints(t *testing.T) {
	t.Parallel()
	db := open(t)
	if err := migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	insertEst := `INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
		quota_bytes, password_hash, version, created_at) VALUES ($1, 'n', 'u', 'e', 'p', 1, 1, 1, 'h', 1, 1) RETURNING id`
	var e1, e2, e3 int64
	db.QueryRow(insertEst, "123456789001").Scan(&e1) //nolint:errcheck
	db.QueryRow(insertEst, "123456789002").Scan(&e2) //nolint:errcheck
	exec(t, db, `DELETE FROM establishments WHERE id = $1`, e2)
	if err := db.QueryRow(insertEst, "123456789003").Scan(&e3); err != nil || e3 <= e2 {
		t.Errorf("id after deleting %d: %d, %v; want a new one", e2, e3, err)
	}
	var base int64
	if err := db.QueryRow(`INSERT INTO bases (establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers,
		classes, grid, loaded_by, loaded_at) VALUES ($1, 'b', 2026, 'restored', $2, 1, 'u', 1, 1, 1, 'g', 'x', 1) RETURNING id`,
		e1, strings.Repeat("a", 64)).Scan(&base); err != nil {
		t.Fatalf("origin restored (0006): %v", err)
	}
	exec(t, db, `INSERT INTO changes (establishment_id, base_id, at, connection_id, author, what) VALUES ($1, $2, 1, 'c', 'a', 'w')`, e1, base)
	sha := strings.Repeat("b", 64)
	for _, c := range []struct{ what, sql string }{
		{"a short hosting number", `INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats, quota_bytes, password_hash, version, created_at) VALUES ('1', 'n', 'u', 'e', 'p', 1, 1, 1, 'h', 1, 1)`},
		{"a taken hosting number", `INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats, quota_bytes, password_hash, version, created_at) VALUES ('123456789001', 'n', 'u', 'e', 'p', 1, 1, 1, 'h', 1, 1)`},
		{"published 2", `UPDATE establishments SET published = 2`},
		{"retention 0 days", `UPDATE establishments SET retention_days = 0`},
		{"an unknown origin", `UPDATE bases SET origin = 'other'`},
		{"a change rewritten", `UPDATE changes SET what = 'x'`},
		{"a base of no establishment", `INSERT INTO bases (establishment_id, name, school_year, origin, sha256, size, base_uid, students, teachers, classes, grid, loaded_by, loaded_at) VALUES (999, 'b', 2026, 'created', '` + sha + `', 1, 'u', 1, 1, 1, 'g', 'x', 1)`},
		{"a nightly backup without its night", `INSERT INTO backups (establishment_id, base_id, at, kind, actor, change_seq, change_count, record_bytes, file_name, size) VALUES (` + fmt.Sprint(e1, ", ", base) + `, 1, 'nuit', 'a', 0, 0, 0, 'f', 1)`},
		{"a manual backup with a night", `INSERT INTO backups (establishment_id, base_id, at, kind, actor, night, change_seq, change_count, record_bytes, file_name, size) VALUES (` + fmt.Sprint(e1, ", ", base) + `, 1, 'manuelle', 'a', 20260101, 0, 0, 0, 'f', 1)`},
		{"an id of our own", `INSERT INTO journal (id, at, actor, action, detail, ok) VALUES (1000, 1, 'a', 'b', 'c', 1)`},
		{"a short invitation label", `INSERT INTO invitations (establishment_id, label, code_hash, created_at, created_by, expires_at) VALUES (` + fmt.Sprint(e1) + `, 'abc', '` + sha + `', 1, 'x', 2)`},
	} {
		if _, err := db.Exec(c.sql); err == nil {
			t.Errorf("%s: accepted", c.what)
		}
	}
	// A base a backup captures cannot go (no cascade); an establishment
	// takes its bases, changes and backups with it; the journal keeps its
	// rows without it.
	exec(t, db, `INSERT INTO backups (establishment_id, base_id, at, kind, actor, change_seq, change_count, record_bytes, file_name, size) VALUES ($1, $2, 1, 'manuelle', 'a', 0, 0, 0, 'f', 1)`, e1, base)
	exec(t, db, `INSERT INTO journal (establishment_id, at, actor, action, detail, ok) VALUES ($1, 1, 'a', 'b', 'c', 1)`, e1)
	if _, err := db.Exec(`DELETE FROM bases WHERE id = $1`, base); err == nil {
		t.Error("a base a backup captures was deleted")
	}
	exec(t, db, `DELETE FROM establishments WHERE id = $1`, e1)
	var left int
	db.QueryRow(`SELECT (SELECT count(*) FROM bases) + (SELECT count(*) FROM changes) + (SELECT count(*) FROM backups)`).Scan(&left) //nolint:errcheck
	if left != 0 {
		t.Errorf("%d rows left after deleting their establishment", left)
	}
	var journaled sql.NullInt64
	if err := db.QueryRow(`SELECT establishment_id FROM journal`).Scan(&journaled); err != nil || journaled.Valid {
		t.Errorf("journal row: %v, %v; want kept without its establishment", journaled, err)
	}
}

// schema is what the two databases must agree on: per table, its columns
// in order, its primary key, indexes, foreign keys and triggers.
type schema map[string]*table

type table struct {
	columns []string // "name type null|not null default X"
	keys    []string // the primary key, indexes, foreign keys, triggers
}

func (s schema) table(name string) *table {
	if s[name] == nil {
		s[name] = &table{}
	}
	return s[name]
}

// castSuffix is the type PostgreSQL writes after a default ('x'::text).
var castSuffix = regexp.MustCompile(`::[a-z ]+$`)

func sqliteSchema(t *testing.T) schema {
	t.Helper()
	path := filepath.Join(t.TempDir(), "h.db")
	sdb, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	s := schema{}
	q := func(query string, scan func(*sql.Rows) error) {
		t.Helper()
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	var tables []string
	q(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`, func(r *sql.Rows) error {
		var n string
		tables = append(tables, n)
		return r.Scan(&tables[len(tables)-1])
	})
	for _, name := range tables {
		tb := s.table(name)
		var pk []string
		pkPos := map[int]string{}
		q(`SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info('`+name+`') ORDER BY cid`, func(r *sql.Rows) error {
			var col, typ string
			var notNull, pkN int
			var dflt sql.NullString
			if err := r.Scan(&col, &typ, &notNull, &dflt, &pkN); err != nil {
				return err
			}
			if pkN > 0 {
				pkPos[pkN] = col
			}
			tb.columns = append(tb.columns, column(col, sqliteType(typ), notNull == 1 || pkN > 0, dflt))
			return nil
		})
		for i := 1; i <= len(pkPos); i++ {
			pk = append(pk, pkPos[i])
		}
		tb.keys = append(tb.keys, "primary key ("+strings.Join(pk, ", ")+")")
		type index struct {
			name, origin  string
			unique, where bool
		}
		var idx []index
		q(`SELECT name, "unique", origin, partial FROM pragma_index_list('`+name+`')`, func(r *sql.Rows) error {
			var i index
			if err := r.Scan(&i.name, &i.unique, &i.origin, &i.where); err != nil {
				return err
			}
			idx = append(idx, i)
			return nil
		})
		for _, i := range idx {
			if i.origin == "pk" {
				continue
			}
			var cols []string
			q(`SELECT name FROM pragma_index_info('`+i.name+`') ORDER BY seqno`, func(r *sql.Rows) error {
				var c string
				err := r.Scan(&c)
				cols = append(cols, c)
				return err
			})
			n := i.name
			if i.origin != "c" {
				n = "(constraint)"
			}
			tb.keys = append(tb.keys, indexKey(n, cols, i.unique, i.where))
		}
		fks := map[int]*fk{}
		q(`SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list('`+name+`') ORDER BY id, seq`, func(r *sql.Rows) error {
			var id int
			var from, to, onDelete string
			var parent string
			if err := r.Scan(&id, &parent, &from, &to, &onDelete); err != nil {
				return err
			}
			if fks[id] == nil {
				fks[id] = &fk{parent: parent, onDelete: onDelete}
			}
			fks[id].from = append(fks[id].from, from)
			fks[id].to = append(fks[id].to, to)
			return nil
		})
		for _, f := range fks {
			tb.keys = append(tb.keys, f.String())
		}
	}
	q(`SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'`, func(r *sql.Rows) error {
		var tbl, trig string
		err := r.Scan(&tbl, &trig)
		s.table(tbl).keys = append(s.table(tbl).keys, "trigger "+trig)
		return err
	})
	return s
}

func sqliteType(t string) string {
	switch strings.ToUpper(t) {
	case "INTEGER":
		return "integer"
	case "TEXT":
		return "text"
	}
	return "?" + t
}

func column(name, typ string, notNull bool, dflt sql.NullString) string {
	out := name + " " + typ
	if notNull {
		out += " not null"
	} else {
		out += " null"
	}
	if dflt.Valid {
		out += " default " + castSuffix.ReplaceAllString(dflt.String, "")
	}
	return out
}

func indexKey(name string, cols []string, unique, partial bool) string {
	out := "index " + name + " (" + strings.Join(cols, ", ") + ")"
	if unique {
		out += " unique"
	}
	if partial {
		out += " partial"
	}
	return out
}

type fk struct {
	parent, onDelete string
	from, to         []string
}

func (f fk) String() string {
	return fmt.Sprintf("foreign key (%s) references %s (%s) on delete %s",
		strings.Join(f.from, ", "), f.parent, strings.Join(f.to, ", "), strings.ToLower(f.onDelete))
}

func postgresSchema(t *testing.T, db *sql.DB) schema {
	t.Helper()
	s := schema{}
	q := func(query string, scan func(*sql.Rows) error) {
		t.Helper()
		rows, err := db.Query(query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				t.Fatal(err)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	q(`SELECT table_name, column_name, data_type, is_nullable, column_default
		FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position`, func(r *sql.Rows) error {
		var tbl, col, typ, nullable string
		var dflt sql.NullString
		if err := r.Scan(&tbl, &col, &typ, &nullable, &dflt); err != nil {
			return err
		}
		if typ == "bigint" {
			// SQLite's INTEGER is 64-bit.
			typ = "integer"
		}
		s.table(tbl).columns = append(s.table(tbl).columns, column(col, typ, nullable == "NO", dflt))
		return nil
	})
	q(`SELECT t.relname, i.relname, ix.indisprimary, ix.indisunique, ix.indpred IS NOT NULL,
			EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid AND c.contype IN ('p', 'u')),
			array_to_string(ARRAY(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',')
		FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
		WHERE t.relnamespace = current_schema()::regnamespace`, func(r *sql.Rows) error {
		var tbl, name string
		var primary, unique, partial, constraint bool
		var colList string
		if err := r.Scan(&tbl, &name, &primary, &unique, &partial, &constraint, &colList); err != nil {
			return err
		}
		cols := strings.Split(colList, ",")
		if primary {
			s.table(tbl).keys = append(s.table(tbl).keys, "primary key ("+strings.Join(cols, ", ")+")")
			return nil
		}
		if constraint {
			name = "(constraint)"
		}
		s.table(tbl).keys = append(s.table(tbl).keys, indexKey(name, cols, unique, partial))
		return nil
	})
	q(`SELECT t.relname, p.relname, c.confdeltype,
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord), ','),
			array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
				JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord), ',')
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class p ON p.oid = c.confrelid
		WHERE c.contype = 'f' AND t.relnamespace = current_schema()::regnamespace`, func(r *sql.Rows) error {
		var tbl string
		var f fk
		var action, from, to string
		if err := r.Scan(&tbl, &f.parent, &action, &from, &to); err != nil {
			return err
		}
		f.from, f.to = strings.Split(from, ","), strings.Split(to, ",")
		f.onDelete = map[string]string{"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}[action]
		s.table(tbl).keys = append(s.table(tbl).keys, f.String())
		return nil
	})
	q(`SELECT t.relname, g.tgname FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid
		WHERE NOT g.tgisinternal AND t.relnamespace = current_schema()::regnamespace`, func(r *sql.Rows) error {
		var tbl, trig string
		err := r.Scan(&tbl, &trig)
		s.table(tbl).keys = append(s.table(tbl).keys, "trigger "+trig)
		return err
	})
	return s
}

// After the last step, the PostgreSQL schema is SQLite's: the same tables,
// columns in the same order with the same nullability and defaults, the
// same primary keys, indexes (named ones by name, unique and partial alike),
// foreign keys with their ON DELETE, and triggers.
func TestSchemaMatchesSQLite(t *testing.T) {
	t.Parallel()
	db := open(t)
	if err := migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	want := sqliteSchema(t)
	got := postgresSchema(t, db)
	var names []string
	for n := range want {
		names = append(names, n)
	}
	for n := range got {
		if want[n] == nil {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		w, g := want[n], got[n]
		switch {
		case g == nil:
			t.Errorf("table %s: missing in PostgreSQL", n)
			continue
		case w == nil:
			t.Errorf("table %s: not in SQLite", n)
			continue
		}
		if !slices.Equal(g.columns, w.columns) {
			t.Errorf("table %s: columns\n  PostgreSQL %q\n  SQLite     %q", n, g.columns, w.columns)
		}
		slices.Sort(g.keys)
		slices.Sort(w.keys)
		if !slices.Equal(g.keys, w.keys) {
			t.Errorf("table %s: keys\n  PostgreSQL %q\n  SQLite     %q", n, g.keys, w.keys)
		}
	}
	// PostgreSQL's INTEGER is 32-bit: only the 0/1 flags and the schema
	// version are, every other integer is BIGINT like SQLite's.
	var narrow []string
	rows, err := db.Query(`SELECT table_name || '.' || column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type = 'integer' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var c string
		rows.Scan(&c) //nolint:errcheck
		narrow = append(narrow, c)
	}
	if want := []string{"establishments.first_login_done", "establishments.published", "journal.ok", "schema_migrations.version"}; !slices.Equal(narrow, want) {
		t.Errorf("INTEGER columns %q, want %q", narrow, want)
	}
	if len(want) < 15 {
		t.Errorf("SQLite schema read with %d tables only", len(want))
	}
}

// allSteps is 1…N, the numbers of every migration this program has.
func allSteps(t *testing.T) []int {
	var out []int
	for i := range allMigrations(t) {
		out = append(out, i+1)
	}
	return out
}
