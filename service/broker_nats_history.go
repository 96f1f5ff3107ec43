package service

// This file owns the NATS broker as a History: scroll back, catch up and
// search read what the stream keeps of a conversation's subject (a room's;
// for a direct-message conversation, the direct messages' subject, keeping
// those between its two users). There is no index: each call reads the
// subject's events, backwards in windows (Before, Search) or forwards
// (After), every node the same stream, so every node answers the same.

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"chatroom/model"
)

var _ History = (*NatsBroker)(nil)

// natsConv is a conversation as the stream keeps it.
type natsConv struct {
	key     string // the conversation: a room's name or a DirectConversation
	subject string
	room    string // "" for a direct-message conversation
}

// conversation is where the stream keeps conv.
func (b *NatsBroker) conversation(conv string) (natsConv, error) {
	switch {
	case conv == "":
		return natsConv{}, errors.New("history: no room or conversation")
	case model.IsDirectConversation(conv):
		return natsConv{key: conv, subject: b.dmSubject()}, nil
	case len(conv) > maxRoomBytes:
		return natsConv{}, fmt.Errorf("history: room name is longer than %d characters", model.MaxRoomRunes)
	}
	return natsConv{key: conv, subject: b.roomSubject(conv), room: conv}, nil
}

// talk is ev if it is a talk of c, stamped as it was delivered live (seq
// and time in the stream, and the room of a room's talk); nil otherwise.
func (c natsConv) talk(ev storedEvent) *model.ChatRoomRequest {
	m, err := model.Decode(ev.data)
	if err != nil || m.Type != model.TypeTalk {
		return nil
	}
	if c.room == "" {
		if m.To == "" || model.DirectConversation(m.UserName, m.To) != c.key {
			return nil
		}
	} else {
		m.Room = c.room // the default room's talks of before rooms have none
	}
	m.Seq, m.Timestamp = ev.seq, ev.at.UnixMilli()
	return m
}

func checkLimit(limit int) error {
	if limit < 1 {
		return fmt.Errorf("history: limit %d is not positive", limit)
	}
	return nil
}

// Before implements History: the last limit talks of conv before the seq
// before, read backwards from the stream in windows, deleted ones as
// their tombstones.
func (b *NatsBroker) Before(ctx context.Context, conv string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	c, err := b.conversation(conv)
	if err == nil {
		err = checkLimit(limit)
	}
	if err != nil {
		return nil, false, err
	}
	tombstones := b.tombstonesMeanwhile(ctx, c)
	found, err := b.scanBack(ctx, c.subject, before, limit+1, 2*uint64(limit+1)+16, c.talk)
	if err != nil {
		return nil, false, err
	}
	tombs, err := tombstones()
	if err != nil {
		return nil, false, err
	}
	slices.Reverse(found)
	// Of limit+1 talks and the tombstones, the last limit are the page: a
	// tombstone older than the oldest of those talks is not in it.
	found = withTombstones(found, tombs, 0, before)
	more := len(found) > limit
	return found[max(len(found)-limit, 0):], more, nil
}

// Search implements History: the talks of conv before the seq before that
// match query (model.Query), newest first, from a scan of the subject
// backwards. The scan reads what retention keeps of the subject, at most.
func (b *NatsBroker) Search(ctx context.Context, conv, query string, before uint64, limit int) ([]*model.ChatRoomRequest, bool, error) {
	c, err := b.conversation(conv)
	if err == nil {
		err = checkLimit(limit)
	}
	q := model.ParseQuery(query)
	if err == nil && q.Empty() {
		err = errors.New("search: empty query")
	}
	if err != nil {
		return nil, false, err
	}
	tombs, err := b.tombstones(ctx, c) // of talks whose erasure failed
	if err != nil {
		return nil, false, err
	}
	match := func(ev storedEvent) *model.ChatRoomRequest {
		if m := c.talk(ev); m != nil && tombs[m.Seq] == nil && q.Match(m.Content) {
			return m
		}
		return nil
	}
	found, err := b.scanBack(ctx, c.subject, before, limit+1, 2*windowBatch, match)
	if err != nil {
		return nil, false, err
	}
	return found[:min(len(found), limit)], len(found) > limit, nil
}
