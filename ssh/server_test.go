package ssh_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	hssh "github.com/hebergement/console/ssh"
)

// An unknown key gets the enrollment screen, prefilled with the hosting
// number given as SSH user name; once enrolled it goes straight in; revoked,
// it gets the enrollment screen again. The console follows window changes.
func TestEnrollmentThroughPTY(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Jean Moulin")
	key := newKey(t)

	s := e.openTerm(est.HostingNumber, key, 80, 24)
	s.waitText("Enregistrer votre clé SSH", "Numéro d'hébergement", est.HostingNumber, fp(key))
	// The hosting number is prefilled: the focus is on the password.
	s.send(pw)
	s.send("\t")
	s.send("Poste du secrétariat")
	s.send("\r")
	// First login of the establishment: the invoice number is asked.
	s.waitText("Numéro de facture")
	s.send(est.Invoice)
	s.send("\r")
	screen := s.waitText(est.Name, "Autres bases", "Serveur")
	if s.ended() {
		t.Fatal("the session ended after enrollment")
	}
	t.Logf("console after enrollment:\n%s", screen)

	keys, err := e.b.Keys(context.Background(), est.HostingNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Fingerprint != fp(key) || keys[0].Name != "Poste du secrétariat" || keys[0].EstablishmentID != est.ID {
		t.Fatalf("keys after enrollment: %+v, want one key %s named %q", keys, fp(key), "Poste du secrétariat")
	}

	// Window change: the console lays itself out again at 120 columns.
	if w := s.scr.widest(); w > 80 {
		t.Fatalf("a line of %d columns on an 80-column screen", w)
	}
	s.resize(120, 40)
	s.waitFor("a line wider than 80 columns", func(string) bool { return s.scr.widest() > 80 })
	s.resize(80, 24)
	s.waitFor("the screen back to 80 columns", func(string) bool { return s.scr.widest() <= 80 })
	s.send("q")
	s.waitEnd(waitLimit)

	// Second connection, same key: straight into the console, whatever the
	// SSH user name.
	s2 := e.openTerm("anyone", key, 80, 24, "Enregistrer votre clé SSH")
	s2.waitText(est.Name, "Autres bases", "Poste du secrétariat")
	if s2.scr.seen("Enregistrer votre clé SSH") {
		t.Error("an enrolled key was shown the enrollment screen")
	}
	s2.send("q")
	s2.waitEnd(waitLimit)

	// Revoked: the enrollment screen again.
	if err := e.b.RevokeKey(context.Background(), fp(key), "test"); err != nil {
		t.Fatal(err)
	}
	s3 := e.openTerm(est.HostingNumber, key, 80, 24, "Autres bases")
	s3.waitText("Enregistrer votre clé SSH", est.HostingNumber)
	if s3.scr.seen("Autres bases") {
		t.Error("a revoked key reached the console")
	}
	if r := e.run(est.HostingNumber, key, "statut"); r.code == 0 {
		t.Errorf("a revoked key ran statut: %+v", r)
	}
}

// A wrong password on the enrollment screen enrolls nothing and says why.
func TestEnrollmentRefusesWrongPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, _ := e.establishment("Collège Anne Frank")
	key := newKey(t)
	s := e.openTerm(est.HostingNumber, key, 80, 24)
	s.waitText("Enregistrer votre clé SSH")
	s.send("not-the-password\r")
	s.waitFor("a refusal", func(v string) bool {
		return strings.Contains(v, "mot de passe incorrect")
	})
	if keys, _ := e.b.Keys(context.Background(), est.HostingNumber); len(keys) != 0 {
		t.Fatalf("a key was enrolled with a wrong password: %+v", keys)
	}
	if r := e.run(est.HostingNumber, key, "statut"); r.code == 0 {
		t.Errorf("the key runs commands after a failed enrollment: %+v", r)
	}
}

// A user name that is not a hosting number becomes the proposed key name,
// stripped of control characters; nothing is prefilled.
func TestEnrollmentUserNameAsKeyName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	key := newKey(t)
	s := e.openTerm("marie\x1b[31m.dupont", key, 80, 24)
	v := s.waitText("Enregistrer votre clé SSH", "marie")
	if containsAny(v, "\x1b") {
		t.Fatalf("an escape character reached the screen:\n%q", v)
	}
}

