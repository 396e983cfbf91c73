package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/scheduler"
	"github.com/hebergement/console/backend/store"
)

// BackupKind says why a backup was taken.
type BackupKind string

// The kinds of backup (SPEC §6, §11), as the store and --json write them.
const (
	BackupNightly       BackupKind = "nuit"
	BackupManual        BackupKind = "manuelle"
	BackupBeforeReplace BackupKind = "avant remplacement"
	BackupSwitch        BackupKind = "bascule"
)

// French is the kind as the console's list writes it.
func (k BackupKind) French() string {
	switch k {
	case BackupNightly:
		return "Nuit"
	case BackupManual:
		return "Manuelle"
	case BackupBeforeReplace:
		return "Avant remplacement"
	case BackupSwitch:
		return "Bascule"
	}
	return string(k)
}

// Backup is one backup: a point of a base's change log over its stored
// file (SPEC §17). Nothing is copied when it is taken.
type Backup struct {
	ID   int64
	At   time.Time
	Kind BackupKind
	// By is who took it: the user's name, or "Planificateur" for the
	// scheduler's.
	By string
	// The base it captured, with its stored file.
	BaseID     int64
	BaseName   string
	Year       hostfile.SchoolYear
	BaseSHA256 string
	BaseSize   int64
	// Changes is how many changes of the base's log it holds, up to and
	// including the change ChangeSeq (0: none).
	Changes   int64
	ChangeSeq int64
	// Size is the size of its download, NAME-YYYYMMDD-HHMM.HNOT.
	Size int64
	// FileName is its name in sauvegardes/, unique in the establishment.
	FileName string
	// BaseDeleted is true when its base was deleted from Autres bases: the
	// backup keeps it.
	BaseDeleted bool
	// Weekly is true once the backup is past the daily window and kept as
	// its week's; KeptUntil is when pruning removes it under the current
	// policy.
	Weekly    bool
	KeptUntil time.Time
}

// Retention is the backup policy of an establishment (SPEC §6): every
// backup of the last Days days, then the latest of each week for Weeks
// weeks.
type Retention struct {
	Days  int
	Weeks int
}

// DefaultRetention is the policy of every establishment unless operators
// set another: 30 days, then 26 weeks.
var DefaultRetention = Retention{Days: 30, Weeks: 26}

// French is the policy in words, as the tab shows it.
func (r Retention) French() string {
	return fmt.Sprintf("Toutes les sauvegardes des %d derniers jours sont conservées, puis la plus récente de chaque semaine pendant %d semaines.", r.Days, r.Weeks)
}

// PITRWindow is how far back "Ouvrir l'état à une date" reaches.
const PITRWindow = 7 * 24 * time.Hour

// BackupsView is what the tab Sauvegardes shows.
type BackupsView struct {
	// Backups, most recent first.
	Backups   []Backup
	Retention Retention
	// NextNightly is the next automatic backup's time; zero when no base is
	// in service (none would be taken).
	NextNightly time.Time
	// BackupBytes are the bytes kept only for backups (the files and
	// changes of bases deleted since); UsedBytes and QuotaBytes the
	// establishment's whole use and quota.
	BackupBytes, UsedBytes, QuotaBytes int64
	// Opened is the server's opened base, nil if none; Running whether it
	// is in service.
	Opened  *Base
	Running bool
	// InstantFrom is the earliest instant "Ouvrir l'état à une date"
	// accepts (now - 7 days).
	InstantFrom time.Time
}

// YearRow is a row of the previous years' grid.
type YearRow struct {
	Year hostfile.SchoolYear
	// Base is the archived base of that year, nil when the year is empty.
	Base       *Base
	ArchivedAt time.Time
	ArchivedBy string
}

// BackupFile is a backup as sauvegardes/ lists it.
type BackupFile struct {
	ID      int64
	Name    string
	Size    int64
	ModTime time.Time
}

// BackupExport streams the *.HNOT of one backup (SPEC §13, §17): the base's
// header, its payload followed by its changes up to the backup, and the
// trailing SHA-256. Nothing is written to disk.
type BackupExport struct {
	BackupFile
	open func(offset int64) (io.ReadCloser, error)
}

// Open returns the file's bytes from offset to the end. Reading from an
// offset generates and hashes the bytes before it without sending them.
// A stored file that no longer matches its checksum ends the read with
// ErrBackupCorrupt instead of a file that would look valid.
func (e BackupExport) Open(offset int64) (io.ReadCloser, error) { return e.open(offset) }

