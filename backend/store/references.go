package store

// ReferenceStore answers for every row that names a stored file (a
// SHA-256 of the content-addressed file store): the garbage collection asks
// whether a file is still referenced, the quota how many bytes an
// establishment's rows hold. Each implementation keeps the list of those
// columns in one place, tested against its schema, so that a new table that
// refers to stored files cannot be forgotten by either.
type ReferenceStore interface {
	// UsedBytes is what the establishment's rows count against its quota.
	UsedBytes(establishmentID int64) (int64, error)
	// ObjectReferenced reports whether any row, of any establishment,
	// still names the stored file.
	ObjectReferenced(sha string) (bool, error)
}

// CheckStore remembers which stored files were checked against their
// SHA-256, and how they looked on disk then.
type CheckStore interface {
	// FileCheck is how a stored file looked when it was last checked;
	// ErrNotFound when it never was.
	FileCheck(object string) (FileCheck, error)
	SetFileCheck(object string, c FileCheck) error
	DeleteFileCheck(object string) error
}

// FileCheck is a row of checked_files: a file's fingerprint when it was
// checked (sizes in bytes, times in Unix nanoseconds).
type FileCheck struct {
	Size, ModTime, Inode, ChangeTime int64
}
