package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hebergement/console/backend/store"
	"github.com/hebergement/console/backend/store/sqlstore"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jackc/pgxlisten"
)

// DB is a PostgreSQL database holding the whole back-end state: the shared
// implementation of the store (sqlstore) on it.
type DB struct {
	*sqlstore.DB
	raw *sql.DB
	cfg *pgx.ConnConfig // the listener's own connection (Listen)
}

var _ store.Store = (*DB)(nil)

// writeLockKey is the advisory lock every write transaction takes first
// ("heb-writ"), so that the writes of every instance on the database run
// one after the other, as SQLite's BEGIN IMMEDIATE runs them: the shared
// SQL reads then writes (seats, the lockout counter, ids of the change log)
// and counts on no other writer in between. It differs from the
// migrations' key.
const writeLockKey int64 = 0x6865622d77726974

// dialect is PostgreSQL's: $N placeholders; reads see one snapshot
// (REPEATABLE READ, which never fails a read-only transaction); writes run
// under writeLockKey, at READ COMMITTED, each statement seeing the writes
// committed before the lock was taken.
var dialect = &sqlstore.Dialect{
	Name:        "postgres",
	Dollar:      true,
	Conflict:    conflict,
	ReadOptions: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	// Said, not left to default_transaction_isolation, which an operator
	// may set higher: the lock statement would then take the snapshot.
	WriteOptions: &sql.TxOptions{Isolation: sql.LevelReadCommitted},
	Text:         validText,
	WriteLock:    `SELECT pg_advisory_xact_lock(` + strconv.FormatInt(writeLockKey, 10) + `)`,
	// Sent at commit, and only then: a rolled-back write tells nobody.
	Notify: `SELECT pg_notify('` + RevisionsChannel + `', ?)`,
}

// RevisionsChannel is the LISTEN/NOTIFY channel on which every write that
// bumps an establishment's revision says "id:revision" at its commit.
const RevisionsChannel = "hebergement_revisions"

// maxConns bounds an instance's connections to the database: its writes
// run one at a time (one connection, the sqlstore's writer lock), its
// reads are short, and several instances must stay under PostgreSQL's
// max_connections (100 by default: three instances take 3 × (16 + the
// listener's 1)). A transaction waits for a connection beyond that.
const maxConns = 16

// connectTimeout bounds reaching the server at Open when the DSN sets no
// connect_timeout, so that a wrong host fails in seconds rather than
// after the system's TCP timeout.
const connectTimeout = 10 * time.Second

// Open connects to the PostgreSQL database of dsn (a postgres:// URL or
// keyword=value pairs, as libpq reads them) and applies the pending
// migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgconn's message quotes the DSN with its password masked.
		return nil, fmt.Errorf("the PostgreSQL DSN is malformed: %w", err)
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = connectTimeout
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(8)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL database %q on %s:%d as %q: %w", cfg.Database, cfg.Host, cfg.Port, cfg.User, err)
	}
	if err := migrate(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("PostgreSQL database %q on %s:%d: %w", cfg.Database, cfg.Host, cfg.Port, err)
	}
	return &DB{DB: sqlstore.New(db, dialect), raw: db, cfg: cfg}, nil
}

// validText is s as PostgreSQL's text holds it: invalid UTF-8 and NUL
// become U+FFFD, where SQLite would keep the bytes (and a query would fail
// here). Text that is valid, nearly all of it, is returned as it is.
func validText(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// uniqueViolation is PostgreSQL's SQLSTATE unique_violation (pgerrcode
// names it, a module of its own for one constant).
const uniqueViolation = "23505"

// conflict tells whether err breaks a uniqueness rule (a UNIQUE or PRIMARY
// KEY constraint), as the SQLite store maps them; a foreign key broken is
// left as it is there too.
func conflict(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == uniqueViolation
}

// listenRetry is how long the listener waits before connecting again after
// losing its connection; the back end's polling covers the gap.
const listenRetry = time.Second

// Listen calls changed at each revision another instance (or this one)
// commits, from a connection of its own that LISTENs on RevisionsChannel,
// and once each time that connection is made, for what was committed while
// it was down. It reconnects after a failure (pgxlisten), reporting it to
// logErr, and returns when ctx ends.
func (db *DB) Listen(ctx context.Context, changed func(), logErr func(error)) error {
	l := &pgxlisten.Listener{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			return pgx.ConnectConfig(ctx, db.cfg.Copy())
		},
		LogError: func(ctx context.Context, err error) {
			if ctx.Err() == nil && logErr != nil {
				logErr(err)
			}
		},
		ReconnectDelay: listenRetry,
	}
	l.Handle(RevisionsChannel, revisionHandler(changed))
	return l.Listen(ctx)
}

// revisionHandler calls its function for each notification, and once when
// the listener connects (its backlog: whatever committed while it was not
// listening).
type revisionHandler func()

func (h revisionHandler) HandleNotification(context.Context, *pgconn.Notification, *pgx.Conn) error {
	h()
	return nil
}

func (h revisionHandler) HandleBacklog(context.Context, string, *pgx.Conn) error {
	h()
	return nil
}
