package ssh

// The legacy scp protocol (`scp -O`) over the virtual tree of files.go.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

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
	ctx := sessionContext(s, h.t.ctx)
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

// Glob expands a pattern in the last element of a path of sauvegardes/ or
// factures/ (`scp -O 'host:sauvegardes/*.HNOT' .`, where a shell would have
// expanded it); any other path is taken as it is.
func (h *scpTree) Glob(s ssh.Session, p string) ([]string, error) {
	rp := resolve(p)
	dir, pat := path.Split(rp)
	dir = path.Clean(dir)
	if !strings.ContainsAny(pat, `*?[`) || dir == depotDir || !isTreeDir(dir) {
		return []string{p}, nil
	}
	if _, err := path.Match(pat, ""); err != nil {
		return nil, fmt.Errorf("« %s » : motif invalide.\n", shown(p))
	}
	l, err := h.t.list(sessionContext(s, h.t.ctx), dir)
	if err != nil {
		return nil, scpError(err)
	}
	var out []string
	for _, fi := range l {
		if ok, _ := path.Match(pat, fi.Name()); ok {
			out = append(out, path.Join(dir, fi.Name()))
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("« %s » : aucun fichier ne correspond.\n", shown(p))
	}
	return out, nil
}

// WalkDir walks a folder of the tree, parents first; the root itself is not
// sent (its name could not be), only its folders and their files.
func (h *scpTree) WalkDir(s ssh.Session, root string, fn fs.WalkDirFunc) error {
	ctx := sessionContext(s, h.t.ctx)
	p := resolve(root)
	fi, err := h.t.stat(ctx, p)
	if err != nil {
		return scpError(err)
	}
	if fi == nil {
		return notFound(p)
	}
	if !fi.IsDir() {
		return fn(p, fs.FileInfoToDirEntry(fi), nil)
	}
	dirs := []string{p}
	if p == "/" {
		dirs = nil
		for _, c := range rootChildren {
			dirs = append(dirs, "/"+c)
		}
	}
	for _, d := range dirs {
		if err := fn(d, fs.FileInfoToDirEntry(h.t.dirEntry(d)), nil); err != nil {
			if errors.Is(err, fs.SkipDir) {
				continue
			}
			return err
		}
		if !readableDir(d) { // nothing else is readable
			continue
		}
		l, err := h.t.list(ctx, d)
		if err != nil {
			return scpError(err)
		}
		for _, c := range l {
			if err := fn(path.Join(d, c.Name()), fs.FileInfoToDirEntry(c), nil); err != nil && !errors.Is(err, fs.SkipDir) {
				return err
			}
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

// NewFileEntry describes a backup for `scp -f`; its stream is opened only
// when wish sends its content (scpDownload). Times go with it when the
// client asked for them (-p).
func (h *scpTree) NewFileEntry(s ssh.Session, p string) (*scp.FileEntry, func() error, error) {
	p = resolve(p)
	switch {
	case isTreeDir(p):
		return nil, nil, fmt.Errorf("« %s » est un dossier : utilisez scp -r.\n", shown(p))
	case !readableDir(path.Dir(p)):
		return nil, nil, notFound(p)
	}
	name := path.Base(p)
	x, err := h.t.download(sessionContext(s, h.t.ctx), p)
	if err != nil {
		return nil, nil, scpError(err)
	}
	d := &scpDownload{name: name, size: x.size, open: x.open}
	e := &scp.FileEntry{Name: name, Filepath: p, Mode: 0o444, Size: x.size, Reader: d}
	if s != nil && slices.Contains(s.Command(), "-p") {
		e.Mtime, e.Atime = x.mtime.Unix(), x.mtime.Unix()
	}
	return e, d.close, nil
}

// sessionContext is the context of an scp session, or def.
func sessionContext(s ssh.Session, def context.Context) context.Context {
	if s != nil && s.Context() != nil {
		return s.Context()
	}
	return def
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
