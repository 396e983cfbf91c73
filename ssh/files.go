package ssh

// The file-transfer layer: sftp and legacy scp over a virtual tree, one per
// SSH session, bound to that session's establishment.
//
//	/              read-only
//	/depot/        writable: hosting files to load; they are consumed by the
//	               upload, so a listing shows only the session's uploads in
//	               progress
//	/sauvegardes/  read-only, empty for now
//	/factures/     read-only, empty for now
//
// Rules chosen (the spec leaves them open):
//
//   - The home folder is /depot: relative paths, "." and "~" resolve there, so
//     `scp f host:` and `sftp host` + `put f` load f, in both scp modes.
//     Absolute paths resolve against /. Because depot has no sub-folders, a
//     path /depot/X/… where X is one of the three top-level folders means /X/…
//     (so `scp f host:depot/` works from the depot home too).
//   - A file written to /depot/NAME is loaded under NAME: *.HNOT with
//     Session.LoadBase, *.HCOURRIERS, *.HDOCJOINTS and *.HPHOTOS with
//     Session.AttachAnnex, validated and stored in the same pass as the
//     transfer. Anything else is refused when the file is opened. NAME must be
//     one valid UTF-8 path element of at most backend.MaxNameBytes bytes,
//     without control (C0, C1, DEL) or format characters nor backslash.
//   - Folders cannot be created, removed or renamed, files cannot be removed,
//     renamed or linked: every such request is refused with
//     PERMISSION_DENIED, and the French reason goes to the FileNotifier.
//   - SETSTAT on an upload in progress is accepted; times, permissions and
//     owners are ignored, and a Size is the size the client announces: the
//     file is refused at CLOSE unless exactly that many bytes arrived (a Size
//     of 0 before any byte is a no-op truncation). SETSTAT on any other name of
//     depot is accepted and ignored (some clients set times by path after
//     CLOSE).
//   - SFTP writes arrive concurrently and out of order: they are reassembled
//     and the in-order prefix is streamed to the back end. Out-of-order data
//     waiting for a gap is held in memory up to maxOutOfOrder; beyond, the file
//     is refused. A write that overlaps bytes already received is accepted
//     only if its bytes are identical (checked against the data still waiting
//     and the last rewriteWindow bytes streamed); any difference, or an
//     overlap older than that window, refuses the file. So the stored file is
//     always exactly the bytes the client sent, or nothing.
//   - A handle opened for reading and writing may be written; reading it is
//     refused (nothing is readable in depot).
//   - At most maxUploads uploads run at once per session.
//   - A refused or interrupted upload (connection lost, client crash) leaves
//     nothing behind: the back end's temporary file is removed before CLOSE
//     answers or the session ends.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"charm.land/ssh"
	"charm.land/wish/v2/scp"
	"github.com/pkg/sftp"

	"github.com/hebergement/console/backend"
	"github.com/hebergement/console/backend/fr"
	"github.com/hebergement/console/backend/hostfile"
	"github.com/hebergement/console/backend/sanitize"
)

// FileNotifier receives, in French, the outcome of each upload so the SSH layer can show it in the console and on the client's stderr.
type FileNotifier func(ok bool, message string)

const (
	// depotDir is the writable folder and the home folder of the tree.
	depotDir = "/depot"
	// maxOutOfOrder bounds the bytes of one upload held while they wait for
	// an earlier gap to be filled.
	maxOutOfOrder = 32 << 20
	// rewriteWindow is how many of the last bytes streamed are kept to check
	// that a rewrite of them is identical.
	rewriteWindow = 1 << 20
	// maxUploads bounds the uploads one session runs at once.
	maxUploads = 4
)

// treeDirs are the folders of the tree and their permissions.
var treeDirs = map[string]fs.FileMode{
	"/":            0o555,
	"/depot":       0o755,
	"/sauvegardes": 0o555,
	"/factures":    0o555,
}

// rootChildren lists the top-level folders in the order ls shows them.
var rootChildren = []string{"depot", "sauvegardes", "factures"}

