package service

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/model"
)

// This file owns the enforcement of moderation: a banned name's (or
// address's) handshake and joins are refused, a muted name's talks too,
// and slow mode spaces a user's talks in a room. An expired restriction
// found on the way is removed, here and from the store.

// expireTimeout bounds the removal of an expired restriction.
const expireTimeout = 5 * time.Second

// CheckBanned is the handshake's check: a refusal in words if name or
// addr is banned from the server or from one of rooms, else nil. An
// address ban does not refuse a name with a role in the room (the caller
// passes no addr for an admin by token, which is not online yet). What
// the hub holds is current for every room, followed or not: it is the
// only node, or its store tells it every change (moderation_feed.go).
func (h *Hub) CheckBanned(name string, addr netip.Addr, rooms []string) error {
	if err := h.banned("", name, addr); err != nil {
		return err
	}
	for _, room := range rooms {
		if err := h.banned(room, name, addr); err != nil {
			return err
		}
	}
	return nil
}

// banned refuses name or addr if banned from room ("": the server).
func (h *Hub) banned(room, name string, addr netip.Addr) error {
	now := time.Now()
	r, ok, expired := h.mod.get(room, name, false, now)
	if expired {
		r, ok = h.expire(r)
	}
	who := "you are"
	ok = ok && h.caughtBy(r, name)
	if !ok {
		// Another name's ban that also holds its address: this user was
		// not banned by name, so say what was.
		r, ok = h.mod.byAddr(room, addr, now)
		// A role holder in room is known by its proven name: an address
		// ban of someone behind the same address (a NAT, a /64) must not
		// shut out those its author may not act on by name.
		ok = ok && h.RoleIn(room, name) == ""
		who = "your address is"
	}
	if !ok {
		return nil
	}
	text := who + " banned " + where(room) + " " + untilText(r.Until)
	if r.Reason != "" {
		text += ": " + r.Reason
	}
	return refuseRoom(RefuseBanned, room, "%s", text)
}

// mayTalk refuses a talk of m in room if m is muted there, or talks
// sooner than the room's slow mode allows.
func (h *Hub) mayTalk(m Member, room string) error {
	now := time.Now()
	r, muted, expired, slow := h.mod.talking(room, m.Name(), now)
	if expired {
		r, muted = h.expire(r)
	}
	if muted && h.caughtBy(r, m.Name()) {
		text := fmt.Sprintf("you are muted in room %s %s", room, untilText(r.Until))
		if r.Reason != "" {
			text += " (" + r.Reason + ")"
		}
		return refuseRoom(RefuseMuted, room, "%s", text)
	}
	if slow <= 0 || h.RoleIn(room, m.Name()) != "" { // every role is exempt
		return nil
	}
	if wait := h.mod.slowWait(room, m.Name(), slow, now); wait > 0 {
		secs := int64((wait + time.Second - 1) / time.Second)
		return refuseRoom(RefuseSlowMode, room, "room %s is in slow mode (one message every %s): wait %d s", room, slow, secs)
	}
	return nil
}

// expire removes r, found expired, here and from the store, unless the
// store keeps a newer one of its room, name and kind (imposed meanwhile,
// or on a node whose event this one did not get: it does not follow the
// room): that one is held and returned, with whether it is in force.
func (h *Hub) expire(r Restriction) (Restriction, bool) {
	now := time.Now()
	if cur, ok, expired := h.mod.get(r.Room, r.Name, r.Mute, now); !expired || !cur.At.Equal(r.At) {
		return cur, ok // removed, or replaced, meanwhile
	}
	ctx, cancel := context.WithTimeout(context.Background(), expireTimeout)
	defer cancel()
	log := h.log.WithFields(logrus.Fields{"room": r.Room, "user": r.Name})
	kept, err := h.cfg.Moderation.Restrictions(ctx)
	if err != nil {
		log.WithField("error", err).Warn("moderation: the store cannot be read; an expired restriction stays in it")
		h.mod.remove(r.Room, r.Name, r.Mute)
		return Restriction{}, false
	}
	key := keyOf(r)
	if i := slices.IndexFunc(kept, func(k Restriction) bool { return keyOf(k) == key }); i >= 0 && !kept[i].At.Equal(r.At) {
		h.mod.put(kept[i], false)
		return kept[i], !kept[i].Expired(now)
	}
	h.mod.remove(r.Room, r.Name, r.Mute)
	if _, err := h.cfg.Moderation.RemoveRestriction(ctx, r.Room, r.Name, r.Mute); err != nil {
		log.WithField("error", err).Warn("moderation: expired restriction not removed from the store")
	}
	return Restriction{}, false
}

// admitJoin is the moderation of m's join of r, once followed: a ban is
// refused; the join that opens a room no one is in (but the default room)
// makes m its owner if the room has no settings yet, with trusted names
// (not one that looks like the default room).
func (h *Hub) admitJoin(ctx context.Context, m Member, r *room) error {
	h.mu.RLock()
	var addr netip.Addr
	if u := h.user(m); u != nil {
		addr = u.addr
	}
	h.mu.RUnlock()
	if err := h.banned(r.name, m.Name(), addr); err != nil {
		return err
	}
	if !h.cfg.TrustedNames || h.looksDefault(r.name) || !r.emptyBut(m.Name()) {
		return nil
	}
	created, err := h.cfg.Moderation.CreateRoom(ctx, r.name, m.Name())
	switch {
	case err != nil:
		h.log.WithFields(logrus.Fields{"room": r.name, "error": err}).Warn("moderation: the room's owner not stored")
	case created:
		h.mod.setSettings(RoomSettings{Room: r.name, Owner: m.Name()})
		h.log.WithFields(logrus.Fields{"room": r.name, "owner": m.Name()}).Info("room created")
	}
	return nil
}

// looksDefault says whether room is the default room or looks like it
// ("l0bby", Cyrillic "lоbby"): such a room gets no owner, or its opener
// would moderate a room that passes for the operator's.
func (h *Hub) looksDefault(room string) bool {
	return room == h.cfg.DefaultRoom || model.UsernameSkeleton(room) == model.UsernameSkeleton(h.cfg.DefaultRoom)
}

// emptyBut says whether no one but name is in the room, on any node (a
// handshake's claim lists its rooms in the directory before it joins).
func (r *room) emptyBut(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.users.len()
	return n == 0 || n == 1 && r.users.has(name)
}

// loadModeration loads what the store keeps.
func (h *Hub) loadModeration() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return h.mod.load(ctx)
}

// greet queues to e, a joiner after its own join, the room's topic, slow
// mode and e's role in it, if set. Under the room's lock.
func (r *room) greet(e *entry) {
	rs, _ := r.hub.mod.settings(r.name)
	if rs.Topic != "" {
		r.send(e, r.frame(&model.ChatRoomRequest{Type: model.TypeTopic, Room: r.name, Topic: rs.Topic, By: rs.TopicBy}))
	}
	if rs.Slow > 0 {
		r.send(e, r.frame(&model.ChatRoomRequest{Type: model.TypeSlow, Room: r.name, Duration: uint32(rs.Slow / time.Second)}))
	}
	if e.role != "" {
		r.send(e, r.frame(&model.ChatRoomRequest{Type: model.TypeRole, Room: r.name, UserName: e.m.Name(), Role: e.role}))
	}
}
