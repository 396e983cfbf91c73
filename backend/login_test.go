package backend_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hebergement/console/backend"
)

func loginReq(est backend.Establishment, pw, invoice, addr string) backend.LoginRequest {
	return backend.LoginRequest{HostingNumber: est.HostingNumber, Password: pw, Invoice: invoice, Addr: addr}
}

func TestLoginRules(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	other, otherPW := e.establish(t, school("Collège Jean Moulin"))
	_ = otherPW
	spaced := est.HostingNumber[:4] + " " + est.HostingNumber[4:8] + " " + est.HostingNumber[8:]

	steps := []struct {
		name string
		req  backend.LoginRequest
		want error // nil: a session
	}{
		{"right credentials, first login without invoice", loginReq(est, pw, "", "a"), backend.ErrInvoiceRequired},
		{"wrong invoice", loginReq(est, pw, "0000000000", "a"), backend.ErrBadInvoice},
		{"invoice of another establishment", loginReq(est, pw, other.Invoice, "a"), backend.ErrBadInvoice},
		{"wrong password with the invoice", loginReq(est, pw+"x", est.Invoice, "a"), backend.ErrBadCredentials},
		{"first login with invoice, number typed with spaces", backend.LoginRequest{HostingNumber: spaced, Password: pw, Invoice: est.Invoice, Addr: "a"}, nil},
		{"second login without invoice", loginReq(est, pw, "", "a"), nil},
		{"second login with a stale invoice is fine", loginReq(est, pw, "0000000000", "a"), nil},
		{"wrong password", loginReq(est, "AAAAAAAAAAAAAA", "", "a"), backend.ErrBadCredentials},
		{"password of another establishment", loginReq(est, otherPW, "", "a"), backend.ErrBadCredentials},
		{"unknown number", backend.LoginRequest{HostingNumber: "999999999999", Password: pw, Addr: "a"}, backend.ErrBadCredentials},
		{"malformed number", backend.LoginRequest{HostingNumber: "12345", Password: pw, Addr: "a"}, backend.ErrBadCredentials},
		{"number with letters", backend.LoginRequest{HostingNumber: "12345678901a", Password: pw, Addr: "a"}, backend.ErrBadCredentials},
		{"empty password", loginReq(est, "", "", "a"), backend.ErrBadCredentials},
	}
	for _, s := range steps {
		sess, err := e.b.Login(context.Background(), s.req)
		if s.want == nil {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if sess.Role() != backend.RoleSPR || sess.EstablishmentID() != est.ID {
				t.Errorf("%s: session role %v establishment %d", s.name, sess.Role(), sess.EstablishmentID())
			}
			continue
		}
		if !errors.Is(err, s.want) || sess != nil {
			t.Errorf("%s: err = %v, want %v", s.name, err, s.want)
		}
	}
}

func TestLoginInvoiceRequiredIsNotAFailure(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	for i := 0; i < backend.MaxFailures+2; i++ {
		if _, err := e.b.Login(context.Background(), loginReq(est, pw, "", "a")); !errors.Is(err, backend.ErrInvoiceRequired) {
			t.Fatalf("attempt %d: err = %v, want ErrInvoiceRequired", i+1, err)
		}
	}
	if _, err := e.b.Login(context.Background(), loginReq(est, pw, est.Invoice, "a")); err != nil {
		t.Fatalf("after asking for the invoice %d times, login refused: %v", backend.MaxFailures+2, err)
	}
}

func TestLoginLockout(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	e.login(t, est, pw) // first login done

	for i := 1; i < backend.MaxFailures; i++ {
		if _, err := e.b.Login(ctx, loginReq(est, "wrong", "", fmt.Sprint("10.0.0.", i))); !errors.Is(err, backend.ErrBadCredentials) {
			t.Fatalf("failure %d: err = %v", i, err)
		}
		e.clock.Advance(time.Minute)
	}
	_, err := e.b.Login(ctx, loginReq(est, "wrong", "", "10.0.0.5"))
	var locked *backend.LockedError
	if !errors.As(err, &locked) {
		t.Fatalf("failure %d: err = %v, want *LockedError", backend.MaxFailures, err)
	}
	if want := e.clock.Now().Add(backend.LockDuration); !locked.Until.Equal(want) {
		t.Errorf("locked until %v, want %v", locked.Until, want)
	}

	// Locked: the right password is refused too, from any address.
	e.clock.Advance(backend.LockDuration - time.Second)
	if _, err := e.b.Login(ctx, loginReq(est, pw, "", "10.9.9.9")); !errors.As(err, &locked) {
		t.Fatalf("right password while locked: err = %v, want *LockedError", err)
	}
	// 15 minutes later it works, and the count starts again.
	e.clock.Advance(2 * time.Second)
	if _, err := e.b.Login(ctx, loginReq(est, pw, "", "10.9.9.9")); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
	for i := 1; i < backend.MaxFailures; i++ {
		if _, err := e.b.Login(ctx, loginReq(est, "wrong", "", "10.0.1.1")); !errors.Is(err, backend.ErrBadCredentials) {
			t.Fatalf("after the lock, failure %d: err = %v, want ErrBadCredentials", i, err)
		}
	}
}

