package commands

// The commands of Suivi des connexions on a real back end (SQLite in a temp
// folder, a fake clock): connexions, connexion deconnecter, licences,
// licences reserver, and the count serveur arreter says.

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlite"
)

// hostileOut is what no text output may carry: the start of an escape
// sequence (ESC, BEL, C1 CSI), a bidi override, a zero-width space.
const hostileOut = "\x1b\x07\u009b\u202e\u200b"

type fixture struct {
	t   *testing.T
	dir string
	clk *clock.Fake
	b   *backend.Backend
	est backend.Establishment
	spr *backend.Session
}

// newFixture is an establishment (L 4, T 50) and its SPR's session; the
// server stopped, no base.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, dir: t.TempDir(), clk: clock.NewFake(time.Date(2026, 10, 5, 9, 0, 0, 0, clock.Paris()))}
	b, err := backend.Open(ctx, backend.Options{DataDir: f.dir, Hashing: password.Fast, Clock: f.clk})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	f.b = b
	f.est, f.spr = f.establishment("Lycée Victor Hugo", "0751234A")
	return f
}

func (f *fixture) establishment(name, uai string) (backend.Establishment, *backend.Session) {
	f.t.Helper()
	ctx := context.Background()
	est, pw, err := f.b.CreateEstablishment(ctx, backend.NewEstablishment{Name: name, UAI: uai,
		Email: "ce." + strings.ToLower(uai) + "@ac-paris.fr", Phone: "0612345678", AdminSeats: 4, TeacherSeats: 50})
	if err != nil {
		f.t.Fatal(err)
	}
	bs, err := f.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice, Addr: "test"})
	if err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(bs.Close)
	return est, bs
}

// inService creates a base and puts the server of bs in service.
func (f *fixture) inService(bs *backend.Session) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := bs.CreateBase(ctx, bs.DefaultCreateBase()); err != nil {
		f.t.Fatal(err)
	}
	if err := bs.PutInService(ctx); err != nil {
		f.t.Fatal(err)
	}
}

// adminSession is the session of a key of the groupe Administration of est,
// written in the store as another process would (invitations, the way to
// that role, do not exist yet).
func (f *fixture) adminSession(est backend.Establishment, fingerprint string) *backend.Session {
	f.t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(f.dir, "hebergement.db"))
	if err != nil {
		f.t.Fatal(err)
	}
	err = db.Write(ctx, func(tx store.Tx) error {
		return tx.PutKey(&store.Key{EstablishmentID: est.ID, Fingerprint: fingerprint, PublicKey: "ssh-ed25519 AAAA " + fingerprint,
			Name: "secrétariat", Role: "admin", AddedAt: f.clk.Now()})
	})
	db.Close()
	if err != nil {
		f.t.Fatal(err)
	}
	bs, err := f.b.KeySession(ctx, fingerprint, "192.0.2.50")
	if err != nil {
		f.t.Fatal(err)
	}
	if bs.Role() != backend.RoleAdmin {
		f.t.Fatalf("role %v", bs.Role())
	}
	f.t.Cleanup(bs.Close)
	return bs
}

func (f *fixture) connect(est backend.Establishment, user, group, mode, addr string) backend.Connection {
	f.t.Helper()
	c, err := f.b.Connect(context.Background(), est.HostingNumber, backend.ConnectRequest{User: user, Group: group, Mode: mode, Addr: addr})
	if err != nil {
		f.t.Fatalf("Connect %s: %v", user, err)
	}
	return c
}

// run runs args on the session bs, with the fixture's clock.
func (f *fixture) run(bs *backend.Session, args ...string) outcome {
	var out, errb bytes.Buffer
	o := outcome{}
	o.code = Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &errb, Now: f.clk.Now,
		Open: func() (*backend.Session, error) {
			o.opened = true
			return bs, nil
		}})
	o.stdout, o.stderr = out.String(), errb.String()
	if strings.ContainsAny(o.stdout+o.stderr, hostileOut) {
		f.t.Errorf("%q: output carries control characters: %q %q", args, o.stdout, o.stderr)
	}
	return o
}

