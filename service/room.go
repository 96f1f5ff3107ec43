package service

import (
	"net/netip"
	"sync"
	"time"

	"chatroom/model"
)

// room is one chat room as seen from this node: who is in it (on every
// node), this node's members of it, and its last talks. The Hub owns the
// rooms; a room receives its events, in the Broker's order, from the Hub.
//
// A joining member receives, in order: its own join, the count if it
// coalesces presence, the room's user list (its first page if the room is
// large), the room's last History talks, then live events. Who is told of
// others' joins and leaves, and how, is room_presence.go's. Everything a member
// receives is queued under the room's lock, so every member sees the same
// order; nothing is written to a socket under it.
type room struct {
	name    string
	private bool       // created unlisted
	opener  netip.Addr // the client address that opened it here, if counted (Hub.mu's)
	hub     *Hub

	// ready is closed once the broker delivers the room here (Follow has
	// returned), with followErr its error. Fields below ready are the
	// room's lock's.
	ready     chan struct{}
	followErr error
	following bool // Follow was called (Hub.mu's)
	pending   int  // joins under way that count on the room (Hub.mu's)

	mu       sync.Mutex
	users    *userList         // in the room on every node
	local    map[string]*entry // this node's members, joined or joining
	active   []*entry          // members receiving events, in no order
	catching []*entry          // members catching up (room_catchup.go), in no order
	history  []kept            // ring of the last History talks
	histNext int               // index of the oldest talk once history is full
	lastSeq  uint64            // the seq of the last event delivered
	p        presence          // room_presence.go
}

// kept is one talk of the ring: its frame, and the event it encodes (for
// a catch-up's history frames).
type kept struct {
	f  *Frame
	ev *model.ChatRoomRequest
}

type entry struct {
	m        Member
	coalesce bool   // it asked for coalesced presence (room_presence.go)
	role     string // its role in the room when it joined (moderation_roles.go)
	pos      int    // index in room.active, or -1
	joined   bool   // its join was delivered
	leaving  bool   // a leave (part or goodbye) is on its way
	// since is the last seq the member saw of the room before it joined
	// (0: none; it is shown the last talks instead of catching up).
	since uint64
	// catching: the member's catch-up is being sent; the room's frames
	// meanwhile wait in pending (room_catchup.go).
	catching bool
	pending  []*Frame
}

func newRoom(h *Hub, name string, private bool) *room {
	r := &room{name: name, private: private, hub: h, ready: make(chan struct{}),
		users: newUserList(), local: make(map[string]*entry)}
	r.p.touched = make(map[string]struct{})
	r.p.large = r.isLarge()
	return r
}

// deliver handles one event of the room. It returns the name of a local
// member whose claim the event shows lost (someone else joined with its
// name, or the other nodes announced its leave), for the hub to end
// everywhere; "" if none.
func (r *room) deliver(ev *model.ChatRoomRequest) (lost string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.hub.counts.events.Add(1)
	r.lastSeq = max(r.lastSeq, ev.Seq)
	switch ev.Type {
	case model.TypeTalk:
		f := r.frame(ev)
		r.remember(f, ev)
		r.broadcast(f)
	case model.TypeJoin:
		return r.joined(ev)
	case model.TypeLeave:
		return r.left(ev)
	default:
		if isModeration(ev.Type) {
			r.moderated(ev)
			break
		}
		r.hub.log.WithField("type", ev.Type).Warn("broker delivered an unknown event type")
	}
	return ""
}

// joined handles a join event.
func (r *room) joined(ev *model.ChatRoomRequest) (lost string) {
	r.users.add(ev.UserName)
	e := r.local[ev.UserName]
	if e != nil && e.joined && !e.leaving {
		// Someone else joined with this member's name: its claim was
		// lost, and the name taken. The hub ends it.
		r.forget(ev.UserName)
		return ev.UserName
	}
	f := r.frame(ev)
	r.announce(ev.UserName, f, e) // to the others
	first := e != nil && !e.joined
	if first {
		e.joined = true
		e.pos = len(r.active)
		r.active = append(r.active, e)
	}
	if e != nil {
		r.send(e, f)
	}
	if first && e.pos >= 0 {
		r.welcome(e)
		r.greet(e)
		if e.since == 0 {
			r.replay(e)
		} else {
			r.catchUp(e)
		}
	}
	return ""
}

// left handles a leave event.
func (r *room) left(ev *model.ChatRoomRequest) (lost string) {
	listed := r.users.has(ev.UserName)
	r.users.remove(ev.UserName)
	e := r.local[ev.UserName]
	if e != nil && e.joined && !e.leaving {
		// Not this node's doing: the others found its claim gone.
		r.forget(ev.UserName)
		lost, e = ev.UserName, nil
	}
	// A member leaving gets its own leave: the answer to its part. A
	// leave for someone never listed here (several nodes, one of which
	// listed a name claimed by a handshake that never joined) tells this
	// node's users nothing.
	f := r.frame(ev)
	if e != nil && e.leaving && (e.pos >= 0 || e.catching) {
		r.send(e, f)
	}
	if e != nil && e.leaving {
		r.forget(ev.UserName)
	}
	if listed {
		r.announce(ev.UserName, f, e)
	}
	// Otherwise e is joining: this leave is an earlier session's, before
	// the join on its way.
	return lost
}

