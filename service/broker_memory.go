package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"chatroom/model"
)

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

// Subscribe implements Broker. Only h.Event is ever called.
func (b *MemoryBroker) Subscribe(h Handlers) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.handler != nil {
		return errors.New("memory broker: already subscribed")
	}
	b.handler = h.Event
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

// Connected implements Broker: one process has no link to lose.
func (b *MemoryBroker) Connected() bool { return true }

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}
