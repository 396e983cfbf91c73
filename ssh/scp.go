package ssh

// The legacy scp protocol (`scp -O`) over the virtual tree of files.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"
	"github.com/pkg/sftp"
)

// scpTree implements wish's scp handlers over the tree.
type scpTree struct{ t *fileTree }

var _ scp.Handler = (*scpTree)(nil)

// scpError is err for wish, which prints it on stderr without a line end.
func scpError(err error) error {
	return errors.New(err.Error() + "\n")
}

// Write loads one file sent by `scp -t`. e.Filepath is Join(target, name):
// when Dir(Filepath) is not a folder, the target was a file name.
func (h *scpTree) Write(s ssh.Session, e *scp.FileEntry) (int64, error) {
	p := resolve(e.Filepath)
	if dir := path.Dir(p); !isTreeDir(dir) {
		p = dir
	}
	name, kind, err := h.t.uploadTarget(p)
	if err != nil {
		return 0, scpError(err)
	}
	ctx := context.Context(h.t.ctx)
	if s != nil && s.Context() != nil {
		ctx = s.Context()
	}
	r := &exactReader{r: e.Reader, left: e.Size}
	msg, err := h.t.store(ctx, name, kind, r)
	if err != nil {
		msg := refusedMessage(name, err)
		h.t.tell(false, msg)
		return r.n, errors.New(msg + "\n")
	}
	h.t.tell(true, msg)
	return r.n, nil
}

// Mkdir refuses folders; a folder that resolves to depot itself is accepted
// (`scp -r depot host:` from a local folder named depot).
func (h *scpTree) Mkdir(_ ssh.Session, e *scp.DirEntry) error {
	p := resolve(e.Filepath)
	if p == depotDir {
		return nil
	}
	return scpError(h.t.refuse(sftp.ErrSSHFxPermissionDenied,
		"Impossible de créer le dossier « %s » : déposez les fichiers directement dans depot/, sans sous-dossier.", shown(p)))
}

// Glob does no globbing.
func (h *scpTree) Glob(_ ssh.Session, p string) ([]string, error) {
	return []string{p}, nil
}

// WalkDir walks a folder of the tree, parents first; the root itself is not
// sent (its name could not be), only its folders.
func (h *scpTree) WalkDir(_ ssh.Session, root string, fn fs.WalkDirFunc) error {
	p := resolve(root)
	fi := h.t.stat(p)
	if fi == nil {
		return notFound(p)
	}
	if !fi.IsDir() {
		return fn(p, fs.FileInfoToDirEntry(fi), nil)
	}
	if p != "/" {
		if err := fn(p, fs.FileInfoToDirEntry(fi), nil); err != nil {
			if errors.Is(err, fs.SkipDir) {
				return nil
			}
			return err
		}
		return nil // the folders below / are empty
	}
	for _, c := range rootChildren {
		cp := "/" + c
		if err := fn(cp, fs.FileInfoToDirEntry(h.t.stat(cp)), nil); err != nil && !errors.Is(err, fs.SkipDir) {
			return err
		}
	}
	return nil
}

// NewDirEntry describes a folder for `scp -r -f`.
func (h *scpTree) NewDirEntry(_ ssh.Session, p string) (*scp.DirEntry, error) {
	p = resolve(p)
	mode, ok := treeDirs[p]
	if !ok || p == "/" {
		return nil, notFound(p)
	}
	return &scp.DirEntry{Children: []scp.Entry{}, Name: path.Base(p), Filepath: p, Mode: mode}, nil
}

// NewFileEntry describes a file for `scp -f`: there are none yet.
func (h *scpTree) NewFileEntry(_ ssh.Session, p string) (*scp.FileEntry, func() error, error) {
	p = resolve(p)
	if isTreeDir(p) {
		return nil, nil, fmt.Errorf("« %s » est un dossier : utilisez scp -r.\n", shown(p))
	}
	return nil, nil, notFound(p)
}

// notFound is the scp download error for p.
func notFound(p string) error {
	return fmt.Errorf("« %s » : fichier introuvable.\n", shown(p))
}

// errShortFile ends an scp upload whose stream stopped before the announced
// size. It is not io.ErrUnexpectedEOF, which the back end's reader takes for
// the end of the file.
var errShortFile = errors.New("the scp stream ended before the announced size")

// exactReader reads exactly left bytes from r: an early end of r is an error,
// so a connection lost mid-file never looks like a complete file.
type exactReader struct {
	r    io.Reader
	left int64
	n    int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.n += int64(n)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = errShortFile
	}
	return n, err
}