// Script commands, without PTY.
func TestScriptCommands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Victor Duruy")
	key := newKey(t)
	bs := e.enroll(est, pw, key.PublicKey(), "script")
	e.inService(bs)
	load(t, bs, generate(t, est, "Base de test 2025", 64<<10))

	r := e.run(est.HostingNumber, key, "statut")
	if r.code != 0 || !containsAll(r.stdout, "Serveur", "En service", est.HostingNumber, est.Name) {
		t.Errorf("statut: %+v", r)
	}

	r = e.run(est.HostingNumber, key, "statut --json")
	var st map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil {
		t.Fatalf("statut --json: %+v", r)
	}
	if st["state"] != "running" || st["hosting_number"] != est.HostingNumber {
		t.Errorf("statut --json: state %v, hosting_number %v", st["state"], st["hosting_number"])
	}

	r = e.run(est.HostingNumber, key, "bases --json")
	var bases map[string][]map[string]any
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &bases) != nil {
		t.Fatalf("bases --json: %+v", r)
	}
	if _, ok := bases["uploaded"]; !ok {
		t.Fatalf("bases --json has no \"uploaded\": %s", r.stdout)
	}
	if len(bases["uploaded"]) != 1 || bases["uploaded"][0]["name"] != "Base de test 2025" {
		t.Errorf("bases --json uploaded = %v", bases["uploaded"])
	}

	r = e.run(est.HostingNumber, key, "bases")
	if r.code != 0 || !containsAll(r.stdout, "Base de test 2025", "Bases téléchargées") {
		t.Errorf("bases: %+v", r)
	}

	for _, cmd := range []string{"frobnicate", "statut bases", "rm -rf /", "statut --xml"} {
		r = e.run(est.HostingNumber, key, cmd)
		if r.code != 2 || !containsAll(r.stderr, "Usage", "statut", "bases") || r.stdout != "" {
			t.Errorf("%q: %+v, want exit 2 and the usage on stderr", cmd, r)
		}
	}

	// No PTY, no command: one line on how to connect.
	r = e.run(est.HostingNumber, key, "")
	if r.code != 1 || !containsAll(r.stdout+r.stderr, "ssh -t") || countLines(r.stdout+r.stderr) != 1 {
		t.Errorf("no PTY, no command: %+v, want one line mentioning ssh -t and exit 1", r)
	}

	// An unknown key is told to enroll.
	stranger := newKey(t)
	for _, cmd := range []string{"statut", "bases --json"} {
		r = e.run(est.HostingNumber, stranger, cmd)
		if r.code == 0 || !containsAll(r.stderr, "enroll") || containsAny(r.stdout, est.Name, "Base de test") {
			t.Errorf("unknown key, %q: %+v", cmd, r)
		}
	}
}

// Password and keyboard-interactive authentication are refused: keys only.
func TestOnlyPublicKeyAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, _ := e.establishment("Collège Jules Ferry")
	for name, auth := range map[string][]gossh.AuthMethod{
		"password": {gossh.Password("secret")},
		"keyboard-interactive": {gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) {
			return []string{"secret"}, nil
		})},
		"none": nil,
	} {
		c, err := gossh.Dial("tcp", e.addr, clientConfig(est.HostingNumber, auth...))
		if err == nil {
			c.Close()
			t.Errorf("%s authentication accepted", name)
		}
	}
	// The server still serves keys afterwards.
	c := e.mustDial(est.HostingNumber, newKey(t))
	c.Close()
}