// must runs args and wants status 0 and every text of want on stdout.
func (f *fixture) must(bs *backend.Session, args []string, want ...string) outcome {
	f.t.Helper()
	o := f.run(bs, args...)
	if o.code != ExitOK || o.stderr != "" || !containsAll(o.stdout, want...) {
		f.t.Errorf("%q: status %d, want 0 and %q on stdout\nstdout:\n%s\nstderr:\n%s", args, o.code, want, o.stdout, o.stderr)
	}
	return o
}

// refused runs args and wants status 1, nothing on stdout and the sentence
// on stderr.
func (f *fixture) refused(bs *backend.Session, args []string, sentence string) {
	f.t.Helper()
	o := f.run(bs, args...)
	if o.code != ExitRefused || o.stdout != "" || o.stderr != sentence+"\n" {
		f.t.Errorf("%q: status %d, want 1 and %q\nstdout:\n%s\nstderr:\n%s", args, o.code, sentence, o.stdout, o.stderr)
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

func decodeJSON[T any](t *testing.T, o outcome) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(o.stdout), &v); err != nil {
		t.Fatalf("invalid JSON (%v):\n%s", err, o.stdout)
	}
	return v
}

// connectionsOut is connexions --json.
type connectionsOut struct {
	InService   *bool         `json:"in_service"`
	Held        *bool         `json:"held"`
	Connections []connJSON    `json:"connections"`
	Licences    *licencesJSON `json:"licences"`
}

// licencesOut is licences --json.
type licencesOut struct {
	InService    bool          `json:"in_service"`
	Held         bool          `json:"held"`
	Licences     licencesJSON  `json:"licences"`
	RefusedToday *int          `json:"refused_today"`
	RefusedWeek  *int          `json:"refused_7_days"`
	Refusals     []refusalJSON `json:"refusals"`
}

func TestConnectionsStopped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.must(f.spr, []string{"connexions"}, "Connexions (0)", "n'est pas en service", "Aucun utilisateur connecté.",
		"Licences utilisées : mode administratif 0 sur 4, mode enseignant 0 sur 50, vie scolaire 0, Espaces 0.")
	o := f.must(f.spr, []string{"connexions", "--json"})
	v := decodeJSON[connectionsOut](t, o)
	if v.InService == nil || *v.InService || v.Held == nil || v.Connections == nil || len(v.Connections) != 0 || v.Licences == nil {
		t.Errorf("connexions --json on a stopped server:\n%s", o.stdout)
	}
	if !strings.Contains(o.stdout, `"connections": []`) {
		t.Errorf("no connection must be an empty list, not null:\n%s", o.stdout)
	}
}

