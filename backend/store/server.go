package store

import "time"

// ServerStore holds the hosted server's state and the service periods of
// its bases.
type ServerStore interface {
	SetServer(id int64, state string, openedBaseID int64) error
	StartPeriod(baseID int64, at time.Time) error
	EndOpenPeriods(establishmentID int64, at time.Time) error
	Periods(establishmentID int64) ([]Period, error)
}

// Period is a row of service_periods; To is zero while open.
type Period struct {
	ID     int64
	BaseID int64
	From   time.Time
	To     time.Time
}