// add makes m a joining member, which saw the room up to since (0: new to
// it), with its role in the room; false if the room has a member of its
// name already.
func (r *room) add(m Member, since uint64, coalesce bool, role string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.local[m.Name()] != nil {
		return false
	}
	r.local[m.Name()] = &entry{m: m, pos: -1, since: since, coalesce: coalesce, role: role}
	if coalesce {
		r.p.coalescers++
	}
	return true
}

// markLeaving marks m's entry as leaving; false if m is not a member.
func (r *room) markLeaving(m Member) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.local[m.Name()]
	if e == nil || e.m != m {
		return false
	}
	e.leaving = true
	return true
}

// drop forgets m at once, if it is still the member of its name; with
// unlist, it also leaves the user list (its leave will not come).
func (r *room) drop(m Member, unlist bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e := r.local[m.Name()]; e != nil && e.m == m {
		r.forget(m.Name())
	}
	if unlist {
		r.users.remove(m.Name())
	}
}

// empty says whether the room has no local member, joining or joined.
func (r *room) empty() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.local) == 0
}

// broadcast queues f to every active member; members whose queue is full
// are closed as slow consumers.
func (r *room) broadcast(f *Frame) {
	onFanout := r.hub.cfg.OnFanout
	var start time.Time
	if onFanout != nil { // no clock reads when nobody measures
		start = time.Now()
	}
	slow := r.queueTo(f, nil)
	if onFanout != nil {
		onFanout(len(r.active)+slow, time.Since(start))
	}
}

// queueTo queues f to the active members that want it (every one if want
// is nil) and holds it for those catching up that want it. Members whose
// queue is full are closed as slow consumers; it returns how many were.
func (r *room) queueTo(f *Frame, want func(*entry) bool) (slow int) {
	var full []*entry
	queued := 0
	for _, e := range r.active {
		if want != nil && !want(e) {
			continue
		}
		switch e.m.Send(f) {
		case Queued:
			queued++
		case QueueFull:
			full = append(full, e)
		}
	}
	r.hub.counts.out(f, queued)
	for _, e := range full {
		r.dropSlow(e)
	}
	for _, e := range r.catching {
		if want == nil || want(e) {
			r.hold(e, f)
		}
	}
	return len(full)
}

func (r *room) send(e *entry, f *Frame) {
	if e.catching {
		r.hold(e, f)
		return
	}
	switch e.m.Send(f) {
	case Queued:
		r.hub.counts.out(f, 1)
	case QueueFull:
		r.dropSlow(e)
	}
}

// dropSlow closes a member whose queue is full. The member logs its own
// close, outside the room's lock, and leaves every room.
func (r *room) dropSlow(e *entry) {
	if e.pos < 0 && !e.catching {
		return
	}
	r.deactivate(e)
	r.hub.counts.slow.Add(1)
	e.m.Close(DisconnectSlowConsumer)
}

func (r *room) deactivate(e *entry) {
	if e.catching {
		r.stopCatching(e)
	}
	if e.pos < 0 {
		return
	}
	last := r.active[len(r.active)-1]
	r.active[e.pos] = last
	last.pos = e.pos
	r.active[len(r.active)-1] = nil
	r.active = r.active[:len(r.active)-1]
	e.pos = -1
}

// forget removes a local member, if name is one.
func (r *room) forget(name string) {
	if e := r.local[name]; e != nil {
		r.deactivate(e)
		delete(r.local, name)
		if e.coalesce {
			r.p.coalescers--
		}
	}
}

func (r *room) remember(f *Frame, ev *model.ChatRoomRequest) {
	n := r.hub.cfg.History
	switch {
	case n <= 0:
	case len(r.history) < n:
		r.history = append(r.history, kept{f, ev})
	default:
		r.history[r.histNext] = kept{f, ev}
		r.histNext = (r.histNext + 1) % n
	}
}

// talk returns the i-th oldest talk of the ring.
func (r *room) talk(i int) kept { return r.history[(r.histNext+i)%len(r.history)] }

func (r *room) replay(e *entry) {
	for i := range r.history {
		if e.pos < 0 {
			return
		}
		r.send(e, r.talk(i).f)
	}
}

// member returns m's entry if it receives the room's events (or is
// catching up), or nil.
func (r *room) member(m Member) *entry {
	if e := r.local[m.Name()]; e != nil && e.m == m && (e.pos >= 0 || e.catching) {
		return e
	}
	return nil
}

// sendHistory queues the room's last talks to m, a member, then end.
func (r *room) sendHistory(m Member, end *Frame) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.member(m)
	if e != nil {
		r.replay(e)
		r.send(e, end)
	}
	return e != nil
}

// userListLocked is the whole user list, as the original protocol sends it.
func (r *room) userListLocked() *Frame {
	return r.users.frame(r.hub.framer, r.name, r.private)
}

// count is how many are in the room, on every node.
func (r *room) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.users.len()
}

// frame encodes m and builds its frame.
func (r *room) frame(m *model.ChatRoomRequest) *Frame { return NewFrame(r.hub.framer, m) }
