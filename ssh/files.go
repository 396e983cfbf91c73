package ssh

// The file-transfer layer: sftp and legacy scp over a virtual tree, one per
// SSH session, bound to that session's establishment. This file holds the
// tree and its rules; sftp.go the SFTP handlers, upload.go the SFTP uploads
// and their reassembly, download.go the downloads, scp.go the legacy scp
// protocol.
//
//	/              read-only
//	/depot/        writable: hosting files to load; they are consumed by the
//	               upload, so a listing shows only the session's uploads in
//	               progress
//	/sauvegardes/  read-only: the establishment's backups, one
//	               NAME-YYYYMMDD-HHMM.HNOT each (Session.BackupFiles)
//	/factures/     read-only: the establishment's invoices and pro-formas,
//	               facture-NUMBER.pdf / proforma-NUMBER.pdf
//	               (Session.InvoiceFiles)
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
//   - sauvegardes/ lists what Session.BackupFiles returns, files of mode 0444
//     with the backup's size and time; the back end decides who may (a role
//     without PermBackups is refused, with its sentence). A name the back end
//     gives that could not be a file name (see plainName) is not listed.
//   - A backup is downloaded (sftp get, reget, scp in both modes) from
//     Session.ExportBackup's stream, as it is generated: nothing is written
//     to disk. SFTP reads at any offset, in any order, are served by
//     streamReaderAt (download.go); the bytes at an offset are those of the
//     full stream. A stream that fails (ErrBackupCorrupt) or does not end at
//     the listed size fails the read that would have completed the file, and
//     every read after it: the client never gets a complete-looking file.
//     At most maxDownloads SFTP downloads are open at once per session.
//   - factures/ lists what Session.InvoiceFiles returns, files of mode 0444
//     with the PDF's size and the invoice's date, for every role. A PDF is
//     rendered from the stored invoice when it is read (Session.InvoicePDF),
//     the same bytes every time, and served like a backup (sftp at any
//     offset, scp in both modes) from memory.
//   - Nothing in sauvegardes/ or factures/ can be written, removed, renamed
//     or have its attributes set: refused with PERMISSION_DENIED and the
//     French reason to the FileNotifier. Reading a name that is not there,
//     or is not a plain file name, is refused quietly (NO_SUCH_FILE, with the
//     French sentence as the status message).
//   - A refused or interrupted upload (connection lost, client crash) leaves
//     nothing behind: the back end's temporary file is removed before CLOSE
//     answers or the session ends.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

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
	// backupsDir holds the backups to download.
	backupsDir = "/sauvegardes"
	// invoicesDir holds the invoices to download.
	invoicesDir = "/" + backend.InvoicesDir
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

// ServeSFTP runs the SFTP subsystem on one SSH channel (io.ReadWriteCloser,
// e.g. a charm ssh.Session) until the client ends.
//
// The request server is not closed and the channel is left open: closing it before the SSH layer sends the exit
// status makes OpenSSH scp report a failure. Uploads still open when the
// client goes are dropped, and nothing of them is stored. It returns nil when
// the client ends the session, io.ErrUnexpectedEOF when it went with files
// still open (pkg/sftp's way of saying so), or the error of the channel.
func ServeSFTP(ctx context.Context, ch io.ReadWriteCloser, s *backend.Session, notify FileNotifier) error {
	t := newFileTree(ctx, s, notify)
	// pkg/sftp's allocator reuses its packet pages (256 KiB each) instead of
	// allocating every packet for the GC: a quarter more throughput on
	// uploads (README, issue 12), for up to one page per request in flight
	// held while the session lasts (16 MiB for 64 requests), given back at
	// its end. Handlers never keep a packet's bytes (WriteAt copies them).
	rs := sftp.NewRequestServer(ch, t.handlers(), sftp.WithStartDirectory(depotDir), sftp.WithRSAllocator())
	err := rs.Serve()
	t.abortAll(errors.New("sftp session ended"))
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
		return nil
	}
	return err
}

// NewSCPHandler returns the legacy scp (`scp -O`) handler over the same tree,
// for charm.land/wish/v2/scp.Middleware.
//
// Downloads: wish writes the whole scp stream without reading the client's
// acknowledgements; the SSH layer hands wish a session that reads them
// (ackingSession in scpack.go), or recursive downloads fail at random.
func NewSCPHandler(s *backend.Session, notify FileNotifier) scp.Handler {
	return &scpTree{t: newFileTree(context.Background(), s, notify)}
}

