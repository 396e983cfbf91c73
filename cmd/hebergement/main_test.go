package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hebergement/console/backend/hostfile"
)

// run executes the CLI with args against a data folder and returns its output.
func run(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	root := newRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append([]string{"--data", data}, args...))
	err := root.ExecuteContext(context.Background())
	return out.String(), err
}

func TestEstablishmentCreateListShowReset(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, data, "admin", "establishment", "create", "--name", "Lycée Victor Hugo", "--uai", "0751234a",
		"--email", "ce.0751234a@ac-paris.fr", "--phone", "06 12 34 56 78", "--teacher-seats", "unlimited")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	number := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)
	if number == nil {
		t.Fatalf("no hosting number in %q", out)
	}
	sms := readOutbox(t, data, "sms")
	pw := regexp.MustCompile(`mot de passe est (\S{14})`).FindStringSubmatch(sms)
	if pw == nil {
		t.Fatalf("no password in the SMS %q", sms)
	}
	if strings.Contains(out, pw[1]) {
		t.Error("the CLI printed the password")
	}

	out, err = run(t, data, "admin", "establishment", "list")
	if err != nil || !strings.Contains(out, number[1]) || !strings.Contains(out, "Lycée Victor Hugo") || !strings.Contains(out, "unlimited") {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, err = run(t, data, "admin", "establishment", "show", number[1])
	if err != nil || !strings.Contains(out, "0751234A") || !strings.Contains(out, "+33612345678") || strings.Contains(out, pw[1]) {
		t.Errorf("show: %v\n%s", err, out)
	}
	out, err = run(t, data, "admin", "credentials", "reset", number[1])
	if err != nil || strings.Contains(out, pw[1]) {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	if got := readOutbox(t, data, "sms"); got == sms {
		t.Error("reset sent no new SMS")
	}
}

// readOutbox returns the newest message of a channel.
func readOutbox(t *testing.T, data, channel string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(data, "outbox", "*-"+channel+"-*.txt"))
	if len(files) == 0 {
		t.Fatalf("no %s in the outbox", channel)
	}
	var newest string
	var newestTime int64
	for _, f := range files {
		info, err := os.Stat(f)
		if err == nil && info.ModTime().UnixNano() >= newestTime {
			newest, newestTime = f, info.ModTime().UnixNano()
		}
	}
	body, err := os.ReadFile(newest)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestCLIRefusesBadInput(t *testing.T) {
	data := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"bad UAI", []string{"admin", "establishment", "create", "--name", "X", "--uai", "07512", "--email", "a@b.fr", "--phone", "0612345678"}, "UAI"},
		{"bad teacher seats", []string{"admin", "establishment", "create", "--name", "X", "--uai", "0751234A", "--email", "a@b.fr", "--phone", "0612345678", "--teacher-seats", "40"}, "30, 50, 80"},
		{"bad phone", []string{"admin", "establishment", "create", "--name", "X", "--uai", "0751234A", "--email", "a@b.fr", "--phone", "0112345678"}, "mobile"},
		{"unknown number", []string{"admin", "establishment", "show", "123456789012"}, "no establishment has the hosting number"},
		{"malformed number", []string{"admin", "credentials", "reset", "12ab"}, "12 digits"},
		{"year backwards", []string{"generate", "--number", "123456789012", "--name", "B", "--year", "2026-2020", "--out", t.TempDir()}, "--year"},
		{"hostile name", []string{"generate", "--number", "123456789012", "--name", "../evil", "--year", "2026-2027", "--out", t.TempDir()}, "name"},
		{"absurd size", []string{"generate", "--number", "123456789012", "--name", "B", "--year", "2026-2027", "--size", "-3MB", "--out", t.TempDir()}, "--size"},
		{"bad --now", []string{"admin", "establishment", "list", "--now", "hier"}, "--now"},
		// The back end reads a zero quota as the default: an explicit one
		// must not become 20GB silently.
		{"zero quota", withQuota("0"), "--quota must be at least 1MB"},
		{"zero quota with a unit", withQuota("0GB"), "--quota must be at least 1MB"},
		{"quota rounding down to zero", withQuota("0.0001KB"), "--quota must be at least 1MB"},
		{"quota under 1MB", withQuota("512KB"), "--quota must be at least 1MB"},
		{"empty quota", withQuota(""), "--quota"},
		{"bad quota", withQuota("beaucoup"), "--quota"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, data, c.args...)
			if err == nil {
				t.Fatalf("accepted: %s", out)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
	out, err := run(t, data, "admin", "establishment", "list")
	if err != nil || !strings.Contains(out, "No establishment yet") {
		t.Errorf("a refused command changed something: %v %s", err, out)
	}
}

// withQuota is a valid establishment create command with --quota q.
func withQuota(q string) []string {
	return []string{"admin", "establishment", "create", "--name", "X", "--uai", "0751234A", "--email", "a@b.fr",
		"--phone", "0612345678", "--quota=" + q}
}

func TestQuotaFlag(t *testing.T) {
	for _, c := range []struct{ quota, want string }{
		{"1MB", "1.0 MiB"},
		{"1.5GB", "1.5 GiB"},
	} {
		data := t.TempDir()
		out, err := run(t, data, withQuota(c.quota)...)
		if err != nil {
			t.Fatalf("--quota %s: %v\n%s", c.quota, err, out)
		}
		number := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)
		if number == nil {
			t.Fatalf("no hosting number in %q", out)
		}
		out, err = run(t, data, "admin", "establishment", "show", number[1])
		if !regexp.MustCompile(`Storage quota: +`+regexp.QuoteMeta(c.want)+"\n").MatchString(out) || err != nil {
			t.Errorf("--quota %s: show does not say %q: %v\n%s", c.quota, c.want, err, out)
		}
	}
}

