package service

// This file owns what a NATS node knows of every claim in the cluster, from
// its watch of the bucket: who holds which claim's key, the skeletons of
// their names (for look-alikes), and the directory of who is in which room.
// Online, Rooms and the members a Follow starts with answer from it, from
// memory.

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/model"
)

// claimIndex is every claim of the cluster as this node's watch of the
// bucket found them.
type claimIndex struct {
	mu        sync.Mutex
	byKey     map[string]indexedClaim // claim's key -> its holder
	skeletons map[string]int          // holders by their names' skeletons
	dir       directory
	// seq is how far the bucket's stream is applied: every entry up to it
	// is in. progress, when someone waits for seq to grow, is closed when
	// it does.
	seq      uint64
	progress chan struct{}
}

// indexedClaim is one claim: its holder, and the revision of its entry;
// admin if the holder is a server admin by token.
type indexedClaim struct {
	name  string
	rev   uint64
	admin bool
}

func newClaimIndex() *claimIndex {
	return &claimIndex{byKey: make(map[string]indexedClaim), skeletons: make(map[string]int), dir: newDirectory()}
}

// put records the claim of key by name, in rooms, as of revision rev (an
// admin's if admin). An
// entry older than the one known is stale, and changes nothing: a node's
// own claims are put as it makes them, before its watch brings them.
func (x *claimIndex) put(key, name string, rooms []RoomRef, rev uint64, admin bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	old, ok := x.byKey[key]
	if ok && old.rev >= rev {
		return
	}
	if ok && old.name != name {
		x.forget(old.name)
	}
	if !ok || old.name != name {
		x.skeletons[model.UsernameSkeleton(name)]++
	}
	x.byKey[key] = indexedClaim{name: name, rev: rev, admin: admin}
	x.dir.set(name, rooms)
}

// remove records that key's claim went at revision rev, and returns who held
// it ("" if nobody, or if the entry is stale).
func (x *claimIndex) remove(key string, rev uint64) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	old, ok := x.byKey[key]
	if !ok || old.rev >= rev {
		return ""
	}
	delete(x.byKey, key)
	x.forget(old.name)
	return old.name
}

// forget drops name's skeleton and rooms. The caller holds x.mu.
func (x *claimIndex) forget(name string) {
	skel := model.UsernameSkeleton(name)
	if x.skeletons[skel]--; x.skeletons[skel] <= 0 {
		delete(x.skeletons, skel)
	}
	x.dir.set(name, nil)
}

// sweep removes the claims of revision up to before that a new watch's
// initial values did not bring (seen): they went while nobody watched.
func (x *claimIndex) sweep(before uint64, seen map[string]bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for key, c := range x.byKey {
		if c.rev <= before && !seen[key] {
			delete(x.byKey, key)
			x.forget(c.name)
		}
	}
}

// advance records that the bucket's entries up to seq are applied.
func (x *claimIndex) advance(seq uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if seq <= x.seq {
		return
	}
	x.seq = seq
	if x.progress != nil {
		close(x.progress)
		x.progress = nil
	}
}

// wait returns once the entries up to seq are applied.
func (x *claimIndex) wait(ctx context.Context, seq uint64, stop <-chan struct{}) error {
	for {
		x.mu.Lock()
		if x.seq >= seq {
			x.mu.Unlock()
			return nil
		}
		if x.progress == nil {
			x.progress = make(chan struct{})
		}
		progress := x.progress
		x.mu.Unlock()
		select {
		case <-progress:
		case <-stop:
			return ErrBrokerClosed
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// apply records one entry of the bucket, and returns the name whose claim
// it removes, if any.
func (x *claimIndex) apply(e jetstream.KeyValueEntry, defaultRoom string) (gone string) {
	if !isClaimKey(e.Key()) {
		return ""
	}
	if e.Operation() != jetstream.KeyValuePut {
		return x.remove(e.Key(), e.Revision())
	}
	if name, rooms, ok := parseClaim(e.Value(), defaultRoom); ok {
		x.put(e.Key(), name, rooms, e.Revision(), claimAdmin(e.Value()))
	}
	return ""
}

// load applies the initial values of a new watch w of every claim, up to
// the marker that ends them, then drops the claims it did not bring that
// were there before from (the bucket's last seq, read before w began).
func (x *claimIndex) load(ctx context.Context, w jetstream.KeyWatcher, from uint64, defaultRoom string) error {
	seen := make(map[string]bool)
	for {
		select {
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return errNoWatch
			case e == nil:
				x.sweep(from, seen)
				x.advance(from)
				return nil
			default:
				seen[e.Key()] = true
				x.apply(e, defaultRoom)
				from = max(from, e.Revision())
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// holder is who holds key's claim, if anyone.
func (x *claimIndex) holder(key string) (indexedClaim, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	c, ok := x.byKey[key]
	return c, ok
}

// members returns the set of names in room.
func (x *claimIndex) members(room string) map[string]bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	names := x.dir.members(room)
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set
}

// lookAlike says whether someone holds a claim under another key than
// name's with the skeleton of name.
func (x *claimIndex) lookAlike(name string) bool {
	key, skel := nameKey(name), model.UsernameSkeleton(name)
	x.mu.Lock()
	defer x.mu.Unlock()
	n := x.skeletons[skel]
	if c, ok := x.byKey[key]; ok && model.UsernameSkeleton(c.name) == skel {
		n--
	}
	return n > 0
}

// Online implements Broker: name holds a claim, on any node, as this
// node's watch of the claims has seen (its own claims at once).
func (b *NatsBroker) Holder(name string) (string, bool) {
	c, ok := b.index.holder(nameKey(name))
	return c.name, ok
}

// Admin implements Broker, from the claims this node's watch has seen (its
// own at once).
func (b *NatsBroker) Admin(name string) bool {
	c, ok := b.index.holder(nameKey(name))
	return ok && c.name == name && c.admin
}

// Rooms implements Broker, from the claims this node's watch has seen.
func (b *NatsBroker) Rooms() ([]RoomCount, int) {
	b.index.mu.Lock()
	defer b.index.mu.Unlock()
	return b.index.dir.list(), len(b.index.byKey)
}

// syncIndex returns once the index holds every claim's entry stored in the
// bucket by now.
func (b *NatsBroker) syncIndex(ctx context.Context) error {
	info, err := b.kvs.Info(ctx)
	if err != nil {
		return err
	}
	return b.index.wait(ctx, info.State.LastSeq, b.stop)
}

// watchTimeout bounds the initial values of a watch of the claims.
const watchTimeout = 30 * time.Second
