package pronote_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/tui"
	ct "github.com/hebergement/console/tui/internal/consoletest"
)

// The tab inside the whole console (package tui), on a real back end with
// a fake clock, driven by keys as a user would; the settings are checked
// with the back end's own API.

const publicURL = "http://127.0.0.1:8080"

func options(f *ct.Fixture) tui.Options {
	var o tui.Options
	o.Prefill.HostingNumber = f.Est.HostingNumber
	o.Addr = "test"
	o.StartDir = f.Files
	o.Now = f.Clk.Now
	o.PublicURL = publicURL
	return o
}

// inService puts a base in service: the base is then published, with its
// four Espaces and the PRONOTE accounts.
func inService(t *testing.T, f *ct.Fixture) {
	t.Helper()
	ctx := context.Background()
	sess := f.Session(t)
	b := f.Load(t, sess, f.Generate(t, "Collège Victor Hugo 2026", 2026, 530)[0])
	must(t, sess.OpenBase(ctx, b.ID))
	must(t, sess.PutInService(ctx))
}

// open starts a console at w×h on f, logs in and shows PRONOTE.net once it
// has loaded and shows every one of wait.
func open(t *testing.T, f *ct.Fixture, w, h int, wait ...string) *ct.Screen {
	t.Helper()
	s := f.Start(t, w, h, tui.New(f.B, options(f)), tui.Screen)
	s.Login(t)
	s.Key("4")
	s.WaitText(t, append([]string{"Adresses publiques", "Vie scolaire"}, wait...)...)
	return s
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func publication(t *testing.T, f *ct.Fixture) backend.Publication {
	t.Helper()
	p, err := f.Session(t).Publication(context.Background())
	must(t, err)
	return p
}

// waitFlat waits for texts in the screen read with its lines joined, for
// the status line's sentences, which wrap.
func waitFlat(t *testing.T, s *ct.Screen, texts ...string) {
	t.Helper()
	s.WaitFor(t, strings.Join(texts, ", "), func(v string) bool {
		flat := strings.Join(strings.Fields(v), " ")
		for _, x := range texts {
			if !strings.Contains(flat, x) {
				return false
			}
		}
		return true
	})
}

// Snapshots of the whole console on the tab at 80×24 and 120×40:
// go test ./tui/tabs/pronote/ -update rewrites them.

// A base in service: published by default, every Espace, PRONOTE accounts.
func TestSnapshotPublished(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		inService(t, f)
		s := open(t, f, w, h, "Base publiée, en ligne", "Comptes PRONOTE", noAuthChangeStart,
			publicURL+"/"+f.Est.HostingNumber+"/viescolaire", "p arrêter la publication")
		ct.Snapshot(t, s.Final(t))
	})
}

// noAuthChangeStart is the start of what the tab says while the base is
// published, on one line at every width.
const noAuthChangeStart = "L'authentification ne se modifie que"

// The publication stopped, CAS through an ENT, the Espace Parents not
// published.
func TestSnapshotStoppedCAS(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		inService(t, f)
		ctx := context.Background()
		sess := f.Session(t)
		must(t, sess.SetPublished(ctx, false))
		must(t, sess.SetEspace(ctx, backend.EspaceParent, false))
		must(t, sess.SetAuth(ctx, backend.AuthRequest{Mode: backend.AuthCAS, ENT: "Skolengo", CASURL: "https://cas.skolengo.fr/cas"}))
		s := open(t, f, w, h, "Publication arrêtée", "CAS, par l'ENT", "Skolengo", "https://cas.skolengo.fr/cas", "non publié",
			"p publier la base")
		if strings.Contains(s.View(), noAuthChangeStart) {
			t.Errorf("the publication is stopped and the tab says it must be:\n%s", s.View())
		}
		ct.Snapshot(t, s.Final(t))
	})
}

// The form with an http:// address: the reason under the field.
func TestSnapshotCASFormError(t *testing.T) {
	t.Parallel()
	ct.EachSize(t, func(t *testing.T, w, h int) {
		f := ct.NewFixture(t)
		inService(t, f)
		must(t, f.Session(t).SetPublished(context.Background(), false))
		s := open(t, f, w, h, "Publication arrêtée")
		casForm(t, s)
		s.Type("http://cas.skolengo.fr/cas")
		s.Key("enter")
		s.WaitText(t, "Adresse du serveur CAS incorrecte : l'adresse doit commencer")
		ct.Snapshot(t, f.Normalize(t, s.View()))
	})
}