func TestConnectionsTableAndJSON(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.b.HoldConnections(true)
	f.inService(f.spr)
	start := f.clk.Now()
	admin := f.connect(f.est, "Mme MARTIN", "Administration", "administratif", "192.0.2.7")
	f.clk.Advance(30 * time.Second)
	teacher := f.connect(f.est, "M. DUPONT", "Professeurs", "enseignant", "192.0.2.8")
	f.clk.Advance(30 * time.Second)
	// A user name may hold bidi overrides and zero-width characters (the
	// back end refuses only control characters), and the address is the
	// stand-in's to give: neither may reach a terminal raw.
	hostile := f.connect(f.est, "M. \u202eTNOPUD\u200b", "", "parent", "\x1b]0;pwned\x07198.51.100.9\x1b[2J")
	f.clk.Advance(60 * time.Second)

	o := f.must(f.spr, []string{"connexions"}, "Connexions (3)", admin.ID, teacher.ID, hostile.ID,
		"ID", "Utilisateur", "Groupe", "Mode ou Espace", "Adresse", "Depuis", "Inactif",
		"Mme MARTIN", "Administration", "Mode administratif", "192.0.2.7", "05/10/2026 09:00", "2 min",
		"M. DUPONT", "Professeurs", "Mode enseignant", "1 min", "Espace Parents", "M. TNOPUD", "198.51.100.9", "—",
		"Licences utilisées : mode administratif 1 sur 4 (dont 1 par le groupe Administration), mode enseignant 1 sur 50, vie scolaire 0, Espaces 1.")
	if strings.Contains(o.stdout, "n'est pas en service") || strings.Contains(o.stdout, "processus") {
		t.Errorf("a note where none is due:\n%s", o.stdout)
	}
	// Oldest first.
	if strings.Index(o.stdout, admin.ID) > strings.Index(o.stdout, teacher.ID) || strings.Index(o.stdout, teacher.ID) > strings.Index(o.stdout, hostile.ID) {
		t.Errorf("not oldest first:\n%s", o.stdout)
	}

	o = f.must(f.spr, []string{"connexions", "--json"})
	if strings.ContainsAny(o.stdout, hostileOut) {
		t.Fatalf("raw control characters in the JSON:\n%s", o.stdout)
	}
	v := decodeJSON[connectionsOut](t, o)
	if len(v.Connections) != 3 || !*v.InService || !*v.Held {
		t.Fatalf("connexions --json:\n%s", o.stdout)
	}
	got := v.Connections[0]
	want := connJSON{ID: admin.ID, User: "Mme MARTIN", Group: "Administration", AdminGroup: true, Mode: "administratif",
		Addr: "192.0.2.7", Since: start, LastSeen: start, IdleSeconds: 120}
	if got.ID != want.ID || got.User != want.User || got.Group != want.Group || got.AdminGroup != want.AdminGroup ||
		got.Mode != want.Mode || got.Addr != want.Addr || !got.Since.Equal(want.Since) || !got.LastSeen.Equal(want.LastSeen) ||
		got.IdleSeconds != want.IdleSeconds {
		t.Errorf("first connection %+v, want %+v", got, want)
	}
	// The back end drops invisible characters from names as they arrive;
	// the rest is unchanged for a JSON reader, only its encoding is safe.
	if h := v.Connections[2]; h.User != "M. TNOPUD" || h.Addr != "\x1b]0;pwned\x07198.51.100.9\x1b[2J" ||
		h.Mode != "parent" || h.IdleSeconds != 60 || h.AdminGroup || h.ID != hostile.ID {
		t.Errorf("hostile connection %+v", h)
	}
	// since is RFC 3339.
	var raw struct {
		Connections []map[string]any `json:"connections"`
	}
	json.Unmarshal([]byte(o.stdout), &raw) //nolint:errcheck
	if s, _ := raw.Connections[0]["since"].(string); s == "" {
		t.Errorf("since: %v", raw.Connections[0]["since"])
	} else if _, err := time.Parse(time.RFC3339, s); err != nil {
		t.Errorf("since %q is not RFC 3339: %v", s, err)
	}
	l := v.Licences
	if l.Admin != (adminSeatsJSON{Total: 4, Reserved: 0, Used: 1, UsedByAdminGroup: 1}) || l.Teacher.Total == nil ||
		*l.Teacher.Total != 50 || l.Teacher.Unlimited || l.Teacher.Used != 1 || l.Spaces.Used != 1 || !l.Spaces.Unlimited ||
		l.Spaces.Total != nil || !l.VieScolaire.Unlimited {
		t.Errorf("licences in connexions --json: %+v", l)
	}
}

// A console beside a serve does not hold the live connections: it says so.
func TestConnectionsNotHeld(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.inService(f.spr)
	f.must(f.spr, []string{"connexions"}, "Connexions (0)", "tenues par le processus qui fait tourner le serveur")
	v := decodeJSON[connectionsOut](t, f.must(f.spr, []string{"connexions", "--json"}))
	if *v.Held || !*v.InService {
		t.Errorf("connexions --json: %+v", v)
	}
}

