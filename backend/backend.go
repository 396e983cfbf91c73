// Package backend is the hosting back end the console drives: establishments
// and their credentials, bases and the server lifecycle, the journal and the
// live events. One Backend is built per process; each console (local or over
// SSH) gets a Session scoped to one establishment and one role, and every
// permission check lives behind that Session.
package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/log/v2"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/filestore"
	"github.com/hebergement/console/backend/outbox"
	"github.com/hebergement/console/backend/password"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/postgres"
	"github.com/hebergement/console/backend/store/sqlite"
)

// Options configure a Backend.
type Options struct {
	// DataDir holds the SQLite database, the file store, the outbox,
	// prices.json and the scheduler's lock.
	DataDir string
	// DB is the DSN of a PostgreSQL database (postgres://…) holding the
	// state in place of DataDir's SQLite file, for several instances on one
	// database; "" means SQLite.
	DB string
	// Clock is the one clock of the back end; nil means the wall clock.
	Clock clock.Clock
	// Logger receives operational logs; nil means discard. Secrets are never
	// logged.
	Logger *log.Logger
	// Outbox delivers e-mails and SMS; nil means the outbox folder of DataDir.
	Outbox outbox.Sender
	// Hashing sets the argon2id cost; zero means password.Default.
	Hashing password.Params
	// LeaseTTL is how long the leases of several instances on one database
	// last unless renewed (the scheduler's, each hosted server's); zero
	// means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// PollInterval is how often the store is watched for changes made by
	// other processes (the CLI, another server); zero means 500 ms.
	PollInterval time.Duration
}

// Backend is the hosting back end of one data folder.
type Backend struct {
	dataDir  string // where PricesFile is read (prices.go)
	shared   bool   // the store is a database several instances share
	instance string // this process among them (leases.go)
	// owners and peerKey: the hosted servers held across instances
	// (hostedlease.go); ownersDone when their loop has ended.
	owners     *owners
	leaseTTL   time.Duration
	peerKey    string
	ownersDone chan struct{}
	store      store.Store
	files      *filestore.Store
	clock      clock.Clock
	log        *log.Logger
	outbox     outbox.Sender
	hashing    password.Params
	bus        *bus
	guard      *guard
	keys       *keyWatch
	stats      counters // read by Stats (stats.go)

	// The hosted servers' connections (connections.go).
	seats    *seats.Broker
	hosted   *hostedCache
	dirty    dirtySet
	changes  *changeWriter
	holding  atomic.Bool
	connDone chan struct{}

	// headers caches the header of each stored base file a backup's
	// download starts from (backups.go); stored files never change.
	headers sync.Map
	// reports are the latest job runs' words (jobs.go).
	reports jobReports

	// notified is kicked when the store says a change committed
	// (store.Listener); the watcher then reads the revisions at once.
	notified   chan struct{}
	stopListen context.CancelFunc
	listenDone chan struct{}

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// Open opens the back end on opts.DataDir, creating it and applying the
// database migrations as needed.
func Open(ctx context.Context, opts Options) (*Backend, error) {
	if opts.DataDir == "" {
		return nil, errors.New("backend: no data folder")
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("backend: data folder: %w", err)
	}
	if _, err := LoadPrices(opts.DataDir); err != nil {
		return nil, err
	}
	files, err := filestore.Open(filepath.Join(opts.DataDir, "files"))
	if err != nil {
		return nil, err
	}
	db, err := openStore(ctx, opts)
	if err != nil {
		return nil, err
	}
	b := &Backend{
		dataDir:  opts.DataDir,
		shared:   opts.DB != "",
		instance: newInstanceID(),
		store:    db,
		files:    files,
		clock:    opts.Clock,
		log:      opts.Logger,
		outbox:   opts.Outbox,
		hashing:  opts.Hashing,
		bus:      newBus(),
		keys:     newKeyWatch(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),

		notified: make(chan struct{}, 1),

		connDone: make(chan struct{}),
	}
	b.seats = seats.New(b.dirty.add, SeatSentence)
	b.leaseTTL = opts.LeaseTTL
	if b.leaseTTL <= 0 {
		b.leaseTTL = DefaultLeaseTTL
	}
	b.owners = newOwners(b, b.leaseTTL)
	if b.shared {
		if b.peerKey, err = loadPeerKey(opts.DataDir); err != nil {
			db.Close()
			return nil, err
		}
	}
	b.hosted = newHostedCache(b)
	if b.clock == nil {
		b.clock = clock.Real{}
	}
	if b.log == nil {
		b.log = log.New(discard{})
	}
	if b.outbox == nil {
		b.outbox = &outbox.Folder{Dir: filepath.Join(opts.DataDir, "outbox"), Now: b.clock.Now}
	}
	if b.hashing == (password.Params{}) {
		b.hashing = password.Default
	}
	b.guard = newGuard(b.clock)
	b.sweepObjects(ctx)
	interval := opts.PollInterval
	if interval <= 0 {
		interval = 500 * time.Millisecond
	}
	b.changes = newChangeWriter(b)
	b.listen()
	go b.watch(interval)
	if b.shared {
		b.ownersDone = make(chan struct{})
		go b.owners.loop(b.stop, b.ownersDone)
	}
	go b.connLoop()
	return b, nil
}

// openStore opens the PostgreSQL database of opts.DB, or the SQLite file of
// the data folder.
func openStore(ctx context.Context, opts Options) (store.Store, error) {
	if opts.DB != "" {
		return postgres.Open(ctx, opts.DB)
	}
	return sqlite.Open(ctx, filepath.Join(opts.DataDir, "hebergement.db"))
}

// Close stops the watcher, ends every subscription and closes the store.
func (b *Backend) Close() error {
	var err error
	b.once.Do(func() {
		close(b.stop)
		if b.stopListen != nil {
			b.stopListen()
			<-b.listenDone
		}
		<-b.done
		<-b.connDone
		if b.ownersDone != nil {
			<-b.ownersDone
		}
		b.changes.close()
		b.bus.closeAll()
		err = b.store.Close()
	})
	return err
}

// Clock is the back end's clock, for consoles that show the time.
func (b *Backend) Clock() clock.Clock { return b.clock }

// watch publishes changes that other processes committed to the store, so
// that a console sees what the CLI or another server did without a key press,
// and ends the key sessions whose key was revoked.
func (b *Backend) watch(interval time.Duration) {
	defer close(b.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		case <-b.keys.kick:
		case <-b.notified:
		}
		if !b.bus.hasSubscribers() && !b.keys.active() && !b.hosted.active() {
			continue
		}
		var revs map[int64]int64
		err := b.store.Read(context.Background(), func(tx store.Tx) error {
			var err error
			revs, err = tx.Revisions()
			return err
		})
		if err != nil {
			b.log.Warn("watch store", "err", err)
			continue
		}
		for id, rev := range revs {
			b.revised(id, rev)
			b.bus.observe(id, rev, "", AllTopics, nil)
		}
		b.checkKeys(revs)
	}
}

