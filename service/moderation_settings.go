package service

import (
	"context"
	"slices"
	"strings"
	"time"

	"chatroom/model"
)

// This file owns the actions on a room's settings: its topic, its slow
// mode and its moderators. Each is stored, held, and published as the
// room's event, which every node following it applies.

// MaxRoomModerators is the most moderators a room has: each naming
// rewrites the room's settings whole, and every role check reads them.
const MaxRoomModerators = 100

// changeRoom applies change to room's settings as the store keeps them,
// stores and holds them; a change's error refuses it. What this node
// holds of a room it does not follow may be older than the store (other
// nodes' changes reach only the nodes that follow it): changed, it would
// undo theirs.
func (h *Hub) changeRoom(ctx context.Context, room string, change func(*RoomSettings) error) error {
	h.mod.write.Lock()
	defer h.mod.write.Unlock()
	rs, err := h.storedSettings(ctx, room)
	if err != nil {
		return refuseRoom(RefuseNotStored, room, "room %s's settings cannot be read: %v", room, err)
	}
	if err := change(&rs); err != nil {
		return err
	}
	if err := h.cfg.Moderation.PutRoom(ctx, rs); err != nil {
		return refuseRoom(RefuseNotStored, room, "room %s's settings not stored: %v", room, err)
	}
	h.mod.setSettings(rs)
	return nil
}

// storedSettings returns room's settings as the store keeps them (Room
// set even if it has none).
func (h *Hub) storedSettings(ctx context.Context, room string) (RoomSettings, error) {
	all, err := h.cfg.Moderation.Rooms(ctx)
	if err != nil {
		return RoomSettings{}, err
	}
	for _, rs := range all {
		if rs.Room == room {
			return rs, nil
		}
	}
	return RoomSettings{Room: room}, nil
}

// SetTopic sets room's topic ("" clears it).
func (h *Hub) SetTopic(ctx context.Context, a Actor, room, topic string) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	if err := checkReason(room, "topic", topic, model.MaxTopicBytes); err != nil {
		return err
	}
	if err := h.may(a, model.TypeTopic, room, ""); err != nil {
		return err
	}
	if err := h.changeRoom(ctx, room, func(rs *RoomSettings) error { rs.Topic, rs.TopicBy = topic, a.Name; return nil }); err != nil {
		return err
	}
	ev := &model.ChatRoomRequest{Type: model.TypeTopic, Room: room, By: a.Name, Topic: topic}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: model.TypeTopic, Room: room, Actor: a.Name, Detail: topic})
	return nil
}

// SetSlow sets room's slow mode (0: off).
func (h *Hub) SetSlow(ctx context.Context, a Actor, room string, d time.Duration) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	if err := checkDuration(room, d); err != nil {
		return err
	}
	d = d.Truncate(time.Second)
	if err := h.may(a, model.TypeSlow, room, ""); err != nil {
		return err
	}
	if err := h.changeRoom(ctx, room, func(rs *RoomSettings) error { rs.Slow = d; return nil }); err != nil {
		return err
	}
	ev := &model.ChatRoomRequest{Type: model.TypeSlow, Room: room, By: a.Name, Duration: uint32(d / time.Second)}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: model.TypeSlow, Room: room, Actor: a.Name, Duration: d})
	return nil
}

// SetRole names name a moderator of room (role model.RoleModerator) or
// unnames it (role "").
func (h *Hub) SetRole(ctx context.Context, a Actor, room, name, role string) error {
	room, err := h.actorRoom(a, room)
	if err != nil {
		return err
	}
	if role != "" && role != model.RoleModerator {
		return badModeration(room, "a role request names the role %q or \"\" (none), not %q", model.RoleModerator, clipRoom(role))
	}
	if name, err = targetName(room, name); err != nil {
		return err
	}
	if err := h.may(a, model.TypeRole, room, name); err != nil {
		return err
	}
	if shown, online := h.broker.Holder(name); online {
		name = shown
	}
	if has := h.RoleIn(room, name); role != "" && (has == model.RoleAdmin || has == model.RoleOwner) {
		return badModeration(room, "%s is %s already, above a moderator", name, roleWords(has, room))
	}
	if err := h.changeRoom(ctx, room, func(rs *RoomSettings) error {
		mods := withModerator(rs.Moderators, name, role != "")
		if len(mods) > MaxRoomModerators && len(mods) > len(rs.Moderators) {
			return badModeration(room, "room %s has %d moderators, the most it may have: unname one first", room, len(rs.Moderators))
		}
		rs.Moderators = mods
		return nil
	}); err != nil {
		return err
	}
	ev := &model.ChatRoomRequest{Type: model.TypeRole, Room: room, UserName: name, By: a.Name, Role: role}
	if err := h.publishAction(ctx, a, ev); err != nil {
		return err
	}
	h.audit(ctx, AuditEntry{Action: model.TypeRole, Room: room, Actor: a.Name, Target: name, Detail: role})
	return nil
}

// withModerator returns mods with name in it (add) or not, sorted.
func withModerator(mods []string, name string, add bool) []string {
	mods = slices.DeleteFunc(slices.Clone(mods), func(m string) bool { return sameRoleName(m, name) })
	if add {
		mods = append(mods, name)
	}
	slices.SortFunc(mods, strings.Compare)
	return mods
}

// roleWords is role in room as a sentence says it.
func roleWords(role, room string) string {
	if role == model.RoleOwner {
		return "the owner of room " + room
	}
	return "a server admin"
}
