package service

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"chatroom/model"
)

// This file owns what a hub holds in memory of moderation: the
// restrictions in force and the rooms' settings, loaded from the
// ModerationStore at start, kept current by the moderation events it
// delivers and, with a store several nodes share, by its changes
// (moderation_feed.go), so it is never loaded again; and the time
// of each user's last talk per room, for slow mode. A restriction past its
// Until is no restriction: it is checked at use and removed then. A change
// held while a load reads the store is held again over what the load read
// (which may predate it), so that no change is lost to a load.

// modKey is a restriction's identity: its room, its name's key, a mute.
type modKey struct {
	room string
	name string // model.UsernameKey
	mute bool
}

// slowKey is a user (its name's key) in a room.
type slowKey struct{ room, name string }

// slowSweep is how many talks are recorded between two sweeps of the
// last talks past their room's slow mode.
const slowSweep = 4096

// modState is a hub's moderation state (see the file comment).
type modState struct {
	store ModerationStore
	// write serializes this node's changes of the rooms' settings (read,
	// changed, stored, held).
	write sync.Mutex

	mu       sync.RWMutex
	restr    map[modKey]Restriction // written by hold and drop only
	idx      restrIndex             // what restr holds, counted for the hot checks
	rooms    map[string]RoomSettings
	lastTalk map[slowKey]time.Time // mu's write lock
	talks    int                   // recorded since the last sweep
	loading  int                   // loads reading the store now
	pending  []func()              // the changes held since the first of them began
}

func newModState(store ModerationStore) *modState {
	return &modState{store: store, restr: make(map[modKey]Restriction), rooms: make(map[string]RoomSettings), lastTalk: make(map[slowKey]time.Time)}
}

func keyOf(r Restriction) modKey {
	return modKey{room: r.Room, name: model.UsernameKey(r.Name), mute: r.Mute}
}

// load replaces what is held with what the store keeps, then holds again
// the changes held meanwhile.
func (s *modState) load(ctx context.Context) error {
	s.mu.Lock()
	s.loading++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if s.loading--; s.loading == 0 {
			s.pending = nil
		}
		s.mu.Unlock()
	}()
	restr, err := s.store.Restrictions(ctx)
	if err != nil {
		return err
	}
	rooms, err := s.store.Rooms(ctx)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.restr)
	s.idx = restrIndex{}
	for _, r := range restr {
		s.hold(keyOf(r), r)
	}
	clear(s.rooms)
	for _, r := range rooms {
		s.rooms[r.Room] = r
	}
	for _, change := range s.pending {
		change()
	}
	return nil
}

// change makes a change of what is held, under mu's write lock, and keeps
// it while a load is under way, for the load to make again.
func (s *modState) change(f func()) {
	f()
	if s.loading > 0 {
		s.pending = append(s.pending, f)
	}
}

// put holds r. With keepAddr (an event of a ban with address, which
// carries no address), r keeps the address of the one it replaces.
func (s *modState) put(r Restriction, keepAddr bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := keyOf(r)
	s.change(func() {
		r := r
		if old, ok := s.restr[k]; ok && keepAddr && !r.Addr.IsValid() {
			r.Addr = old.Addr
		}
		s.hold(k, r)
	})
}

// remove drops the restriction of room, name and mute, and returns it.
func (s *modState) remove(room, name string, mute bool) (Restriction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := modKey{room: room, name: model.UsernameKey(name), mute: mute}
	r, ok := s.restr[k]
	s.change(func() { s.drop(k) })
	return r, ok
}

// get returns the restriction of room, name and mute in force at now.
// One expired is reported as such (expired true), for the caller to
// remove.
func (s *modState) get(room, name string, mute bool, now time.Time) (r Restriction, ok, expired bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok = s.restr[modKey{room: room, name: model.UsernameKey(name), mute: mute}]
	if ok && r.Expired(now) {
		return r, false, true
	}
	return r, ok, false
}

// talking returns what a talk of name in room at now is checked against,
// with one read lock and no work when nothing is restricted: the mute of
// name in room (as get does) and the room's slow mode.
func (s *modState) talking(room, name string, now time.Time) (mute Restriction, muted, expired bool, slow time.Duration) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	slow = s.rooms[room].Slow
	if s.idx.mutes[room] == 0 {
		return mute, false, false, slow // no key to make: nobody is muted in room
	}
	mute, muted = s.restr[modKey{room: room, name: model.UsernameKey(name), mute: true}]
	if muted && mute.Expired(now) {
		return mute, false, true, slow
	}
	return mute, muted, false, slow
}

// byAddr returns a ban of room in force at now on addr.
func (s *modState) byAddr(room string, addr netip.Addr, now time.Time) (Restriction, bool) {
	if !addr.IsValid() {
		return Restriction{}, false
	}
	addr = addr.Unmap()
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.idx.addrs[roomAddr{room, addr}] == 0 {
		return Restriction{}, false // the common case: no scan of every ban
	}
	for k, r := range s.restr {
		if k.room == room && !k.mute && r.Addr.IsValid() && r.Addr.Unmap() == addr && !r.Expired(now) {
			return r, true
		}
	}
	return Restriction{}, false
}

// list returns the restrictions in force at now, of room only if room
// is not "" (server-wide bans are of room "").
func (s *modState) list(room string, now time.Time) []Restriction {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Restriction
	for _, r := range s.restr {
		if (room == "" || r.Room == room) && !r.Expired(now) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b Restriction) int { return a.At.Compare(b.At) })
	return out
}

// settings returns room's settings (Room set even if it has none).
func (s *modState) settings(room string) (RoomSettings, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rs, ok := s.rooms[room]
	rs.Room = room
	rs.Moderators = slices.Clone(rs.Moderators)
	return rs, ok
}

// setSettings holds rs as its room's settings.
func (s *modState) setSettings(rs RoomSettings) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.change(func() { s.rooms[rs.Room] = rs })
}

// allSettings returns every room's settings.
func (s *modState) allSettings() []RoomSettings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]RoomSettings, 0, len(s.rooms))
	for _, rs := range s.rooms {
		out = append(out, rs)
	}
	return out
}

// slowWait records a talk of name in room at now and returns zero, or,
// if its last one was less than slow ago, records nothing and returns
// how long it must wait.
func (s *modState) slowWait(room, name string, slow time.Duration, now time.Time) time.Duration {
	k := slowKey{room: room, name: model.UsernameKey(name)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.lastTalk[k]; ok && now.Sub(last) < slow {
		return slow - now.Sub(last)
	}
	s.lastTalk[k] = now
	if s.talks++; s.talks >= slowSweep {
		s.talks = 0
		for k, t := range s.lastTalk {
			if now.Sub(t) >= s.rooms[k.room].Slow {
				delete(s.lastTalk, k)
			}
		}
	}
	return 0
}
