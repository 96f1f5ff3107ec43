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

// tokenAdmin says whether name is online with a token that makes it a
// server admin: connected here, or claimed so on any node (the claim
// carries the flag, Broker.Admin), so that a node's rank check knows an
// admin connected to another.
func (h *Hub) tokenAdmin(name string) bool {
	h.mu.RLock()
	u := h.users[name]
	h.mu.RUnlock()
	return u != nil && u.admin || h.broker.Admin(name)
}

// roleBy is name's role in room, each role's holder compared with name by
// same.
func (h *Hub) roleBy(room, name string, same func(holder, name string) bool) string {
	if slices.ContainsFunc(h.cfg.Admins, func(a string) bool { return same(a, name) }) || h.tokenAdmin(name) {
		return model.RoleAdmin
	}
	rs, _ := h.mod.settings(room)
	switch {
	case rs.Owner != "" && same(rs.Owner, name):
		return model.RoleOwner
	case slices.ContainsFunc(rs.Moderators, func(m string) bool { return same(m, name) }):
		return model.RoleModerator
	}
	return ""
}

// RoleIn returns name's role in room: model.RoleAdmin, model.RoleOwner,
// model.RoleModerator or "" (none, and always without trusted names). The
// name is the online user's it means, and a role is its holder's alone,
// not a look-alike's (moderation_names.go).
func (h *Hub) RoleIn(room, name string) string {
	if !h.cfg.TrustedNames {
		return ""
	}
	if shown, online := h.broker.Holder(name); online {
		name = shown // asked before the lock (see Hub.enter)
	}
	return h.roleBy(room, name, sameRoleName)
}

// targetRole is the role that protects target in room: RoleIn if it is
// online; if not, the highest role of a name with its key, since a ban or
// a mute of target holds for every name with that key (moderation_names.go).
func (h *Hub) targetRole(room, target string) string {
	if !h.cfg.TrustedNames {
		return ""
	}
	if shown, online := h.broker.Holder(target); online {
		return h.roleBy(room, shown, sameRoleName)
	}
	return h.roleBy(room, target, sameKey)
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
	if err := refuseSystemTarget(a, action, room, target); err != nil {
		return err
	}
	if target != "" && model.RoleRank(h.targetRole(room, target)) >= rank {
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