// NewSFTPHandlers returns pkg/sftp request-server handlers over the virtual tree of s.
//
// The tree's home is /depot: start the request server with
// sftp.WithStartDirectory("/depot"), as ServeSFTP does, so that relative
// paths resolve where RealPath(".") says.
func NewSFTPHandlers(ctx context.Context, s *backend.Session, notify FileNotifier) sftp.Handlers {
	return newFileTree(ctx, s, notify).handlers()
}

// ServeSFTP runs the SFTP subsystem on one SSH channel (io.ReadWriteCloser, e.g. a charm ssh.Session) until the client ends; do NOT call rs.Close() (see notes).
//
// The channel is left open: closing it before the SSH layer sends the exit
// status makes OpenSSH scp report a failure. Uploads still open when the
// client goes are dropped, and nothing of them is stored. It returns nil when
// the client ends the session, io.ErrUnexpectedEOF when it went with files
// still open (pkg/sftp's way of saying so), or the error of the channel.
func ServeSFTP(ctx context.Context, ch io.ReadWriteCloser, s *backend.Session, notify FileNotifier) error {
	t := newFileTree(ctx, s, notify)
	rs := sftp.NewRequestServer(ch, t.handlers(), sftp.WithStartDirectory(depotDir))
	err := rs.Serve()
	t.abortAll(errors.New("sftp session ended"))
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// NewSCPHandler returns the legacy scp (`scp -O`) handler over the same tree, for charm.land/wish/v2/scp.Middleware.
//
// Downloads: wish writes the whole scp stream without reading the client's
// acknowledgements; the SSH layer should hand wish a session that reads them
// (see ssh-notes §3), or recursive downloads fail at random.
func NewSCPHandler(s *backend.Session, notify FileNotifier) scp.Handler {
	return &scpTree{t: newFileTree(context.Background(), s, notify)}
}

// fileTree is the virtual tree of one SSH session.
type fileTree struct {
	ctx    context.Context
	s      *backend.Session
	notify FileNotifier

	mu      sync.Mutex
	uploads map[string]*sftpUpload // by name in depot
}

func newFileTree(ctx context.Context, s *backend.Session, notify FileNotifier) *fileTree {
	if ctx == nil {
		ctx = context.Background()
	}
	return &fileTree{ctx: ctx, s: s, notify: notify, uploads: map[string]*sftpUpload{}}
}

func (t *fileTree) handlers() sftp.Handlers {
	h := &sftpTree{t}
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

func (t *fileTree) tell(ok bool, msg string) {
	if t.notify != nil {
		t.notify(ok, msg)
	}
}

// refusal is an error whose text is the French sentence the user reads and
// whose SFTP status is code.
type refusal struct {
	msg  string
	code error
}

func (r *refusal) Error() string { return r.msg }
func (r *refusal) Unwrap() error { return r.code }

// refuse builds a refusal and tells the notifier.
func (t *fileTree) refuse(code error, format string, a ...any) error {
	msg := fmt.Sprintf(format, a...)
	t.tell(false, msg)
	return &refusal{msg: msg, code: code}
}

// quiet builds a refusal the notifier is not told about (reads, stats).
func quiet(code error, format string, a ...any) error {
	return &refusal{msg: fmt.Sprintf(format, a...), code: code}
}

// shown is s as it may be echoed: one sanitized line, cut at 80 runes.
func shown(s string) string {
	s = sanitize.Line(s)
	if utf8.RuneCountInString(s) > 80 {
		r := []rune(s)
		s = string(r[:79]) + "…"
	}
	return s
}

// resolve turns a client path into a clean absolute path of the tree; see the
// rules at the top of the file.
func resolve(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		p = depotDir + p[1:]
	}
	if path.IsAbs(p) {
		p = path.Clean(p)
	} else {
		p = path.Join(depotDir, p)
	}
	if rest, ok := strings.CutPrefix(p, depotDir+"/"); ok {
		first, _, _ := strings.Cut(rest, "/")
		if slices.Contains(rootChildren, first) {
			p = "/" + rest
		}
	}
	return p
}

// isTreeDir reports whether p (resolved) is one of the folders.
func isTreeDir(p string) bool {
	_, ok := treeDirs[p]
	return ok
}

// uploadTarget checks that raw names a file that may be written in depot and
// returns its name and kind; a refusal is told to the notifier.
func (t *fileTree) uploadTarget(raw string) (string, hostfile.Kind, error) {
	p := resolve(raw)
	dir := path.Dir(p)
	switch {
	case isTreeDir(p):
		return "", "", t.refuse(sftp.ErrSSHFxFailure, "« %s » est un dossier : indiquez un nom de fichier dans depot/.", shown(p))
	case dir == depotDir:
	case strings.HasPrefix(p, depotDir+"/"):
		return "", "", t.refuse(sftp.ErrSSHFxPermissionDenied,
			"Le dossier depot/ n'a pas de sous-dossier : déposez « %s » directement dans depot/.", shown(path.Base(p)))
	case dir == "/":
		return "", "", t.refuse(sftp.ErrSSHFxPermissionDenied,
			"La racine est en lecture seule : déposez « %s » dans le dossier depot/.", shown(path.Base(p)))
	case isTreeDir(dir):
		return "", "", t.refuse(sftp.ErrSSHFxPermissionDenied,
			"Le dossier %s/ est en lecture seule : déposez les fichiers dans depot/.", dir[1:])
	default:
		return "", "", t.refuse(sftp.ErrSSHFxPermissionDenied,
			"« %s » n'existe pas : seuls les dossiers depot/, sauvegardes/ et factures/ sont disponibles, et seul depot/ accepte des fichiers.", shown(p))
	}
	name := path.Base(p)
	if !utf8.ValidString(name) || strings.IndexFunc(name, badNameRune) >= 0 {
		return "", "", t.refuse(sftp.ErrSSHFxFailure, "Nom de fichier refusé : « %s » contient des caractères de contrôle.", shown(name))
	}
	if len(name) > backend.MaxNameBytes || strings.ContainsRune(name, '\\') {
		return "", "", t.refuse(sftp.ErrSSHFxFailure, "« %s » : %s", shown(name), backend.Message(backend.ErrInvalidFileName))
	}
	kind, ok := hostfile.KindFromName(name)
	if !ok {
		return "", "", t.refuse(sftp.ErrSSHFxFailure, "« %s » : %s", shown(name), backend.Message(backend.ErrWrongExtension))
	}
	if strings.TrimSpace(name[:strings.LastIndexByte(name, '.')]) == "" {
		return "", "", t.refuse(sftp.ErrSSHFxFailure, "« %s » : %s", shown(name), backend.Message(backend.ErrInvalidFileName))
	}
	return name, kind, nil
}

// badNameRune is a rune a file name may not carry: C0, DEL, C1, and format
// characters (bidi overrides, zero-width) that disguise a name.
func badNameRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

// store loads r under name in the back end and returns the success sentence.
func (t *fileTree) store(ctx context.Context, name string, kind hostfile.Kind, r io.Reader) (string, error) {
	if kind == hostfile.KindBase {
		b, err := t.s.LoadBase(ctx, name, r, nil)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("« %s » chargé : base « %s » %s (%s), listée dans les bases téléchargées depuis l'établissement.",
			shown(name), shown(b.Name), b.Year, fr.Size(b.Size)), nil
	}
	a, err := t.s.AttachAnnex(ctx, name, r, nil)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("« %s » chargé : annexe %s (%s) jointe à la base en service.", shown(name), a.Kind.Label(), fr.Size(a.Size)), nil
}

// refusedMessage is the sentence for a file the back end refused.
func refusedMessage(name string, err error) string {
	return fmt.Sprintf("« %s » refusé : %s", shown(name), backend.Message(err))
}

// register records a new upload of name, or refuses it.
func (t *fileTree) register(u *sftpUpload) error {
	t.mu.Lock()
	_, busy := t.uploads[u.name]
	full := len(t.uploads) >= maxUploads
	if !busy && !full {
		t.uploads[u.name] = u
	}
	t.mu.Unlock()
	switch { // the notifier is called without the lock
	case busy:
		return t.refuse(sftp.ErrSSHFxFailure, "Un transfert de « %s » est déjà en cours.", shown(u.name))
	case full:
		return t.refuse(sftp.ErrSSHFxFailure, "Trop de transferts simultanés : attendez la fin de ceux en cours (%d au plus).", maxUploads)
	}
	return nil
}

func (t *fileTree) forget(u *sftpUpload) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.uploads[u.name] == u {
		delete(t.uploads, u.name)
	}
}

