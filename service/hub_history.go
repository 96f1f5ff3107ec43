package service

// This file owns reading history back on a member's request: a page of a
// room's or a direct conversation's talks before a seq (scroll back), and
// a search of them. Both read the hub's History (cfg.Store) and answer with
// one frame.

import (
	"context"
	"unicode/utf8"

	"chatroom/model"
)

// MaxSearchQuery is the longest search query, in bytes.
const MaxSearchQuery = 256

// DefaultSearchPage is the search results' page when the client asks for
// no size.
const DefaultSearchPage = 50

// A conversationRef is what a history or search request is about: a room
// m is in, or m's direct messages with a user.
type conversationRef struct {
	key  string // the History's key
	room string
	to   string
	// floor: only talks from this time (Unix ms) on, and with a seq
	// above floorSeq, may be read (0: all).
	floor    int64
	floorSeq uint64
}

// conversation checks that m may read room (m's home room if both are
// empty) or its conversation with to, and names it.
func (h *Hub) conversation(m Member, room, to string) (conversationRef, error) {
	if to != "" {
		to, _ = h.addressee(to)
		to = clipRoom(to)
		c := conversationRef{key: model.DirectConversation(m.Name(), to), to: to}
		if !h.cfg.TrustedNames {
			h.mu.RLock()
			if u := h.users[m.Name()]; u != nil && u.m == m {
				c.floor, c.floorSeq = u.connected, u.connectedSeq
			}
			h.mu.RUnlock()
		}
		return c, nil
	}
	room, err := h.roomOf(m, room)
	if err != nil {
		return conversationRef{}, err
	}
	return conversationRef{key: room, room: room}, nil
}

// HistoryPage queues to m one page of room's talks (m's home room if room
// and to are empty), or of m's direct messages with to: at most limit
// talks with a seq below before (0: the newest), oldest first, and whether
// older ones are kept.
func (h *Hub) HistoryPage(ctx context.Context, m Member, room, to string, before uint64, limit int) error {
	c, err := h.conversation(m, room, to)
	if err != nil {
		return err
	}
	if h.cfg.Store == nil {
		return refuseIn(c, RefuseNoHistory, "history is not kept on this server")
	}
	limit = min(max(limit, 1), model.MaxHistoryPage)
	msgs, more, err := h.cfg.Store.Before(ctx, c.key, before, limit)
	if err != nil {
		return refuseIn(c, RefuseHistoryFailed, "history cannot be read now: "+err.Error())
	}
	msgs, floored := c.above(msgs)
	more = more && !floored // what is older is not the asker's to read
	if n := pageLen(msgs, true); n < len(msgs) {
		msgs, more = msgs[len(msgs)-n:], true
	}
	reply := &model.ChatRoomRequest{Type: model.TypeHistory, Room: c.room, To: c.to, Before: before, Messages: msgs, More: more}
	h.Reply(m, h.frame(reply))
	return nil
}

// Search queues to m the talks of room (or of m's direct messages with to)
// that match query, with a seq below before (0: the newest), newest first,
// at most limit (0: DefaultSearchPage), and whether there are more.
func (h *Hub) Search(ctx context.Context, m Member, room, to, query string, before uint64, limit int) error {
	c, err := h.conversation(m, room, to)
	if err != nil {
		return err
	}
	switch {
	case h.cfg.Store == nil:
		return refuseIn(c, RefuseNoHistory, "history is not kept on this server")
	case len(query) > MaxSearchQuery || !utf8.ValidString(query):
		return refuseIn(c, RefuseSearch, "search: the query is longer than 256 bytes, or not text")
	case model.ParseQuery(query).Empty():
		return refuseIn(c, RefuseSearch, "search: empty query")
	}
	if limit <= 0 {
		limit = DefaultSearchPage
	}
	limit = min(limit, model.MaxHistoryPage)
	msgs, more, err := h.cfg.Store.Search(ctx, c.key, query, before, limit)
	if err != nil {
		return refuseIn(c, RefuseHistoryFailed, "search cannot be done now: "+err.Error())
	}
	// Newest first: the floor cuts the end.
	for i, ev := range msgs {
		if !c.readable(ev) {
			msgs, more = msgs[:i], false
			break
		}
	}
	if n := pageLen(msgs, false); n < len(msgs) {
		msgs, more = msgs[:n], true
	}
	reply := &model.ChatRoomRequest{Type: model.TypeSearch, Room: c.room, To: c.to, Content: query, Before: before, Messages: msgs, More: more}
	h.Reply(m, h.frame(reply))
	return nil
}

// above returns msgs (oldest first) without those before c's floor, and
// whether it left any out.
func (c conversationRef) above(msgs []*model.ChatRoomRequest) ([]*model.ChatRoomRequest, bool) {
	for i, ev := range msgs {
		if c.readable(ev) {
			return msgs[i:], i > 0
		}
	}
	return nil, len(msgs) > 0
}

// readable says whether ev is above c's floor, in time and in seq.
func (c conversationRef) readable(ev *model.ChatRoomRequest) bool {
	return ev.Timestamp >= c.floor && ev.Seq > c.floorSeq
}

// refuseIn is a refusal about c.
func refuseIn(c conversationRef, reason RefusalReason, text string) *Refusal {
	return &Refusal{Reason: reason, Room: c.room, To: c.to, Text: text}
}
