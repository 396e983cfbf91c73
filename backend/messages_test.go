package backend_test

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// sentinels are every refusal the console may show, by name.
var sentinels = map[string]error{
	"ErrBadCredentials":           backend.ErrBadCredentials,
	"ErrInvoiceRequired":          backend.ErrInvoiceRequired,
	"ErrBadInvoice":               backend.ErrBadInvoice,
	"ErrThrottled":                backend.ErrThrottled,
	"ErrForbidden":                backend.ErrForbidden,
	"ErrNotFound":                 backend.ErrNotFound,
	"ErrNotInService":             backend.ErrNotInService,
	"ErrHostedElsewhere":          backend.ErrHostedElsewhere,
	"ErrConnectionNotFound":       backend.ErrConnectionNotFound,
	"ErrNoSeat":                   backend.ErrNoSeat,
	"ErrStorageFull":              backend.ErrStorageFull,
	"ErrBackupNotFound":           backend.ErrBackupNotFound,
	"ErrBackupCorrupt":            backend.ErrBackupCorrupt,
	"ErrInstantOutOfRange":        backend.ErrInstantOutOfRange,
	"ErrNothingAtInstant":         backend.ErrNothingAtInstant,
	"ErrYearMismatch":             backend.ErrYearMismatch,
	"ErrNotPreviousYear":          backend.ErrNotPreviousYear,
	"ErrInvalidRetention":         backend.ErrInvalidRetention,
	"ErrPreVersionClosed":         backend.ErrPreVersionClosed,
	"ErrNothingToBackUp":          backend.ErrNothingToBackUp,
	"ErrAlreadyPublished":         backend.ErrAlreadyPublished,
	"ErrPublicationStopped":       backend.ErrPublicationStopped,
	"ErrEspaceAlreadyPublished":   backend.ErrEspaceAlreadyPublished,
	"ErrEspaceAlreadyUnpublished": backend.ErrEspaceAlreadyUnpublished,
	"ErrPublished":                backend.ErrPublished,
	"ErrUnknownENT":               backend.ErrUnknownENT,
	"ErrInvalidCASURL":            backend.ErrInvalidCASURL,
	"ErrServerRunning":            backend.ErrServerRunning,
	"ErrServerStopped":            backend.ErrServerStopped,
	"ErrAlreadyRunning":           backend.ErrAlreadyRunning,
	"ErrNoOpenedBase":             backend.ErrNoOpenedBase,
	"ErrNoBaseInService":          backend.ErrNoBaseInService,
	"ErrBaseOpened":               backend.ErrBaseOpened,
	"ErrAlreadyOpened":            backend.ErrAlreadyOpened,
	"ErrInvalidFileName":          backend.ErrInvalidFileName,
	"ErrInvalidInput":             backend.ErrInvalidInput,
	"ErrNotAnnex":                 backend.ErrNotAnnex,
	"ErrNotBaseFile":              backend.ErrNotBaseFile,
	"ErrWrongExtension":           backend.ErrWrongExtension,
	"ErrDuplicateBase":            backend.ErrDuplicateBase,
	"ErrReadFailed":               backend.ErrReadFailed,
	"ErrFileMissing":              backend.ErrFileMissing,
	"ErrUnknownKey":               backend.ErrUnknownKey,
	"ErrKeyRevoked":               backend.ErrKeyRevoked,
	"ErrAlreadyRevoked":           backend.ErrAlreadyRevoked,
	"ErrBaseNotFound":             backend.ErrBaseNotFound,
	"ErrKeyNotFound":              backend.ErrKeyNotFound,
	"ErrEstablishmentNotFound":    backend.ErrEstablishmentNotFound,
	"ErrKeyTaken":                 backend.ErrKeyTaken,
	"ErrBadCode":                  backend.ErrBadCode,
	"ErrInvitationNotFound":       backend.ErrInvitationNotFound,
	"ErrInvitationUsed":           backend.ErrInvitationUsed,
	"ErrInvitationExpired":        backend.ErrInvitationExpired,
	"ErrInvitationCancelled":      backend.ErrInvitationCancelled,
	"ErrTooManyInvitations":       backend.ErrTooManyInvitations,

	"hostfile.ErrNotHostingFile":     hostfile.ErrNotHostingFile,
	"hostfile.ErrUnsupportedVersion": hostfile.ErrUnsupportedVersion,
	"hostfile.ErrWrongKind":          hostfile.ErrWrongKind,
	"hostfile.ErrMalformed":          hostfile.ErrMalformed,
	"hostfile.ErrTruncated":          hostfile.ErrTruncated,
	"hostfile.ErrChecksum":           hostfile.ErrChecksum,
	"hostfile.ErrOtherHostingNumber": hostfile.ErrOtherHostingNumber,
	"hostfile.ErrOtherBase":          hostfile.ErrOtherBase,
	"hostfile.ErrOverQuota":          hostfile.ErrOverQuota,
	"hostfile.ErrTrailingData":       hostfile.ErrTrailingData,
	"hostfile.ErrInvalidYear":        hostfile.ErrInvalidYear,
	"hostfile.ErrInvalidGrid":        hostfile.ErrInvalidGrid,
	"hostfile.ErrInvalidName":        hostfile.ErrInvalidName,

	"context.Canceled":         context.Canceled,
	"context.DeadlineExceeded": context.DeadlineExceeded,
}