func (t *fileTree) pending(name string) *sftpUpload {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.uploads[name]
}

// pendingNames lists the uploads in progress, sorted.
func (t *fileTree) pendingNames() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.uploads))
	for n := range t.uploads {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// abortAll drops every upload still open (the session is over).
func (t *fileTree) abortAll(cause error) {
	t.mu.Lock()
	var all []*sftpUpload
	for _, u := range t.uploads {
		all = append(all, u)
	}
	t.mu.Unlock()
	for _, u := range all {
		u.TransferError(cause)
		u.Close()
	}
}

// ---------- SFTP ----------

// sftpTree implements the pkg/sftp request-server handlers.
type sftpTree struct{ t *fileTree }

var (
	_ sftp.FileReader         = (*sftpTree)(nil)
	_ sftp.OpenFileWriter     = (*sftpTree)(nil)
	_ sftp.FileCmder          = (*sftpTree)(nil)
	_ sftp.FileLister         = (*sftpTree)(nil)
	_ sftp.RealPathFileLister = (*sftpTree)(nil)
)

// Fileread: nothing in the tree is readable yet (sauvegardes and factures are
// empty).
func (h *sftpTree) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	p := resolve(r.Filepath)
	switch {
	case isTreeDir(p):
		return nil, quiet(sftp.ErrSSHFxFailure, "« %s » est un dossier.", shown(p))
	case path.Dir(p) == depotDir && h.t.pending(path.Base(p)) != nil:
		return nil, quiet(sftp.ErrSSHFxPermissionDenied, "« %s » est en cours de transfert et ne peut pas être lu.", shown(path.Base(p)))
	}
	return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
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
			return quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
		}
		if u := h.t.pending(path.Base(p)); u != nil && r.AttrFlags().Size {
			if a := r.Attributes(); a != nil {
				u.announce(a.Size)
			}
		}
		return nil
	case "Mkdir":
		return h.t.refuse(denied, "Impossible de créer le dossier « %s » : déposez les fichiers directement dans depot/, sans sous-dossier.", shown(p))
	case "Rmdir":
		return h.t.refuse(denied, "Le dossier « %s » ne peut pas être supprimé.", shown(p))
	case "Remove":
		return h.t.refuse(denied, "Impossible de supprimer « %s » : les fichiers déposés sont chargés dès la fin du transfert et ne restent pas dans depot/.", shown(p))
	case "Rename", "PosixRename":
		return h.t.refuse(denied, "Impossible de renommer « %s » : envoyez le fichier directement sous son nom définitif.", shown(p))
	case "Symlink", "Link":
		return h.t.refuse(denied, "Les liens ne sont pas acceptés : déposez le fichier lui-même dans depot/.")
	}
	return h.t.refuse(sftp.ErrSSHFxOpUnsupported, "Opération non prise en charge.")
}

