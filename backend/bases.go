package backend

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/filestore"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/store"
)

// Bases returns the two lists of the Autres bases tab. A base that has once
// been in service is in the first list; every other base, loaded or created,
// in the second.
func (s *Session) Bases(ctx context.Context) (BaseLists, error) {
	all, err := s.allBases(ctx)
	var l BaseLists
	for _, b := range all {
		if b.PreviouslyInService() {
			l.PreviouslyInService = append(l.PreviouslyInService, b)
		} else {
			l.Uploaded = append(l.Uploaded, b)
		}
	}
	// Most recent service first; loads are already newest first.
	slices.SortStableFunc(l.PreviouslyInService, func(a, b Base) int {
		return b.LastPeriod().From.Compare(a.LastPeriod().From)
	})
	return l, err
}

// Base returns one base of the establishment.
func (s *Session) Base(ctx context.Context, id int64) (Base, error) {
	all, err := s.allBases(ctx)
	if err != nil {
		return Base{}, err
	}
	for _, b := range all {
		if b.ID == id {
			return b, nil
		}
	}
	return Base{}, ErrBaseNotFound
}

// allBases reads every base of the establishment with its annexes and
// service periods.
func (s *Session) allBases(ctx context.Context) ([]Base, error) {
	var all []Base
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		all, err = s.b.loadBases(tx, e)
		return err
	})
	return all, err
}

func (b *Backend) loadBases(tx store.Tx, e store.Establishment) ([]Base, error) {
	rows, err := tx.Bases(e.ID)
	if err != nil {
		return nil, err
	}
	return b.completeBases(tx, e, rows)
}

// completeBases turns rows into bases with their annexes and service periods.
func (b *Backend) completeBases(tx store.Tx, e store.Establishment, rows []store.Base) ([]Base, error) {
	annexes, err := tx.Annexes(e.ID)
	if err != nil {
		return nil, err
	}
	periods, err := tx.Periods(e.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Base, len(rows))
	index := make(map[int64]int, len(rows))
	for i, r := range rows {
		grid, err := hostfile.ParseGrid(r.Grid)
		if err != nil {
			// A grid the store holds was valid when written; one that no
			// longer reads must not hide the base: it shows without a grid
			// ("—"), and the operators hear of it.
			b.log.Warn("stored grid unreadable", "base", r.ID, "grid", r.Grid, "err", err)
		}
		out[i] = Base{ID: r.ID, Name: r.Name, Year: hostfile.SchoolYear(r.SchoolYear), Origin: Origin(r.Origin), Size: r.Size,
			SHA256: r.SHA256, BaseUID: r.BaseUID, LoadedBy: r.LoadedBy, LoadedAt: r.LoadedAt, Students: r.Students,
			Teachers: r.Teachers, Classes: r.Classes, Grid: grid}
		out[i].Opened = r.ID == e.OpenedBaseID
		out[i].InService = out[i].Opened && e.ServerState == string(ServerRunning)
		index[r.ID] = i
	}
	for _, a := range annexes {
		if i, ok := index[a.BaseID]; ok {
			out[i].Annexes = append(out[i].Annexes, Annex{ID: a.ID, Kind: hostfile.Kind(a.Kind), Name: a.Name, Size: a.Size,
				SHA256: a.SHA256, LoadedBy: a.LoadedBy, LoadedAt: a.LoadedAt})
		}
	}
	for _, p := range periods {
		if i, ok := index[p.BaseID]; ok {
			out[i].Periods = append(out[i].Periods, ServicePeriod{From: p.From, To: p.To})
		}
	}
	return out, nil
}