func TestLicences(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.HoldConnections(true)
	f.inService(f.spr)
	f.must(f.spr, []string{"licences"}, "Licences\n", "Contrat", "Utilisées",
		"Mode administratif  4", "Mode enseignant     50", "Vie scolaire        illimité", "Espaces             illimité",
		"Connexions refusées faute de licence : 0 aujourd'hui, 0 sur les 7 derniers jours.")
	v := decodeJSON[licencesOut](t, f.must(f.spr, []string{"licences", "--json"}))
	if v.RefusedToday == nil || *v.RefusedToday != 0 || v.RefusedWeek == nil || v.Refusals == nil || len(v.Refusals) != 0 ||
		*v.Licences.Teacher.Total != 50 || v.Licences.VieScolaire.Total != nil || !v.Licences.VieScolaire.Unlimited {
		t.Errorf("licences --json: %+v", v)
	}

	// L 2, R 1, T unlimited: one seat for anyone, one kept for the groupe
	// Administration.
	if _, err := f.b.SetSeats(ctx, f.est.HostingNumber, 2, 0); err != nil {
		t.Fatal(err)
	}
	f.must(f.spr, []string{"licences", "reserver", "1"}, "Licences réservées pour les administrateurs : 1 sur 2 licences du mode administratif.")
	f.connect(f.est, "M. DUPONT", "Professeurs", "administratif", "192.0.2.8")
	f.connect(f.est, "M. DURAND", "Professeurs", "enseignant", "192.0.2.9")
	if _, err := f.b.Connect(ctx, f.est.HostingNumber, backend.ConnectRequest{User: "M. \u202eLEROY", Group: "Vie scolaire",
		Mode: "administratif", Addr: "192.0.2.10"}); err == nil {
		t.Fatal("a reserved seat went to a user outside the groupe Administration")
	}
	f.connect(f.est, "Mme MARTIN", "administration ", "administratif", "192.0.2.7")

	f.must(f.spr, []string{"licences"}, "Mode administratif  2 (dont 1 réservée aux administrateurs)  2 (dont 1 par le groupe Administration)",
		"Mode enseignant     illimité", "1 aujourd'hui, 1 sur les 7 derniers jours",
		"Derniers refus (1)", "M. LEROY", "Vie scolaire", "Mode administratif", "192.0.2.10", "réservées aux membres du groupe Administration")
	o := f.must(f.spr, []string{"licences", "--json"})
	v = decodeJSON[licencesOut](t, o)
	l := v.Licences
	if l.Admin != (adminSeatsJSON{Total: 2, Reserved: 1, Used: 2, UsedByAdminGroup: 1}) || l.Teacher.Total != nil ||
		!l.Teacher.Unlimited || l.Teacher.Used != 1 || *v.RefusedToday != 1 || *v.RefusedWeek != 1 || len(v.Refusals) != 1 {
		t.Fatalf("licences --json:\n%s", o.stdout)
	}
	if r := v.Refusals[0]; r.User != "M. LEROY" || r.Mode != "administratif" || r.Reason == "" || r.At.IsZero() {
		t.Errorf("refusal %+v", r)
	}
	if !strings.Contains(o.stdout, `"total": null`) || !strings.Contains(o.stdout, `"unlimited": true`) {
		t.Errorf("unlimited is not total null and unlimited true:\n%s", o.stdout)
	}
}

