package backend_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/hostfile"
)

// TestExtensionCase pins a decision: the extension is matched in any case
// (schools copy files through Windows and macOS file systems, which ignore
// case; the header's kind is what is verified), a base keeps the name it was
// given, and an annex is stored under its stem and the upper-case kind.
func TestExtensionCase(t *testing.T) {
	e := newEnv(t)
	s, est := e.session(t, "Lycée Victor Hugo")
	ctx := context.Background()
	hugo := generate(t, est.HostingNumber, "HUGO", 64<<10)
	autre := generate(t, est.HostingNumber, "AUTRE", 64<<10)

	for _, c := range []struct {
		name, path string
		want       error
	}{
		{"X.HNOT.txt", hugo[0], backend.ErrWrongExtension},
		{"X.HNO", hugo[0], backend.ErrWrongExtension},
		{".HNOT", hugo[0], backend.ErrInvalidFileName},
		{".hnot", hugo[0], backend.ErrInvalidFileName},
	} {
		if _, err := loadErr(s, c.name, c.path); !errors.Is(err, c.want) {
			t.Errorf("LoadBase(%q): err = %v, want %v", c.name, err, c.want)
		}
	}

	lycee, err := loadErr(s, "lycee.hnot", hugo[0])
	if err != nil || lycee.Name != "lycee" {
		t.Fatalf("LoadBase(lycee.hnot) = %q, %v; want the base lycee", lycee.Name, err)
	}
	mixed, err := loadErr(s, "X.HnOt", autre[0])
	if err != nil || mixed.Name != "X" {
		t.Fatalf("LoadBase(X.HnOt) = %q, %v; want the base X", mixed.Name, err)
	}

	ok(t, s.OpenBase(ctx, lycee.ID))
	ok(t, s.PutInService(ctx))
	a, err := attachAs(s, "hugo.hphotos", hugo[3])
	if err != nil {
		t.Fatalf("AttachAnnex(hugo.hphotos): %v", err)
	}
	if a.Kind != hostfile.KindPhotos || a.Name != "hugo.HPHOTOS" {
		t.Errorf("annex stored as %q (%s), want hugo.HPHOTOS", a.Name, a.Kind)
	}
	a, err = attachAs(s, "Lycee.HCourriers", hugo[1])
	if err != nil || a.Name != "Lycee.HCOURRIERS" {
		t.Errorf("AttachAnnex(Lycee.HCourriers) = %q, %v; want Lycee.HCOURRIERS", a.Name, err)
	}
}

// attachAs attaches the file at path under another name.
func attachAs(s *backend.Session, name, path string) (backend.Annex, error) {
	f, err := os.Open(path)
	if err != nil {
		return backend.Annex{}, err
	}
	defer f.Close()
	return s.AttachAnnex(context.Background(), name, f, nil)
}
