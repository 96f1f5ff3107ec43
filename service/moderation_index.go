package service

import "net/netip"

// This file owns the counts that keep the checks on every talk and every
// handshake and join cheap however many restrictions are held: how many
// mutes each room has (a talk in a room with none makes no name key) and
// how many bans each address has per room (a handshake from an address
// with none scans nothing). A flood of bans by a moderator made both
// checks read every restriction held.

// roomAddr is an address banned from a room ("" : the server).
type roomAddr struct {
	room string
	addr netip.Addr // unmapped
}

// restrIndex counts what modState.restr holds; guarded by modState.mu.
type restrIndex struct {
	mutes map[string]int   // room -> mutes held
	addrs map[roomAddr]int // bans held with that address
}

// count adds d (1 or -1) for r.
func (x *restrIndex) count(r Restriction, d int) {
	if r.Mute {
		x.mutes = bump(x.mutes, r.Room, d)
	} else if r.Addr.IsValid() {
		x.addrs = bump(x.addrs, roomAddr{r.Room, r.Addr.Unmap()}, d)
	}
}

// bump adds d to m[k], made if nil, and forgets k at 0.
func bump[K comparable](m map[K]int, k K, d int) map[K]int {
	if m == nil {
		m = make(map[K]int)
	}
	if m[k] += d; m[k] <= 0 {
		delete(m, k)
	}
	return m
}

// hold keeps r as k's restriction. Under mu's write lock.
func (s *modState) hold(k modKey, r Restriction) {
	if old, ok := s.restr[k]; ok {
		s.idx.count(old, -1)
	}
	s.restr[k] = r
	s.idx.count(r, 1)
}

// drop forgets k's restriction. Under mu's write lock.
func (s *modState) drop(k modKey) {
	if old, ok := s.restr[k]; ok {
		s.idx.count(old, -1)
		delete(s.restr, k)
	}
}
