package backend

// Permission is what a back-end action needs. Every action of a Session
// names one; policy says which roles hold it. The console asks Can to show
// what is allowed, but the check that counts is the one in the back end.
type Permission int

// The permissions of the console's actions (SPEC §3).
const (
	// PermView reads the establishment's state: status, bases, keys' own
	// session. Every role.
	PermView Permission = iota + 1
	// PermBases loads, opens, creates and deletes bases and annexes.
	PermBases
	// PermServer puts the server in service and stops it.
	PermServer
	// PermBackups makes, opens and downloads backups and archives.
	PermBackups
	// PermConnections disconnects users and sets the reserved licences.
	PermConnections
	// PermPublication publishes the Espaces and sets the authentication.
	PermPublication
	// PermJournal reads the journal.
	PermJournal
	// PermKeys lists, renames and revokes the enrolled SSH keys (SPR).
	PermKeys
	// PermInvitations creates and cancels invitations (SPR).
	PermInvitations
	// PermCredentials re-sends the hosting credentials (SPR).
	PermCredentials
	// PermContract renews the hosting contract (SPR).
	PermContract
)

// policy maps each permission to the roles that hold it: the one table of
// who may do what. SPR-only are the credentials, the keys, the invitations
// and the contract; everything else is SPR or the groupe Administration.
var policy = map[Permission][]Role{
	PermView:        {RoleSPR, RoleAdmin},
	PermBases:       {RoleSPR, RoleAdmin},
	PermServer:      {RoleSPR, RoleAdmin},
	PermBackups:     {RoleSPR, RoleAdmin},
	PermConnections: {RoleSPR, RoleAdmin},
	PermPublication: {RoleSPR, RoleAdmin},
	PermJournal:     {RoleSPR, RoleAdmin},
	PermKeys:        {RoleSPR},
	PermInvitations: {RoleSPR},
	PermCredentials: {RoleSPR},
	PermContract:    {RoleSPR},
}

// Permissions lists every permission, in the order of the constants.
func Permissions() []Permission {
	out := make([]Permission, 0, len(policy))
	for p := PermView; p <= PermContract; p++ {
		out = append(out, p)
	}
	return out
}

// Can reports whether role r holds permission p. An unknown permission is
// held by nobody.
func (r Role) Can(p Permission) bool {
	for _, have := range policy[p] {
		if have == r {
			return true
		}
	}
	return false
}

// Who is the French line a console shows where a role may not do what a
// tab offers: who may.
func (p Permission) Who() string {
	roles := policy[p]
	if len(roles) == 1 && roles[0] == RoleSPR {
		return "Réservé au responsable de l'hébergement (SPR)."
	}
	return "Réservé au responsable de l'hébergement (SPR) et au groupe Administration."
}

// Can reports whether the session's role holds permission p, for the
// console to show only what is allowed.
func (s *Session) Can(p Permission) bool { return s.role.Can(p) }

// allow refuses, with ErrForbidden, an action the session's role may not do.
func (s *Session) allow(p Permission) error {
	if s.role.Can(p) {
		return nil
	}
	return ErrForbidden
}
