package demo

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/hebergement/console/backend"
)

// The demo's Mon compte: what the school and its provider do with the
// account over the year, through the same calls as the console, the SSH
// commands and the operators' CLI.
//   - The SPR enrolls the key of the head's computer on the first day; a
//     week later invites the office (secrétariat), whose key enrolls with the
//     code as a member of the groupe Administration.
//   - Those keys open sessions on school days (journaled logins), and now
//     and then someone mistypes the password.
//   - About 50 days before the contract ends, the SPR asks for the renewal
//     (a pro-forma); six days later the provider issues the invoice, which
//     extends the contract. A contract with more days left than that is not
//     renewed yet, so `--now 2027-07-10` shows the warning and the
//     pre-version offer side by side.
//   - An invitation for the vie scolaire, created two hours before now, is
//     pending.

// renewDaysLeft is how many days before the contract's end the demo's SPR
// asks for the renewal; issueDelay is how long the provider takes to
// issue the invoice.
const (
	renewDaysLeft = 50
	issueDelay    = 6 * 24 * time.Hour
)

// demoKey is an SSH key of the demo, drawn from its random source so that
// the same year draws the same keys.
type demoKey struct {
	name        string
	fingerprint string
	public      string
}

func (y *year) newKey(name string) (demoKey, error) {
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = byte(y.r.UintN(256))
	}
	pub, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		return demoKey{}, err
	}
	return demoKey{name: name, fingerprint: ssh.FingerprintSHA256(pub),
		public: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))}, nil
}

// account is the demo's account state while its year is lived.
type account struct {
	head, office demoKey
	pw           string
	// renewedAt is when the pro-forma of the coming period was asked, zero
	// when none is waiting for its invoice.
	renewedAt time.Time
	// until is the contract's last day, as the establishment was created
	// and then as each invoice extends it (read once, not every day).
	until time.Time
}

// enrollHead enrolls the head's key with the password on the first day
// (the office's is enrolled a week later, inviteOffice).
func (y *year) enrollHead(ctx context.Context, pw string) error {
	var err error
	y.acct.pw, y.acct.until = pw, y.est.ContractUntil
	if y.acct.head, err = y.newKey("Poste du proviseur"); err != nil {
		return err
	}
	if y.acct.office, err = y.newKey("Secrétariat"); err != nil {
		return err
	}
	y.clk.Advance(10 * time.Minute)
	s, err := y.b.Enroll(ctx, backend.LoginRequest{HostingNumber: y.est.HostingNumber, Password: pw, Addr: "198.51.100.20"},
		backend.EnrollKey{Fingerprint: y.acct.head.fingerprint, PublicKey: y.acct.head.public, Name: y.acct.head.name})
	if err != nil {
		return fmt.Errorf("demo key: %w", err)
	}
	s.Close()
	return nil
}

// accountDay is day d of the year lived (at gives its times): the keys'
// sessions, the office's enrollment, a mistyped password now and then, and
// the contract's renewal.
func (y *year) accountDay(ctx context.Context, d int, at func(h, m int) time.Time) error {
	when := func(t time.Time) bool {
		if t.After(y.now) {
			return false
		}
		y.clk.Set(t)
		return true
	}
	// In the evening, after the school day's changes (schoolDay), so that
	// the clock only moves forward.
	if d == 7 && when(at(18, 0)) {
		if err := y.inviteOffice(ctx); err != nil {
			return err
		}
	}
	wd := at(12, 0).Weekday()
	if d > 7 && (wd == time.Tuesday || wd == time.Thursday) && when(at(18, 20)) {
		if err := y.keySession(ctx, y.acct.office, "198.51.100.21"); err != nil {
			return err
		}
	}
	if wd == time.Monday && when(at(18, 10)) {
		if err := y.keySession(ctx, y.acct.head, "198.51.100.20"); err != nil {
			return err
		}
	}
	if d%150 == 40 && when(at(18, 40)) { // a mistyped password, then the right one (twice a year: each costs an argon2id hash)
		req := backend.LoginRequest{HostingNumber: y.est.HostingNumber, Password: "Proviseur2026!", Addr: "198.51.100.20"}
		if _, err := y.b.Login(ctx, req); err == nil {
			return fmt.Errorf("demo: a wrong password logged in")
		}
		y.clk.Advance(time.Minute)
		req.Password = y.acct.pw
		s, err := y.b.Login(ctx, req)
		if err != nil {
			return fmt.Errorf("demo login: %w", err)
		}
		s.Close()
	}
	return y.renewal(ctx, at)
}

