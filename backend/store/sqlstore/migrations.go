package sqlstore

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is a numbered step of a store's schema, a file NNNN_name.sql.
// Each database has its own files, the same steps under the same numbers;
// each runs them its own way (sqlite: table rebuilds with foreign keys
// checked; postgres: under an advisory lock).
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads the *.sql files of dir in fsys, ordered by number; a
// name without a number, or two files of one number, is an error.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var out []Migration
	seen := map[int]string{}
	for _, name := range names {
		base := path.Base(name)
		num, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil || num <= 0 {
			return nil, fmt.Errorf("migrate: bad migration name %s", base)
		}
		if other, dup := seen[num]; dup {
			return nil, fmt.Errorf("migrate: %s and %s have the same number", other, base)
		}
		seen[num] = base
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: num, Name: base, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}
