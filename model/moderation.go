package model

// This file owns the moderation protocol's names and limits (see the
// "Moderation" block of chat_message.proto): the request types, the roles
// and the reserved name the operator's messages come from.

// Moderation request and event types.
const (
	TypeKick   = "kick"
	TypeBan    = "ban"
	TypeUnban  = "unban"
	TypeMute   = "mute"
	TypeUnmute = "unmute"
	TypeDelete = "delete"
	TypeTopic  = "topic"
	TypeSlow   = "slow"
	TypeRole   = "role"
	TypeAudit  = "audit"
)

// Roles, from the least to the most trusted ("" is no role).
const (
	RoleModerator = "moderator"
	RoleOwner     = "owner"
	RoleAdmin     = "admin"
)

// SystemName is the user_name of the operator's messages (the server
// API's); no user may take it, or a name that looks like it.
const SystemName = "server"

// MaxTopicBytes is the longest room topic, in bytes of UTF-8.
const MaxTopicBytes = 300

// MaxReasonBytes is the longest reason of a kick, ban, mute or delete.
const MaxReasonBytes = 300

// MaxModerationDuration is the longest ban, mute or slow mode period
// that is not "for ever", in seconds (a year).
const MaxModerationDuration = 366 * 24 * 3600

// ModerationTypes lists the client request types of moderation.
func ModerationTypes() []string {
	return []string{TypeKick, TypeBan, TypeUnban, TypeMute, TypeUnmute, TypeDelete, TypeTopic, TypeSlow, TypeRole, TypeAudit}
}

// IsTombstone says whether m is a deleted talk's tombstone (in a history
// or search reply, or a room's last talks: target_seq is its own seq, or
// 0 from an older server) rather than a live delete event, whose seq is
// its own and whose target_seq is the talk's.
func IsTombstone(m *ChatRoomRequest) bool {
	return m.GetType() == TypeDelete && (m.GetTargetSeq() == 0 || m.GetTargetSeq() == m.GetSeq())
}

// Tombstone is what a deleted talk reads back as, wherever it is kept (a
// store, the NATS stream, a room's last talks): a delete with the talk's
// seq (also as target_seq, see IsTombstone), time, author (user_name),
// room or addressee, by who deleted it, and no content.
func Tombstone(seq uint64, timestamp int64, author, room, to, by string) *ChatRoomRequest {
	return &ChatRoomRequest{Type: TypeDelete, Seq: seq, TargetSeq: seq, Timestamp: timestamp, UserName: author, Room: room, To: to, By: by}
}

// RoleRank orders the roles, from no role (0) to a server admin (3): a
// role may act on roles of a lower rank only.
func RoleRank(role string) int {
	switch role {
	case RoleModerator:
		return 1
	case RoleOwner:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// RoleNeeded is the least role that may send a moderation request of
// type typ in a room (server: about the whole server): an admin for the
// audit trail and server-wide bans, the room's owner to name moderators,
// a moderator for the rest.
func RoleNeeded(typ string, server bool) string {
	switch {
	case typ == TypeAudit || server:
		return RoleAdmin
	case typ == TypeRole:
		return RoleOwner
	}
	return RoleModerator
}
