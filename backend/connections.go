package backend

// Where connections live (issue 8, SPEC §7, §14).
//
// A connection is held in memory, in the back end of the process that runs
// the stand-in of the hosted server (backend/seats), and nowhere else:
//
//   - it is a live session of the hosted server, not a record: when that
//     process ends, its clients have lost their server, as they would with a
//     real PRONOTE server, and reconnect; nothing of value is lost;
//   - admission, heartbeats and departures are the hot path of the stand-in
//     (one school's clients send a heartbeat every few seconds): under a
//     pool's mutex they cost about a microsecond, where a SQLite commit costs
//     about 330 µs on this machine (synchronous=FULL, measured), and the
//     seat invariant is checked and the seat taken under that same mutex;
//   - what must survive goes to the store: the change log of the base in
//     service (durable before the 201 is sent, committed in groups so that
//     64 clients writing at once share one fsync), the 5-minute history of
//     simultaneous connections and refusals, and the latest refusals
//     (flushed every flushEvery and at Close: a crash loses at most that
//     much of a chart, never a change).
//
// The process holding the connections learns of the server's state from a
// cache of each establishment's public state, invalidated by revision: at
// once for an action of this process, within the watcher's 0.5 s for one of
// another process (the CLI's set-seats, a console on the same data folder).
// When the server stops, or stops and starts again, every connection of the
// service period it held closes (heartbeats then get 404).
//
// Several instances (SPEC §14, PostgreSQL, a later issue) need one arbiter
// per school: either route a school's clients to one instance (affinity by
// hosting number) or move the pools into the database with a row lock per
// establishment. The seats package keeps the rule in one place for either.
// Until then, a console in another process on the same data folder (a local
// console beside a serve) reads the history and refusals from the store but
// not the live table, and says so.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hebergement/console/backend/clock"
	"github.com/hebergement/console/backend/sanitize"
	"github.com/hebergement/console/backend/seats"
	"github.com/hebergement/console/backend/store"
)

// Connection is one client connection of a hosted server.
type Connection = seats.Conn

// SeatError is a connection refused for lack of a licence, with the
// figures.
type SeatError = seats.SeatError

// ReservedError refuses a number of reserved seats out of 0…Admin.
type ReservedError struct{ Admin int }

func (e *ReservedError) Error() string {
	return fmt.Sprintf("reserved seats must be between 0 and %d", e.Admin)
}

func (e *ReservedError) Unwrap() error { return ErrInvalidInput }

// Limits of what a client sends.
const (
	// MaxUserLen and MaxGroupLen bound a user's and a group's name, in
	// characters.
	MaxUserLen  = 100
	MaxGroupLen = 100
	// MaxChangeLen bounds a change's text, in bytes.
	MaxChangeLen = 4096
)

// How often the connections' loop does each of its chores.
const (
	notifyEvery = 250 * time.Millisecond // at most 4 live updates a second per console
	sweepEvery  = 5 * time.Second
	flushEvery  = 30 * time.Second
	pruneAfter  = 8 * 24 * time.Hour // the history shows 24 h, the refusals count 7 days
	pruneEvery  = time.Hour
)

// ConnectRequest is what a client sends to connect.
type ConnectRequest struct {
	User, Group, Mode string
	// Addr is the client's address, as the stand-in saw it.
	Addr string
}

// ChangeRequest is a change a connected client writes to the base in
// service.
type ChangeRequest struct {
	Connection string
	What       string
}

// Change is a change recorded in the log of the base in service.
type Change = store.Change

// cleanText checks a name a client sends and returns it as it is stored,
// drawn and compared: valid UTF-8, no control or replacement character
// (U+FFFD is what a JSON decoder makes of invalid UTF-8), the invisible
// characters (bidi controls and zero-width spaces, Unicode's Cf; fillers
// such as U+3164 and the variation selectors, default-ignorable) dropped, so that "Adm\u200binistration" is what it looks like, trimmed,
// then 1…max characters with at least one visible.
func cleanText(s string, maxLen int) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
			unicode.Is(unicode.Variation_Selector, r):
			continue
		case !sanitize.Printable(r) || r == utf8.RuneError:
			return "", false
		}
		b.WriteRune(r)
	}
	s = strings.TrimSpace(b.String())
	if s == "" || utf8.RuneCountInString(s) > maxLen {
		return "", false
	}
	return s, true
}