// listen starts the store's listener when it has one: another instance's
// change then reaches this one's consoles as it commits, the watcher's
// polling remaining for when the listener's connection is down.
func (b *Backend) listen() {
	l, ok := b.store.(store.Listener)
	if !ok {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.stopListen, b.listenDone = cancel, make(chan struct{})
	go func() {
		defer close(b.listenDone)
		l.Listen(ctx, func() { //nolint:errcheck // it ends with ctx
			select {
			case b.notified <- struct{}{}:
			default: // a read is already due
			}
		}, func(err error) { b.log.Warn("store listener", "err", err) })
	}()
}

// journal records an action or a login attempt in its own transaction; used
// for refusals, whose own transaction was rolled back.
func (b *Backend) journal(ctx context.Context, estID int64, actor, addr, action, detail string, cause error) {
	entry := &store.JournalEntry{EstablishmentID: estID, At: b.clock.Now(), Actor: actor, Addr: addr, Action: action, Detail: detail, OK: cause == nil}
	if cause != nil {
		// The journal is read by the school in Mon compte: the refusal in
		// the words the user was shown. An error without a sentence of its
		// own (a disk or database failure) may name server paths or SQL: the
		// school reads that it failed, the operators the error, in the log.
		why, ok := sentence(cause)
		if !ok {
			why = "erreur inattendue (le détail est dans le journal du serveur)"
			b.log.Error("action failed", "establishment", estID, "action", action, "err", cause)
		}
		entry.Detail = joinDetail(detail, why)
	}
	err := b.store.Write(context.WithoutCancel(ctx), func(tx store.Tx) error { return tx.AppendJournal(entry) })
	if err != nil {
		b.log.Error("journal", "action", action, "err", err)
	}
}

func joinDetail(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + ": " + b
}

// Journal returns the latest journal entries of an establishment (0: all),
// newest first; for operators and the console's Mon compte.
func (b *Backend) Journal(ctx context.Context, estID int64, limit int) ([]JournalEntry, error) {
	var rows []store.JournalEntry
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		rows, err = tx.Journal(store.JournalQuery{EstablishmentID: estID, Limit: limit})
		return err
	})
	out := make([]JournalEntry, len(rows))
	for i, r := range rows {
		out[i] = JournalEntry(r)
	}
	return out, err
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