// Filelist serves List, Stat (and Lstat, fstat) and Readlink.
func (h *sftpTree) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	p := resolve(r.Filepath)
	switch r.Method {
	case "List":
		if !isTreeDir(p) {
			if fi := h.t.stat(p); fi != nil {
				return nil, quiet(sftp.ErrSSHFxFailure, "« %s » n'est pas un dossier.", shown(p))
			}
			return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : dossier introuvable.", shown(p))
		}
		var out treeLister
		switch p {
		case "/":
			for _, c := range rootChildren {
				out = append(out, h.t.stat("/"+c))
			}
		case depotDir: // only this session's uploads in progress
			for _, name := range h.t.pendingNames() {
				if fi := h.t.stat(depotDir + "/" + name); fi != nil {
					out = append(out, fi)
				}
			}
		}
		return out, nil
	case "Stat", "Lstat":
		if fi := h.t.stat(p); fi != nil {
			return treeLister{fi}, nil
		}
		return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
	case "Readlink":
		if h.t.stat(p) == nil {
			return nil, quiet(sftp.ErrSSHFxNoSuchFile, "« %s » : fichier introuvable.", shown(p))
		}
		return nil, quiet(sftp.ErrSSHFxFailure, "« %s » n'est pas un lien.", shown(p))
	}
	return nil, quiet(sftp.ErrSSHFxOpUnsupported, "Opération non prise en charge.")
}

