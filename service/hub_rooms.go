package service

import (
	"context"
	"errors"
	"slices"
	"strings"

	"chatroom/model"
)

// Join adds m to the room name (normalized here), creating the room if no
// one is in it (unlisted with private), and announces it. The rules'
// refusals are *Refusal; other errors are the broker's.
func (h *Hub) Join(ctx context.Context, m Member, name string, private bool) error {
	room, err := model.NormalizeRoom(name)
	if err != nil {
		return refuseRoom(RefuseRoomName, clipRoom(name), "%v", err)
	}
	return h.join(ctx, m, room, private, true)
}

// Part takes m out of room (its home room if empty) and announces it.
func (h *Hub) Part(ctx context.Context, m Member, name string) error {
	name, in := h.roomOf(m, name)
	if !in {
		return notIn(name)
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
		room, err := model.NormalizeRoom(name)
		if err != nil {
			return nil, refuseRoom(RefuseRoomName, clipRoom(name), "%v", err)
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
	if n := h.cfg.MaxRooms; n > 0 {
		if err := h.checkTotal(rooms, n); err != nil {
			return nil, err
		}
	}
	return rooms, nil
}

// checkTotal refuses rooms if creating those that do not exist would make
// more than n rooms.
func (h *Hub) checkTotal(rooms []string, n int) error {
	dir, _ := h.broker.Rooms()
	h.mu.RLock()
	defer h.mu.RUnlock()
	total := max(len(dir), len(h.rooms))
	for _, room := range rooms {
		exists := h.rooms[room] != nil || slices.ContainsFunc(dir, func(c RoomCount) bool { return c.Name == room })
		if !exists {
			if total++; total > n {
				return refuseRoom(RefuseRoomsTotal, room, "too many rooms on this server (%d): join one of them", n)
			}
		}
	}
	return nil
}

// join adds m to room, which is normalized. With check, the rules a
// handshake's rooms were checked against by CheckRooms are checked here
// (a user's join); the limit on rooms in all is checked either way.
func (h *Hub) join(ctx context.Context, m Member, name string, private, check bool) error {
	r, err := h.enter(m, name, private, check)
	if err != nil {
		return err
	}
	done := func() {
		h.mu.Lock()
		r.pending--
		h.mu.Unlock()
	}
	if err = h.follow(ctx, r); err == nil && !r.add(m) {
		err = refuseRoom(RefuseAlreadyIn, name, "you are in room %s already", name)
	}
	if err == nil {
		err = h.broker.SetRooms(ctx, m.Name(), h.roomsOf(m))
		if err == nil {
			err = h.broker.Publish(ctx, event(model.TypeJoin, m.Name(), name, ""))
		}
		if err != nil {
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
// node does not follow it yet.
func (h *Hub) enter(m Member, name string, private, check bool) (*room, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	u := h.user(m)
	if u == nil {
		return nil, errors.New("not connected")
	}
	if slices.ContainsFunc(u.rooms, func(r RoomRef) bool { return r.Name == name }) {
		return nil, refuseRoom(RefuseAlreadyIn, name, "you are in room %s already", name)
	}
	if n := h.cfg.MaxRoomsPerConn; check && n > 0 && len(u.rooms) >= n {
		return nil, refuseRoom(RefuseRoomsPerConn, name, "too many rooms: you are in %d, the most a connection may be in", n)
	}
	if check && !roomAllowed(u.allowed, name) {
		return nil, denied(name)
	}
	r := h.rooms[name]
	if r == nil {
		dir, _ := h.broker.Rooms()
		known := slices.IndexFunc(dir, func(c RoomCount) bool { return c.Name == name })
		if n := h.cfg.MaxRooms; known < 0 && n > 0 && max(len(dir), len(h.rooms)) >= n {
			return nil, refuseRoom(RefuseRoomsTotal, name, "too many rooms on this server (%d): join one of them", n)
		}
		if known >= 0 {
			private = dir[known].Private // as the room is elsewhere
		}
		r = newRoom(h, name, private)
		h.rooms[name] = r
	}
	r.pending++
	u.rooms = append(slices.Clone(u.rooms), RoomRef{Name: name, Private: r.private})
	return r, nil
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
	}
	h.mu.Unlock()
	if gone {
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
