package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"chatroom/model"
)

// Join adds m to the room name (normalized here), creating the room if no
// one is in it (unlisted with private), and announces it. The rules'
// refusals are *Refusal; other errors are the broker's.
func (h *Hub) Join(ctx context.Context, m Member, name string, private bool) error {
	return h.JoinSince(ctx, m, name, private, 0)
}

// JoinSince is Join for a member that saw the room up to the seq since
// (0: never): instead of the room's last talks, it is sent exactly the
// talks after since (room_catchup.go).
func (h *Hub) JoinSince(ctx context.Context, m Member, name string, private bool, since uint64) error {
	room, err := h.roomName(name)
	if err != nil {
		return err
	}
	return h.join(ctx, m, room, private, true, since)
}

// roomName checks a room name against the rules, -max-room-name
// included, and returns it normalized.
func (h *Hub) roomName(name string) (string, error) {
	room, err := model.NormalizeRoom(name)
	if err != nil {
		return "", refuseRoom(RefuseRoomName, clipRoom(name), "%v", err)
	}
	if n := h.cfg.MaxRoomName; n > 0 && utf8.RuneCountInString(room) > n {
		return "", refuseRoom(RefuseRoomName, room, "room name is longer than %d characters", n)
	}
	return room, nil
}

// Part takes m out of room (its home room if empty) and announces it.
func (h *Hub) Part(ctx context.Context, m Member, name string) error {
	name, err := h.roomOf(m, name)
	if err != nil {
		return err
	}
	h.mu.Lock()
	u := h.user(m)
	var refs []RoomRef
	if u != nil {
		u.rooms = slices.DeleteFunc(slices.Clone(u.rooms), func(r RoomRef) bool { return r.Name == name })
		refs = u.rooms
	}
	h.mu.Unlock()
	if u == nil {
		return notIn(name)
	}
	if err := h.broker.SetRooms(ctx, m.Name(), refs); err != nil {
		h.log.WithField("error", err).Warn("rooms not recorded")
	}
	h.publishLeave(ctx, m, name)
	return nil
}

// CheckRooms checks the rooms a handshake names (each normalized here),
// against the rules and the token's allowed rooms (nil: any), and returns
// them normalized, without repeats.
func (h *Hub) CheckRooms(names, allowed []string) ([]string, error) {
	var rooms []string
	for _, name := range names {
		room, err := h.roomName(name)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(rooms, room) {
			rooms = append(rooms, room)
		}
	}
	if len(rooms) == 0 {
		rooms = []string{h.cfg.DefaultRoom}
	}
	if n := h.cfg.MaxRoomsPerConn; n > 0 && len(rooms) > n {
		return nil, refuseRoom(RefuseRoomsPerConn, "", "too many rooms: at most %d per connection", n)
	}
	for _, room := range rooms {
		if !roomAllowed(allowed, room) {
			return nil, denied(room)
		}
	}
	if err := h.checkNew(rooms, h.cfg.MaxRooms); err != nil {
		return nil, err
	}
	return rooms, nil
}

// checkNew refuses rooms if one that does not exist looks like one that
// does, or if creating those would make more than n rooms (0: no bound).
func (h *Hub) checkNew(rooms []string, n int) error {
	dir, _ := h.broker.Rooms()
	h.mu.RLock()
	defer h.mu.RUnlock()
	total := max(len(dir), len(h.rooms))
	for _, room := range rooms {
		exists := h.rooms[room] != nil || slices.ContainsFunc(dir, func(c RoomCount) bool { return c.Name == room })
		if !exists {
			if err := lookAlike(room, dir); err != nil {
				return err
			}
			if total++; n > 0 && total > n {
				return refuseRoom(RefuseRoomsTotal, room, "too many rooms on this server (%d): join one of them", n)
			}
		}
	}
	return nil
}

// join adds m to room, which is normalized. With check, the rules a
// handshake's rooms were checked against by CheckRooms are checked here
// (a user's join); the limit on rooms in all is checked either way.
func (h *Hub) join(ctx context.Context, m Member, name string, private, check bool, since uint64) error {
	r, coalesce, err := h.enter(m, name, private, check)
	if err != nil {
		return err
	}
	done := func() {
		h.mu.Lock()
		r.pending--
		h.mu.Unlock()
	}
	if err = h.follow(ctx, r); err == nil {
		err = h.admitJoin(ctx, m, r) // bans, and the owner of a room opened
	}
	if err == nil && !r.add(m, since, coalesce, h.RoleIn(name, m.Name())) {
		err = refuseRoom(RefuseAlreadyIn, name, "you are in room %s already", name)
	}
	if err == nil {
		// A handshake's rooms were recorded with its claim, which may
		// have taken a private room for listed if this node's directory
		// had not heard of it yet: those are recorded again.
		if check || r.private {
			err = h.broker.SetRooms(ctx, m.Name(), h.roomsOf(m))
		}
		if err == nil {
			err = h.broker.Publish(ctx, event(model.TypeJoin, m.Name(), name, ""))
		}
		if err != nil {
			r.drop(m, false)
		} else if h.roomsOf(m) == nil {
			// The user was ended meanwhile (its claim lost): its session
			// is gone, and with it its place in the room.
			r.drop(m, false)
		}
	}
	if err != nil {
		h.unenter(m, name)
	}
	done()
	h.dropIfEmpty(r)
	return err
}

