package service

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// Talk sends content from m to everyone in room (m's home room if empty),
// where m must be. The caller has checked the content; the sender's name
// and the time come from the server.
func (h *Hub) Talk(ctx context.Context, m Member, room, content string) error {
	room, err := h.roomOf(m, room)
	if err != nil {
		return err
	}
	if err := h.mayTalk(m, room); err != nil {
		return err
	}
	ev := event(model.TypeTalk, m.Name(), room, content)
	if err := h.broker.Publish(ctx, ev); err != nil {
		return notStored(err, room, "")
	}
	h.logTalk(ev)
	return nil
}

// addressee is the user a direct message or a conversation's history names
// as to: the one online with its key, else to as it is; and whether that
// one is online.
func (h *Hub) addressee(to string) (string, bool) {
	if holder, online := h.broker.Holder(to); online {
		return holder, true
	}
	return to, false
}

// Direct sends content from m to the user to alone, and echoes it to m.
// Direct messages are not stored for users who are offline: to must be
// online.
func (h *Hub) Direct(ctx context.Context, m Member, to, content string) error {
	to, online := h.addressee(to)
	switch {
	case to == m.Name():
		return &Refusal{Reason: RefuseSelf, To: to, Text: "you cannot send a direct message to yourself"}
	case !online:
		return &Refusal{Reason: RefuseNotOnline, To: clipRoom(to), Text: "user " + clipRoom(to) + " is not online: direct messages reach only users online"}
	}
	ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: m.Name(), To: to, Content: content}
	if err := h.broker.Publish(ctx, ev); err != nil {
		return notStored(err, "", to)
	}
	h.logTalk(ev)
	return nil
}

// notStored is a talk's refusal if the store could not write it (its text
// says "message not sent:" and why), else err as it is.
func notStored(err error, room, to string) error {
	if errors.Is(err, ErrStoreFailed) {
		return &Refusal{Reason: RefuseNotStored, Room: room, To: to, Text: err.Error()}
	}
	return err
}

func (h *Hub) logTalk(ev *model.ChatRoomRequest) {
	fields := logrus.Fields{"user": ev.UserName, "seq": ev.Seq}
	if ev.To != "" {
		fields["to"] = ev.To
	} else {
		fields["room"] = ev.Room
	}
	if !h.cfg.OmitTalkContent {
		fields["content"] = ev.Content // within -max-content, checked by the caller
	}
	h.log.WithFields(fields).Info("talk")
}

// deliverDirect hands a direct message to its sender and its addressee,
// those of them connected here, and keeps it in their conversation's
// history.
func (h *Hub) deliverDirect(ev *model.ChatRoomRequest) {
	h.counts.events.Add(1)
	h.mu.RLock()
	from, to := h.users[ev.UserName], h.users[ev.To]
	h.mu.RUnlock()
	if from == nil && to == nil {
		return // neither is here: nothing to deliver or keep
	}
	f := h.frame(ev)
	if h.cfg.Store == nil {
		h.dms.add(ev.UserName, ev.To, f)
	}
	for _, u := range []*localUser{from, to} {
		if u != nil {
			h.Reply(u.m, f)
		}
	}
}

// UserList queues room's user list (m's home room if empty) to m alone,
// who must be in it: the whole list, or a large room's first page.
func (h *Hub) UserList(m Member, room string) error {
	return h.UserListPage(m, NamesQuery{Room: room})
}

// History queues to m alone the last talks of room (m's home room if both
// are empty), or of m's conversation with the user to, then the end
// marker: a history message naming the room or to.
func (h *Hub) History(m Member, room, to string) error {
	if to != "" {
		to, _ = h.addressee(to)
		to = clipRoom(to)
		for _, f := range h.lastDirect(m, to) {
			h.Reply(m, f)
		}
		h.Reply(m, h.frame(&model.ChatRoomRequest{Type: model.TypeHistory, To: to}))
		return nil
	}
	room, err := h.roomOf(m, room)
	if err != nil {
		return err
	}
	end := h.frame(&model.ChatRoomRequest{Type: model.TypeHistory, Room: room})
	if r := h.room(room); r == nil || !r.sendHistory(m, end) {
		return notIn(room)
	}
	return nil
}

// lastDirect is the frames of the last History direct messages between m
// and to that m may read back.
func (h *Hub) lastDirect(m Member, to string) []*Frame {
	switch {
	case h.cfg.Store == nil:
		return h.dms.last(m.Name(), to)
	case h.cfg.History <= 0:
		return nil
	}
	c, _ := h.conversation(m, "", to)
	ctx, cancel := context.WithTimeout(context.Background(), catchUpTimeout)
	defer cancel()
	msgs, _, err := h.cfg.Store.Before(ctx, c.key, 0, h.cfg.History)
	if err != nil {
		h.log.WithField("error", err).Warn("direct messages' history unreadable")
	}
	msgs, _ = c.above(msgs)
	frames := make([]*Frame, len(msgs))
	for i, ev := range msgs {
		frames[i] = h.frame(ev)
	}
	return frames
}
