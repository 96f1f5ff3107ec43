package service

import (
	"context"
	"errors"

	"chatroom/model"
)

// ErrNameTaken is returned by Broker.Claim when the name is online already.
var ErrNameTaken = errors.New("username already online")

// ErrBrokerClosed is returned by a Broker after Close.
var ErrBrokerClosed = errors.New("broker closed")

// A Broker carries room events (talk, join, leave) between the nodes that
// serve one room, and owns the room-wide set of claimed usernames.
//
// Every event published on any node is delivered once to the handler of
// every node, this one included, in one order that is the same on all
// nodes; the broker stamps that order into the event's Seq. The room logic
// is the same whichever Broker it runs on: MemoryBroker for one process, a
// message-bus-backed one for several.
type Broker interface {
	// Subscribe sets the function that receives every event, in order, one
	// at a time. It is called once, before the first Publish. The handler
	// must not call Publish.
	Subscribe(handler func(*model.ChatRoomRequest)) error
	// Publish gives ev its place in the order (Seq) and delivers it. When
	// it returns nil, ev will reach every node. Every delivered event
	// carries its Seq and its time (Timestamp, Unix ms), given where the
	// order is made; whether ev itself gets its Timestamp by the time
	// Publish returns depends on the Broker (MemoryBroker: yes; NatsBroker:
	// no, the stream's acknowledgement carries no time).
	Publish(ctx context.Context, ev *model.ChatRoomRequest) error
	// Claim reserves name for one connection; ErrNameTaken if it is online.
	Claim(ctx context.Context, name string) error
	// Release gives a claimed name back.
	Release(name string)
	// Close stops delivery.
	Close() error
}
