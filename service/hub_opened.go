package service

import "net/netip"

// This file owns the rooms each client address opened: one address may
// hold at most -max-rooms-per-ip rooms open on this node, so that it
// cannot take every one of -max-rooms and keep everyone else from opening
// one. A room is the opener's from when this node starts to follow it
// (its first member here joins) until it drops it (its last one leaves).

// The address a user's rooms count against is the one Connect was given
// (Arrival.Addr; ctrl's: an IPv6 client is its /64). A user connected with
// none opens rooms that no address counts.

// mayOpen refuses the user from addr opening room if that address holds
// -max-rooms-per-ip rooms open already. Called with h.mu held.
func (h *Hub) mayOpen(addr netip.Addr, room string) error {
	if n := h.cfg.MaxRoomsPerIP; n > 0 && addr.IsValid() && h.opened[addr] >= n {
		return refusePerIP(room, n)
	}
	return nil
}

// opens counts r, just opened by a user from addr, against that address.
// Called with h.mu held.
func (h *Hub) opens(r *room, addr netip.Addr) {
	if addr.IsValid() {
		r.opener = addr
		h.opened[addr]++
	}
}

// closes gives back r's count to the address that opened it. Called with
// h.mu held, as r is forgotten.
func (h *Hub) closes(r *room) {
	if !r.opener.IsValid() {
		return
	}
	if h.opened[r.opener]--; h.opened[r.opener] <= 0 {
		delete(h.opened, r.opener)
	}
}

// CheckOpens refuses the rooms a handshake from addr names (normalized) if
// opening those this node does not follow yet would make its address hold
// more than -max-rooms-per-ip rooms open.
func (h *Hub) CheckOpens(addr netip.Addr, rooms []string) error {
	n := h.cfg.MaxRoomsPerIP
	if n <= 0 || !addr.IsValid() {
		return nil
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	held := h.opened[addr]
	for _, room := range rooms {
		if h.rooms[room] == nil {
			if held++; held > n {
				return refusePerIP(room, n)
			}
		}
	}
	return nil
}

func refusePerIP(room string, n int) *Refusal {
	return refuseRoom(RefuseRoomsPerIP, room, "your address has opened %d rooms, the most one address may hold open: join one of them", n)
}