// SchedulerActor is who the journal and the list say took the scheduler's
// backups.
const SchedulerActor = "Planificateur"

// Backups is the tab's view.
func (s *Session) Backups(ctx context.Context) (BackupsView, error) {
	var v BackupsView
	now := s.b.clock.Now()
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		if v.Backups, err = s.b.backups(tx, e, now); err != nil {
			return err
		}
		if v.UsedBytes, err = tx.UsedBytes(s.estID); err != nil {
			return err
		}
		if v.BackupBytes, err = tx.BackupOnlyBytes(s.estID); err != nil {
			return err
		}
		v.QuotaBytes = e.QuotaBytes
		v.Retention = retentionOf(e)
		v.Running = e.ServerState == string(ServerRunning)
		if e.OpenedBaseID != 0 {
			row, err := tx.Base(s.estID, e.OpenedBaseID)
			if err != nil {
				return err
			}
			bs, err := s.b.completeBases(tx, e, []store.Base{row})
			if err != nil {
				return err
			}
			v.Opened = &bs[0]
		}
		return nil
	})
	if v.Running && v.Opened != nil {
		v.NextNightly = nextNightly(now)
	}
	v.InstantFrom = now.Add(-PITRWindow)
	return v, err
}

// nextNightly is the first 02:00 Paris after now: when the nightly job is
// next due.
func nextNightly(now time.Time) time.Time { return scheduler.Daily(2, 0, clock.Paris())(now) }

// nightOf is the night a nightly backup at now belongs to: the date
// (YYYYMMDD, Paris) of the latest 02:00 not after now.
func nightOf(now time.Time) int {
	p := now.In(clock.Paris())
	t := time.Date(p.Year(), p.Month(), p.Day(), 2, 0, 0, 0, clock.Paris())
	if t.After(now) {
		t = time.Date(p.Year(), p.Month(), p.Day()-1, 2, 0, 0, 0, clock.Paris())
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day()
}

func retentionOf(e store.Establishment) Retention {
	if e.RetentionDays == 0 {
		return DefaultRetention
	}
	return Retention{Days: e.RetentionDays, Weeks: e.RetentionWeeks}
}

// backups reads an establishment's backups with what the list shows of
// them, newest first.
func (b *Backend) backups(tx store.Tx, e store.Establishment, now time.Time) ([]Backup, error) {
	rows, err := tx.Backups(e.ID)
	if err != nil {
		return nil, err
	}
	bases, err := tx.AllBases(e.ID)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.Base, len(bases))
	for _, r := range bases {
		byID[r.ID] = r
	}
	plan := retain(rows, now, retentionOf(e))
	out := make([]Backup, len(rows))
	for i, r := range rows {
		out[i] = toBackup(r, byID[r.BaseID], plan[i])
	}
	return out, nil
}

func toBackup(r store.Backup, base store.Base, k keep) Backup {
	return Backup{ID: r.ID, At: r.At, Kind: BackupKind(r.Kind), By: r.Actor, BaseID: r.BaseID, BaseName: base.Name,
		Year: hostfile.SchoolYear(base.SchoolYear), BaseSHA256: base.SHA256, BaseSize: base.Size, Changes: r.Count,
		ChangeSeq: r.Seq, Size: r.Size, FileName: r.FileName, BaseDeleted: !base.DeletedAt.IsZero(), Weekly: k.weekly,
		KeptUntil: k.until}
}

// fileStem makes a base's name a portable file name: accents dropped,
// anything but letters, digits, '-', '_' and '.' becomes '_', at most 60
// bytes, never empty, never starting with a dot.
func fileStem(name string) string {
	var sb strings.Builder
	for _, r := range fr.Plain(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.':
			sb.WriteRune(r)
		default:
			sb.WriteByte('_')
		}
		if sb.Len() >= 60 {
			break
		}
	}
	out := strings.Trim(sb.String(), "._-")
	for strings.Contains(out, "__") {
		out = strings.ReplaceAll(out, "__", "_")
	}
	if out == "" {
		return "base"
	}
	return out
}

// keep is the retention's verdict on one backup.
type keep struct {
	kept, weekly bool
	until        time.Time
}

