package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/hebergement/console/backend/store/postgres/pgtest"
)

// A --db the program cannot use is said in English, without the password,
// and leaves no SQLite file behind in the data folder.
func TestDBFlagRefusals(t *testing.T) {
	for _, c := range []struct{ dsn, want string }{
		{"postgres://hebergement:s3cret@127.0.0.1:notaport/hebergement", "malformed"},
		{"postgres://hebergement:s3cret@127.0.0.1:1/hebergement?sslmode=disable&connect_timeout=5", "cannot reach PostgreSQL"},
	} {
		data := t.TempDir()
		_, err := run(t, data, "--db", c.dsn, "admin", "establishment", "list")
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("--db %s: %v, want %q without the password", c.dsn, err, c.want)
		}
		if _, err := os.Stat(data + "/hebergement.db"); err == nil {
			t.Errorf("--db %s: a SQLite file was created", c.dsn)
		}
	}
	t.Setenv("HEBERGEMENT_DB", "postgres://h:s3cret@127.0.0.1:1/h?connect_timeout=5")
	if _, err := run(t, t.TempDir(), "admin", "establishment", "list"); err == nil || !strings.Contains(err.Error(), "cannot reach PostgreSQL") {
		t.Errorf("HEBERGEMENT_DB: %v, want cannot reach", err)
	}
	if _, err := run(t, t.TempDir(), "--demo"); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Errorf("--demo with HEBERGEMENT_DB: %v, want a refusal", err)
	}
}

// With --db the state lives in PostgreSQL: an establishment created by one
// command is listed by the next, from another data folder's files.
func TestDBFlagOnPostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	data := t.TempDir()
	out, err := run(t, data, "--db", dsn, "admin", "establishment", "create", "--name", "Lycée Victor Hugo", "--uai", "0751234a",
		"--email", "ce.0751234a@ac-paris.fr", "--phone", "06 12 34 56 78")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	number := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)
	if number == nil {
		t.Fatalf("no hosting number in %q", out)
	}
	if _, err := os.Stat(data + "/hebergement.db"); err == nil {
		t.Error("a SQLite file was created beside PostgreSQL")
	}
	out, err = run(t, data, "--db", dsn, "admin", "establishment", "list")
	if err != nil || !strings.Contains(out, number[1]) {
		t.Errorf("list: %v\n%s", err, out)
	}
}

// The DSN from HEBERGEMENT_DB holds a password: no help text shows it as
// the flag's default.
func TestDBPasswordNotInHelp(t *testing.T) {
	t.Setenv("HEBERGEMENT_DB", "postgres://hebergement:s3cret@127.0.0.1:1/hebergement")
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"admin", "jobs", "run", "--help"}} {
		out, err := run(t, t.TempDir(), args...)
		if err != nil {
			t.Errorf("%q: %v", args, err)
		}
		if !strings.Contains(out, "--db") || strings.Contains(out, "s3cret") {
			t.Errorf("%q shows the password or no --db:\n%s", args, out)
		}
	}
}
