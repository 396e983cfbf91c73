package backend

import "testing"

// Two actions of one establishment commit revisions 5 and 6 and publish
// after their transactions, in either order: when 6 is published first,
// 5's topics still reach every console, the acting one included.
func TestActionPublishedAfterALaterRevisionKeepsItsTopics(t *testing.T) {
	b := newBus()
	actor, other, viewer := &Session{estID: 1}, &Session{estID: 1}, &Session{estID: 1}
	sub := b.subscribe(viewer, 4, true)
	own := b.subscribe(actor, 4, true)
	b.observe(1, 6, "server.start", TopicServer, other)
	b.observe(1, 5, "key.rename", TopicKeys, actor)
	for name, s := range map[string]*Subscription{"viewer": sub, "actor": own} {
		ev, _ := s.Take()
		if !ev.Topics.Has(TopicKeys) || !ev.Topics.Has(TopicServer) || len(ev.Actions) != 2 {
			t.Errorf("%s: topics %b, actions %v; want both", name, ev.Topics, ev.Actions)
		}
	}
	// The watcher, which sees only revisions, publishes nothing it has seen.
	b.observe(1, 6, "", AllTopics, nil)
	if ev, ok := sub.Take(); ok {
		t.Errorf("the watcher published a revision already seen: %+v", ev)
	}
	b.observe(1, 7, "", AllTopics, nil)
	if ev, _ := sub.Take(); ev.Topics != AllTopics {
		t.Errorf("a revision made elsewhere: topics %b, want every topic", ev.Topics)
	}
}

// A console too far behind to be told each change reloads everything.
func TestStalledSubscriberReloadsEverything(t *testing.T) {
	b := newBus()
	sub := b.subscribe(&Session{estID: 1}, 0, true)
	for rev := int64(1); rev <= maxActions+5; rev++ {
		b.observe(1, rev, "base.open", TopicBases, nil)
	}
	ev, _ := sub.Take()
	if ev.Topics != AllTopics || len(ev.Actions) != maxActions {
		t.Errorf("topics %b, %d actions; want every topic and the latest %d", ev.Topics, len(ev.Actions), maxActions)
	}
}
