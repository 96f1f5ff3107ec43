package main

// What one user of the rooms scenario keeps about its rooms, and how its
// reader checks what comes in against them: its own join in each room,
// each talk counted in the room it was sent to, exactly once and only if
// the user is in that room, and the server's refusals by room.

import (
	"bytes"
	"strconv"
	"sync"
	"sync/atomic"
)

// defaultRoomPrefix starts the name of every room of the rooms scenario
// unless -room-prefix says otherwise: room r is named prefix + r.
const defaultRoomPrefix = "load-"

func roomName(prefix string, r int) string { return prefix + strconv.Itoa(r) }

// roomIndex is the number of the room named name, -1 if name is not one
// of the scenario's rooms (named prefix + number).
func roomIndex(prefix, name []byte) int {
	digits, ok := bytes.CutPrefix(name, prefix)
	if !ok || len(digits) == 0 || len(digits) > 9 {
		return -1
	}
	return int(parseInt(digits))
}

// roomsOf is the rooms of user n: k of the r rooms, spread evenly, room
// (n + j*r/k) mod r for j < k; the first (n mod r) is its home room. Each
// room then has the same number of members, give or take one per j.
func roomsOf(n, r, k int) []int {
	rooms := make([]int, k)
	for j := range rooms {
		rooms[j] = (n + j*r/k) % r
	}
	return rooms
}

// membership is what a user of the rooms scenario keeps about its rooms;
// slot j is about its j-th room. The reader alone writes lastSeq, joined
// and joins; the counters are read while it runs.
type membership struct {
	name   []byte // the user's name: its own join events carry it
	prefix []byte // the scenario's rooms' names start with it
	rooms  []int  // the user's room numbers, home room first

	got     []atomic.Int64 // talks of this run received in the room, each once
	refused []atomic.Int64 // this user's talks to the room that the server refused
	lastSeq []uint64       // the seq of the room's last talk received
	joined  []bool         // the user's own join in the room arrived
	joins   int            // rooms joined

	duplicates atomic.Int64 // talks whose seq was not above the last one's in their room
	nonMember  atomic.Int64 // talks sent to a room this user is not in
	wrongRoom  atomic.Int64 // talks whose room field is not the room they were sent to

	errMu sync.Mutex
	errs  map[string]int // the server's other error replies, by text
}

func newMembership(name, prefix string, rooms []int) *membership {
	k := len(rooms)
	return &membership{
		name: []byte(name), prefix: []byte(prefix), rooms: rooms,
		got: make([]atomic.Int64, k), refused: make([]atomic.Int64, k),
		lastSeq: make([]uint64, k), joined: make([]bool, k),
	}
}

// roomNames is the names of the user's rooms, home room first; none if m
// is nil (not the rooms scenario).
func (m *membership) roomNames() []string {
	if m == nil {
		return nil
	}
	names := make([]string, len(m.rooms))
	for j, r := range m.rooms {
		names[j] = roomName(string(m.prefix), r)
	}
	return names
}

// slot is the slot of room r, -1 if the user is not in it.
func (m *membership) slot(r int) int {
	for j, x := range m.rooms {
		if x == r {
			return j
		}
	}
	return -1
}

// join notes a join event of user name in room, and says whether the user
// is now in all its rooms.
func (m *membership) join(name, room []byte) bool {
	if string(name) == string(m.name) {
		if j := m.slot(roomIndex(m.prefix, room)); j >= 0 && !m.joined[j] {
			m.joined[j] = true
			m.joins++
		}
	}
	return m.joins == len(m.rooms)
}

// talk checks a talk of this run that came in labelled room, with seq:
// rest is its content after the run's id, which starts with the number of
// the room it was sent to. The talk counts in that room once, if the user
// is in it; a repeat, or one out of the room's order, is a duplicate.
func (m *membership) talk(rest, room []byte, seq uint64) {
	to := -1
	if len(rest) > 1 && rest[0] == ' ' {
		if sp := bytes.IndexByte(rest[1:], ' '); sp > 0 {
			to = int(parseInt(rest[1 : 1+sp]))
		}
	}
	if to < 0 || roomIndex(m.prefix, room) != to {
		m.wrongRoom.Add(1)
	}
	j := m.slot(to)
	if j < 0 {
		m.nonMember.Add(1)
		return
	}
	if seq != 0 && seq <= m.lastSeq[j] {
		m.duplicates.Add(1)
		return
	}
	m.lastSeq[j] = max(m.lastSeq[j], seq)
	m.got[j].Add(1)
}

// serverError notes an error reply about room (the home room if none): a
// talk refused there (notSent), or another error, kept by its text.
func (m *membership) serverError(content, room []byte, notSent bool) {
	if notSent {
		j := 0
		if len(room) > 0 {
			j = m.slot(roomIndex(m.prefix, room))
		}
		if j >= 0 {
			m.refused[j].Add(1)
		}
		return
	}
	m.errMu.Lock()
	defer m.errMu.Unlock()
	if m.errs == nil {
		m.errs = map[string]int{}
	}
	m.errs["server: "+string(content)]++
}
