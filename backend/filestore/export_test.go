package filestore

// SetAfterCreate makes Create call fn between creating a temporary file and
// locking it, until the returned function restores the default.
func SetAfterCreate(fn func()) (restore func()) {
	afterCreate = fn
	return func() { afterCreate = nil }
}
