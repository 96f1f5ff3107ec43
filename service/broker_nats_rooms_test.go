package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// Two nodes, rooms a and b: node 1 follows a, node 2 follows a and b.
// Node 1 never receives b's events; both deliver a's in one order, whoever
// published them, while b's go on at the same time.
func TestNatsNodesReceiveOnlyTheRoomsTheyFollow(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	n1, n2 := nodes[0], nodes[1]
	n1.follow(t, "a")
	n2.follow(t, "a", "b")
	n1.enter(t, "alice", "a")
	n2.enter(t, "bob", "a", "b")
	const each = 100
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for _, s := range []struct {
		n          *natsTestNode
		name, room string
	}{{n1, "alice", "a"}, {n2, "bob", "a"}, {n2, "bob", "b"}} {
		wg.Go(func() {
			for i := range each {
				ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: s.name, Room: s.room, Content: fmt.Sprintf("%s %d", s.room, i)}
				if err := s.n.Publish(context.Background(), ev); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		s1, _ := n1.talks("a")
		s2, _ := n2.talks("a")
		sb, _ := n2.talks("b")
		return poll.Check(len(s1) == 2*each && len(s2) == 2*each && len(sb) == each, "%d talks in a on both nodes and %d in b on node 2, got %d, %d, %d", 2*each, each, len(s1), len(s2), len(sb))
	})
	s1, c1 := n1.talks("a")
	s2, c2 := n2.talks("a")
	if !slices.Equal(s1, s2) || !slices.Equal(c1, c2) {
		t.Fatal("the two nodes delivered room a's talks in different orders")
	}
	if !slices.IsSorted(s1) || len(slices.Compact(slices.Clone(s1))) != len(s1) {
		t.Fatalf("room a's seqs not strictly increasing: %v", s1)
	}
	n1.sink.mu.Lock()
	defer n1.sink.mu.Unlock()
	for room, evs := range n1.sink.events {
		if room != "a" && len(evs) > 0 {
			t.Fatalf("node 1 delivered %d events of room %q: %v", len(evs), room, evs[0])
		}
	}
	for _, ev := range n1.sink.events["a"] {
		if strings.HasPrefix(ev.Content, "b ") {
			t.Fatalf("node 1 delivered b's talk %q in a", ev.Content)
		}
	}
}

// A room's events carry its name, seq and time; a default-room event that
// names no room (a client of before rooms) is the default room's; a
// direct message goes to the direct messages' feed alone.
func TestNatsEventsAreStampedAndRouted(t *testing.T) {
	n := newNatsNodes(t, natstest.Start(t), 1)[0]
	n.follow(t, "lobby", "房间")
	n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "old", Content: "no room"})
	n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "u", Room: "房间", Content: "中文"})
	n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "u", To: "v", Content: "dm"})
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(n.heard("lobby", "no room"), n.heard("房间", "中文"), n.heard("", "dm"))
	})
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	for room, evs := range n.sink.events {
		if len(evs) != 1 {
			t.Fatalf("room %q: %d events, want 1", room, len(evs))
		}
		if ev := evs[0]; ev.Seq == 0 || ev.Timestamp == 0 || ev.Room != room {
			t.Fatalf("room %q: %+v", room, ev)
		}
	}
	long := strings.Repeat("长", model.MaxRoomRunes*2)
	if err := n.Publish(context.Background(), &model.ChatRoomRequest{Type: model.TypeTalk, Room: long}); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("an overlong room: %v", err)
	}
	if err := n.Follow(context.Background(), ""); err == nil {
		t.Fatal("followed a room with no name")
	}
}

