package ssh_test

// The commands for scripts (SPEC §16) through the real OpenSSH client:
// `ssh -p PORT host COMMAND…`, its stdout, stderr and exit status. One
// server per test; the steps run in order, each on the state the previous
// ones left.

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
	hssh "github.com/hebergement/console/ssh"
)

// enrollAdmin enrolls key as a member of the groupe Administration of est.
// The back end has no invitations yet (SPEC §3), the only way to that role,
// so the test writes the key's row in the store, as another process would.
func (e *env) enrollAdmin(est backend.Establishment, key gossh.PublicKey, name string) {
	e.tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(e.dir, "data", "hebergement.db"))
	if err != nil {
		e.tb.Fatalf("open the store: %v", err)
	}
	defer db.Close()
	err = db.Write(ctx, func(tx store.Tx) error {
		return tx.PutKey(&store.Key{EstablishmentID: est.ID, Fingerprint: gossh.FingerprintSHA256(key), PublicKey: authorized(key),
			Name: name, Role: "admin", AddedAt: time.Now()})
	})
	if err != nil {
		e.tb.Fatalf("enroll an Administration key: %v", err)
	}
}

// step is one command and what it must give. Texts in out and errs must
// show on stdout and stderr; a nil check is skipped.
type step struct {
	name  string
	key   string // identity file; the SPR's when empty
	args  []string
	code  int
	out   []string
	errs  []string
	check func(t *testing.T, r ran)
}

// hostile is text no output may carry: the start of an escape sequence (ESC,
// C1 CSI, BEL).
const hostileBytes = "\x1b\x07\u009b"

func noHostile(t *testing.T, r ran) {
	t.Helper()
	if strings.ContainsAny(r.stdout+r.stderr, hostileBytes) {
		t.Errorf("output carries control characters: stdout %q stderr %q", r.stdout, r.stderr)
	}
}

// q quotes an argument for the remote side, which splits the command line
// as a POSIX shell does.
func q(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func (o *openssh) runSteps(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		key := s.key
		if key == "" {
			key = o.keyPath
		}
		// "--" ends ssh's own options: what follows the host is the command.
		a := append(append([]string{"-p", o.port}, o.opts(key)...), "--", o.target())
		r := o.exec(nil, "ssh", append(a, s.args...)...)
		name := s.name
		if name == "" {
			name = strings.Join(s.args, " ")
		}
		ok := r.code == s.code && containsAll(r.stdout, s.out...) && containsAll(r.stderr, s.errs...)
		if s.code == 2 && !containsAll(r.stderr, "Error: ", "Usage: ssh console.hebergement") {
			ok = false
		}
		if s.code != 0 && r.stdout != "" {
			ok = false // a refusal or a usage error writes on stderr only
		}
		if !ok {
			t.Errorf("%s: exit %d, want %d (stdout must hold %q, stderr %q)\nstdout:\n%s\nstderr:\n%s",
				name, r.code, s.code, s.out, s.errs, r.stdout, r.stderr)
			continue
		}
		noHostile(t, r)
		if s.check != nil {
			s.check(t, r)
		}
	}
}

func decode(t *testing.T, r ran, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		t.Fatalf("invalid JSON (%v):\n%s", err, r.stdout)
	}
}