// cleanChange checks a change's text: valid UTF-8, 1…MaxChangeLen bytes
// once trimmed, no control character but line feeds and tabs (it is text
// typed in a PRONOTE client, and will be drawn and downloaded later).
func cleanChange(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxChangeLen || !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || r == utf8.RuneError {
			return "", false
		}
	}
	return s, true
}

// Connect admits a client on the hosted server of the establishment whose
// hosting number is number, or refuses it: ErrInvalidInput (a field),
// ErrEstablishmentNotFound, ErrNotInService, or a *seats.SeatError.
func (b *Backend) Connect(ctx context.Context, number string, req ConnectRequest) (Connection, error) {
	mode, ok := seats.ParseMode(req.Mode)
	if !ok {
		return Connection{}, fmt.Errorf("%w: unknown mode %q", ErrInvalidInput, req.Mode)
	}
	user, ok := cleanText(req.User, MaxUserLen)
	if !ok {
		return Connection{}, fmt.Errorf("%w: user", ErrInvalidInput)
	}
	group := ""
	if strings.TrimSpace(req.Group) != "" {
		if group, ok = cleanText(req.Group, MaxGroupLen); !ok {
			return Connection{}, fmt.Errorf("%w: group", ErrInvalidInput)
		}
	}
	var c Connection
	err := b.fresh(ctx, number, func(hs *hostedEntry) error {
		if !hs.hs.InService() {
			return ErrNotInService
		}
		var err error
		c, err = b.seats.Admit(hs.estID, hs.lim, hs.run, seats.Conn{User: user, Group: group, Mode: mode, Addr: req.Addr}, b.clock.Now())
		return err
	})
	b.stats.connection(connOutcome(err))
	return c, err
}

// fresh runs fn on the state of number's server, reading it again when the
// broker has seen a newer one than the cache's (ErrStale): a request that
// read the state just before a stop must not take a seat after it.
func (b *Backend) fresh(ctx context.Context, number string, fn func(*hostedEntry) error) error {
	for attempt := 0; ; attempt++ {
		hs, err := b.hosted.get(ctx, number)
		if err != nil {
			return err
		}
		if b.shared && attempt == 0 {
			// Only the instance holding the school's server admits and
			// touches its connections (hostedlease.go).
			here, _, err := b.owners.claim(ctx, hs.estID)
			if err != nil {
				return err
			}
			if !here {
				return ErrHostedElsewhere
			}
		}
		err = fn(hs)
		if !errors.Is(err, seats.ErrStale) || attempt == 3 {
			return err
		}
		b.hosted.forget(number)
	}
}

// Heartbeat keeps a connection alive; ErrConnectionNotFound once it is not
// held by that establishment's server.
func (b *Backend) Heartbeat(ctx context.Context, number, id string) error {
	return b.fresh(ctx, number, func(hs *hostedEntry) error {
		_, err := b.seats.Touch(hs.estID, hs.run, id, b.clock.Now())
		return connErr(err)
	})
}

// connErr is a broker's answer about one connection: gone is
// ErrConnectionNotFound; a stale reading is retried by fresh.
func connErr(err error) error {
	if errors.Is(err, seats.ErrGone) {
		return ErrConnectionNotFound
	}
	return err
}

// Disconnect is a client leaving; ErrConnectionNotFound when the
// connection is not held by that establishment's server.
func (b *Backend) Disconnect(ctx context.Context, number, id string) error {
	return b.fresh(ctx, number, func(hs *hostedEntry) error {
		_, err := b.seats.Release(hs.estID, hs.run, id, b.clock.Now())
		return connErr(err)
	})
}

