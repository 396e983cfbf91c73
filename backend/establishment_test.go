package backend_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

func TestCreateEstablishmentDeliversCredentials(t *testing.T) {
	sqliteOnly(t)
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))

	if !regexp.MustCompile(`^[1-9][0-9]{11}$`).MatchString(est.HostingNumber) {
		t.Errorf("hosting number %q: want 12 digits", est.HostingNumber)
	}
	if !regexp.MustCompile(`^[0-9]{10}$`).MatchString(est.Invoice) {
		t.Errorf("invoice %q: want 10 digits", est.Invoice)
	}
	if len(pw) != 14 {
		t.Errorf("password %q: want 14 characters", pw)
	}
	if est.Phone != "+33612345678" || est.QuotaBytes != backend.DefaultQuota || est.FirstLoginDone {
		t.Errorf("establishment = %+v", est)
	}

	msgs := e.outboxMessages(t)
	if len(msgs) != 2 {
		t.Fatalf("outbox holds %d messages, want an e-mail and an SMS", len(msgs))
	}
	var mail, sms *message
	for i := range msgs {
		switch msgs[i].channel {
		case "email":
			mail = &msgs[i]
		case "sms":
			sms = &msgs[i]
		}
	}
	if mail == nil || sms == nil {
		t.Fatalf("want one e-mail and one SMS, got %+v", msgs)
	}
	if mail.to != "ce.0751234a@ac-paris.fr" || !strings.Contains(mail.body, est.HostingNumber) || !strings.Contains(mail.body, est.Invoice) {
		t.Errorf("e-mail lacks the numbers or goes elsewhere:\n%s", mail.raw)
	}
	if sms.to != "+33612345678" || !strings.Contains(sms.body, pw) {
		t.Errorf("SMS lacks the password or goes elsewhere:\n%s", sms.raw)
	}

	// The password leaves the back end once, by SMS: no other file of the
	// data folder (database, WAL, e-mail, journal) holds it, nor the logs.
	smsFiles := 0
	for _, rel := range files(t, e.dir) {
		body, err := os.ReadFile(filepath.Join(e.dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, []byte(pw)) {
			continue
		}
		if strings.HasPrefix(rel, "outbox"+string(filepath.Separator)) && strings.Contains(rel, "-sms-") {
			smsFiles++
			continue
		}
		t.Errorf("the password is in %s", rel)
	}
	if smsFiles != 1 {
		t.Errorf("the password is in %d SMS files, want 1", smsFiles)
	}
	// The database files were really read (the check above is not vacuous).
	db, err := os.ReadFile(filepath.Join(e.dir, "hebergement.db-wal"))
	if err != nil {
		db, err = os.ReadFile(filepath.Join(e.dir, "hebergement.db"))
	}
	if err != nil || !bytes.Contains(db, []byte(est.HostingNumber)) {
		t.Errorf("the database files do not hold the hosting number (err %v): the grep proves nothing", err)
	}
	if strings.Contains(mail.raw, pw) {
		t.Error("the e-mail holds the password")
	}
	for _, j := range e.journal(t, est.ID) {
		if strings.Contains(j.Detail, pw) || strings.Contains(j.Actor, pw) {
			t.Errorf("journal entry %+v holds the password", j)
		}
	}
	if strings.Contains(e.logs.String(), pw) {
		t.Error("the logs hold the password")
	}

	// The operator reads the establishment back with its invoice.
	got, err := e.b.EstablishmentByNumber(context.Background(), est.HostingNumber)
	ok(t, err)
	if got.Invoice != est.Invoice || got.Name != "Lycée Victor Hugo" {
		t.Errorf("EstablishmentByNumber = %+v", got)
	}
}

func TestCreateEstablishmentDrawsDistinctCredentials(t *testing.T) {
	e := newEnv(t)
	a, pwA := e.establish(t, school("A"))
	b, pwB := e.establish(t, school("B"))
	if a.HostingNumber == b.HostingNumber || a.Invoice == b.Invoice || pwA == pwB {
		t.Errorf("two establishments share credentials: %s/%s/%s and %s/%s/%s",
			a.HostingNumber, a.Invoice, pwA, b.HostingNumber, b.Invoice, pwB)
	}
	list, err := e.b.Establishments(context.Background())
	ok(t, err)
	if len(list) != 2 {
		t.Errorf("Establishments lists %d, want 2", len(list))
	}
}

