package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hebergement/console/backend/hostfile"
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

var errNotYet = errors.New("backups: not implemented yet")

// Backups is the tab's view.
func (s *Session) Backups(ctx context.Context) (BackupsView, error) { return BackupsView{}, errNotYet }

// CreateBackup is "Sauvegarder maintenant": a manual backup of the opened
// base.
func (s *Session) CreateBackup(ctx context.Context) (Backup, error) { return Backup{}, errNotYet }

// OpenBackup is "Ouvrir cette sauvegarde": a new base holding exactly the
// backup's state becomes the opened base, the base it replaces being backed
// up first. The server must be stopped, unless stopFirst (the user agreed):
// then it is stopped in the same transaction.
func (s *Session) OpenBackup(ctx context.Context, id int64, stopFirst bool) (Base, error) {
	return Base{}, errNotYet
}

// OpenInstant is "Ouvrir l'état à une date": the base that was in service
// at that minute, as it was then, becomes the opened base (as OpenBackup).
func (s *Session) OpenInstant(ctx context.Context, at time.Time, stopFirst bool) (Base, error) {
	return Base{}, errNotYet
}

// BackupFiles lists sauvegardes/.
func (s *Session) BackupFiles(ctx context.Context) ([]BackupFile, error) { return nil, errNotYet }

// ExportBackup prepares the download of a backup by its id.
func (s *Session) ExportBackup(ctx context.Context, id int64) (BackupExport, error) {
	return BackupExport{}, errNotYet
}

// Years is the previous years' grid, most recent first.
func (s *Session) Years(ctx context.Context) ([]YearRow, error) { return nil, errNotYet }

// ReplaceYear fills or replaces the archived base of a previous school year
// with a base of the establishment of that school year.
func (s *Session) ReplaceYear(ctx context.Context, year hostfile.SchoolYear, baseID int64) error {
	return errNotYet
}

// NightlyBackups takes, for each establishment with a base in service, the
// nightly backup of the night of now (the latest 02:00 Paris not after
// now) unless it exists; it returns how many it took.
func (b *Backend) NightlyBackups(ctx context.Context, now time.Time) (int, error) { return 0, errNotYet }

// PruneResult is what a pruning removed.
type PruneResult struct {
	Backups int
	Bases   int
	Files   int
	Bytes   int64
}

// PruneBackups removes, in every establishment, the backups past its
// retention and the data nothing references any more.
func (b *Backend) PruneBackups(ctx context.Context, now time.Time) (PruneResult, error) {
	return PruneResult{}, errNotYet
}

// SetRetention sets an establishment's backup policy (operators).
func (b *Backend) SetRetention(ctx context.Context, hostingNumber string, r Retention) error {
	return errNotYet
}
