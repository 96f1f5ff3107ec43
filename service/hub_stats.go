package service

import (
	"sync/atomic"

	"chatroom/model"
)

// HubStats are counters since the hub started.
type HubStats struct {
	Users         int               // online on every node
	LocalMembers  int               // users connected to this node
	Rooms         int               // rooms someone is in, on every node
	Events        uint64            // events delivered here: talks, joins, leaves, direct messages
	Deliveries    uint64            // frames queued to members: the sum of FramesOut
	FramesOut     map[string]uint64 // frames queued to members, by message type
	SlowConsumers uint64            // members closed because their queue was full
	ClaimsLost    uint64            // members closed because their claim was lost
	Refused       map[RefusalReason]uint64
}

// counters are the hub's counts, kept without its lock: each room adds to
// them under its own.
type counters struct {
	events, slow, claimsLost atomic.Uint64
	framesOut                map[string]*atomic.Uint64 // by type; fixed at start
	refusals                 map[RefusalReason]*atomic.Uint64
}

func (c *counters) init() {
	c.framesOut, c.refusals = make(map[string]*atomic.Uint64), make(map[RefusalReason]*atomic.Uint64)
	for _, t := range []string{model.TypeTalk, model.TypeJoin, model.TypeLeave, model.TypeUserList, model.TypeError,
		model.TypePong, model.TypeRooms, model.TypeHistory, model.TypePresence, "other"} {
		c.framesOut[t] = new(atomic.Uint64)
	}
	for _, r := range RefusalReasons() {
		c.refusals[r] = new(atomic.Uint64)
	}
}

// out counts n deliveries of f.
func (c *counters) out(f *Frame, n int) {
	if n == 0 {
		return
	}
	v := c.framesOut[f.Type]
	if v == nil {
		v = c.framesOut["other"]
	}
	v.Add(uint64(n))
}

func (c *counters) refused(r RefusalReason) {
	if v := c.refusals[r]; v != nil {
		v.Add(1)
	}
}

// Stats returns the hub's counters.
func (h *Hub) Stats() HubStats {
	s := HubStats{Events: h.counts.events.Load(), SlowConsumers: h.counts.slow.Load(), ClaimsLost: h.counts.claimsLost.Load(),
		FramesOut: make(map[string]uint64), Refused: make(map[RefusalReason]uint64)}
	for t, v := range h.counts.framesOut {
		if n := v.Load(); n > 0 || t != "other" {
			s.FramesOut[t] = n
			s.Deliveries += n
		}
	}
	for r, v := range h.counts.refusals {
		s.Refused[r] = v.Load()
	}
	dir, users := h.broker.Rooms()
	s.Users, s.Rooms = users, len(dir)
	h.mu.RLock()
	s.LocalMembers = len(h.users)
	h.mu.RUnlock()
	return s
}
