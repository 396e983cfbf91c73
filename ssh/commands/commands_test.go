package commands

// Unit tests of what needs no SSH: the command line (usage errors, help),
// panics, the flag values, the JSON escaping and NOM|ID. The commands end to
// end, through OpenSSH, are in ../commands_test.go.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/password"
)

type outcome struct {
	code           int
	stdout, stderr string
	opened         bool
}

// run runs args with a back end that must not be needed: Open fails.
func run(args ...string) outcome {
	var out, errb bytes.Buffer
	o := outcome{}
	o.code = Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errb, Open: func() (*backend.Session, error) {
		o.opened = true
		return nil, errors.New("This SSH key is not enrolled.")
	}})
	o.stdout, o.stderr = out.String(), errb.String()
	return o
}

// A usage error answers 2 with one line and the usage on stderr, and never
// opens the back-end session.
func TestUsageErrorsNeedNoBackEnd(t *testing.T) {
	t.Parallel()
	for _, line := range [][]string{
		{"frobnicate"}, {""}, {"-x"}, {"--json"}, {"statut", "--xml"}, {"statut", "x"}, {"bases", "--json=maybe"},
		{"base"}, {"base", "x"}, {"base", "ouvrir"}, {"base", "creer", "--annee", "2027-2026"},
		{"base", "creer", "--grille", "18:00-08:00/60/1"}, {"base", "supprimer", "3"}, {"base", "supprimer", "3", "--oui=false"},
		{"serveur"}, {"serveur", "arreter"}, {"serveur", "mettre-en-service", "maintenant"},
		{"cles", "x"}, {"cle"}, {"cle", "revoquer", "SHA256:x", "-y"}, {"cle", "renommer", "SHA256:" + strings.Repeat("b", 43), "\x1b[1m"},
		{"journal", "--depuis", "30/11/2026"}, {"journal", "--limite", "-1"}, {"journal", "--limite", "99999999999"},
		{"__completeNoDesc", "statut"}, {"aide", "nimporte"}, {"aide", "base", "nimporte"},
		{"connexions", "x"}, {"connexions", "--json=peut-etre"}, {"connexion"}, {"connexion", "deconnecter", "abc"},
		{"connexion", "deconnecter", "\x1b]0;x\x07", "-y"}, {"licences", "x"}, {"licences", "reserver", "beaucoup"},
		{"licences", "reserver", "99999999999999999999.5"}, {"licences", "reserver", "-1"},
	} {
		o := run(line...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.HasPrefix(o.stderr, "Error: ") ||
			!strings.Contains(o.stderr, "\n\nUsage: ssh console.hebergement COMMAND") {
			t.Errorf("%q: %+v, want status 2, one line and the usage on stderr, no session", line, o)
		}
		if first, _, _ := strings.Cut(o.stderr, "\n"); strings.ContainsAny(first, "\x1b\x07") {
			t.Errorf("%q: the error line carries control characters: %q", line, first)
		}
	}
}

// aide and --help print on stdout and need no back end.
func TestHelp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"aide"}, "base creer [--annee 2026-2027] [--grille 08:00-18:00/60/1,2,3,4,5]"},
		{[]string{"help"}, "journal [--json] [--depuis DATE] [--limite N]"},
		{[]string{"-h"}, "cle renommer EMPREINTE NOM"},
		{[]string{"--help"}, "Exit status: 0 done, 1 refused"},
		{[]string{"statut", "--help"}, "Usage: ssh console.hebergement statut [--json]"},
		{[]string{"journal", "-h"}, "--limite N"},
		{[]string{"base", "--help"}, "base supprimer NOM|ID -y"},
		{[]string{"aide", "serveur", "arreter"}, "-y, --oui"},
		{[]string{"base", "supprimer", "--help"}, "Usage: ssh console.hebergement base supprimer NOM|ID -y"},
	} {
		o := run(c.args...)
		if o.code != ExitOK || o.opened || o.stderr != "" || !strings.Contains(o.stdout, c.want) {
			t.Errorf("%q: %+v, want status 0 and %q on stdout", c.args, o, c.want)
		}
	}
}

// A valid command line opens the session; its failure is told as is.
func TestOpenFailureIsTold(t *testing.T) {
	t.Parallel()
	o := run("statut", "--json")
	if o.code != ExitRefused || !o.opened || o.stderr != "This SSH key is not enrolled.\n" || o.stdout != "" {
		t.Errorf("%+v", o)
	}
}

// A panic ends the command with status 1 and a French sentence, logged; the
// next run is unaffected.
func TestPanicIsStatus1(t *testing.T) {
	t.Parallel()
	var logs, out, errb bytes.Buffer
	code := Run(context.Background(), Env{Args: []string{"bases"}, Stdout: &out, Stderr: &errb, Log: log.New(&logs),
		Open: func() (*backend.Session, error) { panic("boom") }})
	if code != ExitRefused || !strings.Contains(errb.String(), "erreur inattendue") || !strings.Contains(logs.String(), "boom") {
		t.Errorf("panic: status %d, stderr %q, logs %q", code, errb.String(), logs.String())
	}
	if o := run("aide"); o.code != ExitOK {
		t.Errorf("after a panic: %+v", o)
	}
}

