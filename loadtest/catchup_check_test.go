package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// catchupOf is a catchup run of users 0..n-1, all in room 0 of one room,
// with nothing received yet.
func catchupOf(n int) *catchupRun {
	c := &catchupRun{o: options{rooms: 1, roomsPer: 1, roomPrefix: defaultRoomPrefix}}
	for i := range n {
		c.clients = append(c.clients, &client{h: newHolding(i, fmt.Sprintf("u%d", i), defaultRoomPrefix, []int{0})})
	}
	return c
}

// give hands user h a talk of the run in room r (sent there) with seq: the
// sender's i-th.
func give(h *holding, r int, seq uint64, sender, i int) {
	h.talk([]byte(roomName(string(h.prefix), r)), seq, fmt.Appendf(nil, " %d %d.%d xxxx", r, sender, i), true)
}

// The verdict finds each kind of fault, and none where there is none.
func TestCatchupVerdict(t *testing.T) {
	perfect := func() *catchupRun {
		c := catchupOf(3)
		for _, cl := range c.clients {
			for i := range 4 {
				give(cl.h, 0, uint64(10+i), i%2, i)
			}
		}
		c.clients[0].h.written[0].Store(2)
		c.clients[1].h.written[0].Store(2)
		return c
	}
	k := perfect().check()
	if k.wrong() != 0 || k.Gaps+k.Announced != 0 || k.RoomTalks != 4 || k.Expected != 12 || k.Held != 12 {
		t.Fatalf("a perfect run: %+v", k)
	}

	c := perfect()
	h := c.clients[2].h
	h.held[0] = slices.Delete(h.held[0], 1, 2) // user 2 lacks seq 11
	give(h, 0, 12, 0, 2)                       // holds seq 12 twice
	give(h, 0, 9, 1, 9)                        // a talk below the last, that the others lack
	c.clients[0].h.written[0].Add(1)           // user 0 wrote a talk that no one got
	k = c.check()
	if k.Gaps != 3 || k.Duplicates != 1 || k.OutOfOrder != 1 || k.Unconfirmed != 1 || k.RoomTalks != 5 || k.Expected != 15 || k.Held != 12 {
		t.Fatalf("faults: %+v", k)
	}
	if len(k.Examples) != maxExamples || !strings.Contains(strings.Join(k.Examples, "\n"), "user 0 lacks seq 9 in load-0") {
		t.Fatalf("examples: %q", k.Examples)
	}

	c = perfect()
	h = c.clients[1].h
	h.held[0] = h.held[0][2:]                         // user 1 lacks seqs 10 and 11
	h.asked[0] = 9                                    // its connection asked from 9
	h.gap([]byte(roomName(defaultRoomPrefix, 0)), 11) // and was told the talks before 11 are gone
	k = c.check()
	if k.Gaps != 1 || k.Announced != 1 || k.GapNotices != 1 || k.wrong() != 0 {
		t.Fatalf("a gap notice: %+v", k)
	}

	c = perfect()
	c.clients[2].h.held[0][3].seq = 99 // the same talk with another seq
	c.clients[2].failed.Store(true)    // a failed user's gaps do not count
	c.clients[2].h.held[0] = c.clients[2].h.held[0][1:]
	k = c.check()
	if k.SeqMismatch != 1 || k.Gaps != 0 || k.Expected != 8 {
		t.Fatalf("a seq mismatch, a failed user: %+v", k)
	}
}

// A user catches up from the highest seq of its room's events, but for
// its own join after asking to catch up (the catch-up's talks come after
// it, with lower seqs); the handshake names a since only for rooms with
// one.
func TestHoldingSince(t *testing.T) {
	h := newHolding(7, "me", "r-", []int{1, 2})
	if h.event(true, []byte("me"), []byte("r-1"), 5) {
		t.Fatal("joined both rooms after one join")
	}
	if !h.event(true, []byte("me"), []byte("r-2"), 6) {
		t.Fatal("not joined after both joins")
	}
	h.event(false, []byte("other"), []byte("r-1"), 8)
	h.talk([]byte("r-1"), 9, nil, false) // another run's talk is an event too
	h.talk([]byte("r-3"), 10, nil, false)
	if got := h.reconnect(); !slices.Equal(got, []string{"r-1:9", "r-2:6"}) {
		t.Fatalf("since %q", got)
	}
	h.event(true, []byte("me"), []byte("r-1"), 20) // own join, asked from 9: not a since
	give(h, 1, 15, 3, 0)                           // replayed
	h.event(true, []byte("me"), []byte("r-2"), 21)
	if got := h.reconnect(); !slices.Equal(got, []string{"r-1:15", "r-2:6"}) {
		t.Fatalf("since after a catch-up %q", got)
	}
	if h.own[0].Load() != 0 || h.inOrder[0].Load() != 1 {
		t.Fatalf("own %d, in order %d", h.own[0].Load(), h.inOrder[0].Load())
	}
}

// A talk's id is read from its content; content that is not a catchup
// talk's is no id.
func TestParseTalkID(t *testing.T) {
	if r, id, ok := parseTalkID([]byte(" 12 345.6789 xxx")); !ok || r != 12 || senderOf(id) != 345 || uint32(id) != 6789 {
		t.Fatalf("%d %x %v", r, id, ok)
	}
	for _, bad := range []string{"", " 12", " 12 345", " 12 .5 x", " x 1.2 x", " 1 2.y x", " 1 2. x"} {
		if _, _, ok := parseTalkID([]byte(bad)); ok {
			t.Errorf("%q read as an id", bad)
		}
	}
}