// notShown are sentinels the back end never returns to a console.
var notShown = map[string]string{
	"hostfile.ErrInvalidSize": "only the CLI parses sizes, in English",
}

// declaredErrors lists the exported Err… variables of a Go file.
func declaredErrors(t *testing.T, path, prefix string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, spec := range g.Specs {
			for _, n := range spec.(*ast.ValueSpec).Names {
				if strings.HasPrefix(n.Name, "Err") {
					out = append(out, prefix+n.Name)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no errors found in %s", path)
	}
	return out
}

func TestEverySentinelHasItsFrenchMessage(t *testing.T) {
	declared := append(declaredErrors(t, "errors.go", ""), declaredErrors(t, "hostfile/errors.go", "hostfile.")...)
	for _, name := range declared {
		if _, ok := sentinels[name]; !ok && notShown[name] == "" {
			t.Errorf("%s is not in this test's table: add it, and its message to messages.go", name)
		}
	}
	generic := backend.Message(errors.New("boom"))
	seen := map[string]string{}
	for name, err := range sentinels {
		wrapped := fmt.Errorf("load HUGO.HNOT: %w: at offset 1234", err)
		for _, e := range []error{err, wrapped} {
			msg := backend.Message(e)
			switch {
			case msg == "":
				t.Errorf("%s: empty message", name)
			case msg == generic:
				t.Errorf("%s: the generic message %q", name, msg)
			case strings.Contains(msg, err.Error()) || strings.Contains(msg, "offset") || strings.Contains(msg, "HUGO"):
				t.Errorf("%s: the message %q shows the Go error text", name, msg)
			case !strings.HasSuffix(msg, "."):
				t.Errorf("%s: %q is not a sentence", name, msg)
			}
		}
		if other, dup := seen[backend.Message(err)]; dup && !sameMeaning(name, other) {
			t.Errorf("%s and %s read the same message %q", name, other, backend.Message(err))
		}
		seen[backend.Message(err)] = name
	}
	if backend.Message(nil) != "" {
		t.Error("Message(nil) is not empty")
	}
	if !strings.Contains(generic, "inattendue") || strings.Contains(generic, "boom") {
		t.Errorf("generic message %q", generic)
	}
}

// sameMeaning allows the two invalid-name errors to share their sentence.
func sameMeaning(a, b string) bool {
	pair := map[string]bool{"ErrInvalidFileName": true, "hostfile.ErrInvalidName": true}
	return pair[a] && pair[b]
}

func TestLockedMessageGivesParisTime(t *testing.T) {
	until := time.Date(2026, 3, 10, 9, 45, 0, 0, time.UTC) // 10h45 in Paris (UTC+1)
	err := fmt.Errorf("login: %w", &backend.LockedError{Until: until})
	msg := backend.Message(err)
	if !strings.Contains(msg, "10h45") || strings.Contains(msg, "2026-03-10T") {
		t.Errorf("Message = %q, want the unlock time 10h45 in Paris", msg)
	}
}

func TestMessageOfRealRefusals(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	_, err := e.b.Login(context.Background(), loginReq(est, pw, "", "a"))
	if msg := backend.Message(err); !strings.Contains(msg, "numéro de facture") {
		t.Errorf("first login message %q", msg)
	}
	_, _, err = e.b.CreateEstablishment(context.Background(), backend.NewEstablishment{})
	if msg := backend.Message(err); msg != "Valeur incorrecte." {
		t.Errorf("invalid form message %q", msg)
	}
}

func TestRoleAndStateWords(t *testing.T) {
	cases := []struct{ got, want string }{
		{backend.RoleSPR.String(), "SPR"},
		{backend.RoleAdmin.String(), "Administration"},
		{backend.ServerRunning.French(), "En service"},
		{backend.ServerStopped.French(), "Arrêté"},
		{backend.OriginCreated.French(), "Créée sur la console"},
		{backend.OriginUploaded.French(), "Chargée depuis l'établissement"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
}

// Every action the back end journals has its French name: a new action
// without one fails here.
func TestEveryJournalActionHasItsLabel(t *testing.T) {
	re := regexp.MustCompile(`"([a-z]+\.[a-z]+|login)"`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "messages.go" {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(body), "\n") {
			if !strings.Contains(line, "act(ctx") && !strings.Contains(line, "Action:") && !strings.Contains(line, "const action") && !strings.Contains(line, "b.journal(") {
				continue
			}
			for _, m := range re.FindAllStringSubmatch(line, -1) {
				if strings.HasSuffix(m[1], ".go") {
					continue
				}
				if backend.ActionLabel(m[1]) == m[1] {
					t.Errorf("%s: action %q has no French label in messages.go", f, m[1])
				}
			}
		}
	}
}