// retain applies a policy at now to backups given newest first: every
// backup of the last r.Days days is kept; an older one is kept while it is
// the latest of its week (ISO week, Paris) and younger than r.Days days
// plus r.Weeks weeks. until is when the current list would lose it: for
// the latest backup of a week not over yet, the later of its days' end and
// its week's (a later backup that week may take its place).
func retain(rows []store.Backup, now time.Time, r Retention) []keep {
	day := 24 * time.Hour
	daily := time.Duration(r.Days) * day
	weekly := daily + time.Duration(r.Weeks)*7*day
	seen := map[int]bool{}
	out := make([]keep, len(rows))
	for i, k := range rows {
		p := k.At.In(clock.Paris())
		y, w := p.ISOWeek()
		latest := !seen[y*100+w]
		seen[y*100+w] = true
		monday := time.Date(p.Year(), p.Month(), p.Day()-(int(p.Weekday())+6)%7, 0, 0, 0, 0, clock.Paris())
		age := now.Sub(k.At)
		switch {
		case latest && r.Weeks > 0:
			out[i] = keep{kept: age < weekly, weekly: age >= daily, until: k.At.Add(weekly)}
			if end := monday.AddDate(0, 0, 7); end.After(now) {
				// Its week is not over: a later backup may take its place;
				// it is kept at least for its days and to its week's end.
				out[i].until = k.At.Add(daily)
				if end.After(out[i].until) {
					out[i].until = end
				}
			}
		default:
			out[i] = keep{kept: age < daily, until: k.At.Add(daily)}
		}
	}
	return out
}

// export is what a backup's download is made of.
type export struct {
	header  hostfile.Header // of the download
	from    int64           // the stored file's header length: where its payload starts
	payload int64           // the stored file's payload length
	size    int64           // the download's length
	base    store.Base
	point   store.LogPoint
}

// storedHeader is the header of a stored base file and its length.
type storedHeader struct {
	h   hostfile.Header
	len int64
}

func (b *Backend) exportOf(base store.Base, k store.Backup) (export, error) {
	var sh storedHeader
	if v, ok := b.headers.Load(base.SHA256); ok {
		sh = v.(storedHeader)
	} else {
		f, err := b.files.Open(base.SHA256)
		if err != nil {
			return export{}, err
		}
		h, n, err := hostfile.ReadHeader(f, hostfile.Expect{Kind: hostfile.KindBase})
		f.Close()
		if err != nil {
			return export{}, err
		}
		sh = storedHeader{h: h, len: n}
		b.headers.Store(base.SHA256, sh)
	}
	h := sh.h
	h.Generated = k.At.UTC().Truncate(time.Second)
	h.PayloadSize = sh.h.PayloadSize + k.RecordBytes + hostfile.ChangesFooterSize
	hdr, err := hostfile.AppendHeader(nil, h)
	if err != nil {
		return export{}, err
	}
	return export{header: h, from: sh.len, payload: sh.h.PayloadSize, base: base, point: k.LogPoint,
		size: int64(len(hdr)) + h.PayloadSize + hostfile.TrailerSize}, nil
}

// takeBackup records a backup of the opened base at its log's end, with
// its annexes, its name in sauvegardes/ and the size of its download.
func (b *Backend) takeBackup(tx store.Tx, e store.Establishment, kind BackupKind, actor string, at time.Time, night int) (store.Backup, error) {
	if e.OpenedBaseID == 0 {
		return store.Backup{}, ErrNothingToBackUp
	}
	base, err := tx.Base(e.ID, e.OpenedBaseID)
	if err != nil {
		return store.Backup{}, err
	}
	p, err := tx.LogPoint(base.ID)
	if err != nil {
		return store.Backup{}, err
	}
	row := store.Backup{EstablishmentID: e.ID, BaseID: base.ID, At: at, Kind: string(kind), Actor: actor, Night: night, LogPoint: p}
	if x, err := b.exportOf(base, row); err == nil {
		row.Size = x.size
	} else {
		// The download will say the file is missing; the backup itself,
		// a point of the log, is still taken (a replacement must not be
		// blocked by it).
		b.log.Error("backup of a base whose stored file is unreadable", "base", base.ID, "err", err)
		row.Size = base.Size + p.RecordBytes + hostfile.ChangesFooterSize
	}
	if row.FileName, err = freeFileName(tx, e.ID, fileStem(restoredStem(base.Name))+"-"+at.In(clock.Paris()).Format("20060102-1504")); err != nil {
		return store.Backup{}, err
	}
	if row.Annexes, err = annexesOf(tx, base.ID); err != nil {
		return store.Backup{}, err
	}
	return row, tx.InsertBackup(&row)
}

