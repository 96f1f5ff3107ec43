package service

import (
	"context"
	"testing"
	"time"
)

// A load of the moderation state from the store (at start, and, on a
// cluster's node whose store tells no changes, whenever the node follows a
// room) loses no change held while it read: a mute
// held meanwhile (stored after the load read the store, or delivered as
// an event) is still held after the load.

// pausedStore is a real MemoryModeration whose Restrictions tells read
// once it has read, and returns only when resume is closed.
type pausedStore struct {
	*MemoryModeration
	read, resume chan struct{}
}

func (p *pausedStore) Restrictions(ctx context.Context) ([]Restriction, error) {
	rs, err := p.MemoryModeration.Restrictions(ctx)
	close(p.read)
	<-p.resume
	return rs, err
}

func TestModerationLoadKeepsChangesMadeMeanwhile(t *testing.T) {
	store := &pausedStore{MemoryModeration: NewMemoryModeration(), read: make(chan struct{}), resume: make(chan struct{})}
	s := newModState(store)
	ctx := context.Background()
	loaded := make(chan error, 1)
	go func() { loaded <- s.load(ctx) }()
	select {
	case <-store.read:
	case <-time.After(10 * time.Second):
		t.Fatal("the load did not read the store")
	}
	now := time.Now()
	mute := Restriction{Room: "den", Name: "Bob", Mute: true, At: now}
	if err := store.PutRestriction(ctx, mute); err != nil {
		t.Fatal(err)
	}
	s.put(mute, false)
	s.setSettings(RoomSettings{Room: "den", Owner: "alice", Topic: "set meanwhile"})
	close(store.resume)
	if err := <-loaded; err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.get("den", "bob", true, now); !ok {
		t.Error("a mute held while the store was read is lost by the load")
	}
	if rs, _ := s.settings("den"); rs.Topic != "set meanwhile" || rs.Owner != "alice" {
		t.Errorf("den's settings held while the store was read, after the load: %+v", rs)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.loading != 0 || s.pending != nil {
		t.Errorf("after the load: %d loads, %d changes pending", s.loading, len(s.pending))
	}
}
