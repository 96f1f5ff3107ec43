package service

import (
	"context"
	"net/netip"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// This file owns the moderation events as the rooms deliver them, on
// every node that follows the room, in the room's order: the state they
// change is held (restrictions, settings, the last talks), the event is
// sent to the room's members (but an unban, told to its actor alone), and
// a target connected here is taken out of the room (kick, ban) or off
// the server (a server-wide ban).

// isModeration says whether typ is a moderation event's type.
func isModeration(typ string) bool {
	switch typ {
	case model.TypeKick, model.TypeBan, model.TypeUnban, model.TypeMute, model.TypeUnmute,
		model.TypeDelete, model.TypeTopic, model.TypeSlow, model.TypeRole:
		return true
	}
	return false
}

// moderated handles a moderation event, under the room's lock.
func (r *room) moderated(ev *model.ChatRoomRequest) {
	h := r.hub
	room := ev.Room
	if ev.Server {
		room = ""
	}
	switch ev.Type {
	case model.TypeBan, model.TypeMute:
		h.mod.put(restrictionOf(ev, room), ev.Address)
	case model.TypeUnban, model.TypeUnmute:
		h.mod.remove(room, ev.UserName, ev.Type == model.TypeUnmute)
	case model.TypeTopic, model.TypeSlow, model.TypeRole:
		h.mod.applySettings(ev)
	case model.TypeDelete:
		if ev.TargetSeq == 0 || ev.TargetSeq == ev.Seq {
			// A tombstone read back with the room's past (a Follow; its
			// seq is its talk's, and so is its target_seq, or 0 from an
			// older store): kept in the last talks in its talk's place,
			// not news. A live delete has a seq of its own.
			r.remember(r.frame(ev), ev)
			return
		}
		r.tombstone(ev)
	}
	if ev.Type == model.TypeUnban {
		return
	}
	r.broadcast(r.frame(ev))
	_, local := r.local[ev.UserName]
	if (ev.Type == model.TypeKick || ev.Type == model.TypeBan) && (local || ev.Server) {
		// Not under the room's lock, nor the broker's: the part publishes.
		go h.evict(ev, local)
	}
}

// restrictionOf is the restriction a ban or mute event imposes.
func restrictionOf(ev *model.ChatRoomRequest, room string) Restriction {
	r := Restriction{Room: room, Name: ev.UserName, Mute: ev.Type == model.TypeMute, By: ev.By, Reason: ev.Content, At: time.UnixMilli(ev.Timestamp)}
	if ev.Until > 0 {
		r.Until = time.UnixMilli(ev.Until)
	}
	return r
}

// applySettings holds what a topic, slow or role event sets.
func (s *modState) applySettings(ev *model.ChatRoomRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rs := s.rooms[ev.Room]
	rs.Room = ev.Room
	switch ev.Type {
	case model.TypeTopic:
		rs.Topic, rs.TopicBy = ev.Topic, ev.By
	case model.TypeSlow:
		rs.Slow = time.Duration(ev.Duration) * time.Second
	case model.TypeRole:
		rs.Moderators = withModerator(rs.Moderators, ev.UserName, ev.Role != "")
	}
	s.rooms[ev.Room] = rs
}

// evictTimeout bounds the part of a kicked member.
const evictTimeout = 10 * time.Second

// evict takes the target of a kick or ban event out of its room, if it is
// connected here: kicked from its home room, or banned from the server,
// its connection is closed (after the event, and a server ban's reason).
// A ban with address records the address it is connected from.
func (h *Hub) evict(ev *model.ChatRoomRequest, inRoom bool) {
	h.mu.RLock()
	u := h.users[ev.UserName]
	h.mu.RUnlock()
	if u == nil {
		return
	}
	if ev.Type == model.TypeBan && ev.Address {
		h.recordAddr(ev, u.addr)
	}
	switch {
	case ev.Server:
		text := "you are banned from this server"
		if ev.Content != "" {
			text += ": " + ev.Content
		}
		h.Reply(u.m, h.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: text}))
		u.m.Close(DisconnectBanned)
	case !inRoom:
	case ev.Room == u.home:
		u.m.Close(DisconnectKicked)
	default:
		ctx, cancel := context.WithTimeout(context.Background(), evictTimeout)
		defer cancel()
		if err := h.Part(ctx, u.m, ev.Room); err != nil {
			h.log.WithFields(logrus.Fields{"user": ev.UserName, "room": ev.Room, "error": err}).Debug("moderation: target gone before its part")
		}
	}
}

// recordAddr adds addr to the ban ev imposed, if it has none yet, here
// and in the store: the node the target is connected to knows it.
func (h *Hub) recordAddr(ev *model.ChatRoomRequest, addr netip.Addr) {
	room := ev.Room
	if ev.Server {
		room = ""
	}
	r, ok, _ := h.mod.get(room, ev.UserName, false, time.Now())
	if !ok || r.Addr.IsValid() || !addr.IsValid() {
		return
	}
	r.Addr = addr
	h.mod.put(r, false)
	ctx, cancel := context.WithTimeout(context.Background(), evictTimeout)
	defer cancel()
	if err := h.cfg.Moderation.PutRestriction(ctx, r); err != nil {
		h.log.WithFields(logrus.Fields{"user": r.Name, "error": err}).Warn("moderation: a ban's address not stored")
	}
}