// freeFileName is stem.HNOT, or stem-2.HNOT, stem-3.HNOT… the first no
// backup of the establishment has; a name, once given, stays.
func freeFileName(tx store.Tx, estID int64, stem string) (string, error) {
	name := stem + ".HNOT"
	for n := 2; ; n++ {
		taken, err := tx.BackupNameTaken(estID, name)
		if err != nil || !taken {
			return name, err
		}
		name = fmt.Sprintf("%s-%d.HNOT", stem, n)
	}
}

// backupBeforeReplace backs up the opened base, if any, before an action
// replaces it (SPEC §6: nothing is ever lost).
func (s *Session) backupBeforeReplace(tx store.Tx, e store.Establishment) error {
	if e.OpenedBaseID == 0 {
		return nil
	}
	_, err := s.b.takeBackup(tx, e, BackupBeforeReplace, s.actor, s.b.clock.Now(), 0)
	return err
}

// CreateBackup is "Sauvegarder maintenant": a manual backup of the opened
// base.
func (s *Session) CreateBackup(ctx context.Context) (Backup, error) {
	var out Backup
	err := s.act(ctx, PermBackups, TopicBackups, "backup.create", "", func(tx store.Tx, e store.Establishment) (string, error) {
		row, err := s.b.takeBackup(tx, e, BackupManual, s.actor, s.b.clock.Now(), 0)
		if err != nil {
			return "", err
		}
		base, err := tx.Base(s.estID, row.BaseID)
		// The newest backup: its retention is its own (retain of it alone).
		out = toBackup(row, base, retain([]store.Backup{row}, row.At, retentionOf(e))[0])
		return fmt.Sprintf("%s, %s", base.Name, changesWord(row.Count)), err
	})
	return out, err
}

func changesWord(n int64) string {
	if n <= 1 {
		return fmt.Sprintf("%d saisie", n)
	}
	return fr.Count(int(n)) + " saisies"
}

// OpenBackup is "Ouvrir cette sauvegarde": a new base holding exactly the
// backup's state becomes the opened base, the base it replaces being backed
// up first. The server must be stopped, unless stopFirst (the user agreed):
// then it is stopped in the same transaction.
func (s *Session) OpenBackup(ctx context.Context, id int64, stopFirst bool) (Base, error) {
	return s.openRestore(ctx, "backup.open", fmt.Sprint(id), stopFirst, func(tx store.Tx) (restoring, error) {
		k, err := tx.Backup(s.estID, id)
		if errors.Is(err, store.ErrNotFound) {
			return restoring{}, fmt.Errorf("%w: %d", ErrBackupNotFound, id)
		} else if err != nil {
			return restoring{}, err
		}
		src, err := anyBase(tx, s.estID, k.BaseID)
		return restoring{src: src, point: k.LogPoint, annexes: k.Annexes,
			name: fmt.Sprintf("%s (sauvegarde du %s)", restoredStem(src.Name), fr.DateTime(k.At))}, err
	})
}

// restoring is what an opening of a backup or an instant brings back.
type restoring struct {
	src     store.Base
	point   store.LogPoint
	annexes []store.BackupAnnex
	name    string
}

// openRestore opens what resolve finds as a new base (restore), after
// checking its stored files (verifyStored) outside the transaction. resolve
// runs twice, for the check and in the transaction, so that what is opened
// is what the transaction reads. A refusal is journaled under action.
func (s *Session) openRestore(ctx context.Context, action, detail string, stopFirst bool, resolve func(tx store.Tx) (restoring, error)) (Base, error) {
	if stopFirst {
		if err := s.allow(PermServer); err != nil {
			return Base{}, err
		}
	}
	var files []string
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		if e.ServerState == string(ServerRunning) && !stopFirst {
			return ErrServerRunning // before reading a whole file for nothing
		}
		r, err := resolve(tx)
		files = append(files, r.src.SHA256)
		for _, a := range r.annexes {
			files = append(files, a.SHA256)
		}
		return err
	})
	if err == nil {
		err = s.b.verifyStored(ctx, files...)
	}
	if err != nil {
		if !errors.Is(err, ErrForbidden) {
			s.b.journal(ctx, s.estID, s.actor, s.addr, action, detail, err)
		}
		return Base{}, err
	}
	var opened int64
	err = s.act(ctx, PermBackups, TopicBackups|TopicBases|TopicServer, action, detail, func(tx store.Tx, e store.Establishment) (string, error) {
		r, err := resolve(tx)
		if err != nil {
			return "", err
		}
		var name string
		opened, name, err = s.restore(tx, e, r.src, r.point, r.annexes, r.name, stopFirst)
		return fmt.Sprintf("%s, %s", name, changesWord(r.point.Count)), err
	})
	if err != nil {
		return Base{}, err
	}
	return s.Base(ctx, opened)
}

