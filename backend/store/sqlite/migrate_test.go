package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
)

// migrationsFS is the real migrations, those up to upTo (0: all), plus extra
// files.
func migrationsFS(t *testing.T, upTo int, extra map[string]string) fs.FS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		var n int
		for _, r := range e.Name() {
			if r < '0' || r > '9' {
				break
			}
			n = n*10 + int(r-'0')
		}
		if upTo > 0 && n > upTo {
			continue
		}
		body, err := os.ReadFile(filepath.Join("migrations", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out["m/"+e.Name()] = &fstest.MapFile{Data: body}
	}
	for name, body := range extra {
		out["m/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return out
}

func openWith(t *testing.T, path string, fsys fs.FS) (*sqlite.DB, error) {
	t.Helper()
	db, err := sqlite.OpenWith(context.Background(), path, fsys, "m")
	if err == nil {
		t.Cleanup(func() { db.Close() })
	}
	return db, err
}

func versions(t *testing.T, db *sqlite.DB) []int {
	t.Helper()
	rows, err := db.Raw().Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// fill writes one of everything through the store: an establishment with an
// invoice, a base in service with an annex and a service period, a key.
func fill(t *testing.T, db *sqlite.DB) (e *store.Establishment, b *store.Base) {
	t.Helper()
	e, b = est("123456789012"), nil
	if !hasColumn(t, db, "establishments", "contract_from") {
		// A schema before 0008: the establishment and its invoice as the
		// release of that schema wrote them.
		oldEstablishment(t, db, e, at)
	}
	write(t, db, func(tx store.Tx) error {
		if e.ID == 0 {
			if err := tx.CreateEstablishment(e); err != nil {
				return err
			}
			if err := tx.AddInvoice(&store.Invoice{EstablishmentID: e.ID, Number: "1234567890", IssuedAt: at, Label: "x"}); err != nil {
				return err
			}
		}
		b = base(e.ID, 'a')
		if err := tx.InsertBase(b); err != nil {
			return err
		}
		if _, err := tx.PutAnnex(&store.Annex{BaseID: b.ID, Kind: "HPHOTOS", Name: "P.HPHOTOS", SHA256: strings.Repeat("b", 64), Size: 7, LoadedBy: "SPR", LoadedAt: at}); err != nil {
			return err
		}
		if err := tx.StartPeriod(b.ID, at); err != nil {
			return err
		}
		if err := tx.SetServer(e.ID, "running", b.ID); err != nil {
			return err
		}
		return tx.PutKey(&store.Key{EstablishmentID: e.ID, Fingerprint: "SHA256:k", PublicKey: "ssh-ed25519 AAAA", Name: "poste", Role: "spr", AddedAt: at})
	})
	return e, b
}

// hasColumn reports whether table has the column col.
func hasColumn(t *testing.T, db *sqlite.DB, table, col string) bool {
	t.Helper()
	var n int
	if err := db.Raw().QueryRow(`SELECT count(*) FROM pragma_table_info(?) WHERE name = ?`, table, col).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// oldEstablishment writes e, created at created, and its first invoice
// 1234567890 with the columns of migration 0001, as releases before 0008
// did.
func oldEstablishment(t *testing.T, db *sqlite.DB, e *store.Establishment, created time.Time) {
	t.Helper()
	r, err := db.Raw().Exec(`INSERT INTO establishments (hosting_number, name, uai, email, phone, admin_seats, teacher_seats,
		quota_bytes, password_hash, server_state, version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'stopped', ?, ?)`,
		e.HostingNumber, e.Name, e.UAI, e.Email, e.Phone, e.AdminSeats, e.TeacherSeats, e.QuotaBytes, e.PasswordHash,
		e.Version, created.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	if e.ID, err = r.LastInsertId(); err != nil {
		t.Fatal(err)
	}
	number := fmt.Sprintf("1%09d", e.ID)
	if _, err := db.Raw().Exec(`INSERT INTO invoices (establishment_id, number, issued_at, label) VALUES (?, ?, ?, 'x')`,
		e.ID, number, created.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}

// check reads back what fill wrote.
func check(t *testing.T, db *sqlite.DB, e *store.Establishment, b *store.Base) {
	t.Helper()
	err := db.Read(context.Background(), func(tx store.Tx) error {
		got, err := tx.Establishment(e.ID)
		if err != nil {
			return err
		}
		if got.OpenedBaseID != b.ID || got.ServerState != "running" {
			t.Errorf("establishment = %+v", got)
		}
		annexes, err := tx.Annexes(e.ID)
		if err != nil || len(annexes) != 1 || annexes[0].BaseID != b.ID {
			t.Errorf("annexes = %+v, %v", annexes, err)
		}
		periods, err := tx.Periods(e.ID)
		if err != nil || len(periods) != 1 {
			t.Errorf("periods = %+v, %v", periods, err)
		}
		if used, err := tx.UsedBytes(e.ID); err != nil || used != b.Size+7 {
			t.Errorf("UsedBytes = %d, %v; want %d", used, err, b.Size+7)
		}
		if k, err := tx.KeyByFingerprint("SHA256:k"); err != nil || k.Name != "poste" {
			t.Errorf("key = %+v, %v", k, err)
		}
		if inv, err := tx.LatestInvoice(e.ID); err != nil || inv.Number != "1234567890" && inv.Number != fmt.Sprintf("1%09d", e.ID) || inv.Kind != store.InvoiceFacture {
			t.Errorf("latest invoice = %+v, %v", inv, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func foreignKeysOn(t *testing.T, db *sqlite.DB) bool {
	t.Helper()
	var on int
	if err := db.Raw().QueryRow(`PRAGMA foreign_keys`).Scan(&on); err != nil {
		t.Fatal(err)
	}
	return on == 1
}

func TestMigrationsFromEmpty(t *testing.T) {
	t.Parallel()
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	// The numbers of the files, not 1..n: two branches may each add one
	// (0008, 0009) and be merged in either order.
	ms, _ := fs.Glob(os.DirFS("migrations"), "*.sql")
	var want []int
	for _, m := range ms {
		n, err := strconv.Atoi(strings.SplitN(m, "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", m, err)
		}
		want = append(want, n)
	}
	slices.Sort(want)
	if got := versions(t, db); !slices.Equal(got, want) {
		t.Errorf("versions = %v, want %v", got, want)
	}
	e, b := fill(t, db)
	check(t, db, e, b)
	write(t, db, func(tx store.Tx) error {
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: e.ID, At: at, Actor: "SPR", Addr: "192.0.2.7", Action: "x", OK: true})
	})
	db.Read(context.Background(), func(tx store.Tx) error { //nolint:errcheck
		j, err := tx.Journal(store.JournalQuery{EstablishmentID: e.ID})
		if err != nil || len(j) != 1 || j[0].Addr != "192.0.2.7" {
			t.Errorf("journal = %+v, %v", j, err)
		}
		return nil
	})
}

// A database made by the previous release (migrations 1 and 2), with data,
// is brought to today's schema and keeps every row.
func TestMigrationsFromPreviousSchemaWithData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	old, err := openWith(t, path, migrationsFS(t, 2, nil))
	if err != nil {
		t.Fatal(err)
	}
	e, b := fill(t, old)
	if _, err := old.Raw().Exec(`INSERT INTO journal (establishment_id, at, actor, action, detail, ok) VALUES (?, 1, 'SPR', 'base.open', 'B', 1)`, e.ID); err != nil {
		t.Fatal(err)
	}
	old.Close()

	db := openDB(t, path)
	if got := versions(t, db); !slices.Equal(got[:2], []int{1, 2}) || len(got) < 3 {
		t.Errorf("versions = %v", got)
	}
	check(t, db, e, b)
	db.Read(context.Background(), func(tx store.Tx) error { //nolint:errcheck
		j, err := tx.Journal(store.JournalQuery{EstablishmentID: e.ID})
		if err != nil || len(j) != 1 || j[0].Action != "base.open" || j[0].Addr != "" {
			t.Errorf("journal after the migration = %+v, %v", j, err)
		}
		return nil
	})
}

// rebuildBases rebuilds the bases table (a CHECK on the school year: a
// change ALTER TABLE cannot make) while annexes and service periods refer to
// it; keep selects the rows copied.
func rebuildBases(keep string) string {
	return `-- migrate: rebuild
CREATE TABLE bases_new (
    id               INTEGER PRIMARY KEY,
    establishment_id INTEGER NOT NULL REFERENCES establishments (id) ON DELETE CASCADE,
    name             TEXT    NOT NULL,
    school_year      INTEGER NOT NULL CHECK (school_year BETWEEN 2000 AND 2200),
    origin           TEXT    NOT NULL CHECK (origin IN ('uploaded', 'created')),
    sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
    size             INTEGER NOT NULL CHECK (size >= 0),
    base_uid         TEXT    NOT NULL,
    students         INTEGER NOT NULL,
    teachers         INTEGER NOT NULL,
    classes          INTEGER NOT NULL,
    grid             TEXT    NOT NULL,
    loaded_by        TEXT    NOT NULL,
    loaded_at        INTEGER NOT NULL,
    deleted_at       INTEGER
);
INSERT INTO bases_new SELECT * FROM bases WHERE ` + keep + `;
DROP TABLE bases;
ALTER TABLE bases_new RENAME TO bases;
CREATE INDEX bases_establishment ON bases (establishment_id);
CREATE INDEX bases_sha256 ON bases (sha256);
`
}

func TestRebuildMigrationKeepsReferences(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	db := openDB(t, path)
	e, b := fill(t, db)
	db.Close()

	db, err := openWith(t, path, migrationsFS(t, 0, map[string]string{"0100_rebuild_bases.sql": rebuildBases("1")}))
	if err != nil {
		t.Fatal(err)
	}
	check(t, db, e, b)
	if !foreignKeysOn(t, db) {
		t.Error("foreign keys are still off after the rebuild")
	}
	var sqlText string
	db.Raw().QueryRow(`SELECT sql FROM sqlite_master WHERE name = 'bases'`).Scan(&sqlText) //nolint:errcheck
	if !strings.Contains(sqlText, "BETWEEN 2000 AND 2200") {
		t.Errorf("bases was not rebuilt: %s", sqlText)
	}
}

// A rebuild that loses a row other rows refer to fails, and the database
// stays as it was.
func TestBrokenRebuildChangesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	db := openDB(t, path)
	e, b := fill(t, db)
	before := versions(t, db)
	db.Close()

	_, err := openWith(t, path, migrationsFS(t, 0, map[string]string{"0100_rebuild_bases.sql": rebuildBases("0")}))
	if err == nil || !strings.Contains(err.Error(), "0100_rebuild_bases.sql") || !strings.Contains(err.Error(), "missing row of bases") {
		t.Fatalf("err = %v, want the foreign key check of 0100 to fail", err)
	}
	db = openDB(t, path)
	if got := versions(t, db); !slices.Equal(got, before) {
		t.Errorf("versions = %v, want %v", got, before)
	}
	check(t, db, e, b)
}

// A database written by a newer program is not touched by an older one.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	if _, err := openWith(t, path, migrationsFS(t, 0, map[string]string{"0999_future.sql": "CREATE TABLE future (id INTEGER);"})); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("err = %v, want a refusal of the newer schema", err)
	}
}

// unknownRefs lists the columns of db's schema that name a stored file
// (sha256, *_sha256) and are not in the store's reference list, and the
// listed ones the schema does not have.
func unknownRefs(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := sqlite.FileRefColumns()
	var found, out []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		if col == "sha256" || strings.HasSuffix(col, "_sha256") {
			found = append(found, table+"."+col)
			if !slices.Contains(known, table+"."+col) {
				out = append(out, table+"."+col+" names a stored file but is not in fileRefs (references.go)")
			}
		}
	}
	for _, k := range known {
		if !slices.Contains(found, k) {
			out = append(out, k+" is in fileRefs but not in the schema")
		}
	}
	return out
}

// Every column that names a stored file is known to the garbage collection
// and the quota: a table added by a migration without its line in fileRefs
// fails here.
func TestEveryFileReferenceIsKnown(t *testing.T) {
	t.Parallel()
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	for _, p := range unknownRefs(t, db.Raw()) {
		t.Error(p)
	}
	// The check sees a forgotten reference.
	extra, err := openWith(t, filepath.Join(t.TempDir(), "h.db"), migrationsFS(t, 0, map[string]string{
		"0100_copies.sql": "CREATE TABLE copies (id INTEGER PRIMARY KEY, base_sha256 TEXT NOT NULL);"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := unknownRefs(t, extra.Raw()); len(got) != 1 || !strings.HasPrefix(got[0], "copies.base_sha256") {
		t.Errorf("a forgotten reference: unknownRefs = %v", got)
	}
}

// baseRefs lists the columns of db's schema that refer to bases and are not
// in the store's list of what keeps or follows a base, and the listed ones
// the schema does not have.
func baseRefs(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT m.name, f."from" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'bases'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	known := sqlite.BaseRefColumns()
	var found, out []string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		found = append(found, table+"."+col)
		if !slices.Contains(known, table+"."+col) {
			out = append(out, table+"."+col+" refers to bases but is not in baseReferences (backups.go)")
		}
	}
	for _, k := range known {
		if !slices.Contains(found, k) {
			out = append(out, k+" is in baseReferences but not in the schema")
		}
	}
	return out
}

// Every row that refers to a base is known to the collection of hidden
// bases: a table added by a migration that refers to bases without its line
// in baseReferences fails here, before a pruning deletes a base it needs.
func TestEveryBaseReferenceIsKnown(t *testing.T) {
	t.Parallel()
	db := openDB(t, filepath.Join(t.TempDir(), "h.db"))
	for _, p := range baseRefs(t, db.Raw()) {
		t.Error(p)
	}
	extra, err := openWith(t, filepath.Join(t.TempDir(), "h.db"), migrationsFS(t, 0, map[string]string{
		"0100_pins.sql": "CREATE TABLE pins (id INTEGER PRIMARY KEY, base_id INTEGER REFERENCES bases (id));"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := baseRefs(t, extra.Raw()); len(got) != 1 || !strings.HasPrefix(got[0], "pins.base_id") {
		t.Errorf("a forgotten reference: baseRefs = %v", got)
	}
}

// Migration 0008 gives the establishments that exist a contract from the
// day they were created (Paris) to the 31 August ending that school year,
// and their invoices the kind facture without amounts.
func TestMigration0008ContractOfExistingRows(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "h.db")
	old, err := openWith(t, path, migrationsFS(t, 7, nil))
	if err != nil {
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
	}
	ests := make([]*store.Establishment, len(cases))
	for i, c := range cases {
		ests[i] = est(fmt.Sprintf("1234567890%02d", i))
		oldEstablishment(t, old, ests[i], c.created)
	}
	old.Close()

	db := openDB(t, path)
	db.Read(context.Background(), func(tx store.Tx) error { //nolint:errcheck
		for i, c := range cases {
			e, err := tx.Establishment(ests[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.ContractFrom.Format(time.DateOnly); got != c.from {
				t.Errorf("created %s: contract from %s, want %s", c.created, got, c.from)
			}
			if got := e.ContractUntil.Format(time.DateOnly); got != c.until {
				t.Errorf("created %s: contract until %s, want %s", c.created, got, c.until)
			}
			l, err := tx.Invoices(e.ID)
			if err != nil || len(l) != 1 {
				t.Fatalf("invoices = %+v, %v", l, err)
			}
			if inv := l[0]; inv.Kind != store.InvoiceFacture || inv.Priced || len(inv.Lines) != 0 || !inv.PeriodFrom.IsZero() {
				t.Errorf("migrated invoice = %+v", inv)
			}
		}
		return nil
	})
}
