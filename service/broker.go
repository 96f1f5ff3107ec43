package service

import (
	"context"
	"errors"
	"fmt"

	"chatroom/model"
)

// ErrNameTaken is returned by Broker.Claim when the name is online already,
// or a name that looks the same (see ErrNameSimilar).
var ErrNameTaken = errors.New("username already online")

// ErrNameSimilar is returned by Broker.Claim when another name online looks
// the same: it has the name's comparison key or skeleton (see
// model.UsernameKey), but is not the same name. It is an ErrNameTaken.
var ErrNameSimilar = fmt.Errorf("%w: a name online looks the same", ErrNameTaken)

// ErrBrokerClosed is returned by a Broker after Close.
var ErrBrokerClosed = errors.New("broker closed")

// A Broker carries the rooms' events (talk, join, leave) and the direct
// messages between the nodes of one chat service, owns the service-wide set
// of claimed usernames, and keeps the directory of who is in which room.
//
// Every event carries its room (ev.Room, never empty) or, for a direct
// message, its addressee (ev.To, and no room). An event published on any
// node is delivered once to the Event handler of every node that follows
// its room (Follow), this one included, in one order per room that is the
// same on all nodes; the broker stamps that order into the event's Seq,
// increasing per room (not necessarily by one). Direct messages reach every
// node, in one order. The room logic is the same whichever Broker it runs
// on: MemoryBroker for one process, a message-bus-backed one for several.
type Broker interface {
	// Subscribe sets who is told what happens: every event, in order, and
	// what else the Broker can tell (see Handlers). It is called once,
	// before the first Publish or Follow.
	Subscribe(h Handlers) error
	// Follow makes this node receive room's events: first the room as it
	// is now (a join, with no Seq, for each of its members on any node)
	// and its past events still kept, in order, then every new one. It
	// returns once the past is delivered. Following a room followed
	// already does nothing. MemoryBroker delivers every room's events to
	// its one node anyway.
	Follow(ctx context.Context, room string) error
	// Unfollow stops the delivery of room's events to this node. It may be
	// called from the Event handler, and does not block on delivery.
	Unfollow(room string)
	// Publish gives ev its place in its room's order (Seq) and delivers
	// it. When it returns nil, ev will reach every node that follows its
	// room. Every delivered event carries its Seq and its time (Timestamp,
	// Unix ms), given where the order is made; whether ev itself gets its
	// Timestamp by the time Publish returns depends on the Broker
	// (MemoryBroker: yes; NatsBroker: no, the stream's acknowledgement
	// carries no time).
	Publish(ctx context.Context, ev *model.ChatRoomRequest) error
	// Claim reserves name for one connection, which is in rooms;
	// ErrNameTaken if the name is online, ErrNameSimilar if a name that
	// looks the same is. Names are compared on their keys
	// (model.UsernameKey, model.UsernameSkeleton), not as they are. At
	// most one opts may be given (none: the zero ClaimOptions).
	Claim(ctx context.Context, name string, rooms []RoomRef, opts ...ClaimOptions) error
	// SetRooms records the rooms a claimed name is in now, for the
	// directory (Rooms, and the members a Follow starts with).
	SetRooms(ctx context.Context, name string, rooms []RoomRef) error
	// Release gives a claimed name back; its rooms go with it.
	Release(name string)
	// Holder returns the name online, on any node, whose claim name's
	// would clash with: the same user by the rules that compare usernames
	// (case-folded: "BOB" is bob), and whether there is one.
	Holder(name string) (string, bool)
	// Admin reports whether name, exactly as given, holds a claim made
	// with ClaimOptions.Admin, on any node: every node's rank checks
	// know a server admin by token wherever it is connected.
	Admin(name string) bool
	// Rooms returns every room someone is in, with how many are in it, and
	// how many users are online, on every node. The rooms are in no order.
	Rooms() (rooms []RoomCount, users int)
	// Connected reports whether this node reaches the other nodes now
	// (MemoryBroker: always).
	Connected() bool
	// Close stops delivery.
	Close() error
}

// ClaimOptions are what a claim says of its user besides its name and
// rooms, for every node to know.
type ClaimOptions struct {
	Admin bool // a server admin by its token's role claim (moderation_roles.go)
}

// claimOpts is the one ClaimOptions of a Claim's opts, or the zero one.
func claimOpts(opts []ClaimOptions) ClaimOptions {
	if len(opts) == 0 {
		return ClaimOptions{}
	}
	return opts[0]
}

// A RoomRef is a room a user is in, as the directory keeps it.
type RoomRef struct {
	Name    string
	Private bool // the room is unlisted (it was created so)
}

// A RoomCount is one room in the directory.
type RoomCount struct {
	Name    string
	Members int  // users in it, on every node
	Private bool // unlisted: not in the rooms list
}

// Handlers are what a Broker tells its subscriber. Event must be set;
// ClaimLost and Link may be nil, and MemoryBroker, which has no other
// nodes, never calls them.
type Handlers struct {
	// Event receives every event, in order, one at a time. It must not
	// call Publish.
	Event func(*model.ChatRoomRequest)
	// ClaimLost is told of each claim of this node that the broker lost,
	// and has forgotten: the node was cut off from the others for longer
	// than the claim lives, and they announced its user's leave (or took
	// the name).
	ClaimLost func(name string)
	// Link is told when this node's link to the other nodes is lost (up
	// false) and when it is back.
	Link func(up bool)
}