func TestReserve(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	reserved := func() int {
		st, err := f.spr.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return st.Establishment.ReservedSeats
	}
	sentence := backend.Message(&backend.ReservedError{Admin: 4})
	f.must(f.spr, []string{"licences", "reserver", "2"}, "Licences réservées pour les administrateurs : 2 sur 4 licences du mode administratif.")
	f.must(f.spr, []string{"licences", "reserver", "4"}, "4 sur 4")
	f.must(f.spr, []string{"licences", "reserver", "0"}, "0 sur 4")
	f.must(f.spr, []string{"licences", "reserver", "004"}, "4 sur 4") // a whole number, leading zeros and all
	for _, n := range []string{"5", "99999999999999999999", "-99999999999999999999", "9223372036854775807"} {
		f.refused(f.spr, []string{"licences", "reserver", "--", n}, sentence)
	}
	f.refused(f.spr, []string{"licences", "reserver", "--", "-1"}, sentence)
	if r := reserved(); r != 4 {
		t.Errorf("R after refusals: %d, want 4", r)
	}
	// The refusals the back end judged are journaled.
	entries, err := f.spr.Journal(ctx, backend.JournalQuery{Limit: 1})
	if err != nil || len(entries) != 1 || entries[0].Action != "seats.reserve" || entries[0].OK {
		t.Errorf("journal: %+v, %v", entries, err)
	}

	for _, bad := range [][]string{
		{"licences", "reserver", "abc"}, {"licences", "reserver", "1.5"}, {"licences", "reserver", "0x10"},
		{"licences", "reserver", " 2"}, {"licences", "reserver", "+2"}, {"licences", "reserver", "２"},
		{"licences", "reserver", "1e3"}, {"licences", "reserver", ""}, {"licences", "reserver", "\x1b[31m1"},
		{"licences", "reserver", "-1"}, {"licences", "reserver"}, {"licences", "reserver", "1", "2"},
		{"licences", "reserve", "1"}, {"licences", "1"},
	} {
		o := f.run(f.spr, bad...)
		if o.code != ExitUsage || o.opened || o.stdout != "" || !strings.Contains(o.stderr, "Usage: ssh console.hebergement") {
			t.Errorf("%q: %+v, want a usage error without a session", bad, o)
		}
	}
	if o := f.run(f.spr, "licences", "reserver", "-1"); !strings.Contains(o.stderr, "N is a whole number of licences") {
		t.Errorf("-1: %q", o.stderr)
	}
	if o := f.run(f.spr, "licences", "reserve", "1"); !strings.Contains(o.stderr, "did you mean reserver") {
		t.Errorf("reserve: %q", o.stderr)
	}
	if r := reserved(); r != 4 {
		t.Errorf("R after usage errors: %d, want 4", r)
	}
}

