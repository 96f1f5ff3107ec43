package service

import "time"

// This file owns the types of the hub's moderation API, as ctrl (the
// WebSocket requests and the server API's handlers) calls it. The methods
// are in the moderation_*.go files, by behaviour: roles and who may do
// what (moderation_roles.go), kick (moderation_actions.go), bans and mutes
// (moderation_restrict.go), topic, slow mode and moderators
// (moderation_settings.go), deletes (moderation_delete.go), the audit
// trail (moderation_audit.go), the rooms' details and system messages
// (moderation_info.go), enforcement (moderation_enforce.go) and the events
// the rooms apply (moderation_events.go). What the hub holds is
// moderation_state.go's; what is kept, moderation_store.go's.

// An Actor is who takes a moderation action: a member connected here,
// whose role in the room is checked, or the server API (Member nil, Name
// "api"), which may do everything.
type Actor struct {
	Member Member // nil: the server API
	Name   string // the member's name, or "api"
}

// APIActor is the server API's actor.
func APIActor() Actor { return Actor{Name: "api"} }

// A BanRequest is a ban's parameters.
type BanRequest struct {
	Room     string        // the room; "" with Server
	Server   bool          // the whole server (admins, the API)
	Name     string        // the name banned
	Address  bool          // its address too (the one it is connected from now)
	Duration time.Duration // 0: for ever
	Reason   string
}

// RoomDetails is what the server API says of one room.
type RoomDetails struct {
	Name       string   `json:"name"`
	Members    int      `json:"members"`
	Private    bool     `json:"private"`
	Topic      string   `json:"topic"`
	Slow       int      `json:"slow_seconds"`
	Owner      string   `json:"owner"`
	Moderators []string `json:"moderators"`
}
