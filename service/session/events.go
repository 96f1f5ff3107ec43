package session

// The session's states and the events it reports.

import (
	"time"

	"chatroom/model"
)

// State is where a session is.
type State int

const (
	Disconnected State = iota
	Connecting
	Connected
	Reconnecting
)

func (s State) String() string {
	return [...]string{"disconnected", "connecting", "connected", "reconnecting"}[s]
}

// Event is what a session reports, in order, from one goroutine.
type Event interface{ event() }

type (
	// StateChanged: connecting, connected (Name is ours), reconnecting (Err
	// is why, RetryIn when) or disconnected (Err is why; nil after Close).
	StateChanged struct {
		State   State
		Name    string
		Err     error
		RetryIn time.Duration
	}
	// Talk is a message, ours included. Msg.Room is its room; a direct
	// message has Msg.To and no room (Partner says who the conversation is
	// with). A room's last talks arrive as talks too, right after its user
	// list, when we join it; after a reconnect, the talks said while we
	// were away, in order. History: the talk answers a History request (the
	// old form), and may have been reported before.
	Talk struct {
		Msg     *model.ChatRoomRequest
		History bool
	}
	// UserList is one room's users, all of them. Count is how many the
	// server says are in the room (0 from a server that does not say).
	UserList struct {
		Room  string
		Users []string
		Count int
	}
	// Presence is a coalescing server's word on a room's members (see
	// presence.go): Joined are in it now, Left are not, Count is how many
	// are; Large: the room is past the server's -presence-limit, no names
	// come any more, and its users are read in pages (UserListPage).
	Presence struct {
		Room         string
		Joined, Left []string
		Count        int
		Large        bool
	}
	// UserPage is one page of a room's users, by name: the answer to a
	// UserListPage request for names starting with Prefix after After, or
	// (Prefix and After empty) the first page a large room sends on its
	// own when we join it. Cursor asks for the next page, "" after the
	// last; Count is the room's members; Large as in Presence.
	UserPage struct {
		Room, Prefix, After string
		Users               []string
		Cursor              string
		Count               int
		Large               bool
	}
	// UserPageRefused: the server refused the UserListPage request for
	// names of Room starting with Prefix after After; Reason is its words
	// (it asked too often, say).
	UserPageRefused struct{ Room, Prefix, After, Reason string }
	// Joined and Left are presence changes in Msg.Room. Our own Joined
	// (Msg.UserName is Name) means we are in that room now, our own Left
	// that we are not.
	Joined struct{ Msg *model.ChatRoomRequest }
	Left   struct{ Msg *model.ChatRoomRequest }
	// ServerError is the server rejecting something we sent; Room or To
	// says which room or direct conversation it was about, if any.
	ServerError struct{ Reason, Room, To string }
	// RoomList is one page of the server's public rooms; Cursor asks for
	// the next page, "" after the last.
	RoomList struct {
		Rooms  []*model.RoomInfo
		Cursor string
	}
	// HistoryEnd ends the talks a History request brought.
	HistoryEnd struct{ Room, To string }
	// Gap: catching up on Room after a reconnect could not bring every
	// talk said since we left (they aged out, or there were too many).
	// What we hold of the room is to be dropped: the talks that follow are
	// the room's latest, and older ones are read by scrolling back. Reason
	// is the server's words; Seq the first talk that follows (0: none).
	Gap struct {
		Room, Reason string
		Seq          uint64
	}
	// Page answers a Page request: talks of Room (or of the direct
	// conversation with To) older than Before (0: the newest), oldest
	// first; More says older ones are kept.
	Page struct {
		Room, To string
		Before   uint64
		Messages []*model.ChatRoomRequest
		More     bool
	}
	// Found answers a Search request: the talks of Room (or of the direct
	// conversation with To) matching Query, older than Before (0: the
	// newest), newest first; More says there are more (ask again with
	// before = the last one's seq).
	Found struct {
		Room, To, Query string
		Before          uint64
		Messages        []*model.ChatRoomRequest
		More            bool
	}
	// Moderation is a moderation event of Msg.Room (model.TypeKick, Ban,
	// Unban, Mute, Unmute, Delete, Topic, Slow, Role): Msg.UserName is who
	// it was done to (a delete: the author), Msg.By who did it. Right after
	// our own join, a room's topic, slow mode and our role come as
	// Moderation events too, without seq. A Delete that model.IsTombstone
	// (its TargetSeq its own Seq, or none) is a tombstone in a room's last
	// talks: the talk Msg.Seq was deleted.
	Moderation struct{ Msg *model.ChatRoomRequest }
	// Audit is a page of the audit trail (admins), newest first: each
	// entry is the action's event, its Seq the entry's id; More says there
	// are older ones.
	Audit struct {
		Room     string
		Messages []*model.ChatRoomRequest
		More     bool
	}
)

func (StateChanged) event()    {}
func (Talk) event()            {}
func (UserList) event()        {}
func (Presence) event()        {}
func (UserPage) event()        {}
func (UserPageRefused) event() {}
func (Joined) event()          {}
func (Left) event()            {}
func (ServerError) event()     {}
func (RoomList) event()        {}
func (HistoryEnd) event()      {}
func (Gap) event()             {}
func (Page) event()            {}
func (Found) event()           {}
func (Moderation) event()      {}
func (Audit) event()           {}

// Partner is who a direct message's conversation is with, for the user
// me: the addressee of what we sent, the sender of what we got.
func Partner(m *model.ChatRoomRequest, me string) string {
	if m.UserName == me {
		return m.To
	}
	return m.UserName
}
