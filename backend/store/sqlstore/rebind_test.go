package sqlstore_test

import (
	"testing"

	"github.com/hebergement/console/backend/store/sqlstore"
)

func TestRebind(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`a = ? AND b = ?`, `a = $1 AND b = $2`},
		{`a = ?1 OR b = ?1 LIMIT ?2`, `a = $1 OR b = $1 LIMIT $2`},
		// A bare ? after ?N takes the next number, as SQLite counts.
		{`a = ?2 AND b = ?`, `a = $2 AND b = $3`},
		{`a = '?' AND b = ?`, `a = '?' AND b = $1`},
		{`a = 'it''s ?' AND "c?" = ?`, `a = 'it''s ?' AND "c?" = $1`},
		{`a = ?10`, `a = $10`},
		// An unterminated quote is copied to the end, never read past.
		{`a = ? AND b = 'x?`, `a = $1 AND b = 'x?`},
		{`?`, `$1`},
		{`'`, `'`},
	} {
		if got := sqlstore.Rebind(c.in); got != c.want {
			t.Errorf("Rebind(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
