package sqlite_test

import (
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
)

// Two processes open one data folder while its schema is behind (a console
// started beside a serve after an upgrade): the second one finds the
// migrations applied by the first and applies nothing twice.
func TestConcurrentOpensDuringAnUpgrade(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		path := filepath.Join(t.TempDir(), "h.db")
		db, err := openWith(t, path, migrationsFS(t, 2, nil))
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { _, errs[i] = openWith(t, path, migrationsFS(t, 0, nil)) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, opener %d: %v", round, i, err)
			}
		}
	}
}

// With foreign keys off for a rebuild, a plain migration after it in the
// same run is checked too: a dangling reference it writes is refused, as it
// would be with foreign keys on.
func TestPlainMigrationAfterARebuildIsChecked(t *testing.T) {
	t.Parallel()
	tables := `CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parent (id));`
	dangling := `INSERT INTO child (id, parent_id) VALUES (1, 999);`
	for name, fsys := range map[string]fstest.MapFS{
		"after a rebuild": {
			"m/0001_init.sql": {Data: []byte(tables)},
			"m/0002_rebuild.sql": {Data: []byte(`-- migrate: rebuild
CREATE TABLE parent_new (id INTEGER PRIMARY KEY, note TEXT NOT NULL DEFAULT '');
INSERT INTO parent_new (id) SELECT id FROM parent;
DROP TABLE parent;
ALTER TABLE parent_new RENAME TO parent;`)},
			"m/0003_data.sql": {Data: []byte(dangling)},
		},
		"alone": {
			"m/0001_init.sql": {Data: []byte(tables)},
			"m/0003_data.sql": {Data: []byte(dangling)},
		},
	} {
		if _, err := openWith(t, filepath.Join(t.TempDir(), "h.db"), fsys); err == nil {
			t.Errorf("%s: a migration writing a dangling reference was applied", name)
		}
	}
}
