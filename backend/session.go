package backend

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hebergement/console/backend/store"
)

// Session is one console's handle on the back end: one establishment, one
// role. Every method checks the role and stays inside the establishment.
type Session struct {
	b     *Backend
	estID int64
	role  Role
	actor string
	addr  string
	// key is the SSH key of a key session, nil for the hosting
	// credentials; revoked is closed once that key is no longer valid.
	key        *sessionKey
	revoked    chan struct{}
	revokeOnce sync.Once

	mu     sync.Mutex
	subs   []func() // the subscriptions Close ends
	closed bool
}

// EstablishmentID is the establishment the session belongs to.
func (s *Session) EstablishmentID() int64 { return s.estID }

// Role is what the session may do.
func (s *Session) Role() Role { return s.role }

// Actor is the name the journal records for this session.
func (s *Session) Actor() string { return s.actor }

// Subscribe returns the feed of the establishment's events. It ends when
// Close is called on it, when the session is closed, or when the back end
// closes; after Close, or once its key is revoked, it is ended from the
// start.
func (s *Session) Subscribe() *Subscription {
	var rev int64
	err := s.b.store.Read(context.Background(), func(tx store.Tx) error {
		if err := s.checkKey(tx); err != nil {
			return err
		}
		e, err := tx.Establishment(s.estID)
		rev = e.Revision
		return err
	})
	sub := s.b.bus.subscribe(s, rev, err == nil)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || errors.Is(err, ErrKeyRevoked) {
		sub.Close()
	} else {
		s.subs = append(s.subs, sub.Close)
	}
	return sub
}

// Announce shows a French sentence in every console of the establishment,
// for what happens outside them, such as a file sent by sftp.
func (s *Session) Announce(ok bool, text string) { s.b.bus.announce(s.estID, ok, text) }

// act runs one action in an immediate transaction scoped to the session's
// establishment, bumps its revision, journals it and tells the consoles. A
// refused action is journaled as a failure and changes nothing.
func (s *Session) act(ctx context.Context, perm Permission, topics Topic, action, detail string, fn func(tx store.Tx, e store.Establishment) (string, error)) error {
	var rev int64
	now := s.b.clock.Now()
	err := s.allow(perm)
	if err == nil {
		err = s.b.store.Write(ctx, func(tx store.Tx) error {
			if err := s.checkKey(tx); err != nil {
				return err
			}
			e, err := tx.Establishment(s.estID)
			if err != nil {
				return err
			}
			d, err := fn(tx, e)
			if err != nil {
				return err
			}
			if d != "" {
				detail = d
			}
			if rev, err = tx.BumpRevision(s.estID); err != nil {
				return err
			}
			return tx.AppendJournal(&store.JournalEntry{EstablishmentID: s.estID, At: now, Actor: s.actor, Addr: s.addr, Action: action, Detail: detail, OK: true})
		})
	}
	if err != nil {
		err = mapStoreErr(err)
		s.b.journal(ctx, s.estID, s.actor, s.addr, action, detail, err)
		return err
	}
	s.b.bus.observe(s.estID, rev, action, topics, s)
	s.b.revised(s.estID, rev)
	return nil
}

// read runs fn in a read transaction after the permission check.
func (s *Session) read(ctx context.Context, perm Permission, fn func(tx store.Tx) error) error {
	if err := s.allow(perm); err != nil {
		return err
	}
	return mapStoreErr(s.b.store.Read(ctx, func(tx store.Tx) error {
		if err := s.checkKey(tx); err != nil {
			return err
		}
		return fn(tx)
	}))
}

// Status is what the header shows: establishment, server state, version and
// the opened base.
func (s *Session) Status(ctx context.Context) (Status, error) {
	var st Status
	err := s.read(ctx, PermView, func(tx store.Tx) error {
		e, err := tx.Establishment(s.estID)
		if err != nil {
			return err
		}
		st.Establishment = toEstablishment(e)
		st.State = ServerState(e.ServerState)
		st.Version = fmt.Sprintf("PRONOTE %d", e.Version)
		if st.UsedBytes, err = tx.UsedBytes(s.estID); err != nil {
			return err
		}
		switch inv, err := tx.LatestInvoice(s.estID); {
		case err == nil:
			st.Establishment.Invoice = inv.Number
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if e.OpenedBaseID == 0 {
			return nil
		}
		row, err := tx.Base(s.estID, e.OpenedBaseID)
		if err != nil {
			return err
		}
		bases, err := s.b.completeBases(tx, e, []store.Base{row})
		if err != nil {
			return err
		}
		st.Opened = &bases[0]
		if st.Changes, err = tx.ChangeCount(row.ID); err != nil {
			return err
		}
		if st.State == ServerRunning {
			st.InService = &bases[0]
		}
		return nil
	})
	return st, err
}