// OpenInstant is "Ouvrir l'état à une date": the base that was in service
// at that instant, with its log up to the first change written after it,
// becomes the opened base, as OpenBackup. The instant must be within the
// last 7 days and not in the future.
func (s *Session) OpenInstant(ctx context.Context, at time.Time, stopFirst bool) (Base, error) {
	const action = "backup.instant"
	now := s.b.clock.Now()
	if at.After(now) || at.Before(now.Add(-PITRWindow)) {
		err := &InstantError{Future: at.After(now), Earliest: now.Add(-PITRWindow)}
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, fr.DateTime(at), err)
		return Base{}, err
	}
	return s.openRestore(ctx, action, fr.DateTime(at), stopFirst, func(tx store.Tx) (restoring, error) {
		src, annexes, err := s.baseAt(tx, at)
		if err != nil {
			return restoring{}, err
		}
		point, err := tx.LogPointAt(src.ID, at)
		return restoring{src: src, point: point, annexes: annexes,
			name: fmt.Sprintf("%s (état du %s)", restoredStem(src.Name), fr.DateTime(at))}, err
	})
}

// baseAt is the base that was in service at an instant, hidden or not,
// with the annexes it has now (annexes are not versioned by time).
func (s *Session) baseAt(tx store.Tx, at time.Time) (store.Base, []store.BackupAnnex, error) {
	periods, err := tx.Periods(s.estID)
	if err != nil {
		return store.Base{}, nil, err
	}
	var baseID int64
	for _, p := range periods {
		if !p.From.After(at) && (p.To.IsZero() || p.To.After(at)) {
			baseID = p.BaseID
		}
	}
	if baseID == 0 {
		return store.Base{}, nil, ErrNothingAtInstant
	}
	src, err := anyBase(tx, s.estID, baseID)
	if err != nil {
		return store.Base{}, nil, err
	}
	annexes, err := annexesOf(tx, src.ID)
	return src, annexes, err
}

// annexesOf are a base's annexes as a backup records them.
func annexesOf(tx store.Tx, baseID int64) ([]store.BackupAnnex, error) {
	all, err := tx.AnnexesOf(baseID)
	if err != nil {
		return nil, err
	}
	out := make([]store.BackupAnnex, len(all))
	for i, a := range all {
		out[i] = store.BackupAnnex{Kind: a.Kind, Name: a.Name, SHA256: a.SHA256, Size: a.Size}
	}
	return out, nil
}

// restoredSuffix is what OpenBackup and OpenInstant add to a name, dropped
// from the name of a base that was itself restored so names don't grow.
var restoredSuffix = regexp.MustCompile(` \((sauvegarde|état) du [0-9/: ]+\)( \([0-9]+\))?$`)

func restoredStem(name string) string { return restoredSuffix.ReplaceAllString(name, "") }

// anyBase reads a base of the establishment, hidden or not.
func anyBase(tx store.Tx, estID, id int64) (store.Base, error) {
	b, err := tx.AnyBase(estID, id)
	if errors.Is(err, store.ErrNotFound) {
		return b, fmt.Errorf("%w: %d", ErrBaseNotFound, id)
	}
	return b, err
}