// The host key is created once and kept: a second server on the same path
// has the same fingerprint, the one clients see.
func TestHostKeyKept(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	if e.srv.Fingerprint() == "" {
		t.Fatal("no host key fingerprint")
	}
	var seen string
	cfg := clientConfig("x", gossh.PublicKeys(newKey(t)))
	cfg.HostKeyCallback = func(_ string, _ net.Addr, k gossh.PublicKey) error { seen = gossh.FingerprintSHA256(k); return nil }
	c, err := gossh.Dial("tcp", e.addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if seen != e.srv.Fingerprint() {
		t.Errorf("client saw %s, server says %s", seen, e.srv.Fingerprint())
	}
	again, err := hssh.New(e.b, hssh.Config{HostKeyPath: e.cfg.HostKeyPath, Logger: e.cfg.Logger})
	if err != nil {
		t.Fatal(err)
	}
	if again.Fingerprint() != e.srv.Fingerprint() {
		t.Errorf("host key changed: %s then %s", e.srv.Fingerprint(), again.Fingerprint())
	}
}

// Two establishments never see each other: B's commands show B's data only,
// whatever SSH user name B gives, and A's console does not move when B acts.
func TestEstablishmentsIsolated(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	estA, pwA := e.establishment("Collège Alpha")
	estB, pwB := e.establishment("Lycée Bêta")
	keyA, keyB := newKey(t), newKey(t)
	sa := e.enroll(estA, pwA, keyA.PublicKey(), "clé A")
	sb := e.enroll(estB, pwB, keyB.PublicKey(), "clé B")
	load(t, sa, generate(t, estA, "Secret Alpha 2025", 64<<10))

	for _, user := range []string{estB.HostingNumber, estA.HostingNumber, "root"} {
		r := e.run(user, keyB, "bases --json")
		var bases map[string][]map[string]any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &bases) != nil {
			t.Fatalf("bases --json as %s: %+v", user, r)
		}
		if len(bases["uploaded"]) != 0 || len(bases["previously_in_service"]) != 0 || strings.Contains(r.stdout, "Secret Alpha") {
			t.Errorf("B (as user %s) sees bases that are not its own: %s", user, r.stdout)
		}
		r = e.run(user, keyB, "statut --json")
		var st map[string]any
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &st) != nil || st["hosting_number"] != estB.HostingNumber {
			t.Errorf("statut --json of B as user %s: %+v", user, r)
		}
	}
	// A still sees its base.
	if r := e.run(estA.HostingNumber, keyA, "bases --json"); !strings.Contains(r.stdout, "Secret Alpha 2025") {
		t.Errorf("A's bases --json lacks its base: %+v", r)
	}

	ta := e.console(keyA, estA, 80, 24)
	ta.waitText("Secret Alpha 2025", "● Arrêté")
	tb := e.console(keyB, estB, 80, 24)
	tb.waitText("● Arrêté", "Aucune base chargée")
	if strings.Contains(tb.scr.String(), "Secret Alpha") {
		t.Fatal("B's console shows A's base")
	}
	ta.quiet(300 * time.Millisecond)
	beforeWrites, beforeText := ta.scr.writes.Load(), ta.scr.String()

	// B acts, through the back end and through its console.
	if _, err := sb.CreateBase(context.Background(), sb.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	tb.waitText("Nouvelle base")
	tb.send("s")
	tb.waitText("● En service")
	tb.quiet(200 * time.Millisecond) // B's console got every event: so would A's have

	if n := ta.scr.writes.Load(); n != beforeWrites {
		t.Errorf("A's console was redrawn %d times while B acted", n-beforeWrites)
	}
	if now := ta.scr.String(); now != beforeText {
		t.Errorf("A's console changed while B acted:\n%s\n--- now ---\n%s", beforeText, now)
	}
	if st, err := sa.Status(context.Background()); err != nil || st.State != "stopped" {
		t.Errorf("A's server: %+v %v", st.State, err)
	}
}

// Two consoles of one establishment follow each other without a key press:
// one stops the server, the other's header says so; a change made through
// the back end shows on both.
func TestConsolesOfOneEstablishmentSynchronised(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Condorcet")
	key1, key2 := newKey(t), newKey(t)
	bs := e.enroll(est, pw, key1.PublicKey(), "poste 1")
	e.enroll(est, pw, key2.PublicKey(), "poste 2")
	e.inService(bs)

	t1 := e.console(key1, est, 80, 24)
	t1.waitText("● En service")
	t2 := e.console(key2, est, 80, 24)
	t2.waitText("● En service")

	t2.send("a")
	t2.waitText("Arrêter le serveur ?")
	t2.send("o")
	t2.waitText("● Arrêté")
	t1.waitText("● Arrêté") // no key pressed on t1
	if st, err := bs.Status(context.Background()); err != nil || st.State != "stopped" {
		t.Fatalf("server after the stop: %v %v", st.State, err)
	}

	if err := bs.PutInService(context.Background()); err != nil {
		t.Fatal(err)
	}
	t1.waitText("● En service")
	t2.waitText("● En service")

	// An upload by a script shows on both consoles.
	load(t, bs, generate(t, est, "Chargée par script", 64<<10))
	t1.waitText("Chargée par script")
	t2.waitText("Chargée par script")
}