func TestLoginSuccessResetsFailureCount(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	e.login(t, est, pw)
	for round := 0; round < 3; round++ {
		for i := 1; i < backend.MaxFailures; i++ {
			if _, err := e.b.Login(ctx, loginReq(est, "wrong", "", "a")); !errors.Is(err, backend.ErrBadCredentials) {
				t.Fatalf("round %d failure %d: %v", round, i, err)
			}
		}
		if _, err := e.b.Login(ctx, loginReq(est, pw, "", "b")); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}

// Failed logins in parallel (from many addresses, so per-address throttling
// does not apply) must not get more tries than MaxFailures: the lock holds
// once they are done.
func TestLoginLockoutHoldsUnderParallelAttempts(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	e.login(t, est, pw)

	const n = 4 * backend.MaxFailures
	var wg sync.WaitGroup
	var mu sync.Mutex
	refused := map[string]int{}
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := e.b.Login(ctx, loginReq(est, fmt.Sprintf("wrong-%02d", i), "", fmt.Sprint("10.1.0.", i)))
			var locked *backend.LockedError
			key := "bad credentials"
			switch {
			case errors.As(err, &locked):
				key = "locked"
			case !errors.Is(err, backend.ErrBadCredentials):
				key = fmt.Sprint(err)
			}
			mu.Lock()
			refused[key]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if refused["bad credentials"] > backend.MaxFailures-1 {
		t.Errorf("%d wrong passwords were checked before the lock, want at most %d (outcomes %v)",
			refused["bad credentials"], backend.MaxFailures-1, refused)
	}
	_, err := e.b.Login(ctx, loginReq(est, pw, "", "10.2.0.1"))
	var locked *backend.LockedError
	if !errors.As(err, &locked) {
		t.Errorf("after %d parallel failures the right password logs in (err %v): the lockout was bypassed; outcomes %v", n, err, refused)
	}
}

func TestLoginThrottledPerAddress(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	e.login(t, est, pw)

	// Probing unknown numbers from one address locks no establishment but
	// throttles the address.
	for i := 0; i < backend.AddrMaxAttempts; i++ {
		if _, err := e.b.Login(ctx, backend.LoginRequest{HostingNumber: fmt.Sprintf("9000000000%02d", i), Password: "x", Addr: "203.0.113.7"}); !errors.Is(err, backend.ErrBadCredentials) {
			t.Fatalf("probe %d: %v", i, err)
		}
	}
	if _, err := e.b.Login(ctx, loginReq(est, pw, "", "203.0.113.7")); !errors.Is(err, backend.ErrThrottled) {
		t.Fatalf("right credentials from a throttled address: err = %v, want ErrThrottled", err)
	}
	if err := e.b.RequestCredentials(ctx, est.HostingNumber, "203.0.113.7"); !errors.Is(err, backend.ErrThrottled) {
		t.Errorf("credentials request from a throttled address: err = %v, want ErrThrottled", err)
	}
	if _, err := e.b.Login(ctx, loginReq(est, pw, "", "198.51.100.1")); err != nil {
		t.Fatalf("another address is throttled too: %v", err)
	}
	e.clock.Advance(backend.AddrWindow + time.Second)
	if _, err := e.b.Login(ctx, loginReq(est, pw, "", "203.0.113.7")); err != nil {
		t.Fatalf("the address is still throttled after the window: %v", err)
	}
}

func TestLoginAttemptsAreJournaled(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	attempts := []backend.LoginRequest{
		loginReq(est, pw, "", "a"),                                // invoice asked
		loginReq(est, pw, "1111111111", "a"),                      // bad invoice
		loginReq(est, "wrong", "", "a"),                           // bad password
		loginReq(est, pw, est.Invoice, "a"),                       // ok
		loginReq(est, pw, "", "b"),                                // ok
		{HostingNumber: "999999999999", Password: "x", Addr: "c"}, // unknown
		{HostingNumber: "12", Password: "x", Addr: "c"},           // malformed
	}
	for _, a := range attempts {
		e.b.Login(ctx, a) //nolint:errcheck // the outcomes are checked in the journal
	}
	j := e.journal(t, est.ID)
	if got := count(j, "login", true); got != 2 {
		t.Errorf("%d successful logins journaled, want 2", got)
	}
	if got := count(j, "login", false); got != 3 {
		t.Errorf("%d refused logins journaled for the establishment, want 3", got)
	}
	for _, entry := range j {
		if strings.Contains(entry.Detail, pw) {
			t.Errorf("journal entry holds the password: %+v", entry)
		}
		if entry.Action == "login" && !strings.Contains(entry.Actor, "connexion depuis ") {
			t.Errorf("login journaled without its address: %+v", entry)
		}
	}
	all, err := e.b.Journal(ctx, 0, 1000)
	ok(t, err)
	if got := count(all, "login", false) + count(all, "login", true); got != len(attempts) {
		t.Errorf("%d login attempts in the whole journal, want %d", got, len(attempts))
	}
}

// Journal documents limit 0 as "all".
func TestJournalLimitZeroMeansAll(t *testing.T) {
	e := newEnv(t)
	est, pw := e.establish(t, school("Lycée Victor Hugo"))
	e.login(t, est, pw)
	j, err := e.b.Journal(context.Background(), est.ID, 0)
	ok(t, err)
	if len(j) < 2 {
		t.Errorf("Journal(limit 0) returned %d entries, want every entry (creation and login)", len(j))
	}
	j, err = e.b.Journal(context.Background(), est.ID, 1)
	ok(t, err)
	if len(j) != 1 || j[0].Action != "login" {
		t.Errorf("Journal(limit 1) = %+v, want the latest entry (login)", j)
	}
}

func TestRequestCredentials(t *testing.T) {
	e := newEnv(t)
	est, oldPW := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	before := len(e.outboxMessages(t))

	errKnown := e.b.RequestCredentials(ctx, est.HostingNumber, "a")
	if errKnown != nil {
		t.Fatalf("RequestCredentials: %v", errKnown)
	}
	msgs := e.outboxMessages(t)
	if len(msgs) != before+2 {
		t.Fatalf("%d new messages, want an e-mail and an SMS", len(msgs)-before)
	}
	newPW := e.lastSMSPassword(t)
	if newPW == oldPW || len(newPW) != 14 {
		t.Fatalf("new password %q (old %q)", newPW, oldPW)
	}
	var mailed bool
	for _, m := range msgs[before:] {
		if m.channel == "email" {
			mailed = strings.Contains(m.body, est.HostingNumber) && strings.Contains(m.body, est.Invoice) && !strings.Contains(m.raw, newPW)
		}
	}
	if !mailed {
		t.Error("the e-mail does not carry the hosting and invoice numbers (or carries the password)")
	}
	if _, err := e.b.Login(ctx, loginReq(est, oldPW, est.Invoice, "a")); !errors.Is(err, backend.ErrBadCredentials) {
		t.Errorf("old password: err = %v, want ErrBadCredentials", err)
	}
	if _, err := e.b.Login(ctx, loginReq(est, newPW, est.Invoice, "a")); err != nil {
		t.Errorf("new password: %v", err)
	}
	if count(e.journal(t, est.ID), "credentials.request", true) != 1 {
		t.Error("the request is not journaled")
	}

	// Unknown or malformed: the same answer, and nothing sent.
	for _, n := range []string{"999999999999", "12"} {
		if err := e.b.RequestCredentials(ctx, n, "b"); err != errKnown {
			t.Errorf("RequestCredentials(%q) = %v, want the answer of a known number (%v)", n, err, errKnown)
		}
	}
	if got := len(e.outboxMessages(t)); got != len(msgs) {
		t.Errorf("unknown numbers sent %d messages", got-len(msgs))
	}
}

func TestResetCredentials(t *testing.T) {
	e := newEnv(t)
	est, oldPW := e.establish(t, school("Lycée Victor Hugo"))
	ctx := context.Background()
	ok(t, e.b.ResetCredentials(ctx, est.HostingNumber, "operator"))
	newPW := e.lastSMSPassword(t)
	if _, err := e.b.Login(ctx, loginReq(est, oldPW, est.Invoice, "a")); !errors.Is(err, backend.ErrBadCredentials) {
		t.Errorf("old password: err = %v", err)
	}
	if _, err := e.b.Login(ctx, loginReq(est, newPW, est.Invoice, "a")); err != nil {
		t.Errorf("new password: %v", err)
	}
	if err := e.b.ResetCredentials(ctx, "999999999999", "operator"); !errors.Is(err, backend.ErrNotFound) {
		t.Errorf("unknown number: err = %v, want ErrNotFound", err)
	}
	if err := e.b.ResetCredentials(ctx, "12", "operator"); !errors.Is(err, backend.ErrInvalidInput) {
		t.Errorf("malformed number: err = %v, want ErrInvalidInput", err)
	}
}
