package sqlstore

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"github.com/hebergement/console/backend/store"
)

// Dialect is what differs between the databases behind the one
// implementation of the store: queries are written once, with ?
// placeholders and SQL both understand.
type Dialect struct {
	// Name names the database in messages ("sqlite", "postgres").
	Name string
	// Dollar rewrites the placeholders ? and ?N to $1, $2… (PostgreSQL).
	Dollar bool
	// Conflict tells whether err, from the driver, breaks a uniqueness rule.
	Conflict func(err error) bool
	// ReadOptions are a read transaction's options.
	ReadOptions *sql.TxOptions
	// WriteOptions are a write transaction's options.
	WriteOptions *sql.TxOptions
	// Text, when set, rewrites the text arguments the database cannot hold
	// (PostgreSQL: invalid UTF-8 and NUL, which SQLite keeps as given). The
	// store's text comes from users: a file name, a key's comment.
	Text func(string) string
	// WriteLock, when not empty, runs first in every write transaction: the
	// statement that serializes writers across processes as SQLite's
	// BEGIN IMMEDIATE does (PostgreSQL: an advisory transaction lock).
	WriteLock string
	// Notify, when not empty, runs after an establishment's revision is
	// bumped, with "id:revision" as its one argument: it tells the other
	// instances at commit (PostgreSQL: pg_notify on RevisionsChannel).
	Notify string

	// cache holds the rebound queries, by query.
	cache   sync.Map
	cacheN  int
	cacheMu sync.Mutex
}

// maxCached bounds the rebound queries kept: queries built for a number of
// rows (a batch of changes, a list of ids) come in many lengths.
const maxCached = 2048

// rebind rewrites q for the database, caching the result.
func (d *Dialect) rebind(q string) string {
	if !d.Dollar {
		return q
	}
	if r, ok := d.cache.Load(q); ok {
		return r.(string)
	}
	r := Rebind(q)
	d.cacheMu.Lock()
	if d.cacheN < maxCached {
		d.cacheN++
		d.cache.Store(q, r)
	}
	d.cacheMu.Unlock()
	return r
}

// Rebind turns the placeholders of q, ? and ?N as SQLite numbers them (a
// bare ? takes one more than the largest number before it), into
// PostgreSQL's $N. Quoted strings and identifiers are copied as they are.
// sqlx's Rebind would do for bare ?s only: our queries reuse a parameter
// with ?N.
func Rebind(q string) string {
	out := make([]byte, 0, len(q)+8)
	largest := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(q) {
				if q[j] == c {
					if j+1 < len(q) && q[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(q) {
				j = len(q) - 1
			}
			out = append(out, q[i:j+1]...)
			i = j
		case '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			n := largest + 1
			if j > i+1 {
				n, _ = strconv.Atoi(q[i+1 : j])
			}
			largest = max(largest, n)
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			i = j - 1
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// args rewrites the text arguments with d.Text.
func (d *Dialect) args(args []any) []any {
	if d.Text == nil {
		return args
	}
	var out []any // a copy once one changes: the caller's slice is its own
	for i, a := range args {
		s, ok := a.(string)
		if !ok {
			continue
		}
		if v := d.Text(s); v != s {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = v
		}
	}
	if out == nil {
		return args
	}
	return out
}

// mapErr turns driver errors into the store's sentinels: no row is
// store.ErrNotFound, a broken uniqueness rule store.ErrConflict.
func (d *Dialect) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	if d.Conflict != nil && d.Conflict(err) {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// mapErr maps the errors of reading queries, which break no rule.
func mapErr(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	return err
}