// LoadBase is "Charger une base": fileName is the *.HNOT's name (its stem
// becomes the base's name), r its content. The file is validated while it is
// stored, in one pass; a refused file leaves nothing behind. Loading does not
// touch the server.
func (s *Session) LoadBase(ctx context.Context, fileName string, r io.Reader, p Progress) (_ Base, err error) {
	defer s.b.stats.upload(uploadBase, &r, &err)()
	const action = "base.load"
	if err := s.allow(PermBases); err != nil {
		return Base{}, err
	}
	stem, kind, err := splitFileName(fileName)
	if err == nil && kind != hostfile.KindBase {
		err = ErrNotBaseFile
	}
	if err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, fileName, err)
		return Base{}, err
	}
	e, left, err := s.quotaLeft(ctx)
	if err != nil {
		return Base{}, err
	}
	if left <= 0 {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, stem, hostfile.ErrOverQuota)
		return Base{}, hostfile.ErrOverQuota
	}
	h, pending, size, err := s.ingest(ctx, r, p, hostfile.Expect{Kind: hostfile.KindBase, HostingNumber: e.HostingNumber, MaxSize: left})
	if err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, stem, err)
		return Base{}, err
	}
	defer pending.Abort() // nothing once published
	sum := pending.Sum()
	row := store.Base{EstablishmentID: s.estID, Name: stem, SchoolYear: int(h.Year), Origin: string(OriginUploaded), SHA256: sum,
		Size: size, BaseUID: h.BaseID, Students: h.Students, Teachers: h.Teachers, Classes: h.Classes, Grid: h.Grid.String(),
		LoadedBy: s.actor, LoadedAt: s.b.clock.Now()}
	err = s.act(ctx, PermBases, TopicBases, action, stem, func(tx store.Tx, e store.Establishment) (string, error) {
		if _, err := tx.BaseBySHA256(s.estID, sum); err == nil {
			return "", ErrDuplicateBase
		} else if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
		used, err := tx.UsedBytes(s.estID)
		if err != nil {
			return "", err
		}
		if used+size > e.QuotaBytes { // another upload won the race
			return "", hostfile.ErrOverQuota
		}
		if err := publish(tx, pending); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s (%s, %s)", stem, h.Year, fr.Size(size)), tx.InsertBase(&row)
	})
	if err != nil {
		s.b.dropUnreferenced(sum)
		return Base{}, err
	}
	return s.Base(ctx, row.ID)
}

// AttachAnnex is "Compléter la base hébergée": a *.HCOURRIERS, *.HDOCJOINTS or
// *.HPHOTOS generated with the base in service is attached to it, replacing
// an earlier annex of the same kind. An annex of another base is refused.
func (s *Session) AttachAnnex(ctx context.Context, fileName string, r io.Reader, p Progress) (_ Annex, err error) {
	defer s.b.stats.upload(uploadAnnex, &r, &err)()
	const action = "annex.attach"
	if err := s.allow(PermBases); err != nil {
		return Annex{}, err
	}
	stem, kind, err := splitFileName(fileName)
	if err == nil && !kind.IsAnnex() {
		err = ErrNotAnnex
	}
	if err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, fileName, err)
		return Annex{}, err
	}
	st, err := s.Status(ctx)
	if err != nil {
		return Annex{}, err
	}
	if st.InService == nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, stem, ErrNoBaseInService)
		return Annex{}, ErrNoBaseInService
	}
	target := *st.InService
	left := st.Establishment.QuotaBytes - st.UsedBytes
	for _, a := range target.Annexes {
		if a.Kind == kind {
			left += a.Size // it will be replaced
		}
	}
	if left <= 0 {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, stem, hostfile.ErrOverQuota)
		return Annex{}, hostfile.ErrOverQuota
	}
	_, pending, size, err := s.ingest(ctx, r, p, hostfile.Expect{Kind: kind, HostingNumber: st.Establishment.HostingNumber,
		BaseID: target.BaseUID, MaxSize: left})
	if err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, stem, err)
		return Annex{}, err
	}
	defer pending.Abort() // nothing once published
	sum := pending.Sum()
	row := store.Annex{BaseID: target.ID, Kind: string(kind), Name: stem + "." + string(kind), SHA256: sum, Size: size,
		LoadedBy: s.actor, LoadedAt: s.b.clock.Now()}
	var replaced string
	err = s.act(ctx, PermBases, TopicBases, action, row.Name, func(tx store.Tx, e store.Establishment) (string, error) {
		if e.ServerState != string(ServerRunning) || e.OpenedBaseID != target.ID {
			return "", ErrNoBaseInService // the base changed while the file was loading
		}
		if err := publish(tx, pending); err != nil {
			return "", err
		}
		var err error
		replaced, err = tx.PutAnnex(&row)
		if err != nil {
			return "", err
		}
		used, err := tx.UsedBytes(s.estID)
		if err != nil {
			return "", err
		}
		if used > e.QuotaBytes {
			return "", hostfile.ErrOverQuota
		}
		return fmt.Sprintf("%s jointe à %s", row.Name, target.Name), nil
	})
	if err != nil {
		s.b.dropUnreferenced(sum)
		return Annex{}, err
	}
	if replaced != "" && replaced != sum {
		s.b.dropUnreferenced(replaced)
	}
	return Annex{ID: row.ID, Kind: kind, Name: row.Name, Size: size, SHA256: sum, LoadedBy: row.LoadedBy, LoadedAt: row.LoadedAt}, nil
}

