package service

import (
	"strings"

	"golang.org/x/text/secure/precis"

	"chatroom/model"
)

// This file owns how a role finds its holder: by the name it was given to,
// compared as the PRECIS Nickname profile compares (case and width
// folded), not by model.UsernameKey. The key also folds look-alikes
// ("b0ss", Cyrillic "bоss" and "boss" are one key), which is right for
// keeping a look-alike out while the name is online and for bans and
// mutes (an evader's look-alike stays banned), but wrong for rights: a
// look-alike of an admin or owner must neither get its rights nor be
// protected as it when online (nobody could kick it but the server API).
// Offline, a target is protected by every role of its key, since a ban or
// a mute holds for the whole key; and a restriction written for a
// look-alike does not catch a role holder. It also owns the operator's
// name as a target.

// sameRoleName says whether name holds a role given to holder.
func sameRoleName(holder, name string) bool {
	a, errA := precis.Nickname.CompareKey(holder)
	b, errB := precis.Nickname.CompareKey(name)
	if errA != nil || errB != nil {
		return strings.EqualFold(holder, name)
	}
	return a == b
}

// sameKey says whether two names are one by model.UsernameKey, look-alikes
// folded: the names a restriction of holder holds for.
func sameKey(holder, name string) bool {
	return model.UsernameKey(holder) == model.UsernameKey(name)
}

// caughtBy says whether restriction r, found by name's key, holds for
// name: it does unless it was written for a look-alike of name and name
// has a role in the room (a moderator banning an online "b0ss" must not
// keep out the admin "boss").
func (h *Hub) caughtBy(r Restriction, name string) bool {
	return sameRoleName(r.Name, name) || h.RoleIn(r.Room, name) == ""
}

// isSystemName says whether name is, or looks like, the operator's
// (model.SystemName), which no user may take (the handshake's rule).
func isSystemName(name string) bool {
	return model.UsernameKey(name) == model.UsernameKey(model.SystemName) ||
		model.UsernameSkeleton(name) == model.UsernameSkeleton(model.SystemName)
}

// refuseSystemTarget refuses an action on the operator's name: its talks
// are the server API's messages, which only the API deletes, and no user
// has it to kick, ban, mute or name.
func refuseSystemTarget(a Actor, action, room, target string) error {
	if !isSystemName(target) || a.Member == nil && action == model.TypeDelete {
		return nil
	}
	return refuseRoom(RefuseNotAllowed, room, "%s is the operator's name: no user has it, and only the server API deletes its messages", target)
}
