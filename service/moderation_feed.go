package service

import (
	"context"
)

// This file owns keeping a node's moderation state current from a store
// that several nodes share (a ModerationFeed: the NATS bucket): every
// change any node makes there is held here as it is made, so that a ban,
// a mute or a room's settings made on another node hold here at once, in
// rooms this node does not follow too, and an address a ban's target's
// node records is enforced at every node's handshake. With a feed, a node
// reads the whole store only when it starts.

// A ModerationChange is one change of what a shared ModerationStore
// keeps; one of its fields is set.
type ModerationChange struct {
	Put     *Restriction  // kept, replacing the one of its Room, Name and Mute
	Removed *Restriction  // removed: its Room, Name and Mute say which
	Room    *RoomSettings // a room's settings kept
}

// A ModerationFeed is a ModerationStore shared by several nodes that tells
// each node every change any of them makes to it.
type ModerationFeed interface {
	// WatchChanges calls apply with what the store keeps now, then with
	// every change, in the store's order, one at a time, until the store
	// closes. It returns once what it keeps now is applied (ctx bounds
	// that), or the error that kept it from watching.
	WatchChanges(ctx context.Context, apply func(ModerationChange)) error
}

// applyChange holds a change of the shared store.
func (s *modState) applyChange(c ModerationChange) {
	switch {
	case c.Put != nil:
		s.put(*c.Put, false)
	case c.Removed != nil:
		s.remove(c.Removed.Room, c.Removed.Name, c.Removed.Mute)
	case c.Room != nil:
		s.setSettings(*c.Room)
	}
}

// watchModeration has the hub's moderation state kept current by its
// store's changes, if the store is a ModerationFeed.
func (h *Hub) watchModeration(ctx context.Context) error {
	f, ok := h.cfg.Moderation.(ModerationFeed)
	if !ok {
		return nil
	}
	return f.WatchChanges(ctx, h.mod.applyChange)
}