// A console nobody types in is warned, then closed; one in use stays open.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	// 4 s: the warning comes a tenth of it before the end, 0.4 s, long
	// enough to be drawn on a loaded machine.
	e := newEnv(t, hssh.Config{IdleTimeout: 4 * time.Second})
	est, pw := e.establishment("Collège Pasteur")
	key := newKey(t)
	e.enroll(est, pw, key.PublicKey(), "poste")

	start := time.Now()
	idle := e.console(key, est, 80, 24, "Sans activité", "Session fermée après")
	busy := e.console(key, est, 80, 24, "Sans activité")
	deadline := start.Add(waitLimit)
	for !idle.ended() && time.Now().Before(deadline) {
		busy.send("r")
		time.Sleep(150 * time.Millisecond)
	}
	took := time.Since(start)
	if !idle.ended() {
		t.Fatalf("the idle console was not closed; screen:\n%s", idle.scr.String())
	}
	if took < 3500*time.Millisecond {
		t.Errorf("the idle console was closed after %s, before its 4 s timeout", took)
	}
	if !idle.scr.seen("Sans activité") {
		t.Error("no warning before the idle console was closed")
	}
	if !idle.scr.seen("Session fermée après") {
		t.Error("no notice when the idle console was closed")
	}
	for range 10 {
		busy.send("r")
		time.Sleep(150 * time.Millisecond)
	}
	if busy.ended() || busy.scr.seen("Sans activité") {
		t.Errorf("a console in use was warned or closed (ended %v)", busy.ended())
	}
}

// The upper bounds on durations in these tests are several times what the
// promise is (a grace of 1 or 2 s, "within a second"): they tell a bound
// honoured from one ignored (the 20 or 30 s the test would otherwise wait)
// without failing on a loaded machine under -race. The figures themselves
// are measured by the benchmarks and logged.

// An absurdly short idle timeout (--idle-timeout 10ns) closes consoles at
// once; it does not bring the server down.
func TestIdleTimeoutTiny(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{IdleTimeout: 10 * time.Nanosecond})
	est, key := e.enrolledKey("Collège Curie")
	s := e.openTerm(est.HostingNumber, key, 80, 24)
	s.waitEnd(waitLimit)
	if r := e.run(est.HostingNumber, key, "statut"); r.code != 0 {
		t.Fatalf("statut: %+v", r)
	}
}

