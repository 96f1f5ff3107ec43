package service

import (
	"slices"
	"time"

	"chatroom/model"
)

// This file owns who in a room is told of others' joins and leaves, and
// how. A member always gets its own join and leave, at once. Of others':
//
//   - in a room that is not large, members that did not ask for coalesced
//     presence get each join and leave, as the original protocol says;
//     members that did (entry.coalesce) get one presence frame per window
//     (HubConfig.PresenceWindow) with every name that joined or left in it
//     (in the room at the flush: joined; else left) and the count;
//   - in a large room (past HubConfig.PresenceLimit members, or any room
//     without HubConfig.Presence) nobody gets anyone else's join or leave;
//     coalescing members get the count, on change, at most every
//     largeCountWindows windows (a count back at the one they were last
//     sent is not sent again, unless a joiner was told another since).
//
// A room becomes large past the limit, at once telling coalescing members
// (presence with large); it stops being large below nine tenths of it, but
// not before it has been large minLargeWindows windows, and then
// coalescing members get a presence frame without large and every member
// the whole user list. (Without that wait, a few clients joining and
// parting around the threshold had every member sent the whole list at
// every crossing: one list per member per flap, as fast as they could
// flap; now at most one per member per minLargeWindows windows.) Presence
// frames carry no seq: they do not move a client's since. Everything is
// queued under the room's lock, like the room's other frames; the window's
// flush runs on a timer of the room's, which a dropped room stops (a flush
// that races the drop finds the room closed and does nothing). The timer
// also ends a room's hold as large.

// largeCountWindows is how many windows apart a large room's counts go.
const largeCountWindows = 8

// minLargeWindows is how many windows a room stays large at least, so
// that crossing back, which sends every member the whole list, happens at
// most once in that time however fast the threshold is crossed.
const minLargeWindows = 8

// presence is the room's state of presence at scale. It is the room's
// lock's.
type presence struct {
	large      bool                // past the limit (or Presence off)
	coalescers int                 // local members, joined or joining, that coalesce
	touched    map[string]struct{} // names that joined or left in this window
	dirty      bool                // large: the count changed since it last went
	sentCount  time.Time           // large: when the count last went
	sentN      int                 // large: the count that last went to every coalescing member
	welcomed   bool                // large: a coalescing joiner was told a count since
	largeAt    time.Time           // when it last became large
	flush      *time.Timer         // armed: a flush is due
	flushAt    time.Time           // when the armed flush is due
	closed     bool                // the room is dropped
}

// announce tells the room's members but skip (and those joining) of the
// join or leave of name, whose per-user frame is f: per user, coalesced,
// or as a count, as the room's size says. The caller holds r.mu.
func (r *room) announce(name string, f *Frame, skip *entry) {
	was := r.p.large
	r.p.large = r.isLarge() || (was && r.heldLarge())
	switch {
	case !was && !r.p.large:
		r.presenceTo(f, false, skip)
		if r.p.coalescers > 0 {
			r.p.touched[name] = struct{}{}
			r.arm(r.hub.cfg.PresenceWindow)
		}
	case !was:
		r.becameLarge()
	case !r.p.large:
		r.becameSmall()
	default:
		r.countChanged()
	}
}

// isLarge says whether the room is large now, with hysteresis: it becomes
// large past the limit and small again below nine tenths of it.
func (r *room) isLarge() bool {
	limit := r.hub.cfg.PresenceLimit
	n := r.users.len()
	switch {
	case !r.hub.cfg.Presence:
		return true
	case limit == 0:
		return false
	case r.p.large:
		return 10*n >= 9*limit
	}
	return n > limit
}

// becameLarge tells coalescing members the room is large, at once; the
// window's names are not sent.
func (r *room) becameLarge() {
	r.p.largeAt = time.Now()
	clear(r.p.touched)
	r.p.dirty = false
	r.p.sentCount, r.p.sentN, r.p.welcomed = time.Now(), r.users.len(), false
	if r.p.coalescers > 0 {
		r.presenceTo(r.presenceFrame(nil, nil), true, nil)
	}
}

