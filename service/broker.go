package service

import (
	"context"
	"errors"
	"sync"
	"time"

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

var _ Broker = (*MemoryBroker)(nil)

// MemoryBroker is the single-process Broker: Publish calls the handler
// directly, under a lock that fixes the order.
type MemoryBroker struct {
	mu      sync.Mutex
	handler func(*model.ChatRoomRequest)
	seq     uint64
	last    int64 // the last Timestamp given: times never go back
	names   map[string]struct{}
	closed  bool
}

// NewMemoryBroker returns an empty in-memory broker.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{names: make(map[string]struct{})}
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(h func(*model.ChatRoomRequest)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.handler != nil {
		return errors.New("memory broker: already subscribed")
	}
	b.handler = h
	return nil
}

// Publish implements Broker. The handler runs before Publish returns.
func (b *MemoryBroker) Publish(_ context.Context, ev *model.ChatRoomRequest) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	b.seq++
	ev.Seq = b.seq
	ev.Timestamp = max(time.Now().UnixMilli(), b.last)
	b.last = ev.Timestamp
	if b.handler != nil {
		b.handler(ev)
	}
	return nil
}

// Claim implements Broker.
func (b *MemoryBroker) Claim(_ context.Context, name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	if _, ok := b.names[name]; ok {
		return ErrNameTaken
	}
	b.names[name] = struct{}{}
	return nil
}

// Release implements Broker.
func (b *MemoryBroker) Release(name string) {
	b.mu.Lock()
	delete(b.names, name)
	b.mu.Unlock()
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}