// OpenBase is "Ouvrir cette base": the base becomes the server's opened base.
// The server must be stopped. Nothing is copied: the cost is the same for
// 1 MB and 1 GB.
func (s *Session) OpenBase(ctx context.Context, id int64) error {
	return s.openBase(ctx, id, false)
}

// StopAndOpenBase is "Ouvrir cette base" once the user agreed to stop the
// server first: the stop and the opening are one transaction, so that a
// base deleted meanwhile by another session stops nothing.
func (s *Session) StopAndOpenBase(ctx context.Context, id int64) error {
	if err := s.allow(PermServer); err != nil {
		return err
	}
	return s.openBase(ctx, id, true)
}

func (s *Session) openBase(ctx context.Context, id int64, stop bool) error {
	return s.act(ctx, PermBases, TopicBases|TopicServer, "base.open", fmt.Sprint(id), func(tx store.Tx, e store.Establishment) (string, error) {
		b, err := baseRow(tx, s.estID, id)
		if err != nil {
			return "", err
		}
		running := e.ServerState == string(ServerRunning)
		switch {
		case running && !stop:
			return "", ErrServerRunning
		case e.OpenedBaseID == id:
			return "", ErrAlreadyOpened
		}
		if _, err := s.b.files.Stat(b.SHA256); err != nil {
			return "", fmt.Errorf("%w: %w", ErrFileMissing, err)
		}
		if running {
			if err := s.stopIn(tx, e); err != nil {
				return "", err
			}
		}
		if err := s.backupBeforeReplace(tx, e); err != nil {
			return "", err
		}
		return b.Name, tx.SetServer(s.estID, string(ServerStopped), id)
	})
}

// baseRow reads a base of the establishment; a missing one is
// ErrBaseNotFound.
func baseRow(tx store.Tx, estID, id int64) (store.Base, error) {
	b, err := tx.Base(estID, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, fmt.Errorf("%w: %d", ErrBaseNotFound, id)
	}
	return b, err
}

// DefaultCreateBase is the "Créer une base" form's default: from July on the
// coming school year, else the current one; the grid 8h00–18h00, 1 h slots,
// Monday to Friday.
func (s *Session) DefaultCreateBase() CreateBaseRequest {
	return CreateBaseRequest{Year: DefaultSchoolYear(s.b.clock.Now()), Grid: hostfile.DefaultGrid()}
}

// DefaultSchoolYear is the school year "Créer une base" proposes at t.
func DefaultSchoolYear(t time.Time) hostfile.SchoolYear {
	t = t.In(clock.Paris())
	if t.Month() >= time.July {
		return hostfile.SchoolYear(t.Year())
	}
	return hostfile.SchoolYear(t.Year() - 1)
}

// CreateBase is "Créer une base": an empty base of the given school year and
// grid is created and opened. The server must be stopped, unless
// req.StopFirst: then it is stopped in the same transaction, so that a
// creation that fails stops nothing.
func (s *Session) CreateBase(ctx context.Context, req CreateBaseRequest) (Base, error) {
	const action = "base.create"
	if err := s.allow(PermBases); err != nil {
		return Base{}, err
	}
	if req.StopFirst {
		if err := s.allow(PermServer); err != nil {
			return Base{}, err
		}
	}
	if err := validateCreate(req); err != nil {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, "", err)
		return Base{}, err
	}
	st, err := s.Status(ctx)
	if err != nil {
		return Base{}, err
	}
	if st.State == ServerRunning && !req.StopFirst {
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, "", ErrServerRunning)
		return Base{}, ErrServerRunning
	}
	now := s.b.clock.Now()
	pending, row, err := s.b.emptyBase(st.Establishment.ID, st.Establishment.HostingNumber, st.Establishment.Name, req.Year, req.Grid, s.actor, now)
	if err != nil {
		return Base{}, err
	}
	defer pending.Abort() // nothing once published
	sum, name := row.SHA256, row.Name
	err = s.act(ctx, PermBases, TopicBases|TopicServer, action, name, func(tx store.Tx, e store.Establishment) (string, error) {
		if e.ServerState == string(ServerRunning) {
			if !req.StopFirst {
				return "", ErrServerRunning
			}
			if err := s.stopIn(tx, e); err != nil {
				return "", err
			}
		}
		// A name of its own, so that a script can name it (base ouvrir NOM):
		// "Nouvelle base 2026-2027", then "… (2)", "… (3)".
		existing, err := tx.Bases(s.estID)
		if err != nil {
			return "", err
		}
		row.Name = freeName(name, existing)
		if err := s.backupBeforeReplace(tx, e); err != nil {
			return "", err
		}
		if err := publish(tx, pending); err != nil {
			return "", err
		}
		if err := tx.InsertBase(&row); err != nil {
			return "", err
		}
		return fmt.Sprintf("%s, grille %s", row.Name, req.Grid.French()), tx.SetServer(s.estID, string(ServerStopped), row.ID)
	})
	if err != nil {
		s.b.dropUnreferenced(sum)
		return Base{}, err
	}
	return s.Base(ctx, row.ID)
}

