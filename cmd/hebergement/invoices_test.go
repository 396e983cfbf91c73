package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestPricesShowAndSet(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, data, "admin", "prices")
	if err != nil || !strings.Contains(out, "540.00 EUR") || !strings.Contains(out, "built-in defaults") {
		t.Fatalf("prices: %v\n%s", err, out)
	}
	out, err = run(t, data, "admin", "prices", "set", "--hosting", "600,50", "--teacher-seat", "7")
	if err != nil || !strings.Contains(out, "600.50 EUR") || !strings.Contains(out, "7.00 EUR") || !strings.Contains(out, "24.00 EUR") {
		t.Fatalf("prices set: %v\n%s", err, out)
	}
	before, _ := os.ReadFile(filepath.Join(data, "prices.json"))
	for _, bad := range [][]string{{"--hosting", "-1"}, {"--admin-seat", "1,234"}, {"--teacher-unlimited", "2000000"}, {"--hosting", "abc"}, {}} {
		if out, err := run(t, data, append([]string{"admin", "prices", "set"}, bad...)...); err == nil {
			t.Errorf("prices set %v accepted:\n%s", bad, out)
		}
	}
	after, _ := os.ReadFile(filepath.Join(data, "prices.json"))
	if string(before) != string(after) {
		t.Error("a refused prices set changed the file")
	}
}

func TestInvoiceIssueAndList(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, data, "admin", "establishment", "create", "--name", "Lycée Victor Hugo", "--uai", "0751234a",
		"--email", "ce.0751234a@ac-paris.fr", "--phone", "06 12 34 56 78")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	number := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)[1]
	out, err = run(t, data, "admin", "invoice", "issue", number)
	if err != nil || !strings.Contains(out, "issued") || !strings.Contains(out, "factures/facture-") {
		t.Fatalf("issue: %v\n%s", err, out)
	}
	if out, err := run(t, data, "admin", "invoice", "issue", number); err == nil || !strings.Contains(err.Error(), "already") {
		t.Errorf("second issue: %v\n%s", err, out)
	}
	if mail := readOutbox(t, data, "email"); !strings.Contains(mail, "est disponible dans factures/") {
		t.Errorf("no e-mail for the invoice:\n%s", mail)
	}
	out, err = run(t, data, "admin", "invoice", "list", number, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var l []struct {
		Number string `json:"number"`
		Kind   string `json:"kind"`
		Total  *int64 `json:"total_cents"`
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || len(l) != 2 || l[0].Kind != "facture" || l[0].Total == nil {
		t.Errorf("list --json: %v\n%s", err, out)
	}
	if out, err := run(t, data, "admin", "invoice", "list", number); err != nil || !strings.Contains(out, "TOTAL") {
		t.Errorf("list: %v\n%s", err, out)
	}
}