// Runs share nothing: many at once, under the race detector.
func TestRunsAreIsolated(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"aide"}
			if i%2 == 1 {
				args = []string{"base", "creer", "--annee", "1999-2000"}
			}
			o := run(args...)
			if (i%2 == 0) != (o.code == ExitOK) {
				t.Errorf("%q: %+v", args, o)
			}
		}()
	}
	wg.Wait()
}

func TestFlagValues(t *testing.T) {
	t.Parallel()
	var y yearValue
	if err := y.Set("2026-2027"); err != nil || y.year != 2026 || !y.set {
		t.Errorf("--annee 2026-2027: %v %+v", err, y)
	}
	for _, bad := range []string{"2026", "2026-2028", "26-27", "", "1999-2000"} {
		if err := (&yearValue{}).Set(bad); err == nil {
			t.Errorf("--annee %q accepted", bad)
		}
	}
	var g gridValue
	if err := g.Set("07:30-17:30/60/1,2,3,5,6"); err != nil || g.grid.String() != "07:30-17:30/60/1,2,3,5,6" {
		t.Errorf("--grille: %v %v", err, g.grid)
	}
	for _, bad := range []string{"08:00-18:00", "08:00-18:00/60/", "08:00-18:00/7/1", "18:00-08:00/60/1", "08:00-18:00/60/2,1", "08:00-18:00/60/0"} {
		if err := (&gridValue{}).Set(bad); err == nil {
			t.Errorf("--grille %q accepted", bad)
		}
	}
	var d dateValue
	if err := d.Set("2026-11-30"); err != nil || !d.t.Equal(time.Date(2026, 11, 30, 0, 0, 0, 0, clock.Paris())) {
		t.Errorf("--depuis 2026-11-30: %v %v", err, d.t)
	}
	if err := d.Set("2026-11-30T08:00:00Z"); err != nil || !d.t.Equal(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("--depuis RFC 3339: %v %v", err, d.t)
	}
	for _, bad := range []string{"30/11/2026", "2026-13-01", "hier", "2026-11-30 08:00"} {
		if err := (&dateValue{}).Set(bad); err == nil {
			t.Errorf("--depuis %q accepted", bad)
		}
	}
	var l limitValue
	if err := l.Set("2"); err != nil || l.n != 2 {
		t.Errorf("--limite 2: %v %v", err, l.n)
	}
	for _, bad := range []string{"0", "-1", "x", "1.5", "1000001"} {
		if err := (&limitValue{}).Set(bad); err == nil {
			t.Errorf("--limite %q accepted", bad)
		}
	}
}

// JSON escapes what a terminal acts on, and reads back unchanged.
func TestJSONIsTerminalSafe(t *testing.T) {
	t.Parallel()
	in := map[string]string{"name": "a\x1b]0;x\x07b\u009b2J\x7f\u202eé😀\u2028"}
	var buf bytes.Buffer
	if err := writeJSON(&buf, in); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\x07\u009b\x7f\u202e\u2028") {
		t.Errorf("raw control characters in %q", buf.String())
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["name"] != in["name"] {
		t.Errorf("read back %q (%v), want %q", back["name"], err, in["name"])
	}
	if !strings.Contains(buf.String(), "é😀") {
		t.Errorf("printable text escaped: %s", buf.String())
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	if got := visible("--\x1b[31mjson\u009bé"); got != `--\x1b[31mjson\u009bé` {
		t.Errorf("visible: %q", got)
	}
}

// NOM|ID: a number is an ID first, then a name; names match exactly; a
// shared name is refused with the IDs.
func TestResolveBase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b, err := backend.Open(ctx, backend.Options{DataDir: t.TempDir(), Hashing: password.Fast})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	est, pw, err := b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Lycée Victor Hugo", UAI: "0751234A",
		Email: "ce.0751234a@ac-paris.fr", Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "test"})
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) backend.Base {
		paths, err := hostfile.Generate(t.TempDir(), hostfile.GenerateOptions{HostingNumber: est.HostingNumber, Name: name,
			Establishment: est.Name, Year: 2025, Students: 10, Teachers: 2, Classes: 1, Size: 4 << 10})
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		base, err := bs.LoadBase(ctx, filepath.Base(paths[0]), f, nil)
		if err != nil {
			t.Fatal(err)
		}
		return base
	}
	first := load("LYCEE")
	numeric := load("77")
	// Two uploads of files with the same name: one name, two bases.
	twin1, twin2 := load("JUMEAU"), load("JUMEAU")
	for arg, want := range map[string]int64{"LYCEE": first.ID, "77": numeric.ID, itoa(first.ID): first.ID, itoa(twin2.ID): twin2.ID} {
		got, err := resolveBase(ctx, bs, arg)
		if err != nil || got.ID != want {
			t.Errorf("resolveBase(%q) = %d, %v; want %d", arg, got.ID, err, want)
		}
	}
	for _, arg := range []string{"lycee", "LYCEE ", "999", "+1", "01x", ""} {
		if _, err := resolveBase(ctx, bs, arg); !errors.Is(err, backend.ErrBaseNotFound) {
			t.Errorf("resolveBase(%q): %v, want ErrBaseNotFound", arg, err)
		}
	}
	_, err = resolveBase(ctx, bs, twin1.Name)
	var tl *told
	if !errors.As(err, &tl) || !strings.Contains(tl.msg, "Plusieurs bases") ||
		!strings.Contains(tl.msg, strings.Join([]string{itoa(twin1.ID), itoa(twin2.ID)}, ", ")) {
		t.Errorf("shared name: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
