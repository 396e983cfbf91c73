package hostfile_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/hebergement/console/backend/hostfile"
)

func TestChangesBlockRoundTrip(t *testing.T) {
	generated := []byte("payload of the school's server")
	changes := []hostfile.Change{
		{At: time.UnixMilli(1764489600123).UTC(), Connection: "c1", Author: "Mme MARTIN", What: "note de maths 3e B : 14,5"},
		{At: time.UnixMilli(1764489700000).UTC(), Connection: "c2", Author: "M. DURAND", What: ""},
		{At: time.UnixMilli(1764489800000).UTC(), Connection: "", Author: "é\x00\n", What: "absence\r\n"},
	}
	payload := append([]byte(nil), generated...)
	var size int64
	for _, c := range changes {
		payload = hostfile.AppendChange(payload, c)
		size += hostfile.ChangeRecordSize(c.Connection, c.Author, c.What)
	}
	payload = hostfile.AppendChangesFooter(payload, int64(len(generated)), int64(len(changes)))
	if want := int64(len(generated)) + size + hostfile.ChangesFooterSize; int64(len(payload)) != want {
		t.Fatalf("block of %d bytes, the sizes say %d", len(payload), want)
	}
	base, got, err := hostfile.ReadChanges(payload)
	if err != nil || base != int64(len(generated)) || len(got) != len(changes) {
		t.Fatalf("ReadChanges = %d, %d changes, %v", base, len(got), err)
	}
	for i := range changes {
		if got[i] != changes[i] {
			t.Errorf("change %d: %+v, want %+v", i, got[i], changes[i])
		}
	}
	// An empty block: the generated payload and the footer.
	empty := hostfile.AppendChangesFooter([]byte("x"), 1, 0)
	if _, got, err := hostfile.ReadChanges(empty); err != nil || len(got) != 0 {
		t.Errorf("empty block: %v, %v", got, err)
	}
}

func TestChangesBlockRefusals(t *testing.T) {
	good := hostfile.AppendChangesFooter(hostfile.AppendChange([]byte("gen"), hostfile.Change{Author: "a", What: "b"}), 3, 1)
	cases := map[string][]byte{
		"no footer":      []byte("just a payload"),
		"count too high": hostfile.AppendChangesFooter(bytes.Clone(good[:len(good)-hostfile.ChangesFooterSize]), 3, 2),
		"base past end":  hostfile.AppendChangesFooter([]byte("gen"), 99, 0),
		"cut record":     hostfile.AppendChangesFooter(bytes.Clone(good[:len(good)-hostfile.ChangesFooterSize-1]), 3, 1),
	}
	for name, p := range cases {
		if _, _, err := hostfile.ReadChanges(p); !errors.Is(err, hostfile.ErrNoChangesBlock) {
			t.Errorf("%s: %v, want ErrNoChangesBlock", name, err)
		}
	}
}

// FuzzReadChanges: any payload is read or refused, never a panic or a read
// past its end.
func FuzzReadChanges(f *testing.F) {
	f.Add(hostfile.AppendChangesFooter(hostfile.AppendChange([]byte("gen"), hostfile.Change{Author: "a", What: "b"}), 3, 1))
	f.Add([]byte(hostfile.ChangesMagic + "\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, p []byte) {
		hostfile.ReadChanges(p) //nolint:errcheck
	})
}