func TestDisconnect(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.HoldConnections(true)
	f.inService(f.spr)
	otherEst, other := f.establishment("Collège Jean Moulin", "0691234B")
	f.inService(other)
	mine := f.connect(f.est, "M. \u202eDUPONT\u200b", "Professeurs", "enseignant", "\x1b[31m192.0.2.8")
	theirs := f.connect(otherEst, "Mme MARTIN", "Administration", "administratif", "192.0.2.7")
	count := func(bs *backend.Session) int {
		n, err := bs.ConnectedUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	notFound := backend.Message(backend.ErrConnectionNotFound)

	for _, bad := range [][]string{
		{"connexion", "deconnecter", mine.ID}, {"connexion", "deconnecter", mine.ID, "--oui=false"},
		{"connexion", "deconnecter", "-y"}, {"connexion", "deconnecter", "\x1b[31m", "-y"},
		{"connexion", "deconnecter", "a b", "-y"}, {"connexion", "deconnecter", strings.Repeat("a", 65), "-y"},
		{"connexion", "deconnecter", mine.ID, theirs.ID, "-y"}, {"connexion"}, {"connexion", "fermer", mine.ID, "-y"},
	} {
		o := f.run(f.spr, bad...)
		if o.code != ExitUsage || o.opened || o.stdout != "" {
			t.Errorf("%q: %+v, want a usage error without a session", bad, o)
		}
	}
	if o := f.run(f.spr, "connexion", "deconnecter", mine.ID); !strings.Contains(o.stderr, "--oui (-y)") {
		t.Errorf("without -y: %q", o.stderr)
	}
	if count(f.spr) != 1 {
		t.Fatal("a usage error disconnected a user")
	}

	f.refused(f.spr, []string{"connexion", "deconnecter", strings.Repeat("0", 32), "-y"}, notFound)
	f.refused(f.spr, []string{"connexion", "deconnecter", theirs.ID, "-y"}, notFound)
	if count(other) != 1 {
		t.Fatal("another establishment's connection was closed")
	}
	f.must(f.spr, []string{"connexion", "deconnecter", mine.ID, "-y"},
		"Utilisateur déconnecté : M. DUPONT (Mode enseignant, 192.0.2.8). Sa licence est libérée.")
	if count(f.spr) != 0 {
		t.Fatal("the user is still connected")
	}
	if err := f.b.Heartbeat(ctx, f.est.HostingNumber, mine.ID); err == nil {
		t.Error("the disconnected client's heartbeat is accepted")
	}
	f.refused(f.spr, []string{"connexion", "deconnecter", mine.ID, "--oui"}, notFound)
	entries, err := f.spr.Journal(ctx, backend.JournalQuery{Limit: 2})
	if err != nil || len(entries) != 2 || entries[0].Action != "connection.close" || entries[0].OK || !entries[1].OK {
		t.Errorf("journal: %+v, %v", entries, err)
	}
}

// Both roles follow the connections: the groupe Administration lists,
// reserves and disconnects, journaled under its key's name.
func TestConnectionsAdministrationRole(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.b.HoldConnections(true)
	f.inService(f.spr)
	admin := f.adminSession(f.est, "SHA256:"+strings.Repeat("c", 43))
	c := f.connect(f.est, "M. DUPONT", "Professeurs", "enseignant", "192.0.2.8")
	f.must(admin, []string{"connexions"}, "Connexions (1)", c.ID)
	f.must(admin, []string{"licences", "--json"}, `"used": 1`)
	f.must(admin, []string{"licences", "reserver", "3"}, "3 sur 4")
	f.must(admin, []string{"connexion", "deconnecter", c.ID, "-y"}, "Utilisateur déconnecté : M. DUPONT")
	entries, err := f.spr.Journal(ctx, backend.JournalQuery{Limit: 2})
	if err != nil || len(entries) != 2 {
		t.Fatal(entries, err)
	}
	for _, e := range entries {
		if e.Actor != "secrétariat" || !e.OK {
			t.Errorf("journal entry %+v, want done by the Administration key", e)
		}
	}
	// The SPR-only commands stay refused to that key.
	f.refused(admin, []string{"cles"}, backend.Message(backend.ErrForbidden)+" "+backend.PermKeys.Who())
}

// serveur arreter says how many users it disconnected.
func TestStopSaysWhoIsDisconnected(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.b.HoldConnections(true)
	for _, n := range []int{3, 1, 0} {
		if err := f.spr.PutInService(context.Background()); err != nil {
			f.inService(f.spr)
		}
		for i := range n {
			f.connect(f.est, "Utilisateur "+string(rune('A'+i)), "", "parent", "192.0.2.1")
		}
		want := map[int]string{3: "3 utilisateurs déconnectés", 1: "1 utilisateur déconnecté", 0: "aucun utilisateur n'était connecté"}[n]
		f.must(f.spr, []string{"serveur", "arreter", "-y"}, "Le serveur est arrêté ; "+want+" ; la base ouverte le reste.")
		if got, _ := f.spr.ConnectedUsers(context.Background()); got != 0 {
			t.Errorf("%d users still connected after the stop", got)
		}
	}
}

func TestConnectionsHelp(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"aide"}, []string{"connexions [--json]", "connexion deconnecter ID -y", "licences [--json]", "licences reserver N",
			"ID         a connection's ID as connexions shows it"}},
		{[]string{"licences", "--help"}, []string{"Usage: ssh console.hebergement licences [--json]", "--json", "Commands:", "licences reserver N"}},
		{[]string{"aide", "licences", "reserver"}, []string{"Usage: ssh console.hebergement licences reserver N", "from 0 to the contract's"}},
		{[]string{"connexion", "-h"}, []string{"connexion deconnecter ID -y"}},
		{[]string{"connexion", "deconnecter", "--help"}, []string{"-y, --oui"}},
		{[]string{"connexions", "--help"}, []string{"idle time", "--json"}},
	} {
		o := run(c.args...)
		if o.code != ExitOK || o.opened || o.stderr != "" || !containsAll(o.stdout, c.want...) {
			t.Errorf("%q: %+v, want status 0 and %q on stdout", c.args, o, c.want)
		}
	}
	// The order of the usage follows SPEC §16.
	o := run("aide")
	if i, j := strings.Index(o.stdout, "serveur arreter"), strings.Index(o.stdout, "connexions [--json]"); i < 0 || j < i {
		t.Errorf("connexions before serveur:\n%s", o.stdout)
	}
}