func TestGenerateWritesTheFourFiles(t *testing.T) {
	out := t.TempDir()
	got, err := run(t, t.TempDir(), "generate", "--number", "1234 5678 9012", "--name", "LYCEE-2026", "--year", "2026-2027",
		"--size", "1MB", "--out", out)
	if err != nil {
		t.Fatalf("generate: %v\n%s", err, got)
	}
	for _, ext := range []string{"HNOT", "HCOURRIERS", "HDOCJOINTS", "HPHOTOS"} {
		path := filepath.Join(out, "LYCEE-2026."+ext)
		f, err := os.Open(path)
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		h, _, err := hostfile.Verify(f, hostfile.Expect{Kind: hostfile.Kind(ext), HostingNumber: "123456789012"})
		f.Close()
		if err != nil {
			t.Errorf("%s does not verify: %v", ext, err)
		}
		if h.Year != 2026 {
			t.Errorf("%s: year %v", ext, h.Year)
		}
	}
}

func TestDemoNeedsAnEmptyFolder(t *testing.T) {
	data := t.TempDir()
	if err := os.WriteFile(filepath.Join(data, "keep.txt"), []byte("précieux"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, data, "--demo")
	if err == nil || !strings.Contains(err.Error(), "empty") {
		t.Fatalf("--demo on a non-empty folder: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(data, "keep.txt")); string(b) != "précieux" {
		t.Error("the folder was touched")
	}
}

func TestKeysListAndRevoke(t *testing.T) {
	data := t.TempDir()
	out, err := run(t, data, "admin", "establishment", "create", "--name", "Collège Jean Moulin", "--uai", "0691234B",
		"--email", "ce.0691234b@ac-lyon.fr", "--phone", "07 11 22 33 44")
	if err != nil {
		t.Fatalf("create: %v\n%s", err, out)
	}
	number := regexp.MustCompile(`Hosting number: ([0-9]{12})`).FindStringSubmatch(out)[1]
	out, err = run(t, data, "admin", "keys", "list", number)
	if err != nil || !strings.Contains(out, "No SSH key enrolled yet") {
		t.Fatalf("list with no key: %v\n%s", err, out)
	}
	if _, err := run(t, data, "admin", "keys", "revoke", "SHA256:unknown"); err == nil || !strings.Contains(err.Error(), "no key has the fingerprint") {
		t.Errorf("revoking an unknown key: %v", err)
	}
	if _, err := run(t, data, "admin", "keys", "list", "12"); err == nil {
		t.Error("a malformed number was accepted")
	}
}
