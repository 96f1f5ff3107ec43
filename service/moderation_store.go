package service

import (
	"context"
	"errors"
	"net/netip"
	"time"
)

// This file owns what moderation keeps, and where: the restrictions (bans
// and mutes), each room's settings (owner, moderators, topic, slow mode)
// and the audit trail, behind a ModerationStore — service/store's SQLite
// file with -data-dir, a JetStream key-value bucket with NATS, memory
// otherwise (lost at exit) — and the deletion of a kept talk (a Deleter:
// the History that keeps it).
//
// The node where an action is taken writes it to the store, then
// publishes its event; every node (this one too) applies the event to
// what it holds in memory. A node loads the store when it starts.

// ErrNoSuchTalk is a Deleter's answer for a seq that is no kept talk of
// the conversation (never was, aged out, or deleted already).
var ErrNoSuchTalk = errors.New("no such message")

// A Restriction keeps a name (and maybe an address) out of a room or out
// of the server (a ban), or keeps it from talking in a room (a mute).
type Restriction struct {
	Room   string     // the room; "" with a ban: the whole server
	Name   string     // the name as shown; compared by model.UsernameKey
	Addr   netip.Addr // banned too, if valid (bans only)
	Mute   bool       // a mute, not a ban
	Until  time.Time  // when it ends; zero: never
	By     string     // who imposed it
	Reason string
	At     time.Time // when it was imposed
}

// Expired reports whether r has ended at now.
func (r Restriction) Expired(now time.Time) bool {
	return !r.Until.IsZero() && !now.Before(r.Until)
}

// RoomSettings are what moderation keeps of a room, also while it is
// empty.
type RoomSettings struct {
	Room       string
	Owner      string   // who created it; "" for the default room, or without trusted names
	Moderators []string // named by the owner or an admin, sorted
	Topic      string
	TopicBy    string
	Slow       time.Duration // the least time between two talks of one user; 0: off
}

// An AuditEntry is one moderation action, as the audit trail keeps it.
type AuditEntry struct {
	ID       uint64 // increasing; given by the store
	At       time.Time
	Action   string // the request's type: model.TypeKick, …
	Room     string // "" for a server-wide ban or unban
	Actor    string // a username, or "api" for the server API
	Target   string // the user acted on, if any
	Reason   string
	Duration time.Duration // a ban's, mute's or slow mode's
	Seq      uint64        // a delete: the talk's seq
	Detail   string        // a topic's text, a role's name
}

// A ModerationStore keeps moderation's state. Names are compared as given
// (callers pass model.UsernameKey'd names where they compare). Every
// method is safe for concurrent use.
type ModerationStore interface {
	// Restrictions returns every restriction kept (expired ones may be
	// among them until removed).
	Restrictions(ctx context.Context) ([]Restriction, error)
	// PutRestriction keeps r, replacing the one of the same Room, Name
	// and Mute.
	PutRestriction(ctx context.Context, r Restriction) error
	// RemoveRestriction removes the restriction of room, name and mute,
	// and says whether there was one.
	RemoveRestriction(ctx context.Context, room, name string, mute bool) (bool, error)
	// Rooms returns the settings of every room that has any.
	Rooms(ctx context.Context) ([]RoomSettings, error)
	// CreateRoom records owner as room's owner if room has no settings
	// yet, and says whether it did (false: the room had settings).
	CreateRoom(ctx context.Context, room, owner string) (bool, error)
	// PutRoom keeps s as its room's settings.
	PutRoom(ctx context.Context, s RoomSettings) error
	// AddAudit keeps e and returns its ID.
	AddAudit(ctx context.Context, e AuditEntry) (uint64, error)
	// Audit returns at most limit entries with an ID below before (0:
	// the newest), of room only if room is not "", newest first, and
	// whether there are older ones.
	Audit(ctx context.Context, room string, before uint64, limit int) ([]AuditEntry, bool, error)
}

// A Deleter deletes kept talks: a History that can (service/store, the
// NATS stream). The talk becomes a tombstone: read back (Before, After)
// as a model.TypeDelete with its seq, its user_name and by, no content;
// Search no longer finds it.
type Deleter interface {
	// Delete makes talk seq of conv a tombstone deleted by by, and
	// returns who had said it; ErrNoSuchTalk if conv keeps no such talk.
	Delete(ctx context.Context, conv string, seq uint64, by string) (author string, err error)
}

// StoredMillis is t as the moderation stores keep times: Unix
// milliseconds, 0 for the zero time (never, none).
func StoredMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// StoredTime is a time StoredMillis kept, back: the zero time for 0.
func StoredTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}