// inviteOffice is the SPR inviting the office, and the office's key
// enrolling with the code an hour later.
func (y *year) inviteOffice(ctx context.Context) error {
	s, err := y.b.KeySession(ctx, y.acct.head.fingerprint, "198.51.100.20")
	if err != nil {
		return fmt.Errorf("demo invitation: %w", err)
	}
	_, code, err := s.CreateInvitation(ctx, "Secrétariat")
	s.Close()
	if err != nil {
		return fmt.Errorf("demo invitation: %w", err)
	}
	y.clk.Advance(30 * time.Minute)
	o, err := y.b.Enroll(ctx, backend.LoginRequest{HostingNumber: y.est.HostingNumber, Password: code, Addr: "198.51.100.21"},
		backend.EnrollKey{Fingerprint: y.acct.office.fingerprint, PublicKey: y.acct.office.public})
	if err != nil {
		return fmt.Errorf("demo invitation: %w", err)
	}
	o.Close()
	return nil
}

func (y *year) keySession(ctx context.Context, k demoKey, addr string) error {
	s, err := y.b.KeySession(ctx, k.fingerprint, addr)
	if err != nil {
		return fmt.Errorf("demo key session: %w", err)
	}
	s.Close()
	return nil
}

// renewal asks for the renewal renewDaysLeft days before the contract
// ends, and issues the invoice issueDelay later.
func (y *year) renewal(ctx context.Context, at func(h, m int) time.Time) error {
	if !y.acct.renewedAt.IsZero() {
		t := y.acct.renewedAt.Add(issueDelay)
		if !sameDay(t, at(12, 0)) || at(19, 0).After(y.now) {
			return nil
		}
		y.clk.Set(at(19, 0))
		inv, err := y.b.IssueInvoice(ctx, y.est.HostingNumber)
		if err != nil {
			return fmt.Errorf("demo invoice: %w", err)
		}
		y.acct.renewedAt, y.acct.until = time.Time{}, inv.PeriodTo
		return nil
	}
	t := at(18, 50)
	if t.After(y.now) {
		return nil
	}
	if backend.ContractOf(time.Time{}, y.acct.until, t).DaysLeft > renewDaysLeft {
		return nil
	}
	y.clk.Set(t)
	if _, err := y.s.RenewContract(ctx); err != nil {
		return fmt.Errorf("demo renewal: %w", err)
	}
	y.acct.renewedAt = t
	return nil
}

// pendingInvitation is the invitation for the vie scolaire, made two hours
// before now, not used yet.
func (y *year) pendingInvitation(ctx context.Context) error {
	at := y.now.Add(-2 * time.Hour)
	if at.Before(y.clk.Now()) {
		at = y.clk.Now().Add(time.Minute)
	}
	if at.After(y.now) || y.acct.head.fingerprint == "" {
		return nil
	}
	y.clk.Set(at)
	s, err := y.b.KeySession(ctx, y.acct.head.fingerprint, "198.51.100.20")
	if err != nil {
		return fmt.Errorf("demo invitation: %w", err)
	}
	defer s.Close()
	if _, _, err := s.CreateInvitation(ctx, "Vie scolaire"); err != nil {
		return fmt.Errorf("demo invitation: %w", err)
	}
	return nil
}
