package service

// This file owns which rooms a NATS node follows: Follow starts a room's
// feed with the room as it is (its members, from the directory; its past,
// from the stream), Unfollow stops it.

import (
	"context"
	"errors"
	"fmt"

	"chatroom/model"
)

// Follow implements Broker. The room's members, per the directory of every
// node's claims, arrive as joins (with no Seq); then the feed of the room's
// subject delivers the last HistoryScan events the stream keeps of it, in
// order, which fills the room's recent history and settles who joined or
// left meanwhile (joins and leaves are idempotent). Older ones are read
// through History. Once that past is in,
// a user it brought back who is not in the room per the directory (by now)
// gets a leave (no Seq): the replay cannot know of a user gone without one.
// The same feed then delivers every later event. A second Follow of the
// room waits for the first's past.
func (b *NatsBroker) Follow(ctx context.Context, room string) error {
	if room == "" || len(room) > maxRoomBytes {
		return fmt.Errorf("follow: no room %q", room)
	}
	b.mu.Lock()
	switch {
	case b.closed:
		b.mu.Unlock()
		return ErrBrokerClosed
	case b.handlers.Event == nil:
		b.mu.Unlock()
		return errors.New("follow: not subscribed")
	}
	f, followed := b.feeds[room]
	if !followed {
		f = newFeed(room, b.roomSubject(room), b.handlers.Event)
		b.feeds[room] = f
	}
	b.mu.Unlock()
	if followed {
		select {
		case <-f.ready:
			return f.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	f.err = b.followPast(ctx, f)
	if f.err != nil {
		b.unfollow(f)
		f.err = fmt.Errorf("follow %s: %w", room, f.err)
	}
	close(f.ready)
	return f.err
}

// followPast delivers f's room as it is, then its past.
func (b *NatsBroker) followPast(ctx context.Context, f *feed) error {
	last, err := b.lastSeq(ctx, f.subject)
	if err != nil {
		return err
	}
	from, err := b.replayFrom(ctx, f.subject, last)
	if err != nil {
		return err
	}
	b.afterInfo()
	b.deliverMembers(f)
	if err := b.startFeed(ctx, f, from); err != nil {
		return err
	}
	if last > 0 {
		if err := b.waitDelivered(ctx, f, last); err != nil {
			return fmt.Errorf("the room's history did not arrive: %w", err)
		}
	}
	if err := b.syncIndex(ctx); err != nil {
		return fmt.Errorf("the directory did not catch up: %w", err)
	}
	b.dropStrangers(f, last)
	return nil
}

// deliverMembers hands f's handler a join for every member of its room per
// the directory, before its consumer starts.
func (b *NatsBroker) deliverMembers(f *feed) {
	f.hand.Lock()
	defer f.hand.Unlock()
	for name := range b.index.members(f.room) {
		f.handler(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: name, Room: f.room})
		f.mu.Lock()
		f.online[nameKey(name)] = onlineUser{name: name}
		f.mu.Unlock()
	}
}

// dropStrangers hands f's handler a leave for every user online in its room
// since a join up to last (the past Follow replayed) who is not a member
// per the directory.
func (b *NatsBroker) dropStrangers(f *feed, last uint64) {
	members := b.index.members(f.room)
	f.hand.Lock()
	defer f.hand.Unlock()
	var gone []string
	f.mu.Lock()
	for key, u := range f.online {
		if u.seq <= last && !members[u.name] {
			delete(f.online, key)
			gone = append(gone, u.name)
		}
	}
	stopped := f.stopped
	f.mu.Unlock()
	if stopped {
		return
	}
	for _, name := range gone {
		f.handler(&model.ChatRoomRequest{Type: model.TypeLeave, UserName: name, Room: f.room})
	}
}

// Unfollow implements Broker. The feed's consumer stops on another
// goroutine: Unfollow may be called by the handler the consumer is in.
func (b *NatsBroker) Unfollow(room string) {
	b.mu.Lock()
	f := b.feeds[room]
	b.mu.Unlock()
	if f != nil {
		b.unfollow(f)
	}
}

// unfollow stops f and forgets it, if it is still its room's feed.
func (b *NatsBroker) unfollow(f *feed) {
	b.mu.Lock()
	if b.feeds[f.room] == f {
		delete(b.feeds, f.room)
	}
	closed := b.closed
	if !closed {
		b.stopping.Add(1)
	}
	b.mu.Unlock()
	if closed {
		return // Close stops every feed
	}
	cc := f.stop()
	go func() {
		defer b.stopping.Done()
		if cc != nil {
			cc.Stop()
		}
	}()
}

// followed returns the rooms' feeds.
func (b *NatsBroker) followed() []*feed {
	b.mu.Lock()
	defer b.mu.Unlock()
	feeds := make([]*feed, 0, len(b.feeds))
	for _, f := range b.feeds {
		feeds = append(feeds, f)
	}
	return feeds
}