// fileTree is the virtual tree of one SSH session.
type fileTree struct {
	ctx    context.Context
	s      *backend.Session
	notify FileNotifier

	mu        sync.Mutex
	uploads   map[string]*sftpUpload // by name in depot
	downloads int                    // SFTP downloads open
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

// plainName reports whether name can be one file name of the tree: valid
// UTF-8, one path element, no control or format character nor backslash,
// at most backend.MaxNameBytes bytes.
func plainName(name string) bool {
	return name != "" && name != "." && name != ".." && len(name) <= backend.MaxNameBytes && utf8.ValidString(name) &&
		strings.IndexFunc(name, badNameRune) < 0 && !strings.ContainsAny(name, `/\`)
}

// backupRefusal is the refusal for a back-end error about sauvegardes/,
// quiet; the SFTP status follows the error.
func backupRefusal(err error) error {
	code := sftp.ErrSSHFxFailure
	switch {
	case errors.Is(err, backend.ErrForbidden):
		code = sftp.ErrSSHFxPermissionDenied
	case errors.Is(err, backend.ErrNotFound):
		code = sftp.ErrSSHFxNoSuchFile
	}
	return &refusal{msg: backend.Message(err), code: code}
}

// backups lists sauvegardes/: the back end's files, without the names that
// could not be file names (none is expected).
func (t *fileTree) backups(ctx context.Context) ([]backend.BackupFile, error) {
	l, err := t.s.BackupFiles(ctx)
	if err != nil {
		return nil, backupRefusal(err)
	}
	return slices.DeleteFunc(l, func(f backend.BackupFile) bool { return !plainName(f.Name) }), nil
}

// backup finds the file name of sauvegardes/; a name that is not there, or
// could not be, is a quiet NO_SUCH_FILE.
func (t *fileTree) backup(ctx context.Context, name string) (backend.BackupFile, error) {
	if !plainName(name) {
		return backend.BackupFile{}, quiet(sftp.ErrSSHFxNoSuchFile,
			"« %s » : sauvegarde introuvable (nom de fichier invalide).", shown(name))
	}
	f, err := t.s.BackupFile(ctx, name)
	if errors.Is(err, backend.ErrBackupNotFound) {
		return backend.BackupFile{}, quiet(sftp.ErrSSHFxNoSuchFile,
			"« sauvegardes/%s » : sauvegarde introuvable ; `ls sauvegardes` les liste.", shown(name))
	}
	if err != nil {
		return backend.BackupFile{}, backupRefusal(err)
	}
	return f, nil
}

// export prepares the download of the backup named name.
func (t *fileTree) export(ctx context.Context, name string) (backend.BackupExport, error) {
	f, err := t.backup(ctx, name)
	if err != nil {
		return backend.BackupExport{}, err
	}
	x, err := t.s.ExportBackup(ctx, f.ID)
	if err != nil {
		return backend.BackupExport{}, backupRefusal(err)
	}
	return x, nil
}

// invoice finds the file name of factures/ and its bytes; a name that is
// not there is a quiet NO_SUCH_FILE.
func (t *fileTree) invoice(ctx context.Context, name string) (backend.InvoiceFile, []byte, error) {
	f, data, err := t.s.InvoicePDF(ctx, name)
	if errors.Is(err, backend.ErrInvoiceNotFound) {
		return f, nil, quiet(sftp.ErrSSHFxNoSuchFile, "« factures/%s » : facture introuvable ; `ls factures` les liste.", shown(name))
	}
	if err != nil {
		return f, nil, backupRefusal(err)
	}
	return f, data, nil
}

// invoiceEntry is how the tree shows an invoice.
func invoiceEntry(f backend.InvoiceFile) *treeEntry {
	return &treeEntry{name: f.Name, size: f.Size, mode: 0o444, mtime: f.ModTime}
}

// readable is a file of sauvegardes/ or factures/, ready to download.
type readable struct {
	size  int64
	mtime time.Time
	open  func(off int64) (io.ReadCloser, error)
}

// readableDir reports whether the files of the folder dir can be read.
func readableDir(dir string) bool { return dir == backupsDir || dir == invoicesDir }

// download prepares the download of p, a file of a readable folder.
func (t *fileTree) download(ctx context.Context, p string) (readable, error) {
	name := path.Base(p)
	if path.Dir(p) == invoicesDir {
		f, data, err := t.invoice(ctx, name)
		if err != nil {
			return readable{}, err
		}
		return readable{size: f.Size, mtime: f.ModTime, open: func(off int64) (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(data[min(off, int64(len(data))):])), nil
		}}, nil
	}
	x, err := t.export(ctx, name)
	if err != nil {
		return readable{}, err
	}
	return readable{size: x.Size, mtime: x.ModTime, open: x.Open}, nil
}

// backupEntry is how the tree shows a backup.
func backupEntry(f backend.BackupFile) *treeEntry {
	return &treeEntry{name: f.Name, size: f.Size, mode: 0o444, mtime: f.ModTime}
}

// startDownload takes one of the session's SFTP download slots; release
// gives it back.
func (t *fileTree) startDownload() (release func(), err error) {
	t.mu.Lock()
	full := t.downloads >= maxDownloads
	if !full {
		t.downloads++
	}
	t.mu.Unlock()
	if full {
		return nil, t.refuse(sftp.ErrSSHFxFailure, "Trop de téléchargements simultanés : attendez la fin de ceux en cours (%d au plus).", maxDownloads)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			t.mu.Lock()
			t.downloads--
			t.mu.Unlock()
		})
	}, nil
}