// becameSmall tells coalescing members the room is not large any more,
// then every member the whole user list (one frame, shared).
func (r *room) becameSmall() {
	clear(r.p.touched)
	r.p.dirty = false
	if r.p.coalescers > 0 {
		r.presenceTo(r.presenceFrame(nil, nil), true, nil)
	}
	r.broadcast(r.userListLocked())
}

// countChanged has a large room's count sent, at most every
// largeCountWindows windows.
func (r *room) countChanged() {
	if r.p.coalescers == 0 {
		return
	}
	r.p.dirty = true
	w := r.hub.cfg.PresenceWindow
	r.arm(max(w, time.Until(r.p.sentCount.Add(largeCountWindows*w))))
}

// heldLarge says whether a large room that is small enough to stop being
// large must stay large a while yet (minLargeWindows), and then arms the
// flush for when it may stop.
func (r *room) heldLarge() bool {
	wait := time.Until(r.p.largeAt.Add(minLargeWindows * r.hub.cfg.PresenceWindow))
	if wait <= 0 {
		return false
	}
	r.arm(wait)
	return true
}

// arm has the flush timer fire after d, unless it is armed to fire
// sooner. A timer that fired already and waits for the lock flushes and
// re-arms for whatever is left.
func (r *room) arm(d time.Duration) {
	at := time.Now().Add(d)
	switch {
	case r.p.closed:
		return
	case r.p.flush != nil && !at.Before(r.p.flushAt):
		return
	case r.p.flush != nil && !r.p.flush.Stop():
		return
	}
	r.p.flush, r.p.flushAt = time.AfterFunc(d, r.flushPresence), at
}

// flushPresence sends what the window gathered: the names (a room that is
// not large) or the count (a large one, when it is due).
func (r *room) flushPresence() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.flush = nil
	switch {
	case r.p.closed:
	case r.p.large && !r.isLarge() && !r.heldLarge():
		r.p.large = false
		r.becameSmall()
	case r.p.large && r.p.dirty:
		w := r.hub.cfg.PresenceWindow
		if wait := time.Until(r.p.sentCount.Add(largeCountWindows * w)); wait > 0 {
			r.arm(wait)
			return
		}
		r.p.dirty = false
		if r.users.len() == r.p.sentN && !r.p.welcomed {
			return // back where it was: every coalescing member has it
		}
		r.p.sentCount, r.p.sentN, r.p.welcomed = time.Now(), r.users.len(), false
		r.presenceTo(r.presenceFrame(nil, nil), true, nil)
	case !r.p.large && len(r.p.touched) > 0:
		var joined, left []string
		for name := range r.p.touched {
			if r.users.has(name) {
				joined = append(joined, name)
			} else {
				left = append(left, name)
			}
		}
		clear(r.p.touched)
		slices.Sort(joined)
		slices.Sort(left)
		r.presenceTo(r.presenceFrame(joined, left), true, nil)
	}
}

// closePresence stops the flush timer of a room that is dropped.
func (r *room) closePresence() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.p.closed = true
	if r.p.flush != nil {
		r.p.flush.Stop()
		r.p.flush = nil
	}
}

// presenceFrame is a presence frame of the room now, with the names that
// joined and left.
func (r *room) presenceFrame(joined, left []string) *Frame {
	return r.frame(&model.ChatRoomRequest{Type: model.TypePresence, Room: r.name, Count: uint32(r.users.len()),
		Large: r.p.large, Joined: joined, Left: left})
}

// presenceTo queues f to the members receiving events (and holds it for
// those catching up) that coalesce, or that do not, but skip (queueTo).
func (r *room) presenceTo(f *Frame, coalescing bool, skip *entry) {
	r.queueTo(f, func(e *entry) bool { return e.coalesce == coalescing && e != skip })
}

// welcome sends a joiner, after its own join, what it is told of the
// room: coalescing, the count (and whether the room is large); then the
// user list, or in a large room its first page.
func (r *room) welcome(e *entry) {
	if e.coalesce {
		r.send(e, r.presenceFrame(nil, nil))
		r.p.welcomed = r.p.welcomed || r.p.large
	}
	r.send(e, r.firstPage())
}
