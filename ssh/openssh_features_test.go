package ssh_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	hssh "github.com/hebergement/console/ssh"
)

// The commands of the backups, PRONOTE.net and the calendar through the
// real OpenSSH client: --json on reads, exit 0 done, 1 refused by a rule
// with the French sentence, 2 usage error.
func TestOpenSSHBackupPublicationVersionCommands(t *testing.T) {
	t.Parallel()
	o := newOpenSSH(t, hssh.Config{ConnRate: 6000, ConnBurst: 1000})
	ctx := context.Background()
	spr := o.keySession(o.signer)
	if _, err := spr.CreateBase(ctx, spr.DefaultCreateBase()); err != nil {
		t.Fatal(err)
	}
	if err := spr.PutInService(ctx); err != nil {
		t.Fatal(err)
	}
	run := func(code int, want string, args ...string) ran {
		t.Helper()
		r := o.ssh(o.keyPath, args...)
		if r.code != code || !strings.Contains(r.stdout+r.stderr, want) {
			t.Fatalf("%v: %+v, want %d and %q", args, r, code, want)
		}
		return r
	}
	run(0, "Sauvegarde", "sauvegarde", "creer")
	var v struct {
		Backups []struct {
			ID       int64  `json:"id"`
			FileName string `json:"file_name"`
		} `json:"backups"`
	}
	r := run(0, "", "sauvegardes", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || len(v.Backups) != 1 || !strings.HasSuffix(v.Backups[0].FileName, ".HNOT") {
		t.Fatalf("sauvegardes --json: %v\n%s", err, r.stdout)
	}
	id := strconv.FormatInt(v.Backups[0].ID, 10)
	run(1, "Le serveur est en service", "sauvegarde", "ouvrir", id)
	run(2, "", "sauvegarde", "ouvrir", id, "--arreter")
	run(0, "serveur mettre-en-service", "sauvegarde", "ouvrir", id, "--arreter", "-y")
	run(0, "", "annees", "--json")

	run(0, `"published": true`, "publication", "--json")
	run(1, "Arrêtez d'abord la publication", "authentification", "cas", "--ent", "Skolengo", "--url", "https://cas.skolengo.fr/cas")
	run(2, "", "publication", "arreter")
	run(0, "Publication arrêtée", "publication", "arreter", "-y")
	run(1, "Adresse du serveur CAS incorrecte", "authentification", "cas", "--ent", "Skolengo", "--url", "http://cas.skolengo.fr/cas")
	run(0, "", "authentification", "cas", "--ent", "Skolengo", "--url", "https://cas.skolengo.fr/cas")
	run(2, "", "espace", "depublier", "inconnu")

	r = run(0, `"next"`, "version", "--json")
	var ver map[string]any
	if json.Unmarshal([]byte(r.stdout), &ver) != nil || ver["version"] == nil {
		t.Fatalf("version --json: %s", r.stdout)
	}
	if open, _ := ver["pre_version_open"].(bool); open { // 6 to 20 July
		run(0, "la bascule est faite", "version", "pre-version")
	} else {
		run(1, "pré-version", "version", "pre-version")
	}
}