// enter checks the rules of m joining room name, and records it as one of
// m's rooms and as a join under way of the room, which it creates if this
// node does not follow it yet. coalesce says whether m coalesces presence.
func (h *Hub) enter(m Member, name string, private, check bool) (r *room, coalesce bool, err error) {
	var dir []RoomCount
	if h.room(name) == nil {
		// Asked before the lock: a broker may deliver an event, which
		// takes the hub's lock, under its own.
		dir, _ = h.broker.Rooms()
		if err := lookAlike(name, dir); err != nil {
			return nil, false, err
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.user(m)
	if u == nil {
		return nil, false, errors.New("not connected")
	}
	if slices.ContainsFunc(u.rooms, func(r RoomRef) bool { return r.Name == name }) {
		return nil, false, refuseRoom(RefuseAlreadyIn, name, "you are in room %s already", name)
	}
	if n := h.cfg.MaxRoomsPerConn; check && n > 0 && len(u.rooms) >= n {
		return nil, false, refuseRoom(RefuseRoomsPerConn, name, "too many rooms: you are in %d, the most a connection may be in", n)
	}
	if check && !roomAllowed(u.allowed, name) {
		return nil, false, denied(name)
	}
	r = h.rooms[name]
	if r == nil {
		known := slices.IndexFunc(dir, func(c RoomCount) bool { return c.Name == name })
		if n := h.cfg.MaxRooms; known < 0 && n > 0 && max(len(dir), len(h.rooms)) >= n {
			return nil, false, refuseRoom(RefuseRoomsTotal, name, "too many rooms on this server (%d): join one of them", n)
		}
		if known >= 0 {
			private = dir[known].Private // as the room is elsewhere
		}
		if err := h.mayOpen(u.addr, name); err != nil {
			return nil, false, err
		}
		r = newRoom(h, name, private)
		h.rooms[name] = r
		h.opens(r, u.addr)
	}
	if private && !r.private {
		return nil, false, refuseRoom(RefuseRoomPublic, name, "room %s exists and is listed: join it without private, or choose another name for a private room", name)
	}
	r.pending++
	u.rooms = append(slices.Clone(u.rooms), RoomRef{Name: name, Private: r.private})
	return r, u.coalesce, nil
}

// lookAlike refuses a room name that is not one of dir's rooms but looks
// like one of them (by the usernames' confusables skeleton: "lоbby" with
// a Cyrillic о is "lobby"), so that no one opens a room that passes for
// another. It costs a skeleton per room, once per room opened.
func lookAlike(name string, dir []RoomCount) error {
	if slices.ContainsFunc(dir, func(c RoomCount) bool { return c.Name == name }) {
		return nil
	}
	skel := model.UsernameSkeleton(name)
	for _, c := range dir {
		switch {
		case model.UsernameSkeleton(c.Name) != skel:
		case c.Private: // unlisted: its name is not told
			return refuseRoom(RefuseRoomSimilar, name, "room name %s looks like the name of another room: choose another name", name)
		default:
			return refuseRoom(RefuseRoomSimilar, name, "room name %s looks like room %s: join that one, or choose another name", name, c.Name)
		}
	}
	return nil
}

// unenter undoes enter's record in m's rooms.
func (h *Hub) unenter(m Member, name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u := h.user(m); u != nil {
		u.rooms = slices.DeleteFunc(slices.Clone(u.rooms), func(r RoomRef) bool { return r.Name == name })
	}
}

// roomsOf returns m's rooms now.
func (h *Hub) roomsOf(m Member) []RoomRef {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if u := h.user(m); u != nil {
		return u.rooms
	}
	return nil
}

// follow has the broker deliver r's events here, once: the first caller
// follows, the others wait for it.
func (h *Hub) follow(ctx context.Context, r *room) error {
	h.mu.Lock()
	first := !r.following
	r.following = true
	h.mu.Unlock()
	if first {
		r.followErr = h.broker.Follow(ctx, r.name)
		close(r.ready)
	}
	select {
	case <-r.ready:
		return r.followErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dropIfEmpty forgets r, and stops following it, if no one here is in it
// or joining it. The default room stays. Its history goes with it (kept by
// the broker's stream, if any).
func (h *Hub) dropIfEmpty(r *room) {
	if r.name == h.cfg.DefaultRoom {
		return
	}
	h.mu.Lock()
	gone := r.pending == 0 && h.rooms[r.name] == r && r.empty()
	if gone {
		delete(h.rooms, r.name)
		h.closes(r)
	}
	h.mu.Unlock()
	if gone {
		r.closePresence()
		h.broker.Unfollow(r.name)
	}
}

// isPrivate says whether room is unlisted, as this node knows it.
func (h *Hub) isPrivate(name string) bool {
	if r := h.room(name); r != nil {
		return r.private
	}
	return false
}

func roomAllowed(allowed []string, room string) bool {
	return allowed == nil || slices.Contains(allowed, room)
}

func denied(room string) *Refusal {
	return refuseRoom(RefuseRoomDenied, room, "your access token does not let you join room %s", room)
}

// clipRoom cuts a refused room name to what an error reply repeats, in
// valid UTF-8 (a reply must be).
func clipRoom(name string) string {
	const most = 4 * model.MaxRoomRunes
	if len(name) > most {
		name = name[:most]
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}