// casForm opens the form with a, chooses CAS and the first ENT, and leaves
// the focus in the address's field.
func casForm(t *testing.T, s *ct.Screen) {
	t.Helper()
	s.Key("a")
	s.WaitText(t, "Mode d'authentification", "ÉduConnect")
	s.Key("down")
	s.WaitFor(t, "CAS chosen", func(v string) bool { return strings.Contains(v, "> CAS, par l'ENT") })
	s.Key("enter")
	s.WaitText(t, "ENT", "Atrium", "Adresse du serveur CAS")
	s.Key("enter")
	// huh moves the focus in a command, and a key that comes before it is
	// lost: knock with an x until one lands in the address's field, then
	// rub it out, so that what is typed next lands there even on a loaded
	// machine.
	for try := 0; ; try++ {
		s.Type("x")
		deadline := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(deadline) && !strings.Contains(s.View(), "> x") {
			time.Sleep(10 * time.Millisecond)
		}
		if strings.Contains(s.View(), "> x") {
			break
		}
		if try == 20 {
			t.Fatalf("the address's field never took a key:\n%s", s.View())
		}
	}
	// Backspaces past the last x land on an empty field: harmless.
	for try := 0; strings.Contains(s.View(), "> x") && try < 50; try++ {
		s.Key("backspace")
		time.Sleep(20 * time.Millisecond)
	}
	s.WaitText(t, "> https://cas.mon-ent.fr/cas")
}

// p asks before stopping, n changes nothing, o stops; p again publishes at
// once. The back end has each state, the screen says it.
func TestStopAndPublish(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	inService(t, f)
	s := open(t, f, 80, 24, "Base publiée, en ligne")
	s.Key("p")
	s.WaitText(t, "Arrêter la publication de la base ?", "Arrêter la publication (o)")
	s.Key("n")
	s.WaitText(t, "Action annulée.")
	if !publication(t, f).Published {
		t.Fatal("n stopped the publication")
	}
	s.Key("p")
	s.WaitText(t, "Arrêter la publication de la base ?")
	s.Key("o")
	waitFlat(t, s, "La publication est arrêtée : les pages de PRONOTE.net ne répondent plus.", "Publication arrêtée", "p publier la base")
	if p := publication(t, f); p.Published || p.Online {
		t.Fatalf("after o: %+v", p)
	}
	s.Key("p")
	waitFlat(t, s, "La base est publiée : les pages de PRONOTE.net sont en ligne.", "Base publiée, en ligne", "p arrêter la publication")
	if p := publication(t, f); !p.Published || !p.Online {
		t.Fatalf("after p: %+v", p)
	}
}

// espace on the Espace Élèves unpublishes it, and again publishes it; on
// the home page's row it says why not. A change from another console
// shows live.
func TestToggleEspace(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	inService(t, f)
	s := open(t, f, 80, 24, "Base publiée, en ligne")
	s.Key("space")
	waitFlat(t, s, "L'accueil suit la publication de la base (p)")
	s.Key("down")
	s.Key("down")
	s.Key("down")
	s.WaitText(t, "espace dépublier l'Espace")
	s.Key("space")
	waitFlat(t, s, "L'Espace Élèves n'est plus publié", "espace publier l'Espace")
	s.WaitText(t, "Élèves       non publié")
	if p := publication(t, f); p.On(backend.EspaceEleve) || !p.On(backend.EspaceParent) {
		t.Fatalf("after espace: %+v", p.Espaces)
	}
	s.Key("enter")
	waitFlat(t, s, "L'Espace Élèves est publié.")
	s.WaitText(t, "Élèves       publié")
	if !publication(t, f).On(backend.EspaceEleve) {
		t.Fatal("entrée did not publish the Espace Élèves")
	}
	// Live: another console unpublishes the Espace Professeurs.
	must(t, f.Session(t).SetEspace(context.Background(), backend.EspaceProfesseur, false))
	s.WaitText(t, "Professeurs  non publié")
}

