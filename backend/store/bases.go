package store

import "time"

// BaseStore holds the bases and their annexes (Autres bases).
type BaseStore interface {
	InsertBase(b *Base) error
	Base(establishmentID, id int64) (Base, error)
	Bases(establishmentID int64) ([]Base, error)
	BaseBySHA256(establishmentID int64, sha string) (Base, error)
	// PutAnnex attaches an annex, replacing one of the same kind on that
	// base; it returns the file the replaced annex used ("" if none).
	PutAnnex(a *Annex) (replaced string, err error)
	Annexes(establishmentID int64) ([]Annex, error)
}

// Base is a row of bases.
type Base struct {
	ID              int64
	EstablishmentID int64
	Name            string
	SchoolYear      int
	Origin          string
	SHA256          string
	Size            int64
	BaseUID         string
	Students        int
	Teachers        int
	Classes         int
	Grid            string
	LoadedBy        string
	LoadedAt        time.Time
	// DeletedAt is when it was deleted from Autres bases while something
	// still needed it (zero: listed). Base, Bases and BaseBySHA256 never
	// return a hidden base; AllBases does.
	DeletedAt time.Time
}

// Annex is a row of annexes.
type Annex struct {
	ID       int64
	BaseID   int64
	Kind     string
	Name     string
	SHA256   string
	Size     int64
	LoadedBy string
	LoadedAt time.Time
}