// restore makes a new base of src's file, its log up to point and the
// given annexes, and opens it: the opened base is backed up first, the
// server stopped first when stopFirst allows it. Nothing of the files is
// copied; the changes are (they are the new base's own log from then on).
func (s *Session) restore(tx store.Tx, e store.Establishment, src store.Base, point store.LogPoint, annexes []store.BackupAnnex,
	name string, stopFirst bool) (int64, string, error) {
	if e.ServerState == string(ServerRunning) {
		if !stopFirst {
			return 0, "", ErrServerRunning
		}
		if err := s.stopIn(tx, e); err != nil {
			return 0, "", err
		}
	}
	if err := s.backupBeforeReplace(tx, e); err != nil {
		return 0, "", err
	}
	existing, err := tx.Bases(s.estID)
	if err != nil {
		return 0, "", err
	}
	row := src
	row.ID, row.DeletedAt = 0, time.Time{}
	row.Name, row.LoadedBy, row.LoadedAt = freeName(name, existing), s.actor, s.b.clock.Now()
	row.Origin = string(OriginRestored)
	if err := tx.InsertBase(&row); err != nil {
		return 0, "", err
	}
	if point.Seq > 0 {
		if err := tx.CopyLog(s.estID, src.ID, row.ID, point.Seq); err != nil {
			return 0, "", err
		}
	}
	for _, a := range annexes {
		if _, err := tx.PutAnnex(&store.Annex{BaseID: row.ID, Kind: a.Kind, Name: a.Name, SHA256: a.SHA256, Size: a.Size,
			LoadedBy: s.actor, LoadedAt: row.LoadedAt}); err != nil {
			return 0, "", err
		}
	}
	// The copied log counts in the quota, and may pass it: a school at its
	// quota must still be able to go back. Its clients' changes are then
	// refused (ErrStorageFull) until space is freed.
	return row.ID, row.Name, tx.SetServer(s.estID, string(ServerStopped), row.ID)
}

// BackupFiles lists sauvegardes/, most recent first.
func (s *Session) BackupFiles(ctx context.Context) ([]BackupFile, error) {
	var rows []store.Backup
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		var err error
		rows, err = tx.Backups(s.estID)
		return err
	})
	out := make([]BackupFile, 0, len(rows))
	for _, k := range rows {
		out = append(out, BackupFile{ID: k.ID, Name: k.FileName, Size: k.Size, ModTime: k.At})
	}
	return out, err
}

// BackupFile finds a backup of sauvegardes/ by its name.
func (s *Session) BackupFile(ctx context.Context, name string) (BackupFile, error) {
	var k store.Backup
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		var err error
		k, err = tx.BackupNamed(s.estID, name)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return BackupFile{}, ErrBackupNotFound
	}
	return BackupFile{ID: k.ID, Name: k.FileName, Size: k.Size, ModTime: k.At}, err
}

// ExportBackup prepares the download of a backup by its id; it is
// journaled (a backup holds the school's whole base).
func (s *Session) ExportBackup(ctx context.Context, id int64) (BackupExport, error) {
	var x export
	var k store.Backup
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		var err error
		if k, err = tx.Backup(s.estID, id); err != nil {
			return err
		}
		base, err := anyBase(tx, s.estID, k.BaseID)
		if err != nil {
			return err
		}
		if x, err = s.b.exportOf(base, k); err != nil {
			return fmt.Errorf("%w: %w", ErrFileMissing, err)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("%w: %d", ErrBackupNotFound, id)
	}
	if err != nil {
		return BackupExport{}, err
	}
	if x.size != k.Size {
		// Never serve bytes that disagree with the listed size.
		s.b.log.Error("backup's download size changed", "backup", k.ID, "listed", k.Size, "now", x.size)
		return BackupExport{}, fmt.Errorf("%w: size %d, listed %d", ErrBackupCorrupt, x.size, k.Size)
	}
	s.b.journal(ctx, s.estID, s.actor, s.addr, "backup.download", k.FileName, nil)
	f := BackupFile{ID: k.ID, Name: k.FileName, Size: k.Size, ModTime: k.At}
	return BackupExport{BackupFile: f, open: func(off int64) (io.ReadCloser, error) { return s.b.openExport(x, off) }}, nil
}

