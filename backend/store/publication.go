package store

// PublicationStore holds PRONOTE.net's settings of each establishment
// (SPEC §9).
type PublicationStore interface {
	Publication(establishmentID int64) (Publication, error)
	SetPublication(establishmentID int64, p Publication) error
}

// Publication is the publication columns of establishments.
type Publication struct {
	Published bool
	// EspacesOff are the ids of the Espaces not published.
	EspacesOff []string
	AuthMode   string
	CASENT     string
	CASURL     string
}
