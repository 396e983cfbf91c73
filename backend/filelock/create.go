package filelock

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// CreateOnce writes data to a new file at path, mode 0600, unless a file is
// there already, and reports whether it made it. Processes starting
// together on one folder (instances sharing a data folder) keep the one
// file the first made, and none reads it half written: it is written whole
// under another name, then linked to its own name, which fails when that
// exists. On a file system without hard links it is created exclusively in
// place instead (O_EXCL), where a reader may meet it half written.
func CreateOnce(path string, data []byte) (bool, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close()); err != nil {
		return false, err
	}
	err = os.Link(tmp.Name(), path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return false, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, werr = f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}
