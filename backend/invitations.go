package backend

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/hebergement/console/backend/store"
)

// Invitations of users of the groupe Administration (SPEC §3). Rules chosen
// where the spec is silent:
//
//   - Only the SPR creates, lists and cancels them (PermInvitations). An
//     invitation has an optional name (one line, sanitized, at most
//     MaxKeyName characters, as a key's name), is valid InvitationTTL (24 h)
//     and enrolls one key.
//   - The code is CodeLength (12) characters drawn with crypto/rand from
//     CodeAlphabet, which has no 0/O, 1/I/L (about 60 bits), shown grouped
//     "ABCD-EFGH-JKMN" once, when it is created, and never stored in clear:
//     the store keeps its SHA-256 (a fast hash is enough for 60 random bits
//     whose guesses are throttled by the login lockout) and its first group
//     of four as a public label, unique among the establishment's pending
//     invitations (redrawn on a collision), for lists and cancellation.
//   - At most MaxPendingInvitations are pending at once.
//   - On the SSH enrollment screen the second field takes a password or a
//     code. After removing spaces and dashes and upper-casing, a string of
//     exactly 12 characters of CodeAlphabet is a code; anything else is a
//     password. Passwords are password.Length (14) characters, so a password
//     is never read as a code.
//   - A hosting number with a pending code enrolls the key as RoleAdmin, with
//     no invoice number even before the establishment's first login (which
//     the code does not count as done), and marks the invitation used in the
//     same transaction; a wrong, used, expired or cancelled code is a failed
//     attempt of the lockout, exactly as a wrong password (ErrBadCode).

// InvitationTTL is how long an invitation stays valid.
const InvitationTTL = 24 * time.Hour

// MaxPendingInvitations bounds the invitations pending at once for an
// establishment.
const MaxPendingInvitations = 20

// CodeAlphabet is the alphabet of invitation codes: capitals and digits
// without the ones read wrong (0/O, 1/I/L).
const CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CodeLength is the length of an invitation code, without its dashes.
const CodeLength = 12

// labelLength is the length of a code's public label, its first group.
const labelLength = 4

// InvitationState is where an invitation stands, computed from the clock.
type InvitationState int

// The states of an invitation.
const (
	InvitationPending InvitationState = iota + 1
	InvitationUsed
	InvitationCancelled
	InvitationExpired
)

// French is the state in the console's words.
func (s InvitationState) French() string {
	switch s {
	case InvitationUsed:
		return "utilisée"
	case InvitationCancelled:
		return "annulée"
	case InvitationExpired:
		return "expirée"
	}
	return "en attente"
}

// Code is the state for machines (JSON).
func (s InvitationState) Code() string {
	switch s {
	case InvitationUsed:
		return "used"
	case InvitationCancelled:
		return "cancelled"
	case InvitationExpired:
		return "expired"
	}
	return "pending"
}

// Invitation is an invitation as the SPR sees it: never its code.
type Invitation struct {
	// Label is the code's first group, "ABCD": lists show it "ABCD-…".
	Label     string
	Name      string
	CreatedAt time.Time
	CreatedBy string
	ExpiresAt time.Time
	State     InvitationState
	// UsedAt, UsedBy (the fingerprint) and UsedByName (the key's name as
	// it is now) say which key it enrolled, once used.
	UsedAt      time.Time
	UsedBy      string
	UsedByName  string
	CancelledAt time.Time
}

// NormalizeInvitationCode reads a code as typed: spaces and dashes dropped,
// upper-cased. ok is true when what is left is an invitation code (12
// characters of CodeAlphabet); that is the rule that tells a code from a
// password on the enrollment screen.
func NormalizeInvitationCode(s string) (string, bool) {
	n := normalizeCode(s)
	return n, len(n) == CodeLength && inAlphabet(n)
}

func normalizeCode(s string) string {
	return strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, s))
}