// Connections that never authenticate are capped per address and overall
// (the next one is closed before the banner), and so is the connection rate;
// closing them frees their slots.
func TestUnauthenticatedConnectionsCapped(t *testing.T) {
	t.Parallel()
	for name, cfg := range map[string]hssh.Config{
		"per address": {MaxUnauthenticatedPerAddr: 3},
		"overall":     {MaxUnauthenticated: 3},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, cfg)
			est, key := e.enrolledKey("Collège Rabelais")
			var held []net.Conn
			for i := range 3 {
				c := e.rawConn()
				if banner, err := readBanner(c, 5*time.Second); err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
					t.Fatalf("connection %d: banner %q, %v", i+1, banner, err)
				}
				held = append(held, c)
			}
			start := time.Now()
			got, closed := readUntilClosed(e.rawConn(), 3*time.Second)
			if !closed || strings.Contains(string(got), "SSH-") {
				t.Fatalf("the 4th unauthenticated connection was served (closed %v, read %q)", closed, got)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("the 4th connection was closed after %s", d)
			}
			if !strings.Contains(e.logs.String(), "connection refused by limits") {
				t.Errorf("refusal not logged: %s", e.logs.String())
			}
			for _, c := range held {
				c.Close()
			}
			eventually(t, "login after the held connections closed", func() error {
				c, err := e.dial(est.HostingNumber, key)
				if err != nil {
					return err
				}
				defer c.Close()
				if r := runOn(t, c, "statut"); r.code != 0 {
					return fmt.Errorf("statut: %+v", r)
				}
				return nil
			})
			// Authenticated sessions do not count: more than 3 at once.
			var consoles []*term
			for range 4 {
				consoles = append(consoles, e.console(key, est, 80, 24))
			}
			if r := e.run(est.HostingNumber, key, "statut"); r.code != 0 {
				t.Errorf("statut with 4 consoles open: %+v", r)
			}
		})
	}
	t.Run("rate", func(t *testing.T) {
		e := newEnv(t, hssh.Config{ConnRate: 1, ConnBurst: 3})
		for i := range 3 {
			c := e.rawConn()
			if banner, err := readBanner(c, 5*time.Second); err != nil || !strings.HasPrefix(banner, "SSH-2.0-") {
				t.Fatalf("connection %d: banner %q, %v", i+1, banner, err)
			}
			c.Close()
		}
		if got, closed := readUntilClosed(e.rawConn(), 3*time.Second); !closed || len(got) > 0 {
			t.Fatalf("a 4th connection within the burst was served (closed %v, read %q)", closed, got)
		}
	})
}

// Bytes that are not SSH close the connection, and the server goes on.
func TestGarbageOnThePort(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{LoginGrace: 20 * time.Second})
	est, key := e.enrolledKey("Lycée Fénelon")
	junk := make([]byte, 4096)
	rand.Read(junk)
	for name, payload := range map[string][]byte{
		"http":         append([]byte("GET / HTTP/1.1\r\nHost: console\r\n\r\n"), junk...),
		"random":       junk,
		"bad kex":      append([]byte("SSH-2.0-OpenSSH_9.2\r\n"), junk...),
		"long version": []byte("SSH-2.0-" + strings.Repeat("x", 1000) + "\r\n"),
		"huge packet":  append([]byte("SSH-2.0-OpenSSH_9.2\r\n"), 0x7f, 0xff, 0xff, 0xff, 0x04),
	} {
		c := e.rawConn()
		c.Write(payload) //nolint:errcheck // the server may close first
		if _, closed := readUntilClosed(c, 4*time.Second); !closed {
			t.Errorf("%s: the connection stayed open", name)
		}
	}
	if r := e.run(est.HostingNumber, key, "statut"); r.code != 0 {
		t.Fatalf("statut after garbage: %+v", r)
	}
	e.console(key, est, 80, 24)
}

// A client that does not finish its handshake is dropped after LoginGrace;
// a session is not cut by it.
func TestLoginGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{LoginGrace: time.Second})
	est, key := e.enrolledKey("Collège Montaigne")
	cases := map[string]string{"silent": "", "version only": "SSH-2.0-OpenSSH_9.2\r\n"}
	for name, hello := range cases {
		c := e.rawConn()
		start := time.Now()
		if hello != "" {
			io.WriteString(c, hello) //nolint:errcheck
		}
		_, closed := readUntilClosed(c, 6*time.Second)
		took := time.Since(start)
		if !closed {
			t.Errorf("%s: not dropped after %s", name, took)
		} else if took < 700*time.Millisecond || took > 10*time.Second {
			t.Errorf("%s: dropped after %s, want about 1 s", name, took)
		}
	}
	s := e.console(key, est, 80, 24)
	time.Sleep(1500 * time.Millisecond) // past the grace
	if s.ended() {
		t.Fatal("the login grace ended an authenticated session")
	}
	s.send("?")
	s.waitText("masquer l'aide")
}

