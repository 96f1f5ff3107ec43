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

// A Broker carries room events (talk, join, leave) between the nodes that
// serve one room, and owns the room-wide set of claimed usernames.
//
// Every event published on any node is delivered once to the Event handler
// of every node, this one included, in one order that is the same on all
// nodes; the broker stamps that order into the event's Seq. The room logic
// is the same whichever Broker it runs on: MemoryBroker for one process, a
// message-bus-backed one for several.
type Broker interface {
	// Subscribe sets who is told what happens: every event, in order, and
	// what else the Broker can tell (see Handlers). It is called once,
	// before the first Publish.
	Subscribe(h Handlers) error
	// Publish gives ev its place in the order (Seq) and delivers it. When
	// it returns nil, ev will reach every node. Every delivered event
	// carries its Seq and its time (Timestamp, Unix ms), given where the
	// order is made; whether ev itself gets its Timestamp by the time
	// Publish returns depends on the Broker (MemoryBroker: yes; NatsBroker:
	// no, the stream's acknowledgement carries no time).
	Publish(ctx context.Context, ev *model.ChatRoomRequest) error
	// Claim reserves name for one connection; ErrNameTaken if it is online,
	// ErrNameSimilar if a name that looks the same is. Names are compared
	// on their keys (model.UsernameKey, model.UsernameSkeleton), not as
	// they are.
	Claim(ctx context.Context, name string) error
	// Release gives a claimed name back.
	Release(name string)
	// Connected reports whether this node reaches the other nodes now
	// (MemoryBroker: always).
	Connected() bool
	// Close stops delivery.
	Close() error
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