func inAlphabet(s string) bool {
	for _, r := range s {
		if !strings.ContainsRune(CodeAlphabet, r) {
			return false
		}
	}
	return true
}

// FormatInvitationCode groups a normalized code by four: "ABCD-EFGH-JKMN".
func FormatInvitationCode(code string) string {
	var parts []string
	for len(code) > labelLength {
		parts = append(parts, code[:labelLength])
		code = code[labelLength:]
	}
	return strings.Join(append(parts, code), "-")
}

// drawCode draws a new code; tests of the package may replace it.
var drawCode = func() (string, error) {
	out := make([]byte, CodeLength)
	n := big.NewInt(int64(len(CodeAlphabet)))
	for i := range out {
		v, err := rand.Int(rand.Reader, n)
		if err != nil {
			return "", err
		}
		out[i] = CodeAlphabet[v.Int64()]
	}
	return string(out), nil
}

func codeHash(code string) string {
	sum := sha256.Sum256([]byte(code))
	return hex.EncodeToString(sum[:])
}

func invitationState(r store.Invitation, now time.Time) InvitationState {
	switch {
	case !r.UsedAt.IsZero():
		return InvitationUsed
	case !r.CancelledAt.IsZero():
		return InvitationCancelled
	case !now.Before(r.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

// stateErr is the refusal for an invitation that is not pending.
func stateErr(s InvitationState) error {
	switch s {
	case InvitationUsed:
		return ErrInvitationUsed
	case InvitationCancelled:
		return ErrInvitationCancelled
	case InvitationExpired:
		return ErrInvitationExpired
	}
	return nil
}

func invitationDetail(label, name string) string {
	if name == "" {
		return label + "-…"
	}
	return label + "-… « " + name + " »"
}

// Invitations lists the establishment's invitations, newest first, with
// their state now (SPR only).
func (s *Session) Invitations(ctx context.Context) ([]Invitation, error) {
	var rows []store.Invitation
	names := map[string]string{}
	err := s.read(ctx, PermInvitations, func(tx store.Tx) error {
		var err error
		if rows, err = tx.Invitations(s.estID); err != nil {
			return err
		}
		keys, err := tx.Keys(s.estID)
		for _, k := range keys {
			names[k.Fingerprint] = k.Name
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.b.clock.Now()
	out := make([]Invitation, len(rows))
	for i, r := range rows {
		out[i] = Invitation{Label: r.Label, Name: r.Name, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, ExpiresAt: r.ExpiresAt,
			State: invitationState(r, now), UsedAt: r.UsedAt, UsedBy: r.UsedBy, UsedByName: names[r.UsedBy], CancelledAt: r.CancelledAt}
	}
	return out, nil
}

// CreateInvitation creates an invitation named name (may be empty) and
// returns it with its code, grouped "ABCD-EFGH-JKMN": the only time the
// code is told (SPR only). The journal records its label and name, never
// the code.
func (s *Session) CreateInvitation(ctx context.Context, name string) (Invitation, string, error) {
	clean := keyName(name)
	now := s.b.clock.Now()
	var row store.Invitation
	var code string
	err := s.act(ctx, PermInvitations, TopicKeys, "invitation.create", invitationDetail("", clean), func(tx store.Tx, _ store.Establishment) (string, error) {
		rows, err := tx.Invitations(s.estID)
		if err != nil {
			return "", err
		}
		taken := map[string]bool{}
		for _, r := range rows {
			if invitationState(r, now) == InvitationPending {
				taken[r.Label] = true
			}
		}
		if len(taken) >= MaxPendingInvitations {
			return "", ErrTooManyInvitations
		}
		for tries := 0; ; tries++ {
			if code, err = drawCode(); err != nil {
				return "", err
			}
			if !taken[code[:labelLength]] {
				break
			}
			if tries == 100 {
				return "", errors.New("invitation: no free label")
			}
		}
		row = store.Invitation{EstablishmentID: s.estID, Label: code[:labelLength], CodeHash: codeHash(code), Name: clean,
			CreatedAt: now, CreatedBy: s.actor, ExpiresAt: now.Add(InvitationTTL)}
		if err := tx.PutInvitation(&row); err != nil {
			return "", err
		}
		return invitationDetail(row.Label, clean), nil
	})
	if err != nil {
		return Invitation{}, "", err
	}
	inv := Invitation{Label: row.Label, Name: row.Name, CreatedAt: row.CreatedAt, CreatedBy: row.CreatedBy, ExpiresAt: row.ExpiresAt, State: InvitationPending}
	return inv, FormatInvitationCode(code), nil
}

// CancelInvitation cancels a pending invitation, named by its full code
// (dashes, spaces and case do not matter) or its 4-character label (SPR
// only). An unknown, used, expired or already cancelled invitation is
// refused with its own sentence.
func (s *Session) CancelInvitation(ctx context.Context, labelOrCode string) error {
	n := strings.TrimSuffix(normalizeCode(labelOrCode), "…")
	byCode := len(n) == CodeLength && inAlphabet(n)
	byLabel := len(n) == labelLength && inAlphabet(n)
	label := ""
	if byCode || byLabel {
		label = n[:labelLength] // never the code in the journal
	}
	now := s.b.clock.Now()
	return s.act(ctx, PermInvitations, TopicKeys, "invitation.cancel", invitationDetail(label, ""), func(tx store.Tx, _ store.Establishment) (string, error) {
		var inv store.Invitation
		switch {
		case byCode:
			r, err := tx.InvitationByHash(s.estID, codeHash(n))
			if errors.Is(err, store.ErrNotFound) {
				return "", ErrInvitationNotFound
			}
			if err != nil {
				return "", err
			}
			inv = r
		case byLabel:
			rows, err := tx.InvitationsByLabel(s.estID, n)
			if err != nil {
				return "", err
			}
			if len(rows) == 0 {
				return "", ErrInvitationNotFound
			}
			inv = rows[0] // the newest, unless one is pending
			for _, r := range rows {
				if invitationState(r, now) == InvitationPending {
					inv = r
					break
				}
			}
		default:
			return "", ErrInvitationNotFound
		}
		if err := stateErr(invitationState(inv, now)); err != nil {
			return "", err
		}
		return invitationDetail(inv.Label, inv.Name), tx.CancelInvitation(inv.ID, now)
	})
}

// SendCredentials is "Recevoir mes identifiants d'hébergement" from Mon
// compte (SPR only): a new password by SMS, the hosting and invoice numbers
// by e-mail, through the outbox. The old password stops working; sessions
// of enrolled keys go on.
func (s *Session) SendCredentials(ctx context.Context) error {
	if err := s.allow(PermCredentials); err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, "credentials.send", "", err)
		return err
	}
	var est store.Establishment
	err := s.b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		est, err = tx.Establishment(s.estID)
		return err
	})
	if err == nil {
		err = s.b.sendNewCredentials(ctx, est, s.actor, s.addr, "credentials.send", s.checkKey)
	}
	if err != nil {
		err = mapStoreErr(err)
		s.b.journal(ctx, s.estID, s.actor, s.addr, "credentials.send", "", err)
		return err
	}
	s.b.bus.touch(s.estID, TopicAccount)
	return nil
}

// pendingInvitation reads the establishment's invitation of a normalized
// code and says whether it is pending now.
func pendingInvitation(tx store.Tx, estID int64, code string, now time.Time) (store.Invitation, bool, error) {
	inv, err := tx.InvitationByHash(estID, codeHash(code))
	if errors.Is(err, store.ErrNotFound) {
		return store.Invitation{}, false, nil
	}
	if err != nil {
		return store.Invitation{}, false, err
	}
	return inv, invitationState(inv, now) == InvitationPending, nil
}