// The bytes that make x/ansi v0.11.9 panic (a CSI or DCS of more than 32
// parameters) sent while enrolling and in the console, as user name and as
// TERM, do not bring the server down.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, pw := e.establishment("Lycée Hoche")
	params := strings.Repeat("1;", 40) + "1"
	// No q in them: typed as text in the console, it would quit.
	// Every way x/ansi's decoder starts a CSI or DCS: ESC [, ESC P, with
	// intermediates, the 8-bit 0x9b and 0x90 raw and UTF-8 encoded, and
	// restarts inside another sequence.
	bombs := []string{
		"\x1b[" + params + "m",
		"\x1b[" + params + ":" + params + "M",
		"\x1b[" + strings.Repeat("1:", 40) + "m",
		"\x1bP" + params + "|\x1b\\",
		"\u009b" + params + "m",
		"\x9b" + params + "m",
		"\x90" + params + "|",
		"\x1b\x1b[" + params + "m",
		"\x1b\x9b" + params + "m",
		"\x1b[1;\x90" + params + "m",
		"\x1bP1;\x9b" + params + "m",
		"\x1b[1 \x9b" + params + "m",
		"\x1b [" + params + "m",
		"\x1b !#P" + params + "|",
		"\x1b[<" + params + "M",
		"\x1b]11;" + params + "\x07",
	}
	long := "\x1b[" + strings.Repeat(";", 70000) // unterminated, very long
	key := newKey(t)
	s := e.openTerm(est.HostingNumber, key, 80, 24)
	s.waitText("Enregistrer votre clé SSH")
	for _, b := range bombs {
		s.send(b)
	}
	s.send("\x1b[0m") // end any sequence left open
	s.send("\x15")    // ctrl+u: clear the field
	s.send(pw + "\t" + "Clé" + bombs[0] + "piégée" + bombs[2] + "\r")
	s.waitText("Numéro de facture")
	s.send(est.Invoice + "\r")
	s.waitText(est.Name, "Autres bases")
	for _, b := range append(bombs, long) {
		s.send(b)
	}
	s.send("\x1b[0m")
	s.send("?")
	s.waitText("masquer l'aide")
	keys, err := e.b.Keys(context.Background(), est.HostingNumber)
	if err != nil || len(keys) != 1 || strings.ContainsAny(keys[0].Name, "\x1b\x9b") {
		t.Fatalf("enrolled keys: %+v %v", keys, err)
	}

	// As SSH user name (proposed as key name) and as TERM.
	s2 := e.openTerm(bombs[0], newKey(t), 80, 24)
	s2.waitText("Enregistrer votre clé SSH")
	c := e.mustDial(est.HostingNumber, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	scr := newScreen(80, 24)
	sess.Stdout = scr
	in, _ := sess.StdinPipe()
	go io.Copy(in, scr.emu)            //nolint:errcheck
	sess.Setenv("COLORTERM", bombs[0]) //nolint:errcheck
	if err := sess.RequestPty(bombs[0], 24, 80, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(waitLimit)
	for !strings.Contains(scr.String(), "Autres bases") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}

	// The server is up: a new client gets its console.
	s3 := e.console(key, est, 80, 24)
	s3.send("?")
	s3.waitText("masquer l'aide")
}

// Extreme window sizes do not crash the console, which comes back when the
// window is sensible again.
func TestExtremeWindowSizes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{})
	est, key := e.enrolledKey("Collège Diderot")
	for _, sz := range []struct{ w, h int }{{1, 1}, {500, 200}, {0, 0}, {39, 11}, {1000, 1}, {1, 1000}} {
		s := e.openTerm(est.HostingNumber, key, sz.w, sz.h)
		s.waitFor("a first frame", func(string) bool { return s.scr.writes.Load() > 0 })
		s.resize(2, 2)
		s.resize(1, 1)
		s.resize(500, 200)
		s.resize(80, 24)
		s.waitText(est.Name, "Autres bases")
		s.send("q")
		s.waitEnd(waitLimit)
	}
	// A client that gives no window size (0×0: ssh -tt in a script) gets
	// the console at 80×24, without a resize.
	s0 := e.openTerm(est.HostingNumber, key, 0, 0)
	s0.waitText(est.Name, "Autres bases")
	s0.send("q")
	s0.waitEnd(waitLimit)
	// An unknown key's enrollment screen too.
	s := e.openTerm(est.HostingNumber, newKey(t), 1, 1)
	s.waitFor("a first frame", func(string) bool { return s.scr.writes.Load() > 0 })
	s.resize(80, 24)
	s.waitText("Enregistrer votre clé SSH")
	e.console(key, est, 80, 24)
}

