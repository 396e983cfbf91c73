package sqlstore

import (
	"strings"

	"github.com/hebergement/console/backend/store"
)

func (t *tx) Publication(estID int64) (store.Publication, error) {
	var p store.Publication
	var off string
	err := t.queryRow(`SELECT published, espaces_off, auth_mode, cas_ent, cas_url FROM establishments WHERE id = ?`, estID).
		Scan(&p.Published, &off, &p.AuthMode, &p.CASENT, &p.CASURL)
	if off != "" {
		p.EspacesOff = strings.Split(off, ",")
	}
	return p, mapErr(err)
}

func (t *tx) SetPublication(estID int64, p store.Publication) error {
	return t.execOne(`UPDATE establishments SET published = ?, espaces_off = ?, auth_mode = ?, cas_ent = ?, cas_url = ? WHERE id = ?`,
		flag(p.Published), strings.Join(p.EspacesOff, ","), p.AuthMode, p.CASENT, p.CASURL, estID)
}