func TestOpenSSHScriptCommands(t *testing.T) {
	t.Parallel()
	// One connection per step: more than the default burst of a minute.
	o := newOpenSSH(t, hssh.Config{ConnRate: 6000, ConnBurst: 1000})
	ctx := context.Background()
	spr := o.keySession(o.signer)
	sprFP := fp(o.signer)

	adminPath, admin := writeIdentity(t, o.home, "admin")
	o.enrollAdmin(o.est, admin.PublicKey(), "secrétariat")
	otherEst, otherPW := o.establishment("Collège Jean Moulin")
	_, other := writeIdentity(t, o.home, "other")
	otherSPR := o.enroll(otherEst, otherPW, other.PublicKey(), "autre établissement")

	const created = "Nouvelle base 2026-2027"
	bases := func() []backend.Base {
		l, err := spr.Bases(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return append(l.PreviouslyInService, l.Uploaded...)
	}
	idOf := func(name string) []string {
		var ids []string
		for _, b := range bases() {
			if b.Name == name {
				ids = append(ids, strconv.FormatInt(b.ID, 10))
			}
		}
		return ids
	}
	state := func() backend.ServerState {
		st, err := spr.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.State
	}

	// Help and usage.
	o.runSteps(t, []step{
		{args: []string{"aide"}, out: []string{"Usage: ssh console.hebergement", "statut [--json]", "base creer [--annee 2026-2027]",
			"base supprimer NOM|ID -y", "serveur mettre-en-service", "cle revoquer EMPREINTE -y", "journal [--json] [--depuis DATE] [--limite N]",
			"connexions [--json]", "connexion deconnecter ID -y", "licences [--json]", "licences reserver N",
			"Exit status: 0 done, 1 refused"}},
		{args: []string{"licences", "--help"}, out: []string{"Usage: ssh console.hebergement licences [--json]", "licences reserver N"}},
		{args: []string{"--help"}, out: []string{"Usage: ssh console.hebergement", "cles [--json]"}},
		{args: []string{"statut", "--help"}, out: []string{"Usage: ssh console.hebergement statut [--json]", "--json"}},
		{args: []string{"base", "creer", "-h"}, out: []string{"base creer [--annee 2026-2027]", "--grille GRID", "--annee YEAR"}},
		{args: []string{"aide", "cle", "revoquer"}, out: []string{"cle revoquer EMPREINTE -y", "-y, --oui"}},
		{args: []string{"aide", "base"}, out: []string{"base ouvrir NOM|ID", "base creer", "base supprimer"}},
	})

	// Reads on a fresh establishment.
	o.runSteps(t, []step{
		{args: []string{"statut"}, out: []string{"Établissement", "Lycée Louis Pasteur", o.est.HostingNumber, "Serveur          Arrêté", "Base ouverte     aucune"}},
		{args: []string{"statut", "--json"}, check: func(t *testing.T, r ran) {
			var st map[string]any
			decode(t, r, &st)
			if st["state"] != "stopped" || st["hosting_number"] != o.est.HostingNumber || st["opened_base"] != nil {
				t.Errorf("statut --json: %v", st)
			}
		}},
		{args: []string{"bases", "--json"}, check: func(t *testing.T, r ran) {
			var l map[string][]map[string]any
			decode(t, r, &l)
			if len(l["uploaded"]) != 0 || len(l["previously_in_service"]) != 0 || l["uploaded"] == nil {
				t.Errorf("bases --json: %v", l)
			}
		}},
		{args: []string{"journal", "--json"}, check: func(t *testing.T, r ran) {
			var j map[string][]map[string]any
			decode(t, r, &j)
			if len(j["entries"]) == 0 {
				t.Errorf("journal --json: no entries: %s", r.stdout)
			}
			// Where each action came from: the SSH client's address.
			if from, _ := j["entries"][0]["from"].(string); !strings.HasPrefix(from, "127.0.0.1") {
				t.Errorf("journal --json: the newest entry comes from %q, want the client's address", from)
			}
		}},
	})

	// Usage errors: status 2, what is wrong and the usage on stderr, and
	// nothing asked of the back end (an unknown key gets the same answer).
	stranger, _ := writeIdentity(t, o.home, "stranger")
	fakeFP := "SHA256:" + strings.Repeat("A", 43)
	usage := []struct {
		args []string
		says string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"statu"}, `did you mean statut`},
		{[]string{"statut", "bases"}, `unexpected argument "bases"`},
		{[]string{"statut", "--xml"}, "unknown flag: --xml"},
		{[]string{"--json"}, `unknown flag "--json"`},
		{[]string{"base"}, "base needs a command"},
		{[]string{"base", "frob"}, `unknown command "frob" for base`},
		{[]string{"base", "ouvrir"}, "missing NOM|ID"},
		{[]string{"base", "ouvrir", "a", "b"}, `unexpected argument "b"`},
		{[]string{"base", "creer", "--annee", "2026"}, "such as 2026-2027"},
		{[]string{"base", "creer", "--annee", "2026-2028"}, "such as 2026-2027"},
		{[]string{"base", "creer", "--grille", "08:00-18:00/7/1"}, "slot of 7 minutes"},
		{[]string{"base", "creer", "--grille", "8h-18h"}, "want the form 08:00-18:00/60/1,2,3,4,5"},
		{[]string{"base", "creer", "--grille", "08:00-18:00/60/1,9"}, "7 (Sunday)"},
		{[]string{"base", "supprimer", "1"}, "--oui (-y)"},
		{[]string{"serveur", "arreter"}, "--oui (-y)"},
		{[]string{"serveur", "demarrer"}, `unknown command "demarrer" for serveur`},
		{[]string{"cle", "revoquer", fakeFP}, "--oui (-y)"},
		{[]string{"cle", "revoquer", "abc", "-y"}, "EMPREINTE must be a key fingerprint"},
		{[]string{"cle", "renommer", fakeFP}, "missing NOM"},
		{[]string{"cle", "renommer", fakeFP, q("\x1b[31m")}, "NOM is empty"},
		{[]string{"journal", "--depuis", "hier"}, "want a date such as 2026-11-30"},
		{[]string{"journal", "--limite", "0"}, "whole number of entries"},
		{[]string{"journal", "--limite", "x"}, "whole number of entries"},
		{[]string{"journal", "--limite"}, "flag needs an argument"},
		{[]string{"__complete", "statut", ""}, `unknown command "__complete"`},
		{[]string{"aide", "frob"}, `unknown command "frob"`},
	}
	var steps []step
	for _, u := range usage {
		steps = append(steps, step{args: u.args, code: 2, errs: []string{u.says}})
	}
	steps = append(steps,
		step{name: "usage error, unknown key", key: stranger, args: []string{"base", "ouvrir"}, code: 2, errs: []string{"missing NOM|ID"}},
		step{name: "valid command, unknown key", key: stranger, args: []string{"statut"}, code: 1, errs: []string{"not enrolled"}},
	)
	o.runSteps(t, steps)

	// Bases: create, open by name and by ID, refusals.
	o.runSteps(t, []step{
		{args: []string{"base", "creer", "--annee", "2026-2027", "--grille", "08:00-17:00/60/1,2,4,5"},
			out: []string{"Base créée et ouverte : " + created, "8h00–17h00, créneaux de 60 min, lundi, mardi, jeudi, vendredi"}},
		{args: []string{"base", "creer"}, out: []string{"Base créée et ouverte"}},
	})
	if got := idOf(created + " (2)"); len(got) != 1 {
		t.Fatalf("the second created base is not named %q: %v", created+" (2)", bases())
	}
	load(t, spr, generate(t, o.est, "LYCEE-2025", 64<<10))
	// Two uploads of files with the same name: one name, two bases.
	const twin = "JUMEAU"
	load(t, spr, generate(t, o.est, twin, 64<<10))
	load(t, spr, generate(t, o.est, twin, 64<<10))
	twins := idOf(twin)
	if len(twins) != 2 {
		t.Fatalf("bases named %q: %v, want 2", twin, twins)
	}
	lycee := idOf("LYCEE-2025")[0]
	countBases := func() string { return strconv.Itoa(len(bases())) }
	o.runSteps(t, []step{
		{name: "ambiguous name", args: []string{"base", "ouvrir", twin}, code: 1,
			errs: []string{"Plusieurs bases portent ce nom", twins[0], twins[1], "numéro"}},
		{args: []string{"base", "ouvrir", "99999"}, code: 1, errs: []string{backend.Message(backend.ErrBaseNotFound)}},
		{args: []string{"base", "ouvrir", "PAS-UNE-BASE"}, code: 1, errs: []string{backend.Message(backend.ErrBaseNotFound)}},
		{args: []string{"base", "ouvrir", "LYCEE-2025"}, out: []string{"Base ouverte : LYCEE-2025 (2025-2026, n° " + lycee + ")"}},
		{args: []string{"base", "ouvrir", lycee}, code: 1, errs: []string{backend.Message(backend.ErrAlreadyOpened)}},
		{args: []string{"serveur", "mettre-en-service"}, out: []string{"Le serveur est en service sur la base LYCEE-2025"}},
		{args: []string{"serveur", "mettre-en-service"}, code: 1, errs: []string{backend.Message(backend.ErrAlreadyRunning)}},
		{name: "open while running", args: []string{"base", "ouvrir", twins[0]}, code: 1, errs: []string{backend.Message(backend.ErrServerRunning)}},
		{name: "create while running", args: []string{"base", "creer"}, code: 1, errs: []string{backend.Message(backend.ErrServerRunning)}},
		{args: []string{"statut"}, out: []string{"En service", "Base en service  LYCEE-2025 (2025-2026, n° " + lycee + ")"}},
		{args: []string{"statut", "--json"}, check: func(t *testing.T, r ran) {
			var st struct {
				State     string         `json:"state"`
				InService map[string]any `json:"base_in_service"`
			}
			decode(t, r, &st)
			if st.State != "running" || st.InService["name"] != "LYCEE-2025" {
				t.Errorf("statut --json: %+v", st)
			}
		}},
		{args: []string{"bases"}, out: []string{"Bases précédemment mises en service (1)", "LYCEE-2025", "en service", "Bases téléchargées depuis l'établissement (4)", created, twin}},
	})

	// Connections and licences, on the server in service. Clients connect
	// through the back end, as the stand-in would, in this process, which
	// holds the connections as serve does. A user name may carry bidi
	// overrides (the back end refuses only control characters) and the
	// address is the stand-in's: neither may reach the terminal raw.
	o.b.HoldConnections(true)
	connect := func(number, user, group, mode, addr string) backend.Connection {
		c, err := o.b.Connect(ctx, number, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: addr})
		if err != nil {
			t.Fatalf("Connect %s: %v", user, err)
		}
		return c
	}
	martin := connect(o.est.HostingNumber, "Mme \u202eMARTIN", "Administration", "administratif", "192.0.2.7:51234")
	dupont := connect(o.est.HostingNumber, "M. DUPONT", "Professeurs", "enseignant", "\x1b]0;pwned\x07192.0.2.8:40112")
	o.inService(otherSPR)
	theirs := connect(otherEst.HostingNumber, "M. LEROY", "", "administratif", "192.0.2.9:1234")
	reservedSentence := backend.Message(&backend.ReservedError{Admin: 4})
	noBidi := func(t *testing.T, r ran) {
		if strings.ContainsAny(r.stdout+r.stderr, "\u202e\u200b") {
			t.Errorf("output carries bidi or zero-width characters: %q", r.stdout)
		}
	}
	o.runSteps(t, []step{
		{args: []string{"licences"}, out: []string{"Licences", "Mode administratif  4", "Mode enseignant     50", "Vie scolaire        illimité",
			"Espaces             illimité", "Connexions refusées faute de licence : 0 aujourd'hui, 0 sur les 7 derniers jours."}},
		{args: []string{"licences", "reserver", "1"}, out: []string{"Licences réservées pour les administrateurs : 1 sur 4 licences du mode administratif."}},
		{args: []string{"licences", "--json"}, check: func(t *testing.T, r ran) {
			var l struct {
				InService bool `json:"in_service"`
				Licences  struct {
					Admin   map[string]int `json:"admin"`
					Teacher struct {
						Total     *int `json:"total"`
						Unlimited bool `json:"unlimited"`
						Used      int  `json:"used"`
					} `json:"teacher"`
					VieScolaire map[string]any `json:"vie_scolaire"`
				} `json:"licences"`
				RefusedToday *int `json:"refused_today"`
				RefusedWeek  *int `json:"refused_7_days"`
			}
			decode(t, r, &l)
			a := l.Licences.Admin
			if !l.InService || a["total"] != 4 || a["reserved"] != 1 || a["used"] != 1 || a["used_by_admin_group"] != 1 ||
				l.Licences.Teacher.Total == nil || *l.Licences.Teacher.Total != 50 || l.Licences.Teacher.Unlimited || l.Licences.Teacher.Used != 1 ||
				l.Licences.VieScolaire["total"] != nil || l.Licences.VieScolaire["unlimited"] != true ||
				l.RefusedToday == nil || *l.RefusedToday != 0 || l.RefusedWeek == nil {
				t.Errorf("licences --json:\n%s", r.stdout)
			}
		}},
		{name: "reserve more than L", args: []string{"licences", "reserver", "5"}, code: 1, errs: []string{reservedSentence}},
		{name: "reserve an absurd N", args: []string{"licences", "reserver", "99999999999999999999"}, code: 1, errs: []string{reservedSentence}},
		{name: "reserve -1", args: []string{"licences", "reserver", "--", "-1"}, code: 1, errs: []string{reservedSentence}},
		{name: "reserve abc", args: []string{"licences", "reserver", "abc"}, code: 2, errs: []string{"N must be a whole number"}},
		{name: "reserve, hostile N", args: []string{"licences", "reserver", q("\x1b[31m1")}, code: 2, errs: []string{"N must be a whole number"}},
		{args: []string{"connexions"}, check: noBidi, out: []string{"Connexions (2)", martin.ID, dupont.ID, "Mme MARTIN", "Administration",
			"Mode administratif", "192.0.2.7:51234", "M. DUPONT", "Professeurs", "Mode enseignant", "192.0.2.8:40112", "Inactif",
			"Licences utilisées : mode administratif 1 sur 4 (dont 1 par le groupe Administration ; 1 réservée aux administrateurs), mode enseignant 1 sur 50"}},
		{args: []string{"connexions", "--json"}, check: func(t *testing.T, r ran) {
			noBidi(t, r)
			var l struct {
				InService   bool `json:"in_service"`
				Held        bool `json:"held"`
				Connections []struct {
					ID          string    `json:"id"`
					User        string    `json:"user"`
					Group       string    `json:"group"`
					Mode        string    `json:"mode"`
					Addr        string    `json:"addr"`
					Since       time.Time `json:"since"`
					LastSeen    time.Time `json:"last_seen"`
					IdleSeconds *int64    `json:"idle_seconds"`
				} `json:"connections"`
			}
			decode(t, r, &l)
			if !l.InService || !l.Held || len(l.Connections) != 2 {
				t.Fatalf("connexions --json:\n%s", r.stdout)
			}
			byID := map[string]int{}
			for i, c := range l.Connections {
				byID[c.ID] = i
				if c.Since.IsZero() || c.LastSeen.Before(c.Since) || c.IdleSeconds == nil || *c.IdleSeconds < 0 {
					t.Errorf("connection %+v", c)
				}
			}
			m, d := l.Connections[byID[martin.ID]], l.Connections[byID[dupont.ID]]
			if m.User != "Mme MARTIN" || m.Group != "Administration" || m.Mode != "administratif" || m.Addr != "192.0.2.7:51234" ||
				d.User != "M. DUPONT" || d.Mode != "enseignant" || d.Addr != "\x1b]0;pwned\x07192.0.2.8:40112" {
				t.Errorf("connexions --json: %+v", l.Connections)
			}
		}},
		{name: "Administration: connexions", key: adminPath, args: []string{"connexions"}, out: []string{"Connexions (2)", martin.ID}},
		{name: "disconnect without -y", args: []string{"connexion", "deconnecter", martin.ID}, code: 2, errs: []string{"--oui (-y)"}},
		{name: "disconnect an unknown ID", args: []string{"connexion", "deconnecter", strings.Repeat("0", 32), "-y"}, code: 1,
			errs: []string{backend.Message(backend.ErrConnectionNotFound)}},
		{name: "disconnect another establishment's connection", args: []string{"connexion", "deconnecter", theirs.ID, "-y"}, code: 1,
			errs: []string{backend.Message(backend.ErrConnectionNotFound)}, check: func(t *testing.T, _ ran) {
				if err := o.b.Heartbeat(ctx, otherEst.HostingNumber, theirs.ID); err != nil {
					t.Errorf("another establishment's connection was closed: %v", err)
				}
			}},
		{name: "disconnect, hostile ID", args: []string{"connexion", "deconnecter", q("\x1b[2J"), "-y"}, code: 2, errs: []string{"ID must be"}},
		{args: []string{"connexion", "deconnecter", martin.ID, "-y"}, check: noBidi,
			out: []string{"Utilisateur déconnecté : Mme MARTIN (Mode administratif, 192.0.2.7:51234). Sa licence est libérée."}},
		{name: "disconnected again", args: []string{"connexion", "deconnecter", martin.ID, "--oui"}, code: 1,
			errs: []string{backend.Message(backend.ErrConnectionNotFound)}, check: func(t *testing.T, _ ran) {
				if err := o.b.Heartbeat(ctx, o.est.HostingNumber, martin.ID); err == nil {
					t.Error("the disconnected client's heartbeat is accepted")
				}
			}},
		{name: "Administration: licences reserver", key: adminPath, args: []string{"licences", "reserver", "0"}, out: []string{"0 sur 4"}},
		{args: []string{"connexions", "--json"}, out: []string{dupont.ID}, check: func(t *testing.T, r ran) {
			if strings.Contains(r.stdout, martin.ID) {
				t.Errorf("the disconnected user is still listed:\n%s", r.stdout)
			}
		}},
	})

	o.runSteps(t, []step{
		{name: "delete without -y", args: []string{"base", "supprimer", twins[0]}, code: 2, errs: []string{"--oui (-y)"}, check: func(t *testing.T, _ ran) {
			if n := countBases(); n != "5" {
				t.Errorf("bases after a delete without -y: %s, want 5", n)
			}
		}},
		{name: "stop without -y", args: []string{"serveur", "arreter"}, code: 2, errs: []string{"--oui (-y)"}, check: func(t *testing.T, _ ran) {
			if s := state(); s != backend.ServerRunning {
				t.Errorf("server after arreter without -y: %s", s)
			}
		}},
		{args: []string{"serveur", "arreter", "-y"}, out: []string{"Le serveur est arrêté ; 1 utilisateur déconnecté ; la base ouverte le reste."},
			check: func(t *testing.T, _ ran) {
				if err := o.b.Heartbeat(ctx, o.est.HostingNumber, dupont.ID); err == nil {
					t.Error("a connection outlived the stop")
				}
			}},
		{name: "stop when stopped", args: []string{"serveur", "arreter", "--oui"}, code: 1, errs: []string{backend.Message(backend.ErrServerStopped)}},
		{name: "delete the opened base", args: []string{"base", "supprimer", "LYCEE-2025", "-y"}, code: 1, errs: []string{backend.Message(backend.ErrBaseOpened)}},
		{args: []string{"base", "supprimer", twins[1], "-y"}, out: []string{"Base supprimée : " + twin + " (", "n° " + twins[1] + ")"},
			check: func(t *testing.T, _ ran) {
				if ids := idOf(twin); len(ids) != 1 || ids[0] != twins[0] {
					t.Errorf("after deleting %s: bases named %q are %v", twins[1], twin, ids)
				}
			}},
		{name: "delete by name now unique", args: []string{"base", "supprimer", twin, "--oui"}, out: []string{"Base supprimée"}},
	})

	// Keys: SPR only; another establishment's keys are out of reach.
	o.runSteps(t, []step{
		{args: []string{"cles", "--json"}, check: func(t *testing.T, r ran) {
			var l struct {
				Keys []struct {
					Fingerprint string     `json:"fingerprint"`
					Name        string     `json:"name"`
					Role        string     `json:"role"`
					Added       time.Time  `json:"added"`
					LastUsed    *time.Time `json:"last_used"`
					Revoked     *time.Time `json:"revoked"`
					Current     bool       `json:"current"`
				} `json:"keys"`
			}
			decode(t, r, &l)
			if len(l.Keys) != 2 {
				t.Fatalf("cles --json: %+v, want the SPR's and the Administration key", l)
			}
			for _, k := range l.Keys {
				want := map[string]string{sprFP: "spr", fp(admin): "admin"}[k.Fingerprint]
				if k.Role != want || k.Added.IsZero() || k.Revoked != nil || k.Current != (k.Fingerprint == sprFP) {
					t.Errorf("cles --json: key %+v", k)
				}
				if k.Fingerprint == sprFP && k.LastUsed == nil {
					t.Errorf("cles --json: the SPR's key was never used: %+v", k)
				}
			}
		}},
		{args: []string{"cles"}, out: []string{"Clés SSH (2)", sprFP, "openssh", "SPR", fp(admin), "secrétariat", "Administration", "(cette session)"}},
		{name: "rename with an escape sequence", args: []string{"cle", "renommer", fp(admin), q("Poste \x1b]0;pwned\x07du \x1b[31msecrétariat\u009b2J")},
			out: []string{"s'appelle maintenant « Poste du secrétariat »"}, check: func(t *testing.T, _ ran) {
				keys, err := spr.Keys(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, k := range keys {
					if strings.ContainsAny(k.Name, hostileBytes) {
						t.Errorf("stored key name %q", k.Name)
					}
				}
			}},
		{args: []string{"cles"}, out: []string{"Poste du secrétariat"}},
		{name: "Administration: cles", key: adminPath, args: []string{"cles"}, code: 1,
			errs: []string{backend.Message(backend.ErrForbidden), backend.PermKeys.Who()}},
		{name: "Administration: cle revoquer", key: adminPath, args: []string{"cle", "revoquer", sprFP, "-y"}, code: 1,
			errs: []string{backend.Message(backend.ErrForbidden)}, check: func(t *testing.T, _ ran) {
				if ok, _ := o.b.KnownKey(ctx, sprFP); !ok {
					t.Error("the SPR's key was revoked by an Administration key")
				}
			}},
		{name: "Administration: cle renommer", key: adminPath, args: []string{"cle", "renommer", sprFP, "pirate"}, code: 1,
			errs: []string{backend.Message(backend.ErrForbidden)}},
		{name: "Administration: statut", key: adminPath, args: []string{"statut"}, out: []string{"Lycée Louis Pasteur"}},
		{name: "another establishment's key", args: []string{"cle", "revoquer", fp(other), "-y"}, code: 1,
			errs: []string{backend.Message(backend.ErrKeyNotFound)}, check: func(t *testing.T, _ ran) {
				if ok, _ := o.b.KnownKey(ctx, fp(other)); !ok {
					t.Error("another establishment's key was revoked")
				}
			}},
		{name: "another establishment's key, rename", args: []string{"cle", "renommer", fp(other), "volée"}, code: 1,
			errs: []string{backend.Message(backend.ErrKeyNotFound)}},
	})

	// The journal.
	o.runSteps(t, []step{
		{args: []string{"journal", "--limite", "2", "--json"}, check: func(t *testing.T, r ran) {
			var j struct {
				Entries []struct {
					At     time.Time `json:"at"`
					Actor  string    `json:"actor"`
					Action string    `json:"action"`
					Detail string    `json:"detail"`
					OK     *bool     `json:"ok"`
				} `json:"entries"`
			}
			decode(t, r, &j)
			if len(j.Entries) != 2 {
				t.Fatalf("journal --limite 2 --json: %d entries, want 2:\n%s", len(j.Entries), r.stdout)
			}
			for _, e := range j.Entries {
				if e.At.IsZero() || e.Actor == "" || e.Action == "" || e.OK == nil {
					t.Errorf("journal entry %+v", e)
				}
			}
			if !j.Entries[0].At.After(j.Entries[1].At) && !j.Entries[0].At.Equal(j.Entries[1].At) {
				t.Errorf("journal not newest first: %+v", j.Entries)
			}
		}},
		{args: []string{"journal"}, out: []string{"Journal (", "Création d'une base", "Mise en service", "refusé", "fait", "Clé SSH renommée"}},
		{args: []string{"journal", "--depuis", time.Now().AddDate(0, 0, 1).Format(time.DateOnly), "--json"}, out: []string{`"entries": []`}},
		{args: []string{"journal", "--depuis", time.Now().Add(-time.Hour).Format(time.RFC3339), "--limite", "1"}, out: []string{"Journal (1)"}},
		{name: "Administration: journal", key: adminPath, args: []string{"journal", "--limite", "1"}, out: []string{"Journal (1)"}},
	})

	// Hostile arguments are never echoed raw.
	o.runSteps(t, []step{
		{name: "hostile NOM", args: []string{"base", "ouvrir", q("\x1b]0;pwned\x07\x1b[2J")}, code: 1, errs: []string{backend.Message(backend.ErrBaseNotFound)}},
		{name: "hostile NOM, delete without -y", args: []string{"base", "supprimer", q("\x1b[2J\u009b31m")}, code: 2, errs: []string{"--oui"}},
		{name: "hostile command", args: []string{q("\x1b[31mstatut")}, code: 2, errs: []string{"unknown command"}},
		{name: "hostile flag", args: []string{"statut", q("--\x1b[31mjson")}, code: 2, errs: []string{"unknown flag"}},
		{name: "hostile year", args: []string{"base", "creer", "--annee", q("\x1b[31m2026")}, code: 2, errs: []string{"--annee"}},
		{name: "hostile fingerprint", args: []string{"cle", "revoquer", q("SHA256:\x1b[31m"), "-y"}, code: 2, errs: []string{"EMPREINTE"}},
		{name: "journal after hostile arguments", args: []string{"journal"}, out: []string{"Journal ("}},
		{name: "journal --json after hostile arguments", args: []string{"journal", "--json"}, check: func(t *testing.T, r ran) {
			var j map[string][]map[string]any
			decode(t, r, &j)
		}},
	})

	// Revocation: another key, then the session's own key.
	o.runSteps(t, []step{
		{args: []string{"cle", "revoquer", fp(admin), "-y"}, out: []string{"Clé révoquée : " + fp(admin) + " (Poste du secrétariat)"}},
		{name: "revoked again", args: []string{"cle", "revoquer", fp(admin), "-y"}, code: 1, errs: []string{backend.Message(backend.ErrAlreadyRevoked)}},
		{name: "revoked key", key: adminPath, args: []string{"statut"}, code: 1, errs: []string{"not enrolled"}},
		{name: "own key", args: []string{"cle", "revoquer", sprFP, "-y"}, out: []string{"Clé révoquée : " + sprFP, "C'était la clé de cette session"}},
		{name: "after revoking its own key", args: []string{"statut"}, code: 1, errs: []string{"not enrolled"}},
	})
	if t.Failed() {
		t.Logf("server log:\n%s", o.logs.String())
	}
}
