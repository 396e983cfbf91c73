package sqlstore

import (
	"time"

	"github.com/hebergement/console/backend/store"
)

const keyCols = `id, establishment_id, fingerprint, public_key, name, role, added_at, last_used_at, revoked_at`

func scanKey(s scanner) (store.Key, error) {
	var k store.Key
	var added, used, revoked int64
	err := s.Scan(&k.ID, &k.EstablishmentID, &k.Fingerprint, &k.PublicKey, &k.Name, &k.Role, &added, &used, &revoked)
	k.AddedAt, k.LastUsedAt, k.RevokedAt = fromMS(added), fromMS(used), fromMS(revoked)
	return k, mapErr(err)
}

func (t *tx) PutKey(k *store.Key) error {
	err := t.queryRow(`INSERT INTO ssh_keys (establishment_id, fingerprint, public_key, name, role, added_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (fingerprint) DO UPDATE SET establishment_id = excluded.establishment_id, public_key = excluded.public_key,
			name = excluded.name, role = excluded.role, added_at = excluded.added_at, last_used_at = 0, revoked_at = 0
		RETURNING id`, k.EstablishmentID, k.Fingerprint, k.PublicKey, k.Name, k.Role, ms(k.AddedAt)).Scan(&k.ID)
	return t.d.mapErr(err)
}

func (t *tx) KeyByFingerprint(fp string) (store.Key, error) {
	return scanKey(t.queryRow(`SELECT `+keyCols+` FROM ssh_keys WHERE fingerprint = ?`, fp))
}

func (t *tx) Keys(estID int64) ([]store.Key, error) {
	rows, err := t.query(`SELECT `+keyCols+` FROM ssh_keys WHERE establishment_id = ? ORDER BY added_at, id`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) TouchKey(id int64, at time.Time) error {
	return t.execOne(`UPDATE ssh_keys SET last_used_at = ? WHERE id = ?`, ms(at), id)
}

func (t *tx) RevokeKey(fp string, at time.Time) error {
	return t.execOne(`UPDATE ssh_keys SET revoked_at = ? WHERE fingerprint = ? AND revoked_at = 0`, ms(at), fp)
}

func (t *tx) RenameKey(fp, name string) error {
	return t.execOne(`UPDATE ssh_keys SET name = ? WHERE fingerprint = ?`, name, fp)
}