func TestCreateEstablishmentRefusesBadInput(t *testing.T) {
	cases := []struct {
		name string
		edit func(*backend.NewEstablishment)
	}{
		{"empty name", func(n *backend.NewEstablishment) { n.Name = "  " }},
		{"name too long", func(n *backend.NewEstablishment) { n.Name = strings.Repeat("é", 121) }},
		{"name with ESC", func(n *backend.NewEstablishment) { n.Name = "Lycée \x1b[31mRouge" }},
		{"name with newline", func(n *backend.NewEstablishment) { n.Name = "Lycée\nHugo" }},
		{"name with bidi override", func(n *backend.NewEstablishment) { n.Name = "Lycée \u202eogüH" }},
		{"name not UTF-8", func(n *backend.NewEstablishment) { n.Name = "Lyc\xe9e" }},
		{"UAI too short", func(n *backend.NewEstablishment) { n.UAI = "075123A" }},
		{"UAI without letter", func(n *backend.NewEstablishment) { n.UAI = "07512345" }},
		{"e-mail without @", func(n *backend.NewEstablishment) { n.Email = "ce.ac-paris.fr" }},
		{"e-mail with a name", func(n *backend.NewEstablishment) { n.Email = "Hugo <ce@ac-paris.fr>" }},
		{"e-mail without domain dot", func(n *backend.NewEstablishment) { n.Email = "ce@localhost" }},
		{"landline phone", func(n *backend.NewEstablishment) { n.Phone = "01 23 45 67 89" }},
		{"phone too short", func(n *backend.NewEstablishment) { n.Phone = "06 12 34 56" }},
		{"phone with letters", func(n *backend.NewEstablishment) { n.Phone = "06 12 34 56 7a" }},
		{"teacher seats 40", func(n *backend.NewEstablishment) { n.TeacherSeats = 40 }},
		{"teacher seats negative", func(n *backend.NewEstablishment) { n.TeacherSeats = -30 }},
		{"admin seats 0", func(n *backend.NewEstablishment) { n.AdminSeats = 0 }},
		{"quota negative", func(n *backend.NewEstablishment) { n.QuotaBytes = -1 }},
		{"quota above 1 TiB", func(n *backend.NewEstablishment) { n.QuotaBytes = 1<<40 + 1 }},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := school("Lycée Victor Hugo")
			c.edit(&n)
			est, pw, err := e.b.CreateEstablishment(context.Background(), n)
			if !errors.Is(err, backend.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if est.ID != 0 || pw != "" {
				t.Errorf("a refused establishment returned %+v, %q", est, pw)
			}
		})
	}
	list, err := e.b.Establishments(context.Background())
	ok(t, err)
	if len(list) != 0 {
		t.Errorf("refusals created %d establishments", len(list))
	}
	if m := e.outboxMessages(t); len(m) != 0 {
		t.Errorf("refusals sent %d messages", len(m))
	}
}

func TestCreateEstablishmentAcceptsUsualForms(t *testing.T) {
	cases := []struct {
		name      string
		edit      func(*backend.NewEstablishment)
		wantPhone string
	}{
		{"lower-case UAI", func(n *backend.NewEstablishment) { n.UAI = " 0751234a " }, "+33612345678"},
		{"international phone", func(n *backend.NewEstablishment) { n.Phone = "+33 7 12 34 56 78" }, "+33712345678"},
		{"dotted phone", func(n *backend.NewEstablishment) { n.Phone = "06.12.34.56.78" }, "+33612345678"},
		{"unlimited teachers", func(n *backend.NewEstablishment) { n.TeacherSeats = 0 }, "+33612345678"},
		{"80 teachers", func(n *backend.NewEstablishment) { n.TeacherSeats = 80 }, "+33612345678"},
	}
	e := newEnv(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := school("Collège Jean Moulin")
			c.edit(&n)
			est, _ := e.establish(t, n)
			if est.Phone != c.wantPhone || est.UAI != "0751234A" {
				t.Errorf("stored phone %q UAI %q, want %q 0751234A", est.Phone, est.UAI, c.wantPhone)
			}
		})
	}
}