// Years is the previous years' grid, most recent first: every school year
// from the establishment's first (the year it was created, or of its
// oldest base or archive) to the one before the current (yearRange), at
// least one.
func (s *Session) Years(ctx context.Context) ([]YearRow, error) {
	var out []YearRow
	err := s.read(ctx, PermBackups, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		first, last, err := s.b.yearRange(tx, e)
		if err != nil {
			return err
		}
		archives, err := tx.Archives(s.estID)
		if err != nil {
			return err
		}
		all, err := tx.AllBases(s.estID)
		if err != nil {
			return err
		}
		bases, err := s.b.completeBases(tx, e, all)
		if err != nil {
			return err
		}
		for y := last; y >= first; y-- {
			row := YearRow{Year: y}
			for _, a := range archives {
				if hostfile.SchoolYear(a.SchoolYear) != y {
					continue
				}
				row.ArchivedAt, row.ArchivedBy = a.At, a.By
				for i := range bases {
					if bases[i].ID == a.BaseID {
						row.Base = &bases[i]
					}
				}
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

// CurrentSchoolYear is the school year under way at t (it starts on
// 1 September, Paris).
func CurrentSchoolYear(t time.Time) hostfile.SchoolYear {
	t = t.In(clock.Paris())
	if t.Month() >= time.September {
		return hostfile.SchoolYear(t.Year())
	}
	return hostfile.SchoolYear(t.Year() - 1)
}

// yearRange is the first and last rows of the previous years' grid. The
// last is the year before the school year under way or, from July, the one
// being prepared (DefaultSchoolYear): the August switch archives the year
// that ends.
func (b *Backend) yearRange(tx store.Tx, e store.Establishment) (first, last hostfile.SchoolYear, err error) {
	last = DefaultSchoolYear(b.clock.Now()) - 1
	first = min(CurrentSchoolYear(e.CreatedAt), last)
	bases, err := tx.Bases(e.ID)
	if err != nil {
		return 0, 0, err
	}
	archives, err := tx.Archives(e.ID)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range bases {
		first = min(first, hostfile.SchoolYear(r.SchoolYear))
	}
	for _, a := range archives {
		first = min(first, hostfile.SchoolYear(a.SchoolYear))
	}
	return first, last, nil
}

// ReplaceYear fills or replaces the archived base of a previous school year
// with a base of the establishment of that school year.
func (s *Session) ReplaceYear(ctx context.Context, year hostfile.SchoolYear, baseID int64) error {
	var files []string
	err := s.act(ctx, PermBackups, TopicBackups|TopicBases, "year.replace", year.String(), func(tx store.Tx, e store.Establishment) (string, error) {
		first, last, err := s.b.yearRange(tx, e)
		if err != nil {
			return "", err
		}
		if year < first || year > last {
			return "", &NotPreviousYearError{First: first, Last: last}
		}
		b, err := baseRow(tx, s.estID, baseID)
		if err != nil {
			return "", err
		}
		if hostfile.SchoolYear(b.SchoolYear) != year {
			return "", &YearMismatchError{Base: hostfile.SchoolYear(b.SchoolYear), Want: year}
		}
		if _, err := tx.PutArchive(&store.Archive{EstablishmentID: s.estID, SchoolYear: int(year), BaseID: b.ID,
			At: s.b.clock.Now(), By: s.actor}); err != nil {
			return "", err
		}
		_, files, err = tx.CollectBases(s.estID, s.b.clock.Now().Add(-PITRWindow))
		return fmt.Sprintf("%s : %s", year, b.Name), err
	})
	s.b.dropFiles(files)
	return err
}

// NightlyBackups takes, for each establishment with a base in service, the
// nightly backup of the night of now (the latest 02:00 Paris not after
// now) unless it exists; it returns how many it took. A night missed while
// nothing ran is not made up: the catch-up is the backup of the night of
// now.
func (b *Backend) NightlyBackups(ctx context.Context, now time.Time) (int, error) {
	night, made := nightOf(now), 0
	err := b.eachEstablishment(ctx, func(e store.Establishment) error {
		if e.ServerState != string(ServerRunning) || e.OpenedBaseID == 0 {
			return nil
		}
		ok, err := b.recordBackup(ctx, e.ID, BackupNightly, SchedulerActor, now, night)
		if ok {
			made++
		}
		return err
	})
	return made, err
}

// eachEstablishment runs fn for every establishment, going on after a
// failure (one school's trouble must not cost the others their backup);
// the failures come back joined.
func (b *Backend) eachEstablishment(ctx context.Context, fn func(e store.Establishment) error) error {
	var ests []store.Establishment
	if err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		ests, err = tx.Establishments()
		return err
	}); err != nil {
		return err
	}
	var errs []error
	for _, e := range ests {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(e); err != nil {
			errs = append(errs, fmt.Errorf("establishment %s: %w", e.HostingNumber, err))
		}
	}
	return errors.Join(errs...)
}

func (b *Backend) recordBackup(ctx context.Context, estID int64, kind BackupKind, actor string, at time.Time, night int) (bool, error) {
	var rev int64
	action := "backup.nightly"
	if kind != BackupNightly {
		action = "backup.create"
	}
	err := b.store.Write(ctx, func(tx store.Tx) error {
		e, err := tx.Establishment(estID)
		if err != nil {
			return err
		}
		if e.ServerState != string(ServerRunning) || e.OpenedBaseID == 0 {
			return errSkip
		}
		row, err := b.takeBackup(tx, e, kind, actor, at, night)
		if err != nil {
			return err
		}
		if rev, err = tx.BumpRevision(estID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: estID, At: at, Actor: actor,
			Action: action, Detail: changesWord(row.Count), OK: true})
	})
	if errors.Is(err, errSkip) || errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	b.bus.observe(estID, rev, action, TopicBackups, nil)
	b.revised(estID, rev)
	return true, nil
}

// errSkip ends a job's transaction without an error: nothing to do.
var errSkip = errors.New("nothing to do")

// PruneBackups removes, in every establishment, the backups past its
// retention and the data nothing references any more.
func (b *Backend) PruneBackups(ctx context.Context, now time.Time) (PruneResult, error) {
	var total PruneResult
	err := b.eachEstablishment(ctx, func(e store.Establishment) error {
		r, err := b.prune(ctx, e.ID, now)
		total.Backups += r.Backups
		total.Bases += r.Bases
		total.Files += r.Files
		total.Bytes += r.Bytes
		return err
	})
	return total, err
}

// prune applies one establishment's policy: the backups and hidden bases go
// in one transaction, then the files they alone used.
func (b *Backend) prune(ctx context.Context, estID int64, now time.Time) (PruneResult, error) {
	var r PruneResult
	var rev int64
	var files []string
	err := b.store.Write(ctx, func(tx store.Tx) error {
		e, err := tx.Establishment(estID)
		if err != nil {
			return err
		}
		rows, err := tx.Backups(estID)
		if err != nil {
			return err
		}
		var drop []int64
		for i, k := range retain(rows, now, retentionOf(e)) {
			if !k.kept {
				drop = append(drop, rows[i].ID)
			}
		}
		if files, err = tx.DeleteBackups(estID, drop); err != nil {
			return err
		}
		r.Backups = len(drop)
		var bases []string
		if r.Bases, bases, err = tx.CollectBases(estID, now.Add(-PITRWindow)); err != nil {
			return err
		}
		files = append(files, bases...)
		if r.Backups == 0 && r.Bases == 0 {
			return errSkip
		}
		if rev, err = tx.BumpRevision(estID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: estID, At: now, Actor: SchedulerActor, Action: "backup.prune",
			Detail: fmt.Sprintf("%d sauvegarde(s), %d base(s) supprimée(s)", r.Backups, r.Bases), OK: true})
	})
	if errors.Is(err, errSkip) {
		return PruneResult{}, nil
	}
	if err != nil {
		return PruneResult{}, err
	}
	r.Files, r.Bytes = b.dropFiles(files)
	b.bus.observe(estID, rev, "backup.prune", TopicBackups|TopicBases, nil)
	b.revised(estID, rev)
	return r, nil
}

