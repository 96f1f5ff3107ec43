package service

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// This file is the hub's moderation API, as ctrl (the WebSocket requests
// and the server API's handlers) calls it. SCAFFOLDING of issue 19: the
// signatures are the contract the parts are built against in parallel;
// the bodies are being written (branch m-core) and replace these.

// errNotBuilt marks the scaffolding's bodies.
var errNotBuilt = errors.New("moderation: not built yet")

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

// Kick takes target out of room, with reason shown to the room.
func (h *Hub) Kick(ctx context.Context, a Actor, room, target, reason string) error {
	return errNotBuilt
}

// Ban bans a name (and maybe its address) from a room or the server.
func (h *Hub) Ban(ctx context.Context, a Actor, b BanRequest) error { return errNotBuilt }

// Unban lifts a ban.
func (h *Hub) Unban(ctx context.Context, a Actor, room, name string, server bool) error {
	return errNotBuilt
}

// Mute keeps name from talking in room for d (0: for ever).
func (h *Hub) Mute(ctx context.Context, a Actor, room, name string, d time.Duration, reason string) error {
	return errNotBuilt
}

// Unmute lifts a mute.
func (h *Hub) Unmute(ctx context.Context, a Actor, room, name string) error { return errNotBuilt }

// DeleteTalk deletes talk seq of room.
func (h *Hub) DeleteTalk(ctx context.Context, a Actor, room string, seq uint64, reason string) error {
	return errNotBuilt
}

// SetTopic sets room's topic ("" clears it).
func (h *Hub) SetTopic(ctx context.Context, a Actor, room, topic string) error { return errNotBuilt }

// SetSlow sets room's slow mode (0: off).
func (h *Hub) SetSlow(ctx context.Context, a Actor, room string, d time.Duration) error {
	return errNotBuilt
}

// SetRole names name a moderator of room (role model.RoleModerator) or
// unnames it (role "").
func (h *Hub) SetRole(ctx context.Context, a Actor, room, name, role string) error {
	return errNotBuilt
}

// AuditPage returns the audit trail, newest first (admins, the API).
func (h *Hub) AuditPage(ctx context.Context, a Actor, room string, before uint64, limit int) ([]AuditEntry, bool, error) {
	return nil, false, errNotBuilt
}

// SystemMessage says content in room as model.SystemName, and returns its
// seq.
func (h *Hub) SystemMessage(ctx context.Context, room, content string) (uint64, error) {
	return 0, errNotBuilt
}

// RoomDetails returns what the server API says of room, and whether it
// exists (someone is in it, or it has settings).
func (h *Hub) RoomDetails(room string) (RoomDetails, bool) { return RoomDetails{}, false }

// AllRoomDetails returns every room that exists, by name.
func (h *Hub) AllRoomDetails() []RoomDetails { return nil }

// RoomUsers returns one page of room's users (as the userlist request's
// pages: at most limit after cursor, starting with prefix), the cursor of
// the next page ("" after the last) and how many are in it.
func (h *Hub) RoomUsers(room, cursor, prefix string, limit int) (names []string, next string, count int, err error) {
	return nil, "", 0, errNotBuilt
}

// Restrictions returns the bans and mutes in force, of room only if room
// is not "" (server-wide bans have Room "").
func (h *Hub) Restrictions(room string) []Restriction { return nil }

// CheckBanned is the handshake's check: a refusal in words if name or
// addr is banned from the server or from one of rooms, else nil.
func (h *Hub) CheckBanned(name string, addr netip.Addr, rooms []string) error { return nil }
