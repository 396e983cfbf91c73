package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// createEstablishment creates an establishment (L 4, T 50) through the CLI
// and returns its hosting number.
func createEstablishment(t *testing.T, data string) string {
	t.Helper()
	out, err := run(t, data, "admin", "establishment", "create", "--name", "Lycée Victor Hugo", "--uai", "0751234A",
		"--email", "ce.0751234a@ac-paris.fr", "--phone", "06 12 34 56 78")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no hosting number in %q", out)
	}
	return m[1]
}

// reserve logs in with the credentials the outbox holds and reserves n
// administratif seats, as the SPR would in the console.
func reserve(t *testing.T, data, number string, n int) {
	t.Helper()
	ctx := context.Background()
	pw := regexp.MustCompile(`mot de passe est (\S{14})`).FindStringSubmatch(readOutbox(t, data, "sms"))
	if pw == nil {
		t.Fatal("no password in the SMS")
	}
	b, err := backend.Open(ctx, backend.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	est, err := b.EstablishmentByNumber(ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	s, err := b.Login(ctx, backend.LoginRequest{HostingNumber: number, Password: pw[1], Invoice: est.Invoice, Addr: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SetReservedSeats(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func TestEstablishmentSetSeats(t *testing.T) {
	data := t.TempDir()
	number := createEstablishment(t, data)
	show := func() string {
		t.Helper()
		out, err := run(t, data, "admin", "establishment", "show", number)
		if err != nil {
			t.Fatalf("show: %v\n%s", err, out)
		}
		return out
	}
	if out := show(); !regexp.MustCompile(`Admin seats: +4 \(none reserved\)\n`).MatchString(out) {
		t.Errorf("show before set-seats:\n%s", out)
	}

	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"--admin-seats", "6", "--teacher-seats", "unlimited"},
			[]string{"Licences set for " + number + " (Lycée Victor Hugo):", "Admin seats:    6 (none reserved)", "Teacher seats:  unlimited",
				"Nobody was disconnected"}},
		{[]string{"--teacher-seats", "80"}, []string{"Admin seats:    6 (none reserved)", "Teacher seats:  80"}},
		{[]string{"--admin-seats", " 5 "}, []string{"Admin seats:    5 (none reserved)", "Teacher seats:  80"}},
		{[]string{"--teacher-seats", "Illimité"}, []string{"Teacher seats:  unlimited"}},
	}
	for _, s := range steps {
		out, err := run(t, data, append([]string{"admin", "establishment", "set-seats", number}, s.args...)...)
		if err != nil || !containsAll(out, s.want...) || strings.Contains(out, "lowered") {
			t.Errorf("set-seats %q: %v\n%s\nwant %q", s.args, err, out, s.want)
		}
	}
	if out := show(); !containsAll(out, "5 (none reserved)", "unlimited") {
		t.Errorf("show after set-seats:\n%s", out)
	}

	// L under R lowers R to L, and says so.
	reserve(t, data, number, 3)
	if out := show(); !strings.Contains(out, "5 (3 reserved for the groupe Administration)") {
		t.Errorf("show with R 3:\n%s", out)
	}
	out, err := run(t, data, "admin", "establishment", "set-seats", number, "--admin-seats", "2")
	if err != nil || !containsAll(out, "Admin seats:    2 (2 reserved for the groupe Administration)", "Teacher seats:  unlimited",
		"The reserved seats were lowered from 3 to 2") {
		t.Errorf("set-seats under R: %v\n%s", err, out)
	}

	// Each change is journaled as the operator's.
	b, err := backend.Open(context.Background(), backend.Options{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	est, err := b.EstablishmentByNumber(context.Background(), number)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := b.Journal(context.Background(), est.ID, 100)
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	sets := 0
	for _, e := range entries {
		if e.Action == "seats.set" && e.OK && e.Actor == "opérateur" {
			sets++
		}
	}
	if sets != 5 {
		t.Errorf("%d seats.set entries in the journal, want 5: %+v", sets, entries)
	}
}

func TestEstablishmentSetSeatsRefusesBadInput(t *testing.T) {
	data := t.TempDir()
	number := createEstablishment(t, data)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no flag", []string{number}, "give --admin-seats, --teacher-seats or both"},
		{"no number", []string{"--admin-seats", "5"}, "accepts 1 arg"},
		{"zero admin seats", []string{number, "--admin-seats", "0"}, "--admin-seats: \"0\" must be a whole number from 1 to 1000"},
		{"too many admin seats", []string{number, "--admin-seats", "1001"}, "from 1 to 1000"},
		{"absurd admin seats", []string{number, "--admin-seats", "99999999999999999999"}, "from 1 to 1000"},
		{"negative admin seats", []string{number, "--admin-seats=-1"}, "from 1 to 1000"},
		{"admin seats not a number", []string{number, "--admin-seats", "abc"}, "from 1 to 1000"},
		{"hostile admin seats", []string{number, "--admin-seats", "\x1b[31m4"}, `"\x1b[31m4"`},
		{"bad teacher seats", []string{number, "--teacher-seats", "40"}, "30, 50, 80 or unlimited"},
		{"empty teacher seats", []string{number, "--teacher-seats", ""}, "30, 50, 80 or unlimited"},
		{"unknown number", []string{"123456789012", "--admin-seats", "5"}, "no establishment has the hosting number 123456789012"},
		{"malformed number", []string{"12ab", "--admin-seats", "5"}, "12 digits"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, data, append([]string{"admin", "establishment", "set-seats"}, c.args...)...)
			if err == nil {
				t.Fatalf("accepted: %s", out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
	out, err := run(t, data, "admin", "establishment", "show", number)
	if err != nil || !regexp.MustCompile(`Admin seats: +4 \(none reserved\)\nTeacher seats: +50\n`).MatchString(out) {
		t.Errorf("a refused set-seats changed something: %v\n%s", err, out)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// An operator may choose the hosting number (it sets the day of the August
// switch); list and show give the contract's end, the version and that day.
func TestEstablishmentChosenNumberListShow(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	create := func(number string) (string, error) {
		return run(t, data, "--now", "2027-06-01T10:00+02:00", "admin", "establishment", "create", "--name", "Collège Pasteur", "--uai", "0250002B",
			"--email", "ce.0250002b@ac-besancon.fr", "--phone", "06 12 34 56 79", "--hosting-number", number)
	}
	if out, err := create("1234 5678 9012"); err != nil || !strings.Contains(out, "Hosting number: 123456789012") {
		t.Fatalf("create with a chosen number: %v\n%s", err, out)
	}
	for _, bad := range []string{"12345", "123456789012", "12345678901a"} {
		if out, err := create(bad); err == nil {
			t.Errorf("--hosting-number %q accepted:\n%s", bad, out)
		}
	}
	day := backend.SwitchDayOf("123456789012")
	out, err := run(t, data, "--now", "2027-06-01T10:00+02:00", "admin", "establishment", "list")
	if err != nil || !containsAll(out, "CONTRACT UNTIL", "VERSION", "SWITCH", "123456789012", "2027-08-31", "2026 ", fmt.Sprintf("Aug %d", day)) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	out, err = run(t, data, "--now", "2027-06-01T10:00+02:00", "admin", "establishment", "show", "123456789012")
	if err != nil || !containsAll(out, "Contract:", "2027-06-01 to 2027-08-31", fmt.Sprintf("PRONOTE 2026 (automatic switch on Aug %d at 03:30 Paris)", day)) {
		t.Fatalf("show: %v\n%s", err, out)
	}
}
