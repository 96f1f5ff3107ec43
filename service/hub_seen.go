package service

// This file owns the highest seq delivered to a hub, which a session's
// floor of direct messages is taken from: a session that connects without
// a trusted name (no -auth-secret) reads back only the direct messages
// with a seq above it. Every message of an earlier session of its name was
// delivered before that session's leave, and so before the name was free
// again; every message of its own comes after. A floor in time alone let
// a message of the same millisecond as the connect through, and one of a
// time ahead of the wall clock (the broker's times never go back when the
// clock steps back). With NATS a node may not see every seq, so the time
// floor stays as well.

// see records that the event of seq was delivered.
func (h *Hub) see(seq uint64) {
	for {
		cur := h.seen.Load()
		if seq <= cur || h.seen.CompareAndSwap(cur, seq) {
			return
		}
	}
}
