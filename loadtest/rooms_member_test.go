package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/model"
)

// Users' rooms are spread evenly: every user is in k different rooms, its
// home room first, and every room has the same number of members when the
// numbers divide.
func TestRoomsOfSpreadEvenly(t *testing.T) {
	for _, tc := range []struct{ users, rooms, k int }{{2000, 100, 5}, {30, 3, 2}, {100, 7, 3}, {10, 10, 10}, {6, 1, 1}} {
		members := make([]int, tc.rooms)
		for n := range tc.users {
			rs := roomsOf(n, tc.rooms, tc.k)
			if len(rs) != tc.k || rs[0] != n%tc.rooms {
				t.Fatalf("%+v: user %d in %v", tc, n, rs)
			}
			sorted := slices.Clone(rs)
			slices.Sort(sorted)
			if len(slices.Compact(sorted)) != tc.k {
				t.Fatalf("%+v: user %d in %v: a room twice", tc, n, rs)
			}
			for _, r := range rs {
				members[r]++
			}
		}
		lo, hi := slices.Min(members), slices.Max(members)
		if hi-lo > tc.k {
			t.Errorf("%+v: rooms have %d to %d members", tc, lo, hi)
		}
		if tc.users*tc.k%tc.rooms == 0 && tc.users%tc.rooms == 0 && lo != hi {
			t.Errorf("%+v: rooms have %d to %d members, want all %d", tc, lo, hi, tc.users*tc.k/tc.rooms)
		}
	}
}

func TestRoomIndex(t *testing.T) {
	for name, want := range map[string]int{"load-0": 0, "load-42": 42, "load-": -1, "lobby": -1, "load-x1": -1, "load-1234567890": -1, "": -1} {
		if got := roomIndex([]byte(defaultRoomPrefix), []byte(name)); got != want {
			t.Errorf("roomIndex(%q) = %d, want %d", name, got, want)
		}
	}
}

// roomTalk is a talk of run marker to room r as the server sends it:
// labelled room, with seq.
func roomTalk(marker string, r int, room string, seq uint64) []byte {
	content := fmt.Sprintf("%d %s %d xxxxxxxx", time.Now().UnixNano(), marker, r)
	return model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "load-abcd-1", Content: content, Timestamp: 5, Seq: seq, Room: room})
}

// A member counts each talk of its rooms once: a repeat (or one out of
// the room's order) is a duplicate, a talk of a room it is not in goes to a
// non-member, a talk labelled with another room than it was sent to is in
// the wrong room.
func TestMembershipChecksEachTalk(t *testing.T) {
	us := &user{marker: []byte("abcd1234"), proto: protoV1, member: newMembership("load-abcd-7", defaultRoomPrefix, []int{7, 2})}
	m := us.member
	us.handleMessage(roomTalk("abcd1234", 7, "load-7", 10), 1)
	us.handleMessage(roomTalk("abcd1234", 7, "load-7", 12), 1)
	us.handleMessage(roomTalk("abcd1234", 2, "load-2", 3), 1)
	us.handleMessage(roomTalk("abcd1234", 7, "load-7", 12), 1) // again
	us.handleMessage(roomTalk("abcd1234", 7, "load-7", 11), 1) // out of order
	us.handleMessage(roomTalk("abcd1234", 5, "load-5", 4), 1)  // not this user's room
	us.handleMessage(roomTalk("abcd1234", 2, "load-7", 13), 1) // sent to 2, labelled 7
	us.handleMessage(roomTalk("ffff0000", 7, "load-7", 14), 1) // another run's
	if got := [...]int64{m.got[0].Load(), m.got[1].Load(), m.duplicates.Load(), m.nonMember.Load(), m.wrongRoom.Load(), us.talks.Load()}; got != [...]int64{2, 2, 2, 1, 1, 7} {
		t.Fatalf("got %v in the two rooms, %v duplicates, %v to a non-member, %v in the wrong room, %v talks; want [2 2 2 1 1 7]", got[:2], got[2], got[3], got[4], got[5])
	}
}

