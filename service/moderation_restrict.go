package service

import (
	"context"
	"net/netip"
	"time"

	"chatroom/model"
)

// This file owns the actions that restrict a name: ban and unban (from a
// room, or from the whole server), mute and unmute. Each is stored, held
// here, and published as the room's event (a server-wide one as the
// default room's, with server set), which every node applies: it holds
// the restriction and, for a ban, ends the target's place in the room or
// on the server (moderation_events.go).

// Ban bans a name (and maybe its address) from a room or the server.
func (h *Hub) Ban(ctx context.Context, a Actor, b BanRequest) error {
	room := ""
	if !b.Server {
		var err error
		if room, err = h.actorRoom(a, b.Room); err != nil {
			return err
		}
	}
	r := Restriction{Room: room, Name: b.Name, Until: until(time.Now(), b.Duration), By: a.Name, Reason: b.Reason}
	if b.Address {
		r.Addr = h.addrOf(b.Name)
	}
	return h.restrict(ctx, a, r, b.Duration, b.Address)
}

// Mute keeps name from talking in room for d (0: for ever).
func (h *Hub) Mute(ctx context.Context, a Actor, room, name string, d time.Duration, reason string) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	r := Restriction{Room: room, Name: name, Mute: true, Until: until(time.Now(), d), By: a.Name, Reason: reason}
	return h.restrict(ctx, a, r, d, false)
}

// restrict checks, stores, holds and publishes r, a ban or a mute of d.
func (h *Hub) restrict(ctx context.Context, a Actor, r Restriction, d time.Duration, address bool) error {
	action := model.TypeBan
	if r.Mute {
		action = model.TypeMute
	}
	var err error
	if r.Name, err = targetName(r.Room, r.Name); err != nil {
		return err
	}
	if err := checkReason(r.Room, "reason", r.Reason, model.MaxReasonBytes); err != nil {
		return err
	}
	if err := checkDuration(r.Room, d); err != nil {
		return err
	}
	if err := h.may(a, action, r.Room, r.Name); err != nil {
		return err
	}
	r.Name = h.shownName(r.Room, r.Name, r.Mute)
	r.At = time.Now()
	if err := h.cfg.Moderation.PutRestriction(ctx, r); err != nil {
		return refuseRoom(RefuseNotStored, r.Room, "%s not stored: %v", action, err)
	}
	h.mod.put(r, false)
	ev := &model.ChatRoomRequest{Type: action, Room: r.Room, UserName: r.Name, By: a.Name, Content: r.Reason,
		Duration: uint32(d / time.Second), Until: StoredMillis(r.Until), Address: address, Server: r.Room == ""}
	if ev.Server {
		ev.Room = h.cfg.DefaultRoom
	}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: action, Room: r.Room, Actor: a.Name, Target: r.Name, Reason: r.Reason, Duration: d})
	return nil
}

// shownName is the name a new restriction keeps: the one an earlier
// restriction of the same key kept (the store compares names as given),
// else the name online, else name.
func (h *Hub) shownName(room, name string, mute bool) string {
	if old, ok, expired := h.mod.get(room, name, mute, time.Now()); ok || expired {
		return old.Name
	}
	if shown, online := h.broker.Holder(name); online {
		return shown
	}
	return name
}

// addrOf is the address of name if it is connected here (an invalid one
// if not: the node it is connected to records it, moderation_events.go).
func (h *Hub) addrOf(name string) (addr netip.Addr) {
	if shown, ok := h.broker.Holder(name); ok {
		name = shown // asked before the lock (see Hub.enter)
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	if u := h.users[name]; u != nil {
		return u.addr
	}
	return addr
}

// Unban lifts a ban.
func (h *Hub) Unban(ctx context.Context, a Actor, room, name string, server bool) error {
	return h.lift(ctx, a, room, name, server, false)
}

// Unmute lifts a mute.
func (h *Hub) Unmute(ctx context.Context, a Actor, room, name string) error {
	return h.lift(ctx, a, room, name, false, true)
}

// lift removes a ban (of the server with server) or a mute, and publishes
// it; an unban is told to its actor alone.
func (h *Hub) lift(ctx context.Context, a Actor, room, name string, server, mute bool) error {
	action := map[bool]string{false: model.TypeUnban, true: model.TypeUnmute}[mute]
	var err error
	if server {
		room = ""
	} else if room, err = h.actorRoom(a, room); err != nil {
		return err
	}
	if name, err = targetName(room, name); err != nil {
		return err
	}
	if err := h.may(a, action, room, name); err != nil {
		return err
	}
	old, ok, expired := h.mod.get(room, name, mute, time.Now())
	if !ok && !expired {
		return refuseRoom(RefuseNoSuchUser, room, "%s has no %s %s", name, map[bool]string{false: "ban", true: "mute"}[mute], where(room))
	}
	if _, err := h.cfg.Moderation.RemoveRestriction(ctx, room, old.Name, mute); err != nil {
		return refuseRoom(RefuseNotStored, room, "%s not stored: %v", action, err)
	}
	h.mod.remove(room, name, mute)
	ev := &model.ChatRoomRequest{Type: action, Room: room, UserName: old.Name, By: a.Name, Server: server}
	if server {
		ev.Room = h.cfg.DefaultRoom
	}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: action, Room: room, Actor: a.Name, Target: old.Name})
	return nil
}

// where names a restriction's scope in words.
func where(room string) string {
	if room == "" {
		return "on this server"
	}
	return "in room " + room
}