func validateCreate(req CreateBaseRequest) error {
	if _, err := hostfile.ParseSchoolYear(req.Year.String()); err != nil {
		return err
	}
	return req.Grid.Validate()
}

// DeleteBase deletes a base that is not the opened base, with its annexes.
// A base that a backup, an archived year or the reach of "Ouvrir l'état à
// une date" still needs leaves Autres bases but is kept (hidden) until the
// pruning finds nothing needs it; the stored files go once nothing else
// uses them.
func (s *Session) DeleteBase(ctx context.Context, id int64) error {
	var files []string
	err := s.act(ctx, PermBases, TopicBases|TopicBackups, "base.delete", fmt.Sprint(id), func(tx store.Tx, e store.Establishment) (string, error) {
		b, err := baseRow(tx, s.estID, id)
		if err != nil {
			return "", err
		}
		if e.OpenedBaseID == id {
			return "", ErrBaseOpened
		}
		now := s.b.clock.Now()
		if err := tx.HideBase(s.estID, id, now); err != nil {
			return "", err
		}
		_, files, err = tx.CollectBases(s.estID, now.Add(-PITRWindow))
		return b.Name, err
	})
	s.b.dropFiles(files)
	return err
}

// freeName is name, or name followed by the first " (n)" no base of
// existing has.
func freeName(name string, existing []store.Base) string {
	taken := make(map[string]bool, len(existing))
	for _, b := range existing {
		taken[b.Name] = true
	}
	out := name
	for n := 2; taken[out]; n++ {
		out = fmt.Sprintf("%s (%d)", name, n)
	}
	return out
}

// emptyBase writes the file of an empty base of a school year and grid
// ("Créer une base", the August switch) to a pending stored file, sealed:
// the caller publishes it in the transaction that inserts row, or aborts
// it. row is named "Nouvelle base 2026-2027" (freeName makes it unique).
func (b *Backend) emptyBase(estID int64, number, estName string, year hostfile.SchoolYear, grid hostfile.Grid, by string, now time.Time) (*filestore.Pending, store.Base, error) {
	id, err := hostfile.NewBaseID(rand.Reader)
	if err != nil {
		return nil, store.Base{}, err
	}
	h := hostfile.Header{Kind: hostfile.KindBase, Version: 1, HostingNumber: number, Year: year,
		BaseID: id, Establishment: estName, Generated: now.UTC().Truncate(time.Second), Grid: grid}
	var file bytes.Buffer
	if _, err := hostfile.Write(&file, h, bytes.NewReader(nil)); err != nil {
		return nil, store.Base{}, err
	}
	pending, err := b.files.Create()
	if err != nil {
		return nil, store.Base{}, err
	}
	if _, err := pending.Write(file.Bytes()); err != nil {
		pending.Abort()
		return nil, store.Base{}, err
	}
	if err := pending.Seal(sha256.Sum256(file.Bytes())); err != nil {
		pending.Abort()
		return nil, store.Base{}, err
	}
	return pending, store.Base{EstablishmentID: estID, Name: "Nouvelle base " + year.String(), SchoolYear: int(year),
		Origin: string(OriginCreated), SHA256: pending.Sum(), Size: int64(file.Len()), BaseUID: id, Grid: grid.String(),
		LoadedBy: by, LoadedAt: now}, nil
}
