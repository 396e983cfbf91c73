package sqlstore

import (
	"time"
)

func (t *tx) UpdateLogin(id int64, failed int, lockedUntil time.Time, firstLoginDone bool) error {
	return t.execOne(`UPDATE establishments SET failed_logins = ?, locked_until = ?, first_login_done = ? WHERE id = ?`,
		failed, ms(lockedUntil), flag(firstLoginDone), id)
}

func (t *tx) SetPasswordHash(id int64, hash string) error {
	return t.execOne(`UPDATE establishments SET password_hash = ? WHERE id = ?`, hash, id)
}