// Shutdown tells the open consoles, ends them, and returns within its grace
// even when a client keeps its connection open; then nothing is served.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{ShutdownGrace: 2 * time.Second})
	est, key := e.enrolledKey("Lycée Buffon")
	s := e.console(key, est, 80, 24, "s'arrête")
	e.mustDial(est.HostingNumber, key) // connected, no session: Shutdown must not wait for it past the grace

	type res struct {
		took time.Duration
		err  error
	}
	done := make(chan res, 1)
	go func() {
		took, err := e.shutdown(20 * time.Second)
		done <- res{took, err}
	}()
	start := time.Now()
	s.waitEnd(5 * time.Second)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the console ended %s after Shutdown began", d)
	}
	if !s.scr.seen("s'arrête") {
		t.Error("the console was not told that the server stops")
	}
	s.client.Close()
	select {
	case r := <-done:
		if r.err != nil {
			t.Errorf("Shutdown: %v", r.err)
		}
		if r.took > 8*time.Second {
			t.Errorf("Shutdown took %s, grace 2 s", r.took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if c, err := e.dial(est.HostingNumber, key); err == nil {
		c.Close()
		t.Error("a connection was accepted after Shutdown")
	}
}

// At most MaxSessionsPerKey sessions at once per key: the next one is told
// why; a slot comes back when a session ends; other keys are not affected.
func TestSessionsPerKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{MaxSessionsPerKey: 2})
	est, pw := e.establishment("Collège Camus")
	key, other := newKey(t), newKey(t)
	e.enroll(est, pw, key.PublicKey(), "poste 1")
	e.enroll(est, pw, other.PublicKey(), "poste 2")

	c1 := e.console(key, est, 80, 24)
	e.console(key, est, 80, 24)
	r := e.run(est.HostingNumber, key, "statut")
	if r.code == 0 || !strings.Contains(r.stderr, "Too many sessions") {
		t.Errorf("a 3rd session: %+v, want a refusal", r)
	}
	s3 := e.openTerm(est.HostingNumber, key, 80, 24)
	s3.waitEnd(waitLimit)
	if !strings.Contains(s3.stderr.String()+s3.scr.String(), "Too many sessions") {
		t.Errorf("a 3rd console was not told why: stderr %q screen %q", s3.stderr.String(), s3.scr.String())
	}
	if r := e.run(est.HostingNumber, other, "statut"); r.code != 0 {
		t.Errorf("another key of the establishment: %+v", r)
	}
	c1.send("q")
	c1.waitEnd(waitLimit)
	if r := e.run(est.HostingNumber, key, "statut"); r.code != 0 {
		t.Errorf("after a console ended: %+v", r)
	}
}

// A console whose channel the client closes (the connection stays, as with
// OpenSSH connection sharing) ends and frees its slot.
func TestSessionChannelClosedFreesSlot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{MaxSessionsPerKey: 1})
	est, key := e.enrolledKey("Lycée Racine")
	c := e.mustDial(est.HostingNumber, key)
	s := openTermOn(t, c, 80, 24)
	s.waitText(est.Name, "Autres bases")
	s.sess.Close()
	eventually(t, "a new session on the same connection", func() error {
		if r := runOn(t, c, "statut"); r.code != 0 {
			return fmt.Errorf("%+v", r)
		}
		return nil
	})
}