// RealPath normalizes a client path: "." is /depot, the home.
func (h *sftpTree) RealPath(p string) (string, error) {
	return resolve(p), nil
}

// stat returns the entry at p (resolved), nil if there is none. A file of
// depot exists only while it is being uploaded.
func (t *fileTree) stat(p string) os.FileInfo {
	now := time.Now()
	if mode, ok := treeDirs[p]; ok {
		name := path.Base(p)
		return &treeEntry{name: name, mode: fs.ModeDir | mode, mtime: now}
	}
	if path.Dir(p) == depotDir {
		if u := t.pending(path.Base(p)); u != nil {
			return &treeEntry{name: u.name, size: u.received(), mode: 0o644, mtime: now}
		}
	}
	return nil
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

// ---------- SFTP uploads ----------

// errAborted and errInterrupted end the back end's read of an upload, so it
// refuses the file and removes its temporary copy.
var (
	errAborted     = errors.New("upload refused by the transfer layer")
	errInterrupted = errors.New("upload interrupted")
)

// sftpUpload is one file being written to depot over SFTP: the WriterAt (and
// ReaderAt, for handles opened read-write) pkg/sftp writes to. Writes are
// reassembled in order and streamed through a pipe to a goroutine that runs
// LoadBase or AttachAnnex.
type sftpUpload struct {
	t      *fileTree
	name   string
	pw     *io.PipeWriter
	cancel context.CancelFunc
	done   chan struct{} // closed when the back end has finished

	// set by the back-end goroutine before done is closed
	okMsg  string
	outErr error

	mu        sync.Mutex
	re        reassembler
	announced int64 // size announced by SETSTAT, -1 if none
	failed    error // first refusal; sticky
	closed    bool
	closeErr  error

	aborting atomic.Bool // set before the pipe is closed by TransferError
	reported atomic.Bool // the notifier has been told the outcome
}

func (t *fileTree) startUpload(name string, kind hostfile.Kind) (*sftpUpload, error) {
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(t.ctx)
	u := &sftpUpload{t: t, name: name, pw: pw, cancel: cancel, done: make(chan struct{}), announced: -1}
	u.re = reassembler{sink: pw, maxHeld: maxOutOfOrder, window: rewriteWindow}
	if err := t.register(u); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		defer close(u.done)
		msg, err := t.store(ctx, name, kind, pr)
		if err == nil {
			err = errAborted // nothing more may be written
		} else {
			u.outErr = err
		}
		u.okMsg = msg
		pr.CloseWithError(err) // a write blocked on the pipe returns err
	}()
	return u, nil
}

// report tells the notifier the outcome, once.
func (u *sftpUpload) report(ok bool, msg string) {
	if u.reported.CompareAndSwap(false, true) {
		u.t.tell(ok, msg)
	}
}

// failLocked records the first refusal of the upload and returns it with the
// sentence to report (empty when an earlier refusal was already recorded).
func (u *sftpUpload) failLocked(msg string) (string, error) {
	if u.failed != nil {
		return "", u.failed
	}
	u.failed = &refusal{msg: msg, code: sftp.ErrSSHFxFailure}
	return msg, u.failed
}

// abort makes the back end give up: nothing will be stored.
func (u *sftpUpload) abort(cause error) {
	u.cancel()
	u.pw.CloseWithError(cause)
}

// WriteAt takes one write of the client; pkg/sftp calls it from several
// goroutines, in any order, and reuses p afterwards.
func (u *sftpUpload) WriteAt(p []byte, off int64) (int, error) {
	u.mu.Lock()
	if u.failed != nil {
		err := u.failed
		u.mu.Unlock()
		return 0, err
	}
	if u.closed {
		u.mu.Unlock()
		return 0, quiet(sftp.ErrSSHFxFailure, "« %s » : transfert déjà terminé.", shown(u.name))
	}
	_, werr := u.re.WriteAt(p, off)
	if werr == nil {
		u.mu.Unlock()
		return len(p), nil
	}
	msg, err := u.failLocked(u.explain(werr))
	u.mu.Unlock()
	if msg != "" {
		u.abort(errAborted)
		u.report(false, msg)
	}
	return 0, err
}

