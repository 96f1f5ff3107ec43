package service

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"chatroom/model"
)

var _ Broker = (*MemoryBroker)(nil)

// MemoryBroker is the single-process Broker: Publish calls the handler
// directly, under a lock that fixes the order; or, with a journal, writes
// each event to it before the handler is called (NewJournaledBroker).
type MemoryBroker struct {
	mu      sync.Mutex
	handler func(*model.ChatRoomRequest)
	seq     uint64
	last    int64 // the last Timestamp given: times never go back
	// names are the claimed names by the hash of their comparison key
	// (model.UsernameKey); skeletons counts them by the hash of their
	// skeletons. Hashes, not the keys: every user online keeps an entry
	// in each, and two different keys share a 64-bit hash about once in
	// 10^19 pairs (a name then refused as similar, never two holders).
	seed      maphash.Seed
	names     map[uint64]string
	skeletons map[uint64]int
	admins    map[uint64]bool // the names claimed as server admins (ClaimOptions)
	dir       directory
	closed    bool

	// With a journal (NewJournaledBroker), events are written before they
	// are delivered, by one writer goroutine (broker_memory_journal.go).
	journal Journal
	replay  int           // talks a Follow delivers from the journal
	queue   []*queued     // waiting for the writer (mu's)
	wake    chan struct{} // tells the writer there is work
	stopped chan struct{} // closed when the writer is done
}

// NewMemoryBroker returns an empty in-memory broker.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{seed: maphash.MakeSeed(), names: make(map[uint64]string), skeletons: make(map[uint64]int), admins: make(map[uint64]bool), dir: newDirectory()}
}

// stamp gives ev its seq and time. A seq is the last one plus one, or the
// clock's microseconds if that is more: so seqs never go back, not when the
// process restarts with nothing kept, nor with a store restored from a
// backup, nor after events whose seqs a full disk kept from being recorded
// (a client coming back with the last seq it saw must not be taken for one
// that saw what comes next). They run ahead of the clock only past a
// million events a second. Times never go back either. The caller holds
// b.mu.
func (b *MemoryBroker) stamp(ev *model.ChatRoomRequest) {
	now := time.Now()
	b.seq = max(b.seq+1, uint64(now.UnixMicro()))
	ev.Seq = b.seq
	ev.Timestamp = max(now.UnixMilli(), b.last)
	b.last = ev.Timestamp
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

// Publish implements Broker. The handler runs before Publish returns
// (unless ctx ends first, with a journal).
func (b *MemoryBroker) Publish(ctx context.Context, ev *model.ChatRoomRequest) error {
	if b.journal != nil {
		return b.publishJournaled(ctx, ev)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBrokerClosed
	}
	b.stamp(ev)
	if b.handler != nil {
		b.handler(ev)
	}
	return nil
}

// Claim implements Broker: name is refused if a claimed name has its key
// or its skeleton.
func (b *MemoryBroker) Claim(_ context.Context, name string, rooms []RoomRef, opts ...ClaimOptions) error {
	key, skel := b.keys(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch holder, ok := b.names[key]; {
	case b.closed:
		return ErrBrokerClosed
	case ok && holder == name:
		return ErrNameTaken
	case ok || b.skeletons[skel] > 0:
		return ErrNameSimilar
	}
	b.names[key] = name
	b.skeletons[skel]++
	b.dir.set(name, rooms)
	if claimOpts(opts).Admin {
		b.admins[key] = true
	}
	return nil
}

// Admin implements Broker.
func (b *MemoryBroker) Admin(name string) bool {
	key, _ := b.keys(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.names[key] == name && b.admins[key]
}

// SetRooms implements Broker.
func (b *MemoryBroker) SetRooms(_ context.Context, name string, rooms []RoomRef) error {
	key, _ := b.keys(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return ErrBrokerClosed
	case b.names[key] != name:
		return fmt.Errorf("%q is not claimed", name)
	}
	b.dir.set(name, rooms)
	return nil
}

// Online implements Broker.
// Holder implements Broker: the name online with name's key.
func (b *MemoryBroker) Holder(name string) (string, bool) {
	key, _ := b.keys(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	holder, ok := b.names[key]
	return holder, ok
}

// Rooms implements Broker.
func (b *MemoryBroker) Rooms() ([]RoomCount, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dir.list(), len(b.names)
}

// Follow implements Broker: the one node gets every room's events anyway;
// with a journal, the room's last talks are delivered first.
func (b *MemoryBroker) Follow(ctx context.Context, room string) error {
	if b.journal != nil {
		return b.followJournaled(ctx, room)
	}
	return nil
}

// Unfollow implements Broker.
func (b *MemoryBroker) Unfollow(string) {}

// Release implements Broker.
func (b *MemoryBroker) Release(name string) {
	key, skel := b.keys(name)
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.names[key] != name {
		return // not claimed
	}
	delete(b.names, key)
	delete(b.admins, key)
	b.dir.set(name, nil)
	if b.skeletons[skel]--; b.skeletons[skel] <= 0 {
		delete(b.skeletons, skel)
	}
}

// keys are the hashes name is claimed under: of its comparison key and of
// its skeleton.
func (b *MemoryBroker) keys(name string) (key, skel uint64) {
	return maphash.String(b.seed, model.UsernameKey(name)), maphash.String(b.seed, model.UsernameSkeleton(name))
}

// Connected implements Broker: one process has no link to lose.
func (b *MemoryBroker) Connected() bool { return true }

// Close implements Broker. With a journal, it returns once what was
// published is written and delivered.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	if b.journal != nil {
		b.closeJournaled()
	}
	return nil
}
