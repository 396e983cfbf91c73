package backend_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

// cutReader fails after its content, as a client that leaves mid-upload.
type cutReader struct{ s *strings.Reader }

func (r cutReader) Read(p []byte) (int, error) {
	if r.s.Len() == 0 {
		return 0, errors.New("connection reset")
	}
	return r.s.Read(p)
}

// TestStatsCountOutcomes: each login and each load is counted once, with its
// outcome, and every byte read from an upload is counted, refused ones too.
func TestStatsCountOutcomes(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	login := func(pw, invoice string) error {
		_, err := e.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: invoice, Addr: "192.0.2.9"})
		return err
	}
	login("wrong password!", "")
	login(pw, "")
	s := e.login(t, est, pw)
	vc, outcomes := 0, map[string]int{}
	for i, o := range backend.LoginOutcomes {
		outcomes[o] = i
	}
	st := e.b.Stats()
	if got := st.Logins[vc]; got[outcomes["ok"]] != 1 || got[outcomes["bad_credentials"]] != 1 || got[outcomes["invoice_asked"]] != 1 {
		t.Fatalf("logins %v", got)
	}

	paths := generate(t, est.HostingNumber, "LYCEE", 64<<10)
	load(t, s, paths[0])
	fi, _ := os.Stat(paths[0])
	if _, err := loadErr(s, "AGAIN.HNOT", paths[0]); !errors.Is(err, backend.ErrDuplicateBase) {
		t.Fatalf("duplicate: %v", err)
	}
	content, _ := os.ReadFile(paths[0])
	prefix := string(content[:4096])
	if _, err := s.LoadBase(ctx, "CUT.HNOT", cutReader{strings.NewReader(prefix)}, nil); !errors.Is(err, backend.ErrReadFailed) {
		t.Fatalf("a cut upload: %v", err)
	}
	st = e.b.Stats()
	b := 0
	up := st.Uploads[b]
	if up[0] != 1 || up[1] != 1 || up[2] != 1 || up[3] != 0 {
		t.Fatalf("uploads of bases (ok, refused, interrupted, error) = %v", up)
	}
	if want := 2*fi.Size() + int64(len(prefix)); st.BytesReceived[b] != want {
		t.Fatalf("bytes received %d, want %d", st.BytesReceived[b], want)
	}
	if _, err := attach(s, paths[1]); !errors.Is(err, backend.ErrNoBaseInService) {
		t.Fatalf("annex without a base in service: %v", err)
	}
	if got := e.b.Stats().Uploads[1]; got[1] != 1 {
		t.Fatalf("uploads of annexes %v", got)
	}
}