// explain turns an error of the reassembler or of the pipe into the sentence
// the user reads.
func (u *sftpUpload) explain(err error) string {
	name := shown(u.name)
	switch {
	case u.aborting.Load():
		return fmt.Sprintf("Transfert de « %s » interrompu : rien n'a été enregistré.", name)
	case errors.Is(err, errRewrite):
		return fmt.Sprintf("« %s » refusé : le client a envoyé deux contenus différents pour une même partie du fichier ; rien n'a été enregistré.", name)
	case errors.Is(err, errTooFar):
		return fmt.Sprintf("« %s » refusé : les données arrivent trop en désordre (plus de %s en attente) ; rien n'a été enregistré.", name, fr.Size(maxOutOfOrder))
	case errors.Is(err, errBadOffset):
		return fmt.Sprintf("« %s » refusé : position d'écriture invalide ; rien n'a été enregistré.", name)
	}
	// The back end closed the pipe with its refusal.
	return refusedMessage(u.name, err)
}

// ReadAt refuses reads on a handle opened read-write.
func (u *sftpUpload) ReadAt([]byte, int64) (int, error) {
	return 0, quiet(sftp.ErrSSHFxPermissionDenied, "« %s » est en cours de transfert et ne peut pas être lu.", shown(u.name))
}

// announce records the size a SETSTAT gives to the upload.
func (u *sftpUpload) announce(size uint64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if size == 0 && u.re.frontier == 0 && u.re.held == 0 && u.announced < 0 {
		return // truncating a new, empty file
	}
	if size > math.MaxInt64 {
		size = math.MaxInt64
	}
	u.announced = int64(size)
}

// received is how many bytes arrived in order so far.
func (u *sftpUpload) received() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.re.frontier
}

// TransferError is called by pkg/sftp when the connection drops with the
// upload open: the back end gives up, Close then reports the interruption.
func (u *sftpUpload) TransferError(err error) {
	u.aborting.Store(true)
	u.abort(errInterrupted)
	u.mu.Lock()
	var msg string
	if !u.closed {
		msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » interrompu : rien n'a été enregistré.", shown(u.name)))
	}
	u.mu.Unlock()
	if msg != "" {
		u.report(false, msg)
	}
}

// Close ends the upload (SSH_FXP_CLOSE): the back end reads the end of the
// file, checks it and stores it, and its verdict is the status of CLOSE.
func (u *sftpUpload) Close() error {
	u.mu.Lock()
	if u.closed {
		err := u.closeErr
		u.mu.Unlock()
		return err
	}
	u.closed = true
	var msg string
	if u.failed == nil {
		switch {
		case u.re.held > 0:
			msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » incomplet : des parties du fichier manquent ; rien n'a été enregistré.", shown(u.name)))
		case u.announced >= 0 && u.announced != u.re.frontier:
			msg, _ = u.failLocked(fmt.Sprintf("Transfert de « %s » incomplet : %d octets reçus sur %d annoncés ; rien n'a été enregistré.",
				shown(u.name), u.re.frontier, u.announced))
		}
	}
	failed := u.failed
	u.mu.Unlock()

	if failed != nil {
		u.abort(errAborted)
		<-u.done
		if msg != "" {
			u.report(false, msg)
		}
		return u.finish(failed)
	}
	u.pw.Close() // end of file for the back end
	<-u.done
	u.cancel()
	if u.outErr != nil {
		msg := refusedMessage(u.name, u.outErr)
		u.report(false, msg)
		return u.finish(&refusal{msg: msg, code: sftp.ErrSSHFxFailure})
	}
	u.report(true, u.okMsg)
	return u.finish(nil)
}

func (u *sftpUpload) finish(err error) error {
	u.mu.Lock()
	u.closeErr = err
	u.mu.Unlock()
	u.t.forget(u)
	return err
}

// ---------- reassembly ----------

var (
	errRewrite   = errors.New("a rewrite differs from the bytes already received")
	errTooFar    = errors.New("too much out-of-order data")
	errBadOffset = errors.New("invalid write offset")
)