// RecordChange writes a change of a connected client to the base in
// service; it returns once the change is durable.
func (b *Backend) RecordChange(ctx context.Context, number string, req ChangeRequest) (Change, error) {
	what, ok := cleanChange(req.What)
	if !ok {
		return Change{}, fmt.Errorf("%w: what", ErrInvalidInput)
	}
	now := b.clock.Now()
	var c *store.Change
	err := b.fresh(ctx, number, func(hs *hostedEntry) error {
		if !hs.hs.InService() {
			return ErrNotInService
		}
		conn, err := b.seats.Touch(hs.estID, hs.run, req.Connection, now)
		if err != nil {
			return connErr(err)
		}
		c = &store.Change{EstablishmentID: hs.estID, BaseID: hs.baseID, At: now, ConnectionID: conn.ID, Author: conn.User, What: what}
		return nil
	})
	if err != nil {
		return Change{}, err
	}
	// The writer checks, in the transaction that appends it, that the base
	// is still in service: a change never lands after the stop.
	if err := b.changes.submit(ctx, c); err != nil {
		return Change{}, err
	}
	b.stats.changes.Add(1)
	return *c, nil
}

// Changes are the changes of a base after the change afterID, oldest first
// (for operators and the backups to come).
func (b *Backend) Changes(ctx context.Context, baseID, afterID int64, limit int) ([]Change, error) {
	var out []Change
	err := b.store.Read(ctx, func(tx store.Tx) error {
		var err error
		out, err = tx.Changes(baseID, afterID, limit)
		return err
	})
	return out, err
}

// ConnectionsView is what the tab Suivi des connexions shows.
type ConnectionsView struct {
	// Limits are the contract's seats (L, R, T; T 0 is unlimited).
	Limits seats.Limits
	// InService tells whether the server takes connections.
	InService bool
	// Held is false when the live connections cannot be read from here:
	// another process on the data folder runs the stand-in (see the top of
	// this file), or, with several instances, the one holding this school's
	// server did not answer (Unreachable).
	Held bool
	// Unreachable is true when the instance holding the server's
	// connections did not answer (several instances, hostedlease.go).
	Unreachable bool
	// Conns are the connections, oldest first, and Usage their count.
	Conns []Connection
	Usage seats.Usage
	// History is the last 24 hours, one sample per 5 minutes, oldest
	// first, the current bucket last; buckets without any are zero.
	History []seats.Sample
	// RefusedToday and RefusedWeek count the connections refused for lack
	// of a licence since midnight (Paris) and over the last 7 days.
	RefusedToday, RefusedWeek int
	// Refusals are the latest refusals, newest first.
	Refusals []seats.Refusal
}