// A node that follows a room late gets its members from the directory of
// every node's claims (their joins long gone from the stream) and the past
// the stream keeps of it, before Follow returns; a user the replay brings
// back who is not in the room per the directory gets a leave.
func TestNatsLateFollowGetsMembersAndPast(t *testing.T) {
	url := natstest.Start(t)
	const keep = 3 // events kept per room
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a", HistoryScan: keep})
	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b", HistoryScan: keep})
	a.enter(t, "alice", "r")
	b.enter(t, "carol", "r", "other")
	for i := range 4 {
		a.talk(t, "alice", "r", fmt.Sprint(i))
	}
	a.publish(t, &model.ChatRoomRequest{Type: model.TypeJoin, UserName: "zombie", Room: "r"}) // no claim
	a.talk(t, "alice", "r", "4")

	c := newNatsNode(t, NatsConfig{URLs: url, Node: "c", HistoryScan: keep})
	c.follow(t, "r")
	if _, got := c.talks("r"); !slices.Equal(got, []string{"3", "4"}) {
		t.Fatalf("the past of r: %q, want the talks among its last %d events", got, keep)
	}
	if err := c.lists("r", "alice", "carol"); err != nil {
		t.Fatal(err)
	}
	if got := c.seen("r"); got[len(got)-1] != "leave:zombie" {
		t.Fatalf("the zombie was not removed last: %q", got)
	}
	// Then live events, in order.
	b.talk(t, "carol", "r", "live")
	poll.CheckFor(t, eventually, pollEvery, func() error { return c.heard("r", "live") })
	seqs, _ := c.talks("r")
	if !slices.IsSorted(seqs) {
		t.Fatalf("seqs %v", seqs)
	}
}

// Two Follows of one room at once: both return once its past is in, and
// each event is delivered once.
func TestNatsConcurrentFollowsOfARoom(t *testing.T) {
	n := newNatsNodes(t, natstest.Start(t), 1)[0]
	for i := range 50 {
		n.talk(t, "u", "r", fmt.Sprint(i))
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := n.Follow(context.Background(), "r"); err != nil {
				t.Error(err)
			}
			if _, c := n.talks("r"); len(c) != 50 {
				t.Errorf("Follow returned with %d of the 50 talks", len(c))
			}
		})
	}
	wg.Wait()
}

