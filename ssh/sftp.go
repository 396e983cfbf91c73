package ssh

// The SFTP request-server handlers over the virtual tree of files.go.

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/pkg/sftp"
)

// sftpTree implements the pkg/sftp request-server handlers.
type sftpTree struct{ t *fileTree }

var (
	_ sftp.FileReader         = (*sftpTree)(nil)
	_ sftp.OpenFileWriter     = (*sftpTree)(nil)
	_ sftp.FileCmder          = (*sftpTree)(nil)
	_ sftp.FileLister         = (*sftpTree)(nil)
	_ sftp.RealPathFileLister = (*sftpTree)(nil)
)

// Fileread opens a backup of sauvegardes/ or an invoice of factures/ for
// download; nothing else is readable (depot holds only uploads in
// progress).
func (h *sftpTree) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	p := resolve(r.Filepath)
	switch {
	case isTreeDir(p):
		return nil, quiet(sftp.ErrSSHFxFailure, "« %s » est un dossier.", shown(p))
	case path.Dir(p) == depotDir && h.t.pending(path.Base(p)) != nil:
		return nil, quiet(sftp.ErrSSHFxPermissionDenied, "« %s » est en cours de transfert et ne peut pas être lu.", shown(path.Base(p)))
	case !readableDir(path.Dir(p)):
		return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
	}
	name := path.Base(p)
	x, err := h.t.download(r.Context(), p)
	if err != nil {
		if errors.Is(err, sftp.ErrSSHFxPermissionDenied) {
			h.t.tell(false, err.Error())
		}
		return nil, err
	}
	release, err := h.t.startDownload()
	if err != nil {
		return nil, err
	}
	return &sftpDownload{streamReaderAt: newStreamReaderAt(x.size, x.open), t: h.t, name: name, release: release}, nil
}

// Filewrite starts an upload.
func (h *sftpTree) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	if r.Pflags().Read {
		// Without OpenFile a read on this handle would be turned into a write
		// of zeros; OpenFile is implemented, so this is only a safety net.
		return nil, h.t.refuse(sftp.ErrSSHFxPermissionDenied, "Les fichiers de depot/ ne peuvent pas être lus.")
	}
	u, err := h.open(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

// OpenFile starts an upload on a handle opened for reading and writing (the
// pkg/sftp client's Create does that); reads on it are refused.
func (h *sftpTree) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	u, err := h.open(r)
	if err != nil {
		return nil, err
	}
	return u, nil
}

func (h *sftpTree) open(r *sftp.Request) (*sftpUpload, error) {
	name, kind, err := h.t.uploadTarget(r.Filepath)
	if err != nil {
		return nil, err
	}
	return h.t.startUpload(name, kind)
}

// Filecmd: only SETSTAT is accepted (see the rules at the top).
func (h *sftpTree) Filecmd(r *sftp.Request) error {
	p := resolve(r.Filepath)
	denied := sftp.ErrSSHFxPermissionDenied
	switch r.Method {
	case "Setstat":
		if isTreeDir(p) {
			return quiet(denied, "Le dossier « %s » ne peut pas être modifié.", shown(p))
		}
		if path.Dir(p) != depotDir {
			fi, err := h.t.stat(r.Context(), p)
			if err != nil || fi == nil {
				return notThere(p, err)
			}
			return h.t.refuse(denied, "« %s » est en lecture seule : il ne peut pas être modifié.", shown(p))
		}
		if u := h.t.pending(path.Base(p)); u != nil && r.AttrFlags().Size {
			if a := r.Attributes(); a != nil {
				u.announce(a.Size)
			}
		}
		return nil
	case "Mkdir":
		if d := path.Dir(p); d != depotDir && d != "/" {
			return h.t.refuse(denied, "Impossible de créer le dossier « %s » : le dossier %s/ est en lecture seule.", shown(p), shown(d[1:]))
		}
		return h.t.refuse(denied, "Impossible de créer le dossier « %s » : déposez les fichiers directement dans depot/, sans sous-dossier.", shown(p))
	case "Rmdir":
		return h.t.refuse(denied, "Le dossier « %s » ne peut pas être supprimé.", shown(p))
	case "Remove":
		switch path.Dir(p) {
		case depotDir:
			return h.t.refuse(denied, "Impossible de supprimer « %s » : les fichiers déposés sont chargés dès la fin du transfert et ne restent pas dans depot/.", shown(p))
		case backupsDir:
			return h.t.refuse(denied, "Impossible de supprimer « %s » : le dossier sauvegardes/ est en lecture seule ; les sauvegardes sont supprimées par la politique de conservation.", shown(p))
		case invoicesDir:
			return h.t.refuse(denied, "Impossible de supprimer « %s » : le dossier factures/ est en lecture seule.", shown(p))
		}
		return h.t.refuse(denied, "Impossible de supprimer « %s » : seul depot/ accepte des fichiers, et ils n'y restent pas.", shown(p))
	case "Rename", "PosixRename":
		if dir := path.Dir(p); dir != depotDir && isTreeDir(dir) {
			return h.t.refuse(denied, "Impossible de renommer « %s » : le dossier %s/ est en lecture seule.", shown(p), dir[1:])
		}
		return h.t.refuse(denied, "Impossible de renommer « %s » : envoyez le fichier directement sous son nom définitif.", shown(p))
	case "Symlink", "Link":
		return h.t.refuse(denied, "Les liens ne sont pas acceptés : déposez le fichier lui-même dans depot/.")
	}
	return h.t.refuse(sftp.ErrSSHFxOpUnsupported, "Opération non prise en charge.")
}

