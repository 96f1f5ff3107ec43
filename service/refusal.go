package service

import "fmt"

// A Refusal is a request the hub refused for a reason its user should
// read: the reply is an error message that says it, with the room or the
// addressee it was about. Reason is its label on /metrics.
type Refusal struct {
	Reason RefusalReason
	Room   string // the room the request was about, if any
	To     string // the addressee of a direct message, if any
	Text   string
}

func (r *Refusal) Error() string { return r.Text }

// RefusalReason says which rule refused a request.
type RefusalReason string

// The rules of rooms and direct messages.
const (
	RefuseRoomName     RefusalReason = "room_name"      // not a valid room name
	RefuseRoomsPerConn RefusalReason = "rooms_per_conn" // the connection is in -max-rooms-per-conn rooms
	RefuseRoomsTotal   RefusalReason = "rooms_total"    // the server has -max-rooms rooms
	RefuseRoomsPerIP   RefusalReason = "rooms_per_ip"   // the client's address has -max-rooms-per-ip rooms open
	RefuseAlreadyIn    RefusalReason = "already_in"     // joining a room twice
	RefuseNotIn        RefusalReason = "not_in"         // parting, talking in or asking about a room one is not in
	RefuseRoomDenied   RefusalReason = "room_denied"    // the token's rooms claim does not name it
	RefuseNotOnline    RefusalReason = "not_online"     // a direct message to someone not online
	RefuseSelf         RefusalReason = "dm_self"        // a direct message to oneself
	RefuseJoinRate     RefusalReason = "join_rate"      // the address enters rooms faster than -join-rate-per-ip
	RefuseRoomSimilar  RefusalReason = "room_similar"   // a new room whose name looks like an existing room's
	RefuseRoomPublic   RefusalReason = "room_public"    // a private join of a room that exists and is listed
	// Durable history.
	RefuseNoHistory     RefusalReason = "no_history"     // scroll back or search on a hub that keeps no history
	RefuseHistoryFailed RefusalReason = "history_failed" // the history could not be read (the store's error)
	RefuseSearch        RefusalReason = "search_query"   // an empty or too long search query
	RefuseNotStored     RefusalReason = "not_stored"     // a talk the store could not write (disk full, read-only)
	// Presence at scale.
	RefuseBadList RefusalReason = "userlist_query" // a userlist page's prefix or cursor too long or not UTF-8
	// Moderation.
	RefuseNotAllowed    RefusalReason = "not_allowed"     // the actor's role does not allow the action (or there are no trusted names)
	RefuseNoSuchUser    RefusalReason = "no_such_user"    // the target is not in the room, or not online
	RefuseBanned        RefusalReason = "banned"          // joining a room one is banned from
	RefuseMuted         RefusalReason = "muted"           // talking in a room one is muted in
	RefuseSlowMode      RefusalReason = "slow_mode"       // talking again sooner than the room's slow mode allows
	RefuseNoSuchMessage RefusalReason = "no_such_message" // deleting a talk the room does not keep
	RefuseBadModeration RefusalReason = "bad_moderation"  // a moderation request's fields are wrong
)

// RefusalReasons returns every reason, for metrics that list them all.
func RefusalReasons() []RefusalReason {
	return []RefusalReason{RefuseRoomName, RefuseRoomsPerConn, RefuseRoomsTotal, RefuseRoomsPerIP, RefuseAlreadyIn, RefuseNotIn, RefuseRoomDenied, RefuseNotOnline, RefuseSelf, RefuseJoinRate, RefuseRoomSimilar, RefuseRoomPublic, RefuseNoHistory, RefuseHistoryFailed, RefuseSearch, RefuseNotStored, RefuseBadList,
		RefuseNotAllowed, RefuseNoSuchUser, RefuseBanned, RefuseMuted, RefuseSlowMode, RefuseNoSuchMessage, RefuseBadModeration}
}

func refuseRoom(reason RefusalReason, room, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Room: room, Text: fmt.Sprintf(format, args...)}
}

func notIn(room string) *Refusal {
	return refuseRoom(RefuseNotIn, room, "you are not in room %s", room)
}