// Direct messages reach every node, in one order, and a node that starts
// later gets those the stream keeps before Subscribe returns.
func TestNatsDirectMessagesReachEveryNodeInOrder(t *testing.T) {
	url := natstest.Start(t)
	nodes := newNatsNodes(t, url, 2)
	const each = 50
	var wg sync.WaitGroup
	for i, n := range nodes {
		from, to := []string{"alice", "bob"}[i], []string{"bob", "alice"}[i]
		wg.Go(func() {
			for j := range each {
				if err := n.Publish(context.Background(), &model.ChatRoomRequest{Type: model.TypeTalk, UserName: from, To: to, Content: fmt.Sprint(from, j)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		s0, _ := nodes[0].talks("")
		s1, _ := nodes[1].talks("")
		return poll.Check(len(s0) == 2*each && len(s1) == 2*each, "%d direct messages on both nodes, got %d and %d", 2*each, len(s0), len(s1))
	})
	late := newNatsNode(t, NatsConfig{URLs: url, Node: "late"})
	s0, c0 := nodes[0].talks("")
	s1, c1 := nodes[1].talks("")
	s2, c2 := late.talks("")
	if !slices.Equal(s0, s1) || !slices.Equal(c0, c1) || !slices.Equal(s0, s2) || !slices.Equal(c0, c2) {
		t.Fatal("the nodes delivered the direct messages in different orders")
	}
	if !slices.IsSorted(s0) {
		t.Fatalf("seqs %v", s0)
	}
	for _, n := range append(nodes, late) {
		n.sink.mu.Lock()
		rooms := len(n.sink.events)
		n.sink.mu.Unlock()
		if rooms != 1 {
			t.Fatalf("node %s delivered events of %d rooms, want the direct messages' alone", n.cfg.Node, rooms)
		}
	}
}

// Every node counts every node's users in each room, as they claim, move
// and go; a private room is flagged.
func TestNatsDirectoryCountsAcrossNodes(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if err := a.Claim(ctx, "alice", []RoomRef{{Name: "r"}, {Name: "secret", Private: true}}); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "bob", refs("r")); err != nil {
		t.Fatal(err)
	}
	both := func(check func(*natsTestNode) error) {
		t.Helper()
		poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(check(a), check(b)) })
	}
	both(func(n *natsTestNode) error {
		return errors.Join(n.roomCount("r", 2, 2), n.roomCount("secret", 1, 2),
			poll.Check(online(n, "alice") && online(n, "bob") && !online(n, "carol"), "alice and bob online on node %s", n.cfg.Node))
	})
	rooms, _ := b.Rooms()
	for _, r := range rooms {
		if r.Private != (r.Name == "secret") {
			t.Fatalf("%+v", r)
		}
	}
	if err := a.SetRooms(ctx, "alice", refs("s")); err != nil {
		t.Fatal(err)
	}
	both(func(n *natsTestNode) error {
		return errors.Join(n.roomCount("r", 1, 2), n.roomCount("secret", 0, 2), n.roomCount("s", 1, 2))
	})
	// The refresher keeps the rooms the claim has now.
	a.refreshRound()
	b.Release("bob")
	both(func(n *natsTestNode) error {
		return errors.Join(n.roomCount("r", 0, 1), n.roomCount("s", 1, 1), poll.Check(!online(n, "bob"), "bob offline on node %s", n.cfg.Node))
	})
	if err := b.SetRooms(ctx, "alice", refs("r")); err == nil || !strings.Contains(err.Error(), "not claimed") {
		t.Fatalf("set rooms of another node's claim: %v", err)
	}
}

// The Event handler may Unfollow the room it is told of: nothing more of
// that room is delivered, nothing blocks, and the room can be followed
// again.
func TestNatsUnfollowFromTheHandler(t *testing.T) {
	n := newNatsNodes(t, natstest.Start(t), 1)[0]
	n.sink.onEvent = func(ev *model.ChatRoomRequest) {
		if ev.Content == "bye" {
			n.Unfollow(ev.Room)
		}
	}
	n.follow(t, "r", "other")
	n.talk(t, "u", "r", "bye")
	n.talk(t, "u", "r", "after")
	n.talk(t, "u", "other", "still")
	// Rooms have feeds of their own: "still" may come before "bye".
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(n.heard("other", "still"), n.heard("r", "bye")) })
	if _, c := n.talks("r"); !slices.Equal(c, []string{"bye"}) {
		t.Fatalf("room r delivered %q after its Unfollow", c)
	}
	n.sink.mu.Lock()
	n.sink.onEvent = nil
	n.sink.mu.Unlock()
	n.follow(t, "r")
	if _, c := n.talks("r"); !slices.Equal(c, []string{"bye", "bye", "after"}) {
		t.Fatalf("followed again, room r delivered %q", c)
	}
	done := make(chan struct{})
	go func() { n.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(eventually):
		t.Fatal("Close blocked")
	}
}

// A node reads nothing of a room it does not follow: a megabyte of talk in
// room b costs node 1, which follows a alone, no bytes on its link.
func TestNatsNodeReadsNoTrafficOfOtherRooms(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	n1, n2 := nodes[0], nodes[1]
	n1.follow(t, "a")
	n2.follow(t, "b")
	before := n1.nc.Stats().InBytes
	big := strings.Repeat("b", 16<<10)
	const talks = 64
	for range talks {
		n2.talk(t, "bob", "b", big)
	}
	n2.talk(t, "bob", "a", "marker")
	poll.CheckFor(t, eventually, pollEvery, func() error { return n1.heard("a", "marker") })
	got := n1.nc.Stats().InBytes - before
	t.Logf("node 1 read %d bytes while room b carried %d", got, talks*len(big))
	if got > uint64(talks*len(big)/4) {
		t.Fatalf("node 1 read %d bytes: room b's traffic reached it", got)
	}
}
