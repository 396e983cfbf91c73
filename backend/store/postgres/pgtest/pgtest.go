// Package pgtest gives tests a fresh PostgreSQL database of their own on the
// server named by HEBERGEMENT_TEST_DB, and skips them when it is unset, so
// that `go test ./...` passes with and without PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// EnvVar names the variable holding the DSN of a PostgreSQL server on which
// the tests may create and drop databases (a superuser's, or a role with
// CREATEDB).
const EnvVar = "HEBERGEMENT_TEST_DB"

// DSN creates an empty database on the server of HEBERGEMENT_TEST_DB and
// returns its DSN; the database is dropped when the test ends, after the
// cleanups registered later (closing the test's pools). It skips the test
// when the variable is unset.
//
// The database is UTF8 with the C collation, as SQLite stores UTF-8 and
// compares text byte by byte.
func DSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(EnvVar)
	if admin == "" {
		t.Skip("PostgreSQL tests skipped: set " + EnvVar + " to an admin DSN, e.g. " +
			"`.ci/postgres.sh start /tmp/pg` then " + EnvVar + "='postgres://postgres@127.0.0.1:55432/postgres?sslmode=disable' go test ./...")
	}
	dsn, err := withDatabase(admin, "")
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvVar, err)
	}
	db.SetMaxOpenConns(1)
	var b [8]byte
	rand.Read(b[:])
	name := "hebergement_test_" + hex.EncodeToString(b[:])
	// name is made of [a-z0-9_] only: no quoting needed.
	if _, err := db.ExecContext(context.Background(),
		`CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`); err != nil {
		db.Close()
		t.Fatalf("create the test database on %s: %v", EnvVar, err)
	}
	t.Cleanup(func() {
		defer db.Close()
		// FORCE ends the sessions a failed test may have left open.
		if _, err := db.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop the test database %s: %v", name, err)
		}
	})
	out, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// withDatabase returns dsn with its database set to name, or unchanged when
// name is empty; dsn is a URL (postgres://…) or keyword=value pairs, where
// a later dbname overrides an earlier one.
func withDatabase(dsn, name string) (string, error) {
	if name == "" {
		return dsn, nil
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}
