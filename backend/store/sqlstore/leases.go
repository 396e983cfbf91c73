package sqlstore

import (
	"errors"
	"strings"
	"time"

	"github.com/hebergement/console/backend/store"
)

func (t *tx) Lease(name string) (store.Lease, error) {
	l := store.Lease{Name: name}
	var since, expires int64
	err := t.queryRow(`SELECT holder, address, since, expires_at FROM leases WHERE name = ?`, name).
		Scan(&l.Holder, &l.Address, &since, &expires)
	l.Since, l.Expires = fromMS(since), fromMS(expires)
	return l, mapErr(err)
}

// TakeLease reads then writes: writes run one at a time on both databases
// (SQLite's BEGIN IMMEDIATE, PostgreSQL's write lock), so no other instance
// takes the lease in between.
func (t *tx) TakeLease(l store.Lease, now time.Time) (store.Lease, bool, error) {
	cur, err := t.Lease(l.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		l.Since = now
		err = t.execOne(`INSERT INTO leases (name, holder, address, since, expires_at) VALUES (?, ?, ?, ?, ?)`,
			l.Name, l.Holder, l.Address, ms(l.Since), ms(l.Expires))
		return l, err == nil, err
	case err != nil:
		return store.Lease{}, false, err
	case cur.Holder != l.Holder && cur.Expires.After(now):
		return cur, false, nil
	}
	l.Since = cur.Since
	if cur.Holder != l.Holder {
		l.Since = now
	}
	err = t.execOne(`UPDATE leases SET holder = ?, address = ?, since = ?, expires_at = ? WHERE name = ?`,
		l.Holder, l.Address, ms(l.Since), ms(l.Expires), l.Name)
	return l, err == nil, err
}

func (t *tx) RenewLeases(holder, prefix string, until time.Time) ([]string, error) {
	// A prefix match without LIKE, whose wildcards a name may hold.
	rows, err := t.query(`UPDATE leases SET expires_at = ? WHERE holder = ? AND substr(name, 1, ?) = ? RETURNING name`,
		ms(until), holder, len(prefix), prefix)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, mapErr(err)
		}
		names = append(names, name)
	}
	return names, mapErr(rows.Err())
}

func (t *tx) ReleaseLease(name, holder string) error {
	_, err := t.exec(`DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return mapErr(err)
}

func (t *tx) JobRuns() (map[string]time.Time, error) {
	rows, err := t.query(`SELECT job, last_run FROM job_runs`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var job string
		var at int64
		if err := rows.Scan(&job, &at); err != nil {
			return nil, mapErr(err)
		}
		out[job] = fromMS(at)
	}
	return out, mapErr(rows.Err())
}

func (t *tx) SetJobRun(job string, at time.Time) error {
	if strings.TrimSpace(job) == "" {
		return errors.New("store: a job run needs the job's name")
	}
	return t.execOne(`INSERT INTO job_runs (job, last_run) VALUES (?, ?)
		ON CONFLICT (job) DO UPDATE SET last_run = excluded.last_run`, job, ms(at))
}