// reassembler turns writes at arbitrary offsets into the in-order byte stream
// written to sink. Data past a gap waits in memory (maxHeld bytes at most);
// rewrites of bytes already received must be identical: data still waiting
// is compared directly, data already streamed against the last window bytes
// kept in a ring. Any error is sticky. It is not safe for concurrent use.
type reassembler struct {
	sink    io.Writer
	maxHeld int64
	window  int

	frontier int64     // bytes streamed to sink
	pending  []segment // sorted, disjoint, all at or after frontier
	held     int64     // bytes in pending
	ring     []byte    // the last window bytes streamed, at offset % window
	err      error
}

type segment struct {
	off  int64
	data []byte
}

func (s segment) end() int64 { return s.off + int64(len(s.data)) }

// WriteAt takes the bytes p at offset off; p is not kept.
func (r *reassembler) WriteAt(p []byte, off int64) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n := len(p)
	if off < 0 || off > math.MaxInt64-int64(n) {
		r.err = errBadOffset
		return 0, r.err
	}
	end := off + int64(n)
	if off < r.frontier { // already streamed: must be identical
		k := min(end, r.frontier) - off
		if !r.seen(off, p[:k]) {
			r.err = errRewrite
			return 0, r.err
		}
		p, off = p[k:], off+k
		if len(p) == 0 {
			return n, nil
		}
	}
	// Pending segments that overlap [off, end) must agree with p; the gaps
	// between them are what p adds.
	first := sort.Search(len(r.pending), func(i int) bool { return r.pending[i].end() > off })
	type gap struct{ lo, hi int64 }
	var gaps []gap
	cur := off
	for _, s := range r.pending[first:] {
		if s.off >= end {
			break
		}
		lo, hi := max(s.off, off), min(s.end(), end)
		if string(s.data[lo-s.off:hi-s.off]) != string(p[lo-off:hi-off]) {
			r.err = errRewrite
			return 0, r.err
		}
		if s.off > cur {
			gaps = append(gaps, gap{cur, s.off})
		}
		cur = max(cur, hi)
	}
	if cur < end {
		gaps = append(gaps, gap{cur, end})
	}
	var add int64
	for _, g := range gaps {
		if g.lo != r.frontier {
			add += g.hi - g.lo
		}
	}
	if r.held+add > r.maxHeld {
		r.err = errTooFar
		return 0, r.err
	}
	for _, g := range gaps {
		piece := p[g.lo-off : g.hi-off]
		if g.lo == r.frontier { // in order: straight to the sink, no copy
			if err := r.deliver(piece); err != nil {
				return 0, err
			}
			continue
		}
		i := sort.Search(len(r.pending), func(i int) bool { return r.pending[i].off > g.lo })
		r.pending = slices.Insert(r.pending, i, segment{off: g.lo, data: slices.Clone(piece)})
		r.held += int64(len(piece))
	}
	for len(r.pending) > 0 && r.pending[0].off == r.frontier {
		s := r.pending[0]
		r.pending = slices.Delete(r.pending, 0, 1)
		r.held -= int64(len(s.data))
		if err := r.deliver(s.data); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// deliver streams p, which starts at the frontier.
func (r *reassembler) deliver(p []byte) error {
	if _, err := r.sink.Write(p); err != nil {
		r.err = err
		return err
	}
	r.remember(p)
	r.frontier += int64(len(p))
	return nil
}

// remember keeps p, about to be streamed at the frontier, in the ring.
func (r *reassembler) remember(p []byte) {
	if r.window <= 0 {
		return
	}
	if r.ring == nil {
		r.ring = make([]byte, r.window)
	}
	pos := r.frontier
	if len(p) > r.window {
		pos += int64(len(p) - r.window)
		p = p[len(p)-r.window:]
	}
	for len(p) > 0 {
		k := copy(r.ring[pos%int64(r.window):], p)
		p, pos = p[k:], pos+int64(k)
	}
}

// seen reports whether q, at offset off below the frontier, equals the bytes
// streamed there; false when they are no longer in the ring.
func (r *reassembler) seen(off int64, q []byte) bool {
	if r.ring == nil || off < r.frontier-int64(r.window) {
		return false
	}
	for len(q) > 0 {
		i := int(off % int64(r.window))
		k := min(len(q), r.window-i)
		if string(r.ring[i:i+k]) != string(q[:k]) {
			return false
		}
		q, off = q[k:], off+int64(k)
	}
	return true
}

// ---------- legacy scp ----------

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
