package store

import "time"

// BackupStore holds the backups, the archived bases of previous years, and
// the life of hidden bases (SPEC §6, §17).
type BackupStore interface {
	// InsertBackup records a backup; a second nightly backup of the same
	// night of an establishment is ErrConflict.
	InsertBackup(b *Backup) error
	// Backups are an establishment's backups, most recent first.
	Backups(establishmentID int64) ([]Backup, error)
	// Backup and BackupNamed read one backup with its annexes; BackupNamed
	// finds it by its name in sauvegardes/.
	Backup(establishmentID, id int64) (Backup, error)
	BackupNamed(establishmentID int64, fileName string) (Backup, error)
	// BackupNameTaken reports whether a backup of the establishment has
	// that name.
	BackupNameTaken(establishmentID int64, fileName string) (bool, error)
	// AnnexesOf are a base's annexes.
	AnnexesOf(baseID int64) ([]Annex, error)
	// DeleteBackups deletes backups; it returns the stored files their
	// annexes named, for the garbage collection.
	DeleteBackups(establishmentID int64, ids []int64) ([]string, error)
	// LogPoint is the end of a base's change log now: its last change (0:
	// none), how many changes and record bytes it holds.
	LogPoint(baseID int64) (LogPoint, error)
	// LogPointAt is the point of a base's log at an instant: its changes
	// written at or before at.
	LogPointAt(baseID int64, at time.Time) (LogPoint, error)
	// CopyLog appends to the log of base to the changes of base from up to
	// and including the change seq, in order, keeping their instants.
	CopyLog(establishmentID, from, to, seq int64) error
	// SetRetention sets an establishment's policy.
	SetRetention(establishmentID int64, days, weeks int) error
	// HideBase takes a base out of Autres bases; CollectBases then deletes
	// it for good with everything of it, once nothing needs it.
	HideBase(establishmentID, id int64, at time.Time) error
	// AllBases are an establishment's bases, hidden ones included; AnyBase
	// one of them.
	AllBases(establishmentID int64) ([]Base, error)
	AnyBase(establishmentID, id int64) (Base, error)
	// CollectBases deletes the hidden bases of an establishment that
	// nothing needs any more: not opened, captured by no backup, archived
	// for no year, and out of service since before keepSince (the reach of
	// "Ouvrir l'état à une date"). It returns the stored files their rows
	// named (bases and annexes), for the garbage collection.
	CollectBases(establishmentID int64, keepSince time.Time) (bases int, files []string, err error)
	// BackupOnlyBytes is what only backups keep stored: the files of the
	// establishment's hidden bases that backups keep (and no archived year)
	// and of its backups' annexes, that no listed base or annex uses, and
	// those hidden bases' change logs.
	BackupOnlyBytes(establishmentID int64) (int64, error)
	// Archives are the archived bases of an establishment's previous
	// years, most recent year first.
	Archives(establishmentID int64) ([]Archive, error)
	// PutArchive sets the archived base of a year; it returns the base it
	// replaces (0: none).
	PutArchive(a *Archive) (replaced int64, err error)
}

// Backup is a row of backups.
type Backup struct {
	ID              int64
	EstablishmentID int64
	BaseID          int64
	At              time.Time
	Kind            string
	Actor           string
	// Night is YYYYMMDD (Paris) for a nightly backup, 0 otherwise.
	Night int
	LogPoint
	// FileName is its name in sauvegardes/, unique in the establishment;
	// Size the size of its download.
	FileName string
	Size     int64
	// Annexes are the base's annexes when it was taken (Backups leaves
	// them out).
	Annexes []BackupAnnex
}

// BackupAnnex is a row of backup_annexes.
type BackupAnnex struct {
	Kind   string
	Name   string
	SHA256 string
	Size   int64
}

// LogPoint is a point of a base's change log.
type LogPoint struct {
	// Seq is the id of the last change it holds (0: none).
	Seq         int64
	Count       int64
	RecordBytes int64
}

// Archive is a row of archives.
type Archive struct {
	EstablishmentID int64
	SchoolYear      int
	BaseID          int64
	At              time.Time
	By              string
}
