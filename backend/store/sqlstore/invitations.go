package sqlstore

import (
	"time"

	"github.com/hebergement/console/backend/store"
)

const invitationCols = `id, establishment_id, label, code_hash, name, created_at, created_by, expires_at, used_at, used_by, cancelled_at`

func scanInvitation(s scanner) (store.Invitation, error) {
	var i store.Invitation
	var created, expires, used, cancelled int64
	err := s.Scan(&i.ID, &i.EstablishmentID, &i.Label, &i.CodeHash, &i.Name, &created, &i.CreatedBy, &expires, &used, &i.UsedBy, &cancelled)
	i.CreatedAt, i.ExpiresAt, i.UsedAt, i.CancelledAt = fromMS(created), fromMS(expires), fromMS(used), fromMS(cancelled)
	return i, mapErr(err)
}

func (t *tx) PutInvitation(i *store.Invitation) error {
	err := t.queryRow(`INSERT INTO invitations (establishment_id, label, code_hash, name, created_at, created_by, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		i.EstablishmentID, i.Label, i.CodeHash, i.Name, ms(i.CreatedAt), i.CreatedBy, ms(i.ExpiresAt)).Scan(&i.ID)
	return t.d.mapErr(err)
}

func (t *tx) invitations(where string, args ...any) ([]store.Invitation, error) {
	rows, err := t.query(`SELECT `+invitationCols+` FROM invitations WHERE `+where+` ORDER BY created_at DESC, id DESC`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Invitation
	for rows.Next() {
		i, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) Invitations(estID int64) ([]store.Invitation, error) {
	return t.invitations(`establishment_id = ?`, estID)
}

func (t *tx) InvitationsByLabel(estID int64, label string) ([]store.Invitation, error) {
	return t.invitations(`establishment_id = ? AND label = ?`, estID, label)
}

func (t *tx) InvitationByHash(estID int64, hash string) (store.Invitation, error) {
	return scanInvitation(t.queryRow(`SELECT `+invitationCols+` FROM invitations WHERE establishment_id = ? AND code_hash = ?`, estID, hash))
}

func (t *tx) UseInvitation(id int64, at time.Time, fingerprint string) error {
	return t.execOne(`UPDATE invitations SET used_at = ?, used_by = ?
		WHERE id = ? AND used_at = 0 AND cancelled_at = 0 AND expires_at > ?`, ms(at), fingerprint, id, ms(at))
}

func (t *tx) CancelInvitation(id int64, at time.Time) error {
	return t.execOne(`UPDATE invitations SET cancelled_at = ?
		WHERE id = ? AND used_at = 0 AND cancelled_at = 0 AND expires_at > ?`, ms(at), id, ms(at))
}