// A member has joined once its own join arrived in each of its rooms;
// others' joins do not count.
func TestMembershipJoins(t *testing.T) {
	us := &user{member: newMembership("load-abcd-7", defaultRoomPrefix, []int{7, 2})}
	join := func(name, room string) {
		us.handleMessage(model.Encode(&model.ChatRoomRequest{Type: model.TypeJoin, UserName: name, Room: room, Seq: 1}), 1)
	}
	join("load-abcd-7", "load-7")
	join("load-abcd-8", "load-2")
	join("load-abcd-7", "load-7")
	if us.joined.Load() {
		t.Fatal("joined with one room of two")
	}
	join("load-abcd-7", "load-2")
	if !us.joined.Load() {
		t.Fatal("not joined with both rooms")
	}
}

// Refusals count in their room (no room: the home room); other errors are
// kept by their text.
func TestMembershipErrors(t *testing.T) {
	us := &user{member: newMembership("load-abcd-7", defaultRoomPrefix, []int{7, 2})}
	reply := func(content, room string) {
		us.handleMessage(model.Encode(&model.ChatRoomRequest{Type: model.TypeError, Content: content, Room: room}), 1)
	}
	reply(config.ReplyNotSent+": publish failed", "load-2")
	reply(config.ReplyNotSent, "")
	reply("you are not in room load-9", "load-9")
	m := us.member
	if m.refused[0].Load() != 1 || m.refused[1].Load() != 1 || us.refused.Load() != 2 || m.errs["server: you are not in room load-9"] != 1 {
		t.Fatalf("refused %d, %d (%d in all); errors %v", m.refused[0].Load(), m.refused[1].Load(), us.refused.Load(), m.errs)
	}
}

// Reading a room's talks allocates nothing per frame either.
func TestRoomReadLoopDoesNotAllocatePerFrame(t *testing.T) {
	var stream []byte
	for i := range 100 {
		stream = append(stream, serverFrame(0x2, roomTalk("abcd1234", 3, "load-3", uint64(i+1)))...)
	}
	rd := bytes.NewReader(stream)
	us := &user{br: bufio.NewReaderSize(rd, 16<<10), proto: protoV1, marker: []byte("abcd1234")}
	allocs := testing.AllocsPerRun(20, func() {
		rd.Reset(stream)
		us.br.Reset(rd)
		us.member = newMembership("load-abcd-3", defaultRoomPrefix, []int{3, 1})
		if err := us.readLoop(); err != io.EOF {
			t.Fatal(err)
		}
	})
	// newMembership's own allocations (the struct, its name and prefix,
	// four slices) and the reader's few per run; none per frame.
	if allocs > 9 {
		t.Errorf("%.0f allocations reading 100 frames", allocs)
	}
	if got := us.member.got[0].Load(); got != 100 {
		t.Errorf("counted %d talks in the room, want 100", got)
	}
}

// The talk count exchange between processes carries one count or one per
// room.
func TestCountsLine(t *testing.T) {
	for _, counts := range [][]int64{{5}, {0, 7, 12}, nil} {
		line := formatCounts("sent", counts)
		got, err := parseCounts(line+"\n", "sent")
		if err != nil || !slices.Equal(got, counts) && len(counts) > 0 {
			t.Errorf("%v: %q read back as %v, %v", counts, line, got, err)
		}
	}
	for _, bad := range []string{"", "total 5", "sent x", "sent 1 2x"} {
		if _, err := parseCounts(bad, "sent"); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// BenchmarkRoomReadLoop is the receive cost of a room's talks, with the
// room and seq picked out and checked against the member's rooms: compare
// its ns/frame with BenchmarkReadLoop/v1's.
func BenchmarkRoomReadLoop(b *testing.B) {
	const frames = 1000
	var stream []byte
	for i := range frames {
		stream = append(stream, serverFrame(0x2, roomTalk("abcd1234", 3, "load-3", uint64(i+1)))...)
	}
	rd := bytes.NewReader(stream)
	us := &user{br: bufio.NewReaderSize(rd, 16<<10), proto: protoV1, marker: []byte("abcd1234")}
	b.ReportAllocs()
	b.SetBytes(int64(len(stream)))
	b.ResetTimer()
	for range b.N {
		rd.Reset(stream)
		us.br.Reset(rd)
		us.member = newMembership("load-abcd-3", defaultRoomPrefix, []int{1, 2, 3, 4, 5})
		if err := us.readLoop(); err != io.EOF {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
	if got := us.member.got[2].Load(); got != frames {
		b.Fatalf("counted %d talks in the room, want %d", got, frames)
	}
}