// a while the publication is stopped: CAS with an http:// address is
// refused in the form and nothing is stored; an https address with a
// capital host and a trailing slash is stored normalized, and shown.
func TestSetCAS(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	inService(t, f)
	must(t, f.Session(t).SetPublished(context.Background(), false))
	s := open(t, f, 120, 40, "Publication arrêtée")
	casForm(t, s)
	s.Type("http://cas.ent.fr/cas")
	s.Key("enter")
	s.WaitText(t, "l'adresse doit commencer")
	if p := publication(t, f); p.Auth != backend.AuthPronote || p.CASURL != "" {
		t.Fatalf("a refused address was stored: %+v", p)
	}
	s.Key("ctrl+u")
	s.Type("https://user@cas.ent.fr/cas")
	s.Key("enter")
	s.WaitText(t, "l'adresse ne doit pas", "(avant un @)")
	s.Key("ctrl+u")
	s.Type("https://CAS.Mon-ENT.fr/cas/")
	s.WaitText(t, "> https://CAS.Mon-ENT.fr/cas/")
	s.Key("enter")
	waitFlat(t, s, "Authentification déléguée au CAS de l'ENT « Atrium » (https://cas.mon-ent.fr/cas).",
		"CAS, par l'ENT", "https://cas.mon-ent.fr/cas")
	p := publication(t, f)
	if p.Auth != backend.AuthCAS || p.ENT != "Atrium" || p.CASURL != "https://cas.mon-ent.fr/cas" || p.Published {
		t.Fatalf("after the form: %+v", p)
	}
	// ÉduConnect, then échap in the form changes nothing.
	s.Key("a")
	s.WaitText(t, "Mode d'authentification")
	s.Key("down")
	s.WaitText(t, "> ÉduConnect")
	s.Key("enter")
	waitFlat(t, s, "Authentification déléguée à ÉduConnect.")
	if p := publication(t, f); p.Auth != backend.AuthEduConnect || p.CASURL != "https://cas.mon-ent.fr/cas" {
		t.Fatalf("after ÉduConnect: %+v", p)
	}
	s.Key("a")
	s.WaitText(t, "Mode d'authentification")
	s.Key("up")
	s.Key("esc")
	s.WaitText(t, "Action annulée.")
	if p := publication(t, f); p.Auth != backend.AuthEduConnect {
		t.Fatalf("échap changed the mode: %+v", p)
	}
}

// a while the base is published: the confirmation says why; n changes
// nothing; o stops the publication and opens the form. If another
// console publishes meanwhile, the back end refuses the change with its
// sentence and stores nothing.
func TestAuthWhilePublished(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	inService(t, f)
	s := open(t, f, 80, 24, "Base publiée, en ligne")
	s.Key("a")
	s.WaitText(t, "L'authentification ne se modifie que lorsque la publication", "Arrêter la publication maintenant",
		"Arrêter la publication (o)")
	s.Key("n")
	s.WaitText(t, "Action annulée.")
	if !publication(t, f).Published {
		t.Fatal("n stopped the publication")
	}
	s.Key("a")
	s.WaitText(t, "Arrêter la publication (o)")
	s.Key("o")
	s.WaitText(t, "Mode d'authentification", "ÉduConnect")
	if publication(t, f).Published {
		t.Fatal("o did not stop the publication")
	}
	must(t, f.Session(t).SetPublished(context.Background(), true))
	s.Key("down")
	s.Key("down")
	s.WaitText(t, "> ÉduConnect")
	s.Key("enter")
	waitFlat(t, s, backend.Message(backend.ErrPublished))
	if p := publication(t, f); p.Auth != backend.AuthPronote || !p.Published {
		t.Fatalf("changed while published: %+v", p)
	}
}

// c copies the selected address to the terminal's clipboard: the program
// writes OSC 52 with the address, the status line says so.
func TestCopyOSC52(t *testing.T) {
	t.Parallel()
	f := ct.NewFixture(t)
	inService(t, f)
	s := open(t, f, 80, 24, "Base publiée, en ligne")
	s.Key("down")
	s.Key("c")
	want := publicURL + "/" + f.Est.HostingNumber + "/professeur"
	waitFlat(t, s, "Adresse copiée : "+want)
	osc := "\x1b]52;c;" + base64.StdEncoding.EncodeToString([]byte(want))
	teatest.WaitFor(t, s.TM.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(osc)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}
