package backend

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/backend/store"
)

// JournalKind is a family of journaled actions, as the journal's filter
// offers them. The zero value is every kind.
type JournalKind int

// The kinds, in the order the filter cycles through them. JournalOther
// holds every action no rule names (an action added later without a rule):
// such an entry is shown under Autres, never dropped.
const (
	JournalAll JournalKind = iota
	JournalLogins
	JournalBases
	JournalServer
	JournalBackups
	JournalUsers
	JournalPublication
	JournalAccount
	JournalOther
)

// JournalKinds are the kinds an entry can be of, JournalAll left out.
func JournalKinds() []JournalKind {
	return []JournalKind{JournalLogins, JournalBases, JournalServer, JournalBackups, JournalUsers, JournalPublication, JournalAccount, JournalOther}
}

var journalKindNames = [...]struct{ code, french string }{
	JournalAll:         {"tout", "Tout"},
	JournalLogins:      {"connexions-console", "Connexions à la console"},
	JournalBases:       {"bases", "Bases"},
	JournalServer:      {"serveur", "Serveur"},
	JournalBackups:     {"sauvegardes", "Sauvegardes"},
	JournalUsers:       {"utilisateurs", "Utilisateurs"},
	JournalPublication: {"publication", "PRONOTE.net"},
	JournalAccount:     {"compte", "Compte et accès"},
	JournalOther:       {"autres", "Autres"},
}

func (k JournalKind) valid() bool { return k >= JournalAll && k <= JournalOther }

// French is the kind as the console names it.
func (k JournalKind) French() string {
	if !k.valid() {
		return "?"
	}
	return journalKindNames[k].french
}

// Code is the kind as the journal command's --type reads it (ASCII).
func (k JournalKind) Code() string {
	if !k.valid() {
		return "?"
	}
	return journalKindNames[k].code
}

// ParseJournalKind reads a kind's Code.
func ParseJournalKind(code string) (JournalKind, bool) {
	for k, n := range journalKindNames {
		if n.code == code {
			return JournalKind(k), true
		}
	}
	return 0, false
}

// actionKinds name the kind of an action: first an exact action, else the
// part of the action before its first dot ("invitation.create" is of the
// family "invitation."), so that the actions added to a family fall in its
// kind without a rule of their own.
var (
	actionExact = map[string]JournalKind{
		"login":               JournalLogins,
		"key.enroll":          JournalLogins,
		"credentials.request": JournalLogins, // "identifiants perdus" on the login screen
	}
	actionFamilies = map[string]JournalKind{
		"login.":         JournalLogins, // login.key, and lockouts if journaled apart
		"lockout.":       JournalLogins,
		"base.":          JournalBases,
		"annex.":         JournalBases,
		"upload.":        JournalBases,
		"server.":        JournalServer,
		"version.":       JournalServer, // the switch, the pré-version
		"preversion.":    JournalServer,
		"backup.":        JournalBackups,
		"year.":          JournalBackups, // previous years' bases
		"connection.":    JournalUsers,
		"seats.":         JournalUsers,
		"publication.":   JournalPublication,
		"espace.":        JournalPublication,
		"auth.":          JournalPublication, // the delegated authentication
		"key.":           JournalAccount,     // rename, revoke
		"invitation.":    JournalAccount,
		"contract.":      JournalAccount,
		"invoice.":       JournalAccount,
		"credentials.":   JournalAccount, // reset by an operator, sent from Mon compte
		"establishment.": JournalAccount,
	}
)

// ActionKind is the kind of a journaled action; JournalOther for one that
// no rule names.
func ActionKind(action string) JournalKind {
	if k, ok := actionExact[action]; ok {
		return k
	}
	if i := strings.IndexByte(action, '.'); i > 0 {
		if k, ok := actionFamilies[action[:i+1]]; ok {
			return k
		}
	}
	return JournalOther
}

// Kind is the kind of the entry's action.
func (e JournalEntry) Kind() JournalKind { return ActionKind(e.Action) }

// kindMatch is the store's condition for the actions of kind k.
func kindMatch(k JournalKind) *store.ActionMatch {
	m := &store.ActionMatch{}
	if k == JournalOther {
		for a := range actionExact {
			m.Exact = append(m.Exact, a)
		}
		for p := range actionFamilies {
			m.Prefixes = append(m.Prefixes, p)
		}
		m.Negate = true
		return m
	}
	for a, ak := range actionExact {
		if ak == k {
			m.Exact = append(m.Exact, a)
		} else {
			m.NotExact = append(m.NotExact, a)
		}
	}
	for p, pk := range actionFamilies {
		if pk == k {
			m.Prefixes = append(m.Prefixes, p)
		}
	}
	return m
}

// MaxJournalText is the longest text the journal is searched for.
const MaxJournalText = 200

// JournalQuery selects the journal entries a session reads.
type JournalQuery struct {
	Since time.Time // zero: from the start
	Until time.Time // exclusive; zero: up to now
	// Kind keeps the entries of one kind; JournalAll (zero) keeps every one.
	Kind JournalKind
	// Text keeps the entries whose author, action (its French name),
	// detail or address contains it, ignoring case and accents.
	Text  string
	Limit int // the newest Limit entries of those kept; 0: all
}

// JournalHaystack is the text of an entry that a journal search reads,
// folded (fr.Fold): the author, the action's French name, the detail and
// the address as a front end shows them, set apart by NULs so that no match
// straddles two of them.
func JournalHaystack(e JournalEntry) string {
	return fr.Fold(sanitize.Line(e.Actor) + "\x00" + ActionLabel(e.Action) + "\x00" +
		sanitize.Line(e.Detail) + "\x00" + sanitize.Line(e.Addr))
}

// FoldJournalText is a search text as JournalHaystack is matched against.
func FoldJournalText(s string) string { return fr.Fold(strings.TrimSpace(sanitize.Line(s))) }

// Journal returns the establishment's journal, newest first, filtered by
// q. A period that ends before it starts, an unknown kind, a negative limit
// or a text longer than MaxJournalText is ErrInvalidInput.
func (s *Session) Journal(ctx context.Context, q JournalQuery) ([]JournalEntry, error) {
	if q.Limit < 0 || !q.Kind.valid() || utf8.RuneCountInString(q.Text) > MaxJournalText ||
		!q.Until.IsZero() && !q.Until.After(q.Since) {
		return nil, fmt.Errorf("%w: journal query", ErrInvalidInput)
	}
	sq := store.JournalQuery{EstablishmentID: s.estID, Since: q.Since, Until: q.Until, Limit: q.Limit}
	if q.Kind != JournalAll {
		sq.Actions = kindMatch(q.Kind)
	}
	if text := FoldJournalText(q.Text); text != "" {
		// SQLite folds neither accents nor the French names of actions:
		// the text is matched here, as the rows are read.
		sq.Keep = func(e *store.JournalEntry) bool {
			return strings.Contains(JournalHaystack(JournalEntry(*e)), text)
		}
	}
	var rows []store.JournalEntry
	err := s.read(ctx, PermJournal, func(tx store.Tx) error {
		var err error
		rows, err = tx.Journal(sq)
		return err
	})
	out := make([]JournalEntry, len(rows))
	for i, r := range rows {
		out[i] = JournalEntry(r)
	}
	return out, err
}
