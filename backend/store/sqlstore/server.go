package sqlstore

import (
	"time"

	"github.com/hebergement/console/backend/store"
)

func (t *tx) SetServer(id int64, state string, openedBaseID int64) error {
	return t.execOne(`UPDATE establishments SET server_state = ?, opened_base_id = ? WHERE id = ?`, state, nullID(openedBaseID), id)
}

func (t *tx) StartPeriod(baseID int64, at time.Time) error {
	_, err := t.exec(`INSERT INTO service_periods (base_id, started_at) VALUES (?, ?)`, baseID, ms(at))
	return err
}

func (t *tx) EndOpenPeriods(estID int64, at time.Time) error {
	_, err := t.exec(`UPDATE service_periods SET ended_at = ? WHERE ended_at IS NULL
		AND base_id IN (SELECT id FROM bases WHERE establishment_id = ?)`, ms(at), estID)
	return err
}

func (t *tx) Periods(estID int64) ([]store.Period, error) {
	rows, err := t.query(`SELECT p.id, p.base_id, p.started_at, COALESCE(p.ended_at, 0)
		FROM service_periods p JOIN bases b ON b.id = p.base_id WHERE b.establishment_id = ? ORDER BY p.started_at, p.id`, estID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Period
	for rows.Next() {
		var p store.Period
		var from, to int64
		if err := rows.Scan(&p.ID, &p.BaseID, &from, &to); err != nil {
			return nil, mapErr(err)
		}
		p.From, p.To = fromMS(from), fromMS(to)
		out = append(out, p)
	}
	return out, mapErr(rows.Err())
}
