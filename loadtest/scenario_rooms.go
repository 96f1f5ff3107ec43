package main

// The rooms scenario: -rooms rooms, each user in -rooms-per-user of them
// (named in its handshake), the senders' talks going round their rooms in
// turn, and loss counted per room membership: every talk sent to a room
// must reach every member of that room exactly once, and no one else.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync/atomic"

	"chatroom/internal/poll"
	"chatroom/model"
)

// roomPlan is what the rooms scenario keeps in one process besides its
// users: the talks its senders sent to each room.
type roomPlan struct {
	sent []atomic.Int64 // by room number
}

// roomCounts is the rooms scenario's part of a run's summary.
type roomCounts struct {
	Rooms    int   `json:"rooms"`
	PerUser  int   `json:"rooms_per_user"`
	Expected int64 `json:"expected_deliveries"` // talks sent to a room × its healthy members
	Received int64 `json:"received_once"`       // of those, received (each once, in its room)
	// Duplicates are deliveries of a talk a member had already received
	// (or that came out of its room's order): a seq not above the last one
	// the member got in that room, or more talks in a room than were sent.
	Duplicates int64 `json:"duplicates"`
	NonMember  int64 `json:"to_non_members"`   // talks delivered to a user not in the room they were sent to
	WrongRoom  int64 `json:"wrong_room_field"` // talks whose room field was not the room they were sent to
}

// wrong is the deliveries that must not happen: duplicates, to
// non-members, in the wrong room.
func (c *roomCounts) wrong() int64 {
	if c == nil {
		return 0
	}
	return c.Duplicates + c.NonMember + c.WrongRoom
}

func (c *roomCounts) add(o *roomCounts) {
	c.Rooms, c.PerUser = o.Rooms, o.PerUser
	c.Expected += o.Expected
	c.Received += o.Received
	c.Duplicates += o.Duplicates
	c.NonMember += o.NonMember
	c.WrongRoom += o.WrongRoom
}

// checkRooms refuses rooms options that do not make a run.
func (o *options) checkRooms() error {
	switch {
	case o.proto == protoLines || o.proto == protoCentrifugo:
		return fmt.Errorf("the %s scenario needs -protocol v1 or v2: -protocol %s has no rooms", o.scenario, o.proto)
	case o.rooms < 1 || o.rooms > 1_000_000:
		return errors.New("-rooms must be 1 .. 1000000")
	case o.roomsPer < 1 || o.roomsPer > o.rooms:
		return fmt.Errorf("-rooms-per-user must be 1 .. -rooms (%d)", o.rooms)
	}
	// The server knows rooms by their normalized names: the prefix must
	// make names that are their own normal form, or talks would come back
	// under other names than those sent.
	for _, r := range []int{0, o.rooms - 1} {
		if name := roomName(o.roomPrefix, r); normalRoom(name) != name {
			return fmt.Errorf("-room-prefix %q: room %q is not a room name in its normal form (lower case letters, digits, - _ .)", o.roomPrefix, name)
		}
	}
	return nil
}

// send sends user us's i-th talk to the next of its rooms in turn.
func (p *roomPlan) send(us *user, size, i int) error {
	r := us.member.rooms[i%len(us.member.rooms)]
	if err := us.sendRoomTalk(size, r); err != nil {
		return err
	}
	p.sent[r].Add(1)
	return nil
}

// sendRoomTalk sends a talk to room r, whose content has the room's number
// after the send time and the run's id.
func (us *user) sendRoomTalk(size, r int) error {
	us.wmu.Lock()
	defer us.wmu.Unlock()
	content := us.talkContent(size, strconv.Itoa(r))
	return us.writeFrameLocked(0x2, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Room: roomName(string(us.member.prefix), r), Content: string(content)}))
}

// roomTotals is, by room, the talks this process's senders sent there
// that the server did not refuse.
func (t *talking) roomTotals() []int64 {
	totals := make([]int64, len(t.plan.sent))
	for r := range totals {
		totals[r] = t.plan.sent[r].Load()
	}
	for _, us := range t.users {
		for j, r := range us.member.rooms {
			totals[r] -= us.member.refused[j].Load()
		}
	}
	return totals
}

// drainRooms waits, at most -drain, until every healthy user has, in each
// of its rooms, every talk sent there, and returns those totals by room.
// A child process tells its parent what it sent to each room and learns
// what all sent.
func (t *talking) drainRooms(ctx context.Context) []int64 {
	totals := t.roomTotals()
	if t.o.exchange != nil {
		totals = t.o.exchange(totals)
	}
	poll.Until(ctx, t.o.drain, pollInterval, func() error {
		t.reportDue("draining")
		if t.o.exchange == nil {
			totals = t.roomTotals()
		}
		for _, us := range t.users {
			if us.failed.Load() {
				continue
			}
			for j, r := range us.member.rooms {
				if got := us.member.got[j].Load(); got < totals[r] {
					return fmt.Errorf("user %d has %d of %d talks in %s", us.number, got, totals[r], roomName(string(us.member.prefix), r))
				}
			}
		}
		return nil
	})
	return totals
}

// countRooms adds to sum what the users received in each of their rooms
// against totals (by room), and the server's error replies to errs.
func (t *talking) countRooms(sum *summary, totals []int64, errs *errCounter) {
	c := &roomCounts{Rooms: t.o.rooms, PerUser: t.o.roomsPer}
	for _, us := range t.users {
		m := us.member
		c.Duplicates += m.duplicates.Load()
		c.NonMember += m.nonMember.Load()
		c.WrongRoom += m.wrongRoom.Load()
		for j, r := range m.rooms {
			got, want := m.got[j].Load(), totals[r]
			c.Received += got
			c.Duplicates += max(0, got-want)
			if !us.failed.Load() {
				c.Expected += want
				sum.Lost += max(0, want-got)
			}
		}
		m.errMu.Lock()
		for text, n := range m.errs {
			errs.addKind(text, n)
		}
		m.errMu.Unlock()
	}
	sum.Rooms = c
}

// print prints the rooms scenario's deliveries against what was expected.
func (c *roomCounts) print(w io.Writer) {
	fmt.Fprintf(w, "expected           %d deliveries (every talk to every member of its room), %d received\n", c.Expected, c.Received)
	fmt.Fprintf(w, "duplicates         %d\n", c.Duplicates)
	fmt.Fprintf(w, "to non-members     %d (wrong room field %d)\n", c.NonMember, c.WrongRoom)
}

// normalRoom is name as the server knows it, "" if it is no room name.
func normalRoom(name string) string {
	n, err := model.NormalizeRoom(name)
	if err != nil {
		return ""
	}
	return n
}
