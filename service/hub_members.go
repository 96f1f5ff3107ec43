package service

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/sirupsen/logrus"

	"chatroom/config"
	"chatroom/model"
)

// An Arrival is where a connecting user goes and what it may do.
type Arrival struct {
	Rooms   []string   // the rooms it starts in, normalized (CheckRooms); none: the default room
	Allowed []string   // the only rooms it may ever join; nil: any
	Addr    netip.Addr // the client's address (-max-rooms-per-ip); zero: none counted
	// Since is, per room of Rooms, the last seq the client saw of it: it
	// catches up from there (see JoinSince). Rooms not in it are joined
	// anew.
	Since map[string]uint64
	// Coalesce: it asked for coalesced presence (?presence=coalesce): it
	// is sent presence frames instead of others' joins and leaves, in
	// every room it joins (room_presence.go).
	Coalesce bool
	// Admin: a server admin (its token's role claim, or -admins), with
	// trusted names only.
	Admin bool
}

// Connect makes m, whose name is claimed in a.Rooms, a user of this node
// and joins it to each of them in order; the first is its home room. On
// error m is in no room and its name is released: the caller only closes
// it.
func (h *Hub) Connect(ctx context.Context, m Member, a Arrival) error {
	rooms := a.Rooms
	if len(rooms) == 0 {
		rooms = []string{h.cfg.DefaultRoom}
	}
	name := m.Name()
	h.mu.Lock()
	if _, dup := h.users[name]; dup {
		h.mu.Unlock()
		h.broker.Release(name)
		return fmt.Errorf("%q is connected already", name)
	}
	h.users[name] = &localUser{m: m, home: rooms[0], allowed: a.Allowed, addr: a.Addr, coalesce: a.Coalesce, admin: a.Admin && h.cfg.TrustedNames, connected: time.Now().UnixMilli(), connectedSeq: h.seen.Load()}
	h.mu.Unlock()
	h.dms.forget(name) // a new session reads no earlier one's direct messages
	for _, room := range rooms {
		if err := h.join(ctx, m, room, false, false, a.Since[room]); err != nil {
			h.Leave(ctx, m)
			return err
		}
	}
	return nil
}

// Leave removes m from every room it is in, announces it and releases its
// name. Call it exactly once for every member that connected. A member
// whose session the hub ended (its claim was lost) is gone already:
// nothing is announced, which could remove a new session of the same name.
func (h *Hub) Leave(ctx context.Context, m Member) {
	name := m.Name()
	h.mu.Lock()
	u := h.users[name]
	if u == nil || u.m != m {
		h.mu.Unlock()
		return
	}
	delete(h.users, name)
	joined := u.rooms
	u.rooms = nil
	h.mu.Unlock()
	h.dms.forget(name)
	// The leaves go before the release: a node that sees the name's key go
	// finds the user gone already, and announces nothing.
	for _, ref := range joined {
		h.publishLeave(ctx, m, ref.Name)
	}
	h.broker.Release(name)
}

// publishLeave announces m's leave of room, where it is a member. If the
// leave cannot be published, the others will not hear of it (until they
// find its claim gone); at least this node stops delivering to m.
func (h *Hub) publishLeave(ctx context.Context, m Member, name string) {
	r := h.room(name)
	if r == nil || !r.markLeaving(m) {
		return
	}
	if err := h.broker.Publish(ctx, event(model.TypeLeave, m.Name(), name, "")); err != nil {
		h.log.WithFields(logrus.Fields{"user": m.Name(), "room": name, "error": err}).Warn("leave not published")
		r.drop(m, true)
		h.dropIfEmpty(r)
	}
}

// claimLost ends the local session of name, whose claim the broker lost.
func (h *Hub) claimLost(name string) { h.endLost(name, false) }

// endLost ends the local user name, whose claim is lost: its node was cut
// off from NATS for longer than the claim TTL, so the other nodes
// announced its leave (or someone took its name). Rather than go on
// unlisted and deaf, it is forgotten in every room, told why and closed,
// and the client reconnects. With release, the broker still holds its
// claim, which is given back. The member's Leave then does nothing.
func (h *Hub) endLost(name string, release bool) {
	h.mu.Lock()
	u := h.users[name]
	if u != nil {
		delete(h.users, name)
	}
	h.mu.Unlock()
	if u == nil {
		return
	}
	for _, ref := range u.rooms {
		if r := h.room(ref.Name); r != nil {
			r.drop(u.m, false)
			h.dropIfEmpty(r)
		}
	}
	h.counts.claimsLost.Add(1)
	// Forgotten first, so a full queue does not make it a slow consumer:
	// the close then says why on its own.
	h.Reply(u.m, h.frame(&model.ChatRoomRequest{Type: model.TypeError, Content: config.NoticeClaimLost}))
	u.m.Close(DisconnectClaimLost)
	if release {
		// Not under a lock. Another session cannot claim the name on this
		// node before the release: the broker refuses a name it holds.
		go h.broker.Release(name)
	}
	h.log.WithField("user", name).Warn("claim lost: session ended")
}

// user returns m's user, if m is connected.
func (h *Hub) user(m Member) *localUser {
	if u := h.users[m.Name()]; u != nil && u.m == m {
		return u
	}
	return nil
}

// roomOf resolves the room a request of m names: its home room if none,
// else the name normalized, as a join normalizes it ("Dev" is room dev).
// The error is a refusal: a name against the rules, or a room m is not in.
func (h *Hub) roomOf(m Member, name string) (string, error) {
	if name != "" {
		room, err := h.roomName(name)
		if err != nil {
			return "", err
		}
		name = room
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	u := h.user(m)
	if u != nil && name == "" {
		name = u.home
	}
	if u == nil || !slices.ContainsFunc(u.rooms, func(r RoomRef) bool { return r.Name == name }) {
		return name, notIn(name)
	}
	return name, nil
}

// room returns the room name this node follows, or nil.
func (h *Hub) room(name string) *room {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.rooms[name]
}