// Connections reads the tab's view.
func (s *Session) Connections(ctx context.Context) (ConnectionsView, error) {
	var v ConnectionsView
	now := s.b.clock.Now()
	day := 24 * time.Hour
	var hist []store.HistorySample
	var stored []store.Refusal
	var e store.Establishment
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		var err error
		if e, err = tx.Establishment(s.estID); err != nil {
			return err
		}
		if hist, err = tx.History(s.estID, now.Add(-7*day).Truncate(seats.Bucket)); err != nil {
			return err
		}
		stored, err = tx.Refusals(s.estID, seats.KeptRefusals)
		return err
	})
	if err != nil {
		return v, err
	}
	v.Limits = seats.Limits{Admin: e.AdminSeats, Reserved: e.ReservedSeats, Teacher: e.TeacherSeats}
	v.InService = e.ServerState == string(ServerRunning)
	hs, err := s.b.hosted.get(ctx, e.HostingNumber)
	if err != nil {
		return v, err
	}
	held, known, err := s.b.heldConnections(ctx, s.estID, hs)
	if err != nil {
		return v, err
	}
	v.Held, v.Unreachable = known, !known && s.b.shared
	v.Conns, v.Usage = held.Conns, held.Usage

	// The history: stored samples, then what this process holds that is
	// not stored yet (the same bucket keeps its highest figures).
	byAt := map[int64]seats.Sample{}
	for _, h := range hist {
		byAt[h.At.UnixMilli()] = seats.Sample{Establishment: s.estID, At: h.At,
			Peak: [seats.NumKinds]int{h.Admin, h.Teacher, h.VieScolaire, h.Espaces}, Refused: h.Refused}
	}
	for _, cur := range append(held.Pending, held.Current) {
		old := byAt[cur.At.UnixMilli()]
		for k := range cur.Peak {
			cur.Peak[k] = max(cur.Peak[k], old.Peak[k])
		}
		cur.Refused = max(cur.Refused, old.Refused)
		byAt[cur.At.UnixMilli()] = cur
	}
	midnight := startOfDay(now)
	for _, smp := range byAt {
		if !smp.At.Before(now.Add(-7 * day)) {
			v.RefusedWeek += smp.Refused
		}
		if !smp.At.Before(midnight) {
			v.RefusedToday += smp.Refused
		}
	}
	last := now.Truncate(seats.Bucket)
	for at := last.Add(-day + seats.Bucket); !at.After(last); at = at.Add(seats.Bucket) {
		smp, ok := byAt[at.UnixMilli()]
		if !ok {
			smp = seats.Sample{Establishment: s.estID, At: at}
		}
		v.History = append(v.History, smp)
	}

	// The refusals: those held here (newest, some not stored yet), then the
	// stored ones older than them.
	v.Refusals = append(v.Refusals, held.Refusals...)
	var oldest time.Time
	if n := len(held.Refusals); n > 0 {
		oldest = held.Refusals[n-1].At
	}
	for _, r := range stored {
		if len(v.Refusals) >= seats.KeptRefusals {
			break
		}
		if !oldest.IsZero() && !r.At.Before(oldest) {
			continue
		}
		v.Refusals = append(v.Refusals, seats.Refusal{Establishment: s.estID, At: r.At, User: r.User, Group: r.Group,
			Mode: seats.Mode(r.Mode), Addr: r.Addr, Reason: r.Reason})
	}
	return v, nil
}

// startOfDay is midnight, Paris time, of the day of t.
func startOfDay(t time.Time) time.Time {
	p := t.In(clock.Paris())
	return time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, clock.Paris())
}

// ConnectedUsers is how many users the server holds now: those "Arrêter le
// serveur" and "Ouvrir…" would disconnect.
func (s *Session) ConnectedUsers(ctx context.Context) (int, error) {
	var number string
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		number = e.HostingNumber
		return err
	})
	if err != nil {
		return 0, err
	}
	hs, err := s.b.hosted.get(ctx, number)
	if err != nil {
		return 0, err
	}
	if !s.b.shared {
		return s.b.seats.Count(s.estID, hs.run, s.b.clock.Now()), nil
	}
	held, _, err := s.b.heldConnections(ctx, s.estID, hs)
	return len(held.Conns), err
}

// HoldsConnections reports whether the session's process holds the live
// connections (it runs the stand-in): when it does not, ConnectedUsers
// reads 0 whatever another process holds.
func (s *Session) HoldsConnections() bool { return s.b.HoldsConnections() }

// DisconnectUser ends one connection from the console ("Déconnecter"),
// journaled with the user's name. The connection is let go first, after
// the checks of a read, then journaled: with several instances it may be
// held by another one, asked over HTTP, which must never happen under the
// database's write lock.
func (s *Session) DisconnectUser(ctx context.Context, id string) error {
	var number string
	err := s.read(ctx, PermConnections, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		number = e.HostingNumber
		return err
	})
	var c Connection
	if err == nil {
		c, err = s.b.releaseAnywhere(ctx, number, s.estID, id)
	}
	return s.act(ctx, PermConnections, TopicConnections|TopicAccount, "connection.close", "", func(store.Tx, store.Establishment) (string, error) {
		if err != nil {
			return "", err
		}
		return c.User + " (" + c.Mode.French() + ")", nil
	})
}

