package backend

import (
	"sync"
)

// Topic is what an event is about, so that a console reloads only the tabs
// that show it. Topics combine as bits.
type Topic uint16

// The topics of the console's tabs.
const (
	TopicBases Topic = 1 << iota
	TopicServer
	TopicBackups
	TopicConnections
	TopicPublication
	TopicAccount
	TopicKeys

	// AllTopics is what a console must reload when it cannot know what
	// changed: a change committed by another process, or more changes than
	// its subscription holds apart.
	AllTopics = TopicBases | TopicServer | TopicBackups | TopicConnections | TopicPublication | TopicAccount | TopicKeys
)

// Has reports whether t shares a topic with o.
func (t Topic) Has(o Topic) bool { return t&o != 0 }

// Notice is a French sentence for every console of an establishment, for
// what happened outside them (a file sent by sftp, say); OK tells whether it
// reports a success.
type Notice struct {
	Text string
	OK   bool
}

// Event tells a console what changed in its establishment since the last
// one it took. Events are coalesced, never dropped: a console that reads
// slowly gets one event with the union of the topics, and AllTopics when it
// fell too far behind to know.
type Event struct {
	EstablishmentID int64
	// Topics is what changed; AllTopics when the change was seen in the
	// store (another process) and its topics are unknown.
	Topics Topic
	// Actions are the journal actions behind the event, oldest first; none
	// for changes seen in the store.
	Actions []string
	// Notices are the sentences to show, oldest first; at most maxNotices,
	// and Missed counts the older ones left out.
	Notices []Notice
	Missed  int
	// Own is true when every change of the event was made by the session
	// that subscribed, which already knows its outcome.
	Own bool
}

// Bounds of what one subscription holds between two takes. Past maxActions
// changes the event says AllTopics (reload everything) with the latest
// actions; past maxNotices it keeps the latest notices and counts the
// others in Missed: nothing is lost silently, and a stalled console costs a
// few kilobytes at most.
const (
	maxNotices = 16
	maxActions = 32
)

// Subscription is one console's feed of events. The back end merges what
// happens between two Takes into one Event, so a slow console never blocks
// the back end and never misses a change.
type Subscription struct {
	bus   *bus
	estID int64
	owner *Session
	// ready holds a token while an event is pending; closed at the end.
	ready chan struct{}

	mu      sync.Mutex
	pending Event
	has     bool
	closed  bool
}

// Ready receives when an event is pending, and is closed when the
// subscription ends.
func (s *Subscription) Ready() <-chan struct{} { return s.ready }

// Take returns the pending event, merged, and false when there is none.
func (s *Subscription) Take() (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.has {
		return Event{}, false
	}
	ev := s.pending
	s.pending, s.has = Event{}, false
	select { // the token of this event, so that Ready means pending
	case <-s.ready:
	default:
	}
	return ev, true
}

// Next waits for the next event; false once the subscription has ended.
func (s *Subscription) Next() (Event, bool) {
	for {
		if ev, ok := s.Take(); ok {
			return ev, true
		}
		if _, open := <-s.ready; !open {
			return s.Take()
		}
	}
}

// Close ends the subscription; Ready is closed. Closing twice is fine.
func (s *Subscription) Close() { s.bus.unsubscribe(s) }

// add merges ev into the pending event and signals the reader.
func (s *Subscription) add(ev Event, from *Session) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	p := &s.pending
	own := from != nil && from == s.owner
	if !s.has {
		p.EstablishmentID, p.Own = ev.EstablishmentID, own
	} else {
		p.Own = p.Own && own
	}
	s.has = true
	p.Topics |= ev.Topics
	p.Actions = append(p.Actions, ev.Actions...)
	if n := len(p.Actions); n > maxActions {
		// Too far behind to list what happened: the console reloads
		// everything, and keeps the latest actions.
		p.Actions = append(p.Actions[:0:0], p.Actions[n-maxActions:]...)
		p.Topics = AllTopics
	}
	p.Notices = append(p.Notices, ev.Notices...)
	if n := len(p.Notices); n > maxNotices {
		p.Missed += n - maxNotices
		p.Notices = append(p.Notices[:0:0], p.Notices[n-maxNotices:]...)
	}
	// Under the lock, so that a token is waiting exactly while an event
	// is pending.
	select {
	case s.ready <- struct{}{}:
	default: // a token is already waiting
	}
	s.mu.Unlock()
}

// bus fans events out to the subscriptions of each establishment.
type bus struct {
	mu   sync.Mutex
	subs map[int64]map[*Subscription]struct{}
	seen map[int64]int64
}

func newBus() *bus {
	return &bus{subs: map[int64]map[*Subscription]struct{}{}, seen: map[int64]int64{}}
}

func (b *bus) subscribe(owner *Session, rev int64, known bool) *Subscription {
	sub := &Subscription{bus: b, estID: owner.estID, owner: owner, ready: make(chan struct{}, 1)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if known && len(b.subs[sub.estID]) == 0 {
		// The new console reads the state as of rev: the watcher announces
		// only later changes.
		b.seen[sub.estID] = max(b.seen[sub.estID], rev)
	}
	if b.subs[sub.estID] == nil {
		b.subs[sub.estID] = map[*Subscription]struct{}{}
	}
	b.subs[sub.estID][sub] = struct{}{}
	return sub
}

func (b *bus) unsubscribe(sub *Subscription) {
	b.mu.Lock()
	delete(b.subs[sub.estID], sub)
	b.mu.Unlock()
	sub.end()
}

func (s *Subscription) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.ready)
	}
}

func (b *bus) hasSubscribers() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, s := range b.subs {
		if len(s) > 0 {
			return true
		}
	}
	return false
}

// observe publishes a change of estID at revision rev. action is the
// journal action, "" for a change seen in the store, whose topics are then
// unknown (AllTopics); from is the session that made it, nil when unknown.
//
// Only the watcher's changes are matched against the revisions seen: an
// action of this process is always published, even when a later revision
// was published before it (two actions committing close together may
// publish in either order), so that its topics are never lost.
func (b *bus) observe(estID, rev int64, action string, topics Topic, from *Session) {
	b.mu.Lock()
	defer b.mu.Unlock()
	old, seen := b.seen[estID]
	if action == "" && seen && old >= rev {
		return
	}
	b.seen[estID] = max(old, rev)
	ev := Event{EstablishmentID: estID, Topics: topics}
	if action != "" {
		ev.Actions = []string{action}
	} else {
		ev.Topics = AllTopics
	}
	for sub := range b.subs[estID] {
		sub.add(ev, from)
	}
}

// touch publishes a change that is not in the store (the connections
// held in memory): no revision, only topics.
func (b *bus) touch(estID int64, topics Topic) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ev := Event{EstablishmentID: estID, Topics: topics}
	for sub := range b.subs[estID] {
		sub.add(ev, nil)
	}
}

// announce sends a notice to every console of an establishment.
func (b *bus) announce(estID int64, ok bool, text string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ev := Event{EstablishmentID: estID, Notices: []Notice{{Text: text, OK: ok}}}
	for sub := range b.subs[estID] {
		sub.add(ev, nil)
	}
}

func (b *bus) closeAll() {
	b.mu.Lock()
	all := b.subs
	b.subs = map[int64]map[*Subscription]struct{}{}
	b.mu.Unlock()
	for _, s := range all {
		for sub := range s {
			sub.end()
		}
	}
}
