package store

import "time"

// CredentialStore holds what a login checks: the password hash, the failed
// attempts and the lockout, the first-login flag.
type CredentialStore interface {
	UpdateLogin(id int64, failed int, lockedUntil time.Time, firstLoginDone bool) error
	SetPasswordHash(id int64, hash string) error
}
