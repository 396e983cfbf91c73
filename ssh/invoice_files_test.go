package ssh

// factures/ against the real back end: the invoices listed, downloaded over
// SFTP and legacy scp, byte for byte what the back end renders, and only
// the establishment's own.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/hebergement/console/backend"
)

func TestSFTPInvoices(t *testing.T) {
	e := ftSetup(t, 0)
	ctx := context.Background()
	p, err := e.s.RenewContract(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := e.serve(t)
	l, err := c.ReadDir("/factures")
	if err != nil || len(l) != 2 {
		t.Fatalf("ReadDir(/factures) = %v, %v", l, err)
	}
	if l[0].Name() != "proforma-"+p.Number+".pdf" || l[1].Name() != "facture-"+e.est.Invoice+".pdf" || l[0].Mode() != 0o444 {
		t.Errorf("listed %s %v, %s", l[0].Name(), l[0].Mode(), l[1].Name())
	}
	want, err := backend.RenderInvoice(e.est, p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.get("factures/" + p.FileName())
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("get: %d bytes (want %d), %v", len(got), len(want), err)
	}
	if int64(len(got)) != l[0].Size() || !bytes.HasPrefix(got, []byte("%PDF")) || !bytes.Contains(got, []byte("1 123,20 \x80")) {
		t.Errorf("the PDF: %d bytes, listed %d", len(got), l[0].Size())
	}
	// A range, as reget does.
	f, err := c.Open("/factures/" + p.FileName())
	if err != nil {
		t.Fatal(err)
	}
	part := make([]byte, 100)
	if n, err := f.ReadAt(part, 200); (err != nil && err != io.EOF) || n != 100 || !bytes.Equal(part, want[200:300]) {
		t.Errorf("ReadAt 200: %d, %v", n, err)
	}
	f.Close()
	// Nothing can be written or removed there.
	if _, err := c.Create("/factures/x.pdf"); err == nil {
		t.Error("a file was created in factures/")
	}
	if err := c.Remove("/factures/" + p.FileName()); !errors.Is(err, os.ErrPermission) && !strings.Contains(fmt.Sprint(err), "permission") {
		t.Errorf("Remove: %v", err)
	}
	for _, name := range []string{"facture-" + p.Number + ".pdf", "proforma-0000000000.pdf", "x.pdf"} {
		if _, err := c.Stat("/factures/" + name); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Stat(%s): %v, want not found", name, err)
		}
	}
}

// Another establishment's invoices are neither listed nor readable.
func TestSFTPInvoicesOfAnotherEstablishment(t *testing.T) {
	e := ftSetup(t, 0)
	ctx := context.Background()
	p, err := e.s.RenewContract(ctx)
	if err != nil {
		t.Fatal(err)
	}
	est, pw, err := e.b.CreateEstablishment(ctx, backend.NewEstablishment{Name: "Collège Zola", UAI: "0751235B",
		Email: "c@d.fr", Phone: "0612345679", AdminSeats: 2, TeacherSeats: 30})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.b.Login(ctx, backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: est.Invoice})
	if err != nil {
		t.Fatal(err)
	}
	e.s = other
	c := e.serve(t)
	l, err := c.ReadDir("/factures")
	if err != nil || len(l) != 1 || l[0].Name() != "facture-"+est.Invoice+".pdf" {
		t.Fatalf("ReadDir(/factures) = %v, %v", l, err)
	}
	if _, err := c.get("factures/" + p.FileName()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("get of another establishment's pro-forma: %v", err)
	}
	h := NewSCPHandler(other, e.notes.notify)
	if s := runSCP(h, "", "scp", "-f", "factures/"+p.FileName()); s.exit != 1 || s.outText() != "" {
		t.Errorf("scp -f of another establishment's pro-forma: exit %d, %d bytes", s.exit, len(s.outText()))
	}
}

func TestSCPInvoiceDownload(t *testing.T) {
	e := ftSetup(t, 0)
	p, err := e.s.RenewContract(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want, _ := backend.RenderInvoice(e.est, p)
	h := NewSCPHandler(e.s, e.notes.notify)
	s := runSCP(h, "", "scp", "-f", "factures/"+p.FileName())
	if s.exit != -1 || s.outText() != fmt.Sprintf("C0444 %d %s\n%s\x00", len(want), p.FileName(), want) {
		t.Errorf("scp -f: exit %d, stderr %q, %d bytes out", s.exit, s.errText(), len(s.outText()))
	}
	s = runSCP(h, "", "scp", "-r", "-f", "factures")
	if s.exit != -1 || !strings.HasPrefix(s.outText(), "D0555 0 factures\n") || !strings.Contains(s.outText(), p.FileName()) {
		t.Errorf("scp -r -f factures: exit %d, stderr %q", s.exit, s.errText())
	}
}