// An upload in flight when Shutdown begins may finish within the grace: it
// is stored, and Shutdown returns once the client has gone.
func TestShutdownLetsUploadFinish(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{ShutdownGrace: 10 * time.Second})
	est, key := e.enrolledKey("Lycée Chaptal")
	data, err := os.ReadFile(generate(t, est, "En vol 2025", 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	c := e.mustDial(est.HostingNumber, key)
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sc.Create("depot/En vol 2025.HNOT")
	if err != nil {
		t.Fatal(err)
	}
	half := len(data) / 2
	if _, err := f.Write(data[:half]); err != nil {
		t.Fatal(err)
	}
	type res struct {
		took time.Duration
		err  error
	}
	done := make(chan res, 1)
	go func() {
		took, err := e.shutdown(30 * time.Second)
		done <- res{took, err}
	}()
	eventually(t, "the listener closed", func() error {
		if c, err := e.dial(est.HostingNumber, key); err == nil {
			c.Close()
			return errors.New("still accepting")
		}
		return nil
	})
	if _, err := f.Write(data[half:]); err != nil {
		t.Fatalf("the rest of the upload: %v", err)
	}
	if err := f.Close(); err != nil {
		t.Fatalf("the upload was refused during Shutdown: %v", err)
	}
	sc.Close()
	c.Close()
	select {
	case r := <-done:
		if r.err != nil || r.took > 8*time.Second {
			t.Errorf("Shutdown: %v after %s", r.err, r.took)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Shutdown did not return")
	}
	if names := baseNames(t, e.keySession(key)); !slices.Contains(names, "En vol 2025") {
		t.Errorf("the upload finished during Shutdown was not stored: %q", names)
	}
}

// An upload still unfinished when the grace ends is cut, leaves nothing, and
// Shutdown returns.
func TestShutdownCutsUnfinishedUpload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{ShutdownGrace: time.Second})
	est, key := e.enrolledKey("Lycée Turgot")
	data, err := os.ReadFile(generate(t, est, "Jamais finie 2025", 1<<20))
	if err != nil {
		t.Fatal(err)
	}
	c := e.mustDial(est.HostingNumber, key)
	sc, err := sftp.NewClient(c)
	if err != nil {
		t.Fatal(err)
	}
	f, err := sc.Create("depot/Jamais finie 2025.HNOT")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data[:len(data)/2]); err != nil {
		t.Fatal(err)
	}
	took, err := e.shutdown(30 * time.Second)
	if err != nil || took > 8*time.Second {
		t.Errorf("Shutdown: %v after %s, grace 1 s", err, took)
	}
	if err := f.Close(); err == nil {
		t.Error("an upload cut by Shutdown was acknowledged")
	}
	if names := baseNames(t, e.keySession(key)); len(names) != 0 {
		t.Errorf("a cut upload was stored: %q", names)
	}
	eventually(t, "no temporary file left", func() error {
		var left []string
		filepath.WalkDir(filepath.Join(e.dir, "data", "files"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				left = append(left, p)
			}
			return nil
		})
		if len(left) > 0 {
			return fmt.Errorf("files left: %q", left)
		}
		return nil
	})
}

// A client that resizes a large window as fast as it can while the console
// redraws does not wedge its session: the console still follows the window
// and quits on q, and Shutdown returns within its grace. (Before the window
// changes were coalesced, the connection's request loop blocked behind the
// console, never read the client's window adjustments, and the session hung
// for good, Shutdown with it.)
func TestWindowChangeFloodDoesNotWedge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, hssh.Config{ShutdownGrace: 2 * time.Second})
	est, key := e.enrolledKey("Lycée Saint-Louis")
	c := e.mustDial(est.HostingNumber, key)
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &headerWatch{seen: make(chan struct{})}
	sess.Stdout = out
	in, _ := sess.StdinPipe()
	if err := sess.RequestPty("xterm-256color", 200, 500, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() { ended <- sess.Wait() }()
	select {
	case <-out.seen:
	case <-time.After(waitLimit):
		t.Fatal("no console")
	}
	start := time.Now()
	for i := 0; time.Since(start) < 1500*time.Millisecond; i++ {
		if sess.WindowChange(200-(i%2)*2, 500-(i%2)*3) != nil {
			break
		}
		time.Sleep(2 * time.Millisecond) // about 500 changes a second
	}
	t.Logf("%d bytes of output", out.n.Load())
	// Back to a small window, where frames are cheap, then quit.
	sess.WindowChange(24, 80) //nolint:errcheck
	io.WriteString(in, "q")   //nolint:errcheck
	quitAt := time.Now()
	select {
	case <-ended:
		t.Logf("ended %s after q", time.Since(quitAt))
	case <-time.After(20 * time.Second):
		t.Error("the console no longer quits after a flood of window changes")
	}
	took, err := e.shutdown(30 * time.Second)
	if err != nil || took > 10*time.Second {
		t.Errorf("Shutdown: %v after %s, grace 2 s", err, took)
	}
}
