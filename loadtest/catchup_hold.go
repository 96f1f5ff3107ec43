package main

// What one user of the catchup scenario holds of its rooms, over all its
// connections: every talk of the run it got in each room, live or replayed
// by a catch-up, in the order they came; the seq to catch up from in each;
// the gap notices it was sent; and what it wrote and was refused there.

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
)

// heldTalk is one talk a user holds: its seq and its id (the sender's
// number << 32 | the sender's count of talks when it was sent).
type heldTalk struct{ seq, id uint64 }

func talkID(sender, i int) uint64 { return uint64(sender)<<32 | uint64(uint32(i)) }
func senderOf(id uint64) int      { return int(id >> 32) }

// gapNotice is a gap frame a user got in a room: the since its connection
// asked from, and the seq of the first talk replayed after it (0: none).
// The talks between the two are announced as missing.
type gapNotice struct{ since, first uint64 }

// covers says whether the notice announced the talk with seq s missing.
func (g gapNotice) covers(s uint64) bool { return s > g.since && (g.first == 0 || s < g.first) }

// holding is one user's rooms and what it holds of them; slot j is about
// its j-th room. One connection's reader at a time writes it (a new
// connection's reader starts after the old one has returned); the run
// reads it under mu, and the counters at any time.
type holding struct {
	number int
	name   []byte
	prefix []byte
	rooms  []int // room numbers, home room first

	mu       sync.Mutex
	held     [][]heldTalk  // the run's talks, in the order they came
	lastTalk []uint64      // the highest talk seq held
	since    []uint64      // the seq to catch up from (see event)
	asked    []uint64      // the since the current connection asked from (0: a fresh join)
	joined   []bool        // the current connection's own join arrived
	joins    int           // the current connection's rooms joined
	notices  [][]gapNotice // the gap notices received
	errs     map[string]int

	inOrder   []atomic.Int64 // talks held whose seq was above every one before (the drain's measure)
	own       []atomic.Int64 // of those, this user's own
	written   []atomic.Int64 // talks this user wrote to the room
	refused   []atomic.Int64 // of those, refused ("message not sent")
	replays   atomic.Int64   // catch-up history frames received
	replayed  atomic.Int64   // talks of the run in them
	gaps      atomic.Int64   // gap notices received
	nonMember atomic.Int64   // talks sent to a room this user is not in
	wrongRoom atomic.Int64   // talks whose room field is not the room they were sent to
}

func newHolding(number int, name, prefix string, rooms []int) *holding {
	k := len(rooms)
	return &holding{
		number: number, name: []byte(name), prefix: []byte(prefix), rooms: rooms,
		held: make([][]heldTalk, k), lastTalk: make([]uint64, k), since: make([]uint64, k),
		asked: make([]uint64, k), joined: make([]bool, k), notices: make([][]gapNotice, k),
		inOrder: make([]atomic.Int64, k), own: make([]atomic.Int64, k),
		written: make([]atomic.Int64, k), refused: make([]atomic.Int64, k),
	}
}

// roomNames is the names of the user's rooms, home room first.
func (h *holding) roomNames() []string {
	names := make([]string, len(h.rooms))
	for j, r := range h.rooms {
		names[j] = roomName(string(h.prefix), r)
	}
	return names
}

// slot is the slot of room r, -1 if the user is not in it.
func (h *holding) slot(r int) int {
	for j, x := range h.rooms {
		if x == r {
			return j
		}
	}
	return -1
}

// reconnect readies h for a new connection and returns its handshake's
// since parameters ("ROOM:SEQ"), one for each room with a seq to catch up
// from. For the caller whose previous connection's reader has returned.
func (h *holding) reconnect() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var since []string
	h.joins = 0
	for j, r := range h.rooms {
		h.joined[j] = false
		h.asked[j] = h.since[j]
		if h.since[j] > 0 {
			since = append(since, roomName(string(h.prefix), r)+":"+strconv.FormatUint(h.since[j], 10))
		}
	}
	return since
}

// event notes a join or leave of user name in room, with seq, and says
// whether the user's own joins have now all arrived. The seq to catch up
// from is the highest of the room's events received, but for the user's
// own join after a catch-up request: the catch-up's talks come after that
// join and have lower seqs, so a connection lost between the two would
// otherwise skip them.
func (h *holding) event(join bool, name, room []byte, seq uint64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	j := h.slot(roomIndex(h.prefix, room))
	if j < 0 {
		return h.joins == len(h.rooms)
	}
	own := join && bytes.Equal(name, h.name)
	if own && !h.joined[j] {
		h.joined[j] = true
		h.joins++
	}
	if !own || h.asked[j] == 0 {
		h.since[j] = max(h.since[j], seq)
	}
	return h.joins == len(h.rooms)
}

// talk notes a talk that came labelled room with seq, live or replayed:
// rest is its content after the run's id, if it is this run's (ours).
func (h *holding) talk(room []byte, seq uint64, rest []byte, ours bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.slot(roomIndex(h.prefix, room)); j >= 0 {
		h.since[j] = max(h.since[j], seq)
	}
	if !ours {
		return
	}
	to, id, ok := parseTalkID(rest)
	if !ok || roomIndex(h.prefix, room) != to {
		h.wrongRoom.Add(1)
	}
	j := h.slot(to)
	if j < 0 {
		h.nonMember.Add(1)
		return
	}
	h.held[j] = append(h.held[j], heldTalk{seq, id})
	if seq > h.lastTalk[j] {
		h.lastTalk[j] = seq
		h.inOrder[j].Add(1)
		if senderOf(id) == h.number {
			h.own[j].Add(1)
		}
	}
}

// gap notes a gap notice for room: the talks after the since the current
// connection asked from and before first (0: all of them) are announced
// as missing.
func (h *holding) gap(room []byte, first uint64) {
	h.gaps.Add(1)
	h.mu.Lock()
	defer h.mu.Unlock()
	if j := h.slot(roomIndex(h.prefix, room)); j >= 0 {
		h.notices[j] = append(h.notices[j], gapNotice{since: h.asked[j], first: first})
	}
}

// serverError notes an error reply about room (the home room if none): a
// talk refused there (notSent), or another error, kept by its text.
func (h *holding) serverError(content, room []byte, notSent bool) {
	j := 0
	if len(room) > 0 {
		j = h.slot(roomIndex(h.prefix, room))
	}
	if notSent && j >= 0 {
		h.refused[j].Add(1)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.errs == nil {
		h.errs = map[string]int{}
	}
	h.errs["server: "+string(content)]++
}

// unsettled is how many of the user's talks have neither come back to it
// nor been refused.
func (h *holding) unsettled() (n int64) {
	for j := range h.rooms {
		n += h.written[j].Load() - h.own[j].Load() - h.refused[j].Load()
	}
	return n
}

// parseTalkID reads what follows the run's id in a catchup talk's
// content: " ROOM SENDER.I ...", the room it was sent to and its id.
func parseTalkID(rest []byte) (room int, id uint64, ok bool) {
	f := bytes.SplitN(bytes.TrimPrefix(rest, []byte{' '}), []byte{' '}, 3)
	if len(f) < 2 {
		return -1, 0, false
	}
	sender, i, found := bytes.Cut(f[1], []byte{'.'})
	r, s, n := parseInt(f[0]), parseInt(sender), parseInt(i)
	if !found || r < 0 || s < 0 || n < 0 || len(f[0]) == 0 || len(sender) == 0 || len(i) == 0 {
		return -1, 0, false
	}
	return int(r), talkID(int(s), int(n)), true
}
