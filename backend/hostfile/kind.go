package hostfile

import "strings"

// Kind says which of the four hosting files a file is; the server stores the
// base and its annexes differently, so the kind is part of the header and of
// the file name.
type Kind string

// The four kinds, spelled as their file extensions.
const (
	// KindBase is the school-year database itself.
	KindBase Kind = "HNOT"
	// KindLetters is the letters annex.
	KindLetters Kind = "HCOURRIERS"
	// KindAttachments is the attached-documents annex.
	KindAttachments Kind = "HDOCJOINTS"
	// KindPhotos is the photos annex.
	KindPhotos Kind = "HPHOTOS"
)

// kinds lists every kind, base first, in the order Generate writes them.
var kinds = []Kind{KindBase, KindLetters, KindAttachments, KindPhotos}

// KindFromName tells the expected kind of an uploaded file from its
// extension (case-insensitive, "a.hnot" is a base), so the upload can be
// checked against what its name claims.
func KindFromName(filename string) (Kind, bool) {
	i := strings.LastIndexByte(filename, '.')
	if i < 0 {
		return "", false
	}
	ext := strings.ToUpper(filename[i+1:])
	for _, k := range kinds {
		if string(k) == ext {
			return k, true
		}
	}
	return "", false
}

// IsAnnex reports whether k is one of the three annexes, which carry no
// timetable grid and must belong to an existing base.
func (k Kind) IsAnnex() bool {
	return k == KindLetters || k == KindAttachments || k == KindPhotos
}

// Label gives the French word the console shows for the kind.
func (k Kind) Label() string {
	switch k {
	case KindBase:
		return "base"
	case KindLetters:
		return "courriers"
	case KindAttachments:
		return "documents joints"
	case KindPhotos:
		return "photos"
	}
	return string(k)
}

// valid reports whether k is one of the four kinds.
func (k Kind) valid() bool {
	return k == KindBase || k.IsAnnex()
}