// Filelist serves List, Stat (and Lstat, fstat) and Readlink.
func (h *sftpTree) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	p := resolve(r.Filepath)
	ctx := r.Context()
	switch r.Method {
	case "List":
		if !isTreeDir(p) {
			fi, err := h.t.stat(ctx, p)
			if err != nil {
				return nil, err
			}
			if fi == nil {
				return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : dossier introuvable.", shown(p))
			}
			return nil, quiet(sftp.ErrSSHFxFailure, "« %s » n'est pas un dossier.", shown(p))
		}
		out, err := h.t.list(ctx, p)
		if err != nil {
			if errors.Is(err, sftp.ErrSSHFxPermissionDenied) {
				h.t.tell(false, err.Error())
			}
			return nil, err
		}
		return out, nil
	case "Stat", "Lstat":
		fi, err := h.t.stat(ctx, p)
		if err != nil || fi == nil {
			return nil, notThere(p, err)
		}
		return treeLister{fi}, nil
	case "Readlink":
		fi, err := h.t.stat(ctx, p)
		if err != nil || fi == nil {
			return nil, notThere(p, err)
		}
		return nil, quiet(sftp.ErrSSHFxFailure, "« %s » n'est pas un lien.", shown(p))
	}
	return nil, quiet(sftp.ErrSSHFxOpUnsupported, "Opération non prise en charge.")
}

// notThere is the refusal for p when stat found nothing (err nil) or failed.
func notThere(p string, err error) error {
	if err != nil {
		return err
	}
	return quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
}

// RealPath normalizes a client path: "." is /depot, the home.
func (h *sftpTree) RealPath(p string) (string, error) {
	return resolve(p), nil
}

// list returns the entries of the folder p (resolved, one of the tree's).
func (t *fileTree) list(ctx context.Context, p string) (treeLister, error) {
	var out treeLister
	switch p {
	case "/":
		for _, c := range rootChildren {
			out = append(out, t.dirEntry("/"+c))
		}
	case depotDir: // only this session's uploads in progress
		for _, name := range t.pendingNames() {
			if u := t.pending(name); u != nil {
				out = append(out, uploadEntry(u))
			}
		}
	case backupsDir:
		l, err := t.backups(ctx)
		if err != nil {
			return nil, err
		}
		for _, f := range l {
			out = append(out, backupEntry(f))
		}
	case invoicesDir:
		l, err := t.s.InvoiceFiles(ctx)
		if err != nil {
			return nil, backupRefusal(err)
		}
		for _, f := range l {
			out = append(out, invoiceEntry(f))
		}
	}
	return out, nil
}

// stat returns the entry at p (resolved), nil if there is none; the error
// is a refusal of the back end (sauvegardes/ for a role without the right).
// A file of depot exists only while it is being uploaded.
func (t *fileTree) stat(ctx context.Context, p string) (os.FileInfo, error) {
	if isTreeDir(p) {
		return t.dirEntry(p), nil
	}
	switch path.Dir(p) {
	case depotDir:
		if u := t.pending(path.Base(p)); u != nil {
			return uploadEntry(u), nil
		}
	case backupsDir:
		f, err := t.backup(ctx, path.Base(p))
		switch {
		case errors.Is(err, sftp.ErrSSHFxNoSuchFile):
			return nil, nil
		case err != nil:
			return nil, err
		}
		return backupEntry(f), nil
	case invoicesDir:
		f, _, err := t.invoice(ctx, path.Base(p))
		switch {
		case errors.Is(err, sftp.ErrSSHFxNoSuchFile):
			return nil, nil
		case err != nil:
			return nil, err
		}
		return invoiceEntry(f), nil
	}
	return nil, nil
}

// dirEntry is the folder p, one of the tree's.
func (t *fileTree) dirEntry(p string) *treeEntry {
	return &treeEntry{name: path.Base(p), mode: fs.ModeDir | treeDirs[p], mtime: time.Now()}
}

func uploadEntry(u *sftpUpload) *treeEntry {
	return &treeEntry{name: u.name, size: u.received(), mode: 0o644, mtime: time.Now()}
}

// treeEntry is a folder or an upload in progress.
type treeEntry struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (e *treeEntry) Name() string       { return e.name }
func (e *treeEntry) Size() int64        { return e.size }
func (e *treeEntry) Mode() fs.FileMode  { return e.mode }
func (e *treeEntry) ModTime() time.Time { return e.mtime }
func (e *treeEntry) IsDir() bool        { return e.mode.IsDir() }
func (e *treeEntry) Sys() any           { return nil }

// treeLister serves a fixed list of entries.
type treeLister []os.FileInfo

func (l treeLister) ListAt(dst []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(dst, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}
