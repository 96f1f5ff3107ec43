package ctrl

import (
	"sync/atomic"

	"chatroom/model"
	"chatroom/service"
)

// ServerStats are the controller's counters since start.
type ServerStats struct {
	Connections    int64             // open now
	Accepted       uint64            // upgraded
	Refused        uint64            // handshakes refused, before or during the upgrade
	RejectedFrames uint64            // frames answered with an error reply (rate limited included)
	RateLimited    uint64            // frames refused by a rate limit (the connection's or its address's)
	AddrLimited    uint64            // of those, frames refused by the address's rate limit (MsgRatePerIP)
	Dropped        map[string]uint64 // connections closed as soon as accepted, by reason: see dropReasons
	Handshakes     map[string]uint64 // by result: accepted, upgrade_failed, or a refusal's
	FramesIn       map[string]uint64 // data frames received, by type: see frameTypes
	Closes         map[string]uint64 // connections ended, by service.Disconnect's cause

	UserListLimited uint64 // user list requests refused by the user list's own limit
}

// Handshake results besides the refusals', and frame types besides the
// protocol's.
const (
	hsAccepted       = "accepted"       // upgraded
	hsUpgradeFailed  = "upgrade_failed" // admitted, but the upgrade failed
	frameOther       = "other"          // a frame of an unknown type
	frameUndecodable = "undecodable"    // a frame that is no ChatRoomRequest
)

// frameTypes are the labels of ServerStats.FramesIn.
func frameTypes() []string {
	return []string{model.TypeTalk, model.TypeUserList, model.TypeExit, model.TypePing, model.TypeJoin, model.TypePart, model.TypeRooms, model.TypeHistory, model.TypeSearch, frameOther, frameUndecodable}
}

// stats are the controller's counters. Every label of a counters map is
// there from the start.
type stats struct {
	connections    atomic.Int64
	rejectedFrames atomic.Uint64
	rateLimited    atomic.Uint64
	addrLimited    atomic.Uint64
	handshakes     counters
	dropped        counters
	framesIn       counters
	closes         counters

	userListLimited atomic.Uint64
}

func newStats() stats {
	results := []string{hsAccepted, hsUpgradeFailed}
	for k := range numRefusals {
		_, result := k.info()
		results = append(results, result)
	}
	var causes []string
	for _, d := range service.Disconnects() {
		causes = append(causes, d.Cause())
	}
	return stats{handshakes: newCounters(results), framesIn: newCounters(frameTypes()), closes: newCounters(causes), dropped: newCounters(dropReasons())}
}

// refused counts a handshake refused for k.
func (st *stats) refused(k refusal) {
	_, result := k.info()
	st.handshakes[result].Add(1)
}

// counters is a fixed set of named counters, made once: the map is never
// written after newCounters.
type counters map[string]*atomic.Uint64

func newCounters(names []string) counters {
	c := make(counters, len(names))
	for _, n := range names {
		c[n] = new(atomic.Uint64)
	}
	return c
}

func (c counters) snapshot() map[string]uint64 {
	m := make(map[string]uint64, len(c))
	for n, v := range c {
		m[n] = v.Load()
	}
	return m
}

// Stats returns the controller's counters.
func (s *Server) Stats() ServerStats {
	st := ServerStats{
		Connections:    s.stats.connections.Load(),
		RejectedFrames: s.stats.rejectedFrames.Load(),
		RateLimited:    s.stats.rateLimited.Load(),
		AddrLimited:    s.stats.addrLimited.Load(),
		Dropped:        s.stats.dropped.snapshot(),
		Handshakes:     s.stats.handshakes.snapshot(),
		FramesIn:       s.stats.framesIn.snapshot(),
		Closes:         s.stats.closes.snapshot(),
	}
	st.UserListLimited = s.stats.userListLimited.Load()
	for result, n := range st.Handshakes {
		if result == hsAccepted {
			st.Accepted = n
		} else {
			st.Refused += n
		}
	}
	return st
}

// Connections is the number of connections open now (cheaper than Stats).
func (s *Server) Connections() int64 { return s.stats.connections.Load() }
