package outbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hebergement/console/backend/outbox"
)

func TestFolderWritesOneFilePerMessage(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "outbox")
	now := time.Date(2026, 3, 10, 9, 30, 0, 0, time.UTC)
	f := &outbox.Folder{Dir: dir, Now: func() time.Time { return now }}
	msgs := []outbox.Message{
		{Channel: outbox.Email, To: "ce.0751234a@ac-paris.fr", Subject: "Vos identifiants", Body: "Numéro : 123"},
		{Channel: outbox.SMS, To: "+33612345678", Body: "mot de passe ABC\n"},
		{Channel: outbox.SMS, To: "+33612345678", Body: "second"},
	}
	for _, m := range msgs {
		if err := f.Send(m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.Messages()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d messages, want 3", len(got))
	}
	if !strings.Contains(got[0], "Channel: email\nTo: ce.0751234a@ac-paris.fr\n") || !strings.Contains(got[0], "Subject: Vos identifiants\n\nNuméro : 123\n") {
		t.Errorf("e-mail file:\n%s", got[0])
	}
	if strings.Contains(got[1], "Subject:") || !strings.HasSuffix(got[1], "\n\nmot de passe ABC\n") {
		t.Errorf("SMS file:\n%s", got[1])
	}
	if !strings.HasSuffix(got[2], "\n\nsecond\n") {
		t.Errorf("messages out of order: %q", got[2])
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left: %s", e.Name())
		}
		info, _ := e.Info()
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others (%v): an SMS may carry a password", e.Name(), info.Mode())
		}
	}
}

func TestFolderNamesStayInside(t *testing.T) {
	dir := t.TempDir()
	f := &outbox.Folder{Dir: filepath.Join(dir, "outbox")}
	if err := f.Send(outbox.Message{Channel: outbox.Email, To: "../../../etc/passwd\x00/x", Body: "x"}); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) != 1 || filepath.Dir(files[0]) != filepath.Join(dir, "outbox") {
		t.Errorf("message files %v, want one inside the outbox folder", files)
	}
}

func TestMessagesOfMissingFolder(t *testing.T) {
	f := &outbox.Folder{Dir: filepath.Join(t.TempDir(), "none")}
	got, err := f.Messages()
	if err != nil || len(got) != 0 {
		t.Errorf("Messages of a missing folder = %v, %v", got, err)
	}
}