// SetReservedSeats is "Licences réservées pour les administrateurs": R
// with 0 ≤ R ≤ L. Lowering or raising it disconnects nobody.
func (s *Session) SetReservedSeats(ctx context.Context, n int) error {
	detail := fmt.Sprint(n)
	return s.act(ctx, PermConnections, TopicConnections|TopicAccount, "seats.reserve", detail, func(tx store.Tx, e store.Establishment) (string, error) {
		if n < 0 || n > e.AdminSeats {
			return "", &ReservedError{Admin: e.AdminSeats}
		}
		return fmt.Sprintf("%d sur %d", n, e.AdminSeats), tx.SetSeats(e.ID, e.AdminSeats, n, e.TeacherSeats)
	})
}

// SetSeats sets the licences of an establishment's contract (operators):
// administratif seats 1…1000, enseignant 30, 50, 80 or 0 (unlimited). The
// reserved seats are kept, lowered to L when L falls under them. It
// disconnects nobody: lower limits only refuse new connections.
func (b *Backend) SetSeats(ctx context.Context, number string, admin, teacher int) (Establishment, error) {
	n, ok := NormalizeHostingNumber(number)
	switch {
	case !ok:
		return Establishment{}, fmt.Errorf("%w: hosting number must be 12 digits", ErrInvalidInput)
	case admin < 1 || admin > 1000:
		return Establishment{}, fmt.Errorf("%w: administrative seats must be between 1 and 1000", ErrInvalidInput)
	case teacher != 0 && teacher != 30 && teacher != 50 && teacher != 80:
		return Establishment{}, fmt.Errorf("%w: teacher seats must be 30, 50, 80 or unlimited", ErrInvalidInput)
	}
	var row store.Establishment
	var rev int64
	err := b.store.Write(ctx, func(tx store.Tx) error {
		var err error
		if row, err = tx.EstablishmentByNumber(n); err != nil {
			return err
		}
		row.AdminSeats, row.TeacherSeats, row.ReservedSeats = admin, teacher, min(row.ReservedSeats, admin)
		if err := tx.SetSeats(row.ID, admin, row.ReservedSeats, teacher); err != nil {
			return err
		}
		if rev, err = tx.BumpRevision(row.ID); err != nil {
			return err
		}
		return tx.AppendJournal(&store.JournalEntry{EstablishmentID: row.ID, At: b.clock.Now(), Actor: "opérateur",
			Action: "seats.set", Detail: seatsDetail(admin, row.ReservedSeats, teacher), OK: true})
	})
	if errors.Is(err, store.ErrNotFound) {
		return Establishment{}, fmt.Errorf("%w: no establishment has the hosting number %s", ErrEstablishmentNotFound, n)
	}
	if err != nil {
		return Establishment{}, err
	}
	b.bus.observe(row.ID, rev, "seats.set", TopicConnections|TopicAccount, nil)
	b.revised(row.ID, rev)
	return toEstablishment(row), nil
}

func seatsDetail(admin, reserved, teacher int) string {
	t := "illimité"
	if teacher > 0 {
		t = fmt.Sprint(teacher)
	}
	return fmt.Sprintf("administratif %d dont %d réservées, enseignant %s", admin, reserved, t)
}

// HoldsConnections reports whether this process runs the stand-in, and so
// holds the connections of the hosted servers.
func (b *Backend) HoldsConnections() bool { return b.holding.Load() }

// HoldConnections is told by whoever runs the stand-in (backend/app) that
// this process holds the connections from now on.
func (b *Backend) HoldConnections(on bool) { b.holding.Store(on) }

// RecordHistory stores history samples and refusals of an establishment as
// if its server had held them (the demo's 24 hours of past traffic, and
// imports): samples keep their highest figures per bucket; only the latest
// seats.KeptRefusals refusals are kept.
func (b *Backend) RecordHistory(ctx context.Context, estID int64, samples []seats.Sample, refusals []seats.Refusal) error {
	own := make([]seats.Sample, len(samples))
	for i, smp := range samples {
		smp.Establishment, smp.At = estID, smp.At.Truncate(seats.Bucket)
		own[i] = smp
	}
	ownRefusals := make([]seats.Refusal, len(refusals))
	for i, r := range refusals {
		r.Establishment = estID
		ownRefusals[i] = r
	}
	return b.storeHistory(ctx, own, ownRefusals, time.Time{})
}