// SetRetention sets an establishment's backup policy (operators).
func (b *Backend) SetRetention(ctx context.Context, hostingNumber string, r Retention) error {
	n, ok := NormalizeHostingNumber(hostingNumber)
	if !ok {
		return fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	}
	if r.Days < 1 || r.Days > 366 || r.Weeks < 0 || r.Weeks > 520 {
		return ErrInvalidRetention
	}
	var rev, id int64
	err := b.store.Write(ctx, func(tx store.Tx) error {
		e, err := tx.EstablishmentByNumber(n)
		if err != nil {
			return err
		}
		id = e.ID
		if err := tx.SetRetention(e.ID, r.Days, r.Weeks); err != nil {
			return err
		}
		if rev, err = tx.BumpRevision(e.ID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: e.ID, At: b.clock.Now(), Actor: "opérateur",
			Action: "backup.retention", Detail: r.French(), OK: true})
	})
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, n)
	}
	if err != nil {
		return err
	}
	b.bus.observe(id, rev, "backup.retention", TopicBackups, nil)
	b.revised(id, rev)
	return nil
}

// PruneResult is what a pruning removed.
type PruneResult struct {
	Backups int
	Bases   int
	Files   int
	Bytes   int64
}

// dropFiles removes those of files that nothing references any more (once
// each); it returns how many it removed and their bytes.
func (b *Backend) dropFiles(files []string) (n int, bytes int64) {
	for _, f := range slices.Compact(slices.Sorted(slices.Values(files))) {
		size, _ := b.files.Stat(f)
		if b.dropUnreferenced(f) {
			n++
			bytes += size
		}
	}
	return n, bytes
}
