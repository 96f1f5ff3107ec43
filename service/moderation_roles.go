package service

import (
	"slices"

	"chatroom/model"
)

// This file owns who may do what: a user's role in a room (server admin,
// the room's owner, one of its moderators, or none) and the check of each
// action against the protocol's rules (model.RoleNeeded, model.RoleRank,
// which the desktop client checks too). Roles need names proven by tokens
// (HubConfig.TrustedNames); without them nobody has a role over
// WebSocket, and only the server API (an Actor with no Member) moderates.
// Nobody acts on someone whose role in the room is the actor's or higher.

// rankAPI is the server API's rank: above every role's (model.RoleRank).
const rankAPI = 1 << 10

// ReplyNoTrustedNames is the refusal of every moderation request over
// WebSocket on a server without -auth-secret.
const ReplyNoTrustedNames = "moderation needs names proven by tokens (-auth-secret); the operator moderates with the server API"

// isAdmin says whether name is a server admin: listed in -admins, or
// connected here with a token that says so.
func (h *Hub) isAdmin(name string) bool {
	key := model.UsernameKey(name)
	if slices.ContainsFunc(h.cfg.Admins, func(a string) bool { return model.UsernameKey(a) == key }) {
		return true
	}
	if shown, online := h.broker.Holder(name); online {
		name = shown // "ROOT" is root; asked before the lock (see Hub.enter)
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	u := h.users[name]
	return u != nil && u.admin
}

// RoleIn returns name's role in room: model.RoleAdmin, model.RoleOwner,
// model.RoleModerator or "" (none, and always without trusted names).
func (h *Hub) RoleIn(room, name string) string {
	if !h.cfg.TrustedNames {
		return ""
	}
	if h.isAdmin(name) {
		return model.RoleAdmin
	}
	rs, _ := h.mod.settings(room)
	key := model.UsernameKey(name)
	switch {
	case rs.Owner != "" && model.UsernameKey(rs.Owner) == key:
		return model.RoleOwner
	case slices.ContainsFunc(rs.Moderators, func(m string) bool { return model.UsernameKey(m) == key }):
		return model.RoleModerator
	}
	return ""
}

// actorRank is a's rank in room.
func (h *Hub) actorRank(a Actor, room string) int {
	if a.Member == nil {
		return rankAPI
	}
	return model.RoleRank(h.RoleIn(room, a.Name))
}

// may checks that a may take action (a model.Type…) in room (the whole
// server if room is ""), on target if not "": a refusal in words if not.
func (h *Hub) may(a Actor, action, room, target string) error {
	if a.Member != nil && !h.cfg.TrustedNames {
		return &Refusal{Reason: RefuseNotAllowed, Room: room, Text: ReplyNoTrustedNames}
	}
	need := model.RoleNeeded(action, room == "")
	rank := h.actorRank(a, room)
	if rank < model.RoleRank(need) {
		return notAllowed(action, room, need)
	}
	if target != "" && model.RoleRank(h.RoleIn(room, target)) >= rank {
		return refuseRoom(RefuseNotAllowed, room, "you may not %s %s: their role is the same as yours or higher", actionOn(action), target)
	}
	return nil
}

// notAllowed is the refusal of an actor whose role is below need.
func notAllowed(action, room, need string) *Refusal {
	who := map[string]string{model.RoleModerator: "a moderator, the owner or an admin", model.RoleOwner: "the owner or an admin", model.RoleAdmin: "a server admin"}[need]
	switch {
	case action == model.TypeAudit:
		return refuseRoom(RefuseNotAllowed, room, "only %s may read the audit trail", who)
	case room == "":
		return refuseRoom(RefuseNotAllowed, room, "only %s may %s on the whole server", who, actionWords(action))
	}
	return refuseRoom(RefuseNotAllowed, room, "only %s of room %s may %s there", who, room, actionWords(action))
}

// actionWords says what an action does, in a refusal's words.
func actionWords(action string) string {
	switch action {
	case model.TypeDelete:
		return "delete messages"
	case model.TypeTopic:
		return "set the topic"
	case model.TypeSlow:
		return "set slow mode"
	case model.TypeRole:
		return "name moderators"
	}
	return action // kick, ban, unban, mute, unmute
}

// actionOn says what an action does to its target, in a refusal's words.
func actionOn(action string) string {
	switch action {
	case model.TypeDelete:
		return "delete the messages of"
	case model.TypeRole:
		return "change the role of"
	}
	return action
}
