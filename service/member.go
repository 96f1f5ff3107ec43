// Package service is the chat service's logic, which no socket and no wire
// format reach:
//
//   - hub*.go: the Hub — the rooms this node follows, the users connected
//     here, connect and leave (hub_members.go), join and part and their
//     rules (hub_rooms.go, refusal.go), talks in rooms and direct messages
//     (hub_talk.go, dmhistory.go), the rooms list (hub_list.go), counters
//     (hub_stats.go);
//   - room.go: one room — who is in it, what they said, who receives what
//     in which order, the history a joiner gets; room_presence.go who is
//     told of others' joins and leaves (per user, coalesced, or a large
//     room's count); userlist.go keeps its user list encoded, in chunks
//     every list reply shares, userlist_page.go and nameindex.go its pages;
//   - member.go: the Member a hub delivers to (ctrl implements it over a
//     WebSocket connection), frame.go: the Frames it is sent and the Framer
//     that builds them (ctrl gives the hub its WebSocket one), and
//     disconnect.go: why a member is ended (code, reason, metric label);
//   - broker.go: the Broker that carries the rooms' events between the
//     nodes, owns the claimed names and keeps the directory of who is in
//     which room (directory.go); broker_memory.go is its single-process
//     default, broker_nats*.go the NATS JetStream one (connecting, events,
//     claims, the reaper of dead nodes' users);
//   - auth.go: the access tokens a server with an auth secret requires;
//   - moderation_*.go: moderation. moderation_store.go is what it keeps
//     (the ModerationStore, the Deleter; moderation_memory.go keeps it in
//     memory, service/store on disk, broker_nats_moderation*.go in
//     JetStream), moderation_api.go the types of the hub's API of it;
//     moderation_roles.go who may do what, moderation_names.go how a role
//     finds its holder's name, moderation_actions.go what the
//     actions share and kick, moderation_restrict.go bans and mutes,
//     moderation_settings.go topics, slow mode and moderators,
//     moderation_delete.go deleting a talk; moderation_events.go their
//     events as the rooms deliver them, moderation_state.go what a hub
//     holds of them, moderation_enforce.go the refusals of banned, muted
//     and slowed users; moderation_info.go what the server API reads and
//     says; moderation_audit.go the audit trail.
//
// The headless chat client, which does dial, is service/session.
package service

// SendResult says what became of a frame given to Member.Send.
type SendResult int

const (
	Queued       SendResult = iota // on its way
	QueueFull                      // the member is not keeping up; the frame was dropped
	MemberClosed                   // the member is closing; the frame was dropped
)

// A Member is one local user's connection, as the room sees it.
type Member interface {
	// Name is the member's username, fixed for its lifetime.
	Name() string
	// Send queues f without blocking.
	Send(f *Frame) SendResult
	// Close ends the connection for reason d: it writes what is queued
	// first if d.Flush, then d's close frame. It does not block; the
	// connection still calls Room.Leave when it is gone.
	Close(d Disconnect)
}
