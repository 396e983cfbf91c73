package backend

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hebergement/console/backend/store"
)

// A session opened with an SSH key lives only as long as its key: revoking
// the key (from any process: the CLI, another console) or enrolling it again
// with another role or for another establishment ends it. Two guards enforce
// that:
//
//   - every back-end call of the session checks its key inside the call's own
//     transaction (checkKey), so nothing is done once the revocation is
//     committed, whatever the front end does;
//   - the back end watches the keys of its open key sessions and closes their
//     Revoked channel when the key changes, so that the SSH server ends the
//     console, sftp or command session within a second. Revocation bumps the
//     establishment's revision; the store watcher, which already polls
//     revisions every PollInterval, re-reads the keys of an establishment
//     whose revision moved.

// sessionKey is what a key session remembers of its key, to tell whether the
// key is still the one it was opened with.
type sessionKey struct {
	fingerprint string
	// added is when the key was enrolled: enrolling a revoked key again
	// makes a new key, and sessions of the old one stay ended.
	added time.Time
}

// keyWatch holds the open key sessions by establishment.
type keyWatch struct {
	mu       sync.Mutex
	sessions map[int64]map[*Session]struct{}
	// checked is the revision of each establishment whose keys were last
	// checked.
	checked map[int64]int64
	// kick asks the watcher to check now (a revocation in this process).
	kick chan struct{}
}

func newKeyWatch() *keyWatch {
	return &keyWatch{sessions: map[int64]map[*Session]struct{}{}, checked: map[int64]int64{}, kick: make(chan struct{}, 1)}
}

func (w *keyWatch) add(s *Session, rev int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.sessions[s.estID] == nil {
		w.sessions[s.estID] = map[*Session]struct{}{}
	}
	// The key was valid at rev: if the keys were checked at a later
	// revision, this session was not among them, so check again.
	if c, ok := w.checked[s.estID]; !ok || rev < c {
		w.checked[s.estID] = rev
	}
	w.sessions[s.estID][s] = struct{}{}
}

func (w *keyWatch) remove(s *Session) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.sessions[s.estID], s)
	if len(w.sessions[s.estID]) == 0 {
		delete(w.sessions, s.estID)
		delete(w.checked, s.estID)
	}
}

func (w *keyWatch) active() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sessions) > 0
}

func (w *keyWatch) poke() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// due returns the establishments whose revision moved since their keys were
// last checked, with their sessions, and records the new revisions.
func (w *keyWatch) due(revs map[int64]int64) map[int64][]*Session {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := map[int64][]*Session{}
	for est, set := range w.sessions {
		if rev, ok := revs[est]; ok && rev == w.checked[est] {
			continue
		}
		w.checked[est] = revs[est]
		for s := range set {
			out[est] = append(out[est], s)
		}
	}
	return out
}

// retry makes the next tick check the keys of est again.
func (w *keyWatch) retry(est int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.checked, est)
}

// checkKeys re-reads the keys of the establishments whose revision moved and
// ends the sessions whose key is no longer theirs.
func (b *Backend) checkKeys(revs map[int64]int64) {
	for est, sessions := range b.keys.due(revs) {
		var rows []store.Key
		err := b.store.Read(context.Background(), func(tx store.Tx) error {
			var err error
			rows, err = tx.Keys(est)
			return err
		})
		if err != nil {
			b.log.Warn("check keys", "err", err)
			b.keys.retry(est)
			continue
		}
		byFP := make(map[string]store.Key, len(rows))
		for _, k := range rows {
			byFP[k.Fingerprint] = k
		}
		for _, s := range sessions {
			k, ok := byFP[s.key.fingerprint]
			if !ok || !s.keyValid(k) {
				s.endKey()
			}
		}
	}
}

// keyValid reports whether k is still the key the session was opened with,
// with the same role, establishment and enrollment, and not revoked.
func (s *Session) keyValid(k store.Key) bool {
	return k.RevokedAt.IsZero() && k.EstablishmentID == s.estID && roleFromStore(k.Role) == s.role &&
		k.AddedAt.Equal(s.key.added)
}

// checkKey refuses a call of a key session whose key was revoked or changed;
// it runs inside the call's transaction.
func (s *Session) checkKey(tx store.Tx) error {
	if s.key == nil {
		return nil
	}
	select {
	case <-s.revoked: // once ended, for good
		return ErrKeyRevoked
	default:
	}
	k, err := tx.KeyByFingerprint(s.key.fingerprint)
	if errors.Is(err, store.ErrNotFound) || err == nil && !s.keyValid(k) {
		s.endKey()
		return ErrKeyRevoked
	}
	return err
}

func (s *Session) endKey() {
	s.revokeOnce.Do(func() { close(s.revoked) })
}

// Revoked is closed when the SSH key of the session is revoked or enrolled
// again with another role: the SSH server then ends the session. It is never
// closed for a session opened with the hosting credentials.
func (s *Session) Revoked() <-chan struct{} { return s.revoked }

// Close tells the back end the session is over: its subscriptions end and
// its key is no longer watched. The front end that opened it calls it when
// its console or SSH session ends, however it ends (a client that vanished
// never says "quit"). Safe to call more than once.
func (s *Session) Close() {
	s.mu.Lock()
	subs := s.subs
	s.subs, s.closed = nil, true
	s.mu.Unlock()
	for _, stop := range subs {
		stop()
	}
	if s.key != nil {
		s.b.keys.remove(s)
	}
}

// keySession builds the session of an enrolled key and starts watching the
// key; rev is the establishment's revision the key was read at.
func (b *Backend) keySession(k store.Key, addr string, rev int64) *Session {
	s := &Session{b: b, estID: k.EstablishmentID, role: roleFromStore(k.Role), actor: k.Name, addr: addr,
		key: &sessionKey{fingerprint: k.Fingerprint, added: k.AddedAt}, revoked: make(chan struct{})}
	b.keys.add(s, rev)
	return s
}
