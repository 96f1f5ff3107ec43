package chatserver

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// twoNodes are two servers on one NATS.
func twoNodes(t *testing.T, args ...string) (a, b *running) {
	url := natstest.Start(t)
	a = start(t, append([]string{"-nats", url, "-node", "a", "-log-stderr=false"}, args...)...)
	b = start(t, append([]string{"-nats", url, "-node", "b", "-log-stderr=false"}, args...)...)
	return a, b
}

// Across two nodes: two users of room a on different nodes chat; a user
// of room b on the second node never sees a's talk; a user on either node
// who is not in a room gets nothing of it.
func TestTwoNodesRoomsAreIsolated(t *testing.T) {
	a, b := twoNodes(t)
	alice := dialRooms(t, a.addr, "alice", "a")
	bob := dialRooms(t, b.addr, "bob", "a")
	carol := dialRooms(t, b.addr, "carol", "b")
	dave := dialRooms(t, a.addr, "dave", "b")
	alice.say("a", "hello from node a")
	if m, _ := bob.untilTalk("hello from node a"); m.UserName != "alice" || m.Room != "a" || m.Seq == 0 {
		t.Fatalf("bob got %v", m)
	}
	bob.say("a", "hello from node b")
	if m, before := alice.untilTalk("hello from node b"); m.UserName != "bob" || m.Room != "a" || len(before) != 1 {
		t.Fatalf("alice got %v after %v", m, before)
	}
	// Both nodes have handled a's talks by now: had they gone to carol or
	// dave, they would be queued before what either says next.
	carol.say("b", "marker")
	for _, c := range []*roomClient{carol, dave} {
		if m, before := c.untilTalk("marker"); len(before) != 0 || m.Room != "b" {
			t.Fatalf("%s got %v before %v", c.name, before, m)
		}
	}
}

// A direct message between users on different nodes reaches the two of
// them, no one else on either node.
func TestTwoNodesDirectMessageReachesOnlyTheTwo(t *testing.T) {
	a, b := twoNodes(t)
	alice, dave := dialRooms(t, a.addr, "alice"), dialRooms(t, a.addr, "dave")
	carol, bob := dialRooms(t, b.addr, "carol"), dialRooms(t, b.addr, "bob")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "carol", Content: "悄悄话"})
	for _, c := range []*roomClient{alice, carol} {
		m := c.until(model.TypeTalk)
		if m.Content != "悄悄话" || m.UserName != "alice" || m.To != "carol" || m.Room != "" || m.Seq == 0 {
			t.Fatalf("%s got %v", c.name, m)
		}
	}
	carol.send(&model.ChatRoomRequest{Type: model.TypeTalk, To: "alice", Content: "回信"})
	if m := alice.until(model.TypeTalk); m.Content != "回信" || m.UserName != "carol" || m.To != "alice" {
		t.Fatalf("alice got %v", m)
	}
	// Both nodes have handled the direct messages by now.
	bob.say("", "marker")
	for _, c := range []*roomClient{bob, dave} {
		if _, before := c.untilTalk("marker"); len(before) != 0 {
			t.Fatalf("%s got %v", c.name, before)
		}
	}
	// The conversation's history, on the other node.
	carol.untilTalk("marker")
	carol.send(&model.ChatRoomRequest{Type: model.TypeHistory, To: "alice"})
	var got []string
	for range 2 {
		got = append(got, carol.until(model.TypeTalk).Content)
	}
	if !slices.Equal(got, []string{"悄悄话", "回信"}) {
		t.Fatalf("carol's history with alice: %q", got)
	}
}

// Members of one room on both nodes talk at once: they all get the room's
// talks in one order, with increasing seqs.
func TestTwoNodesOneOrderPerRoom(t *testing.T) {
	a, b := twoNodes(t, "-msg-rate", "0", "-msg-rate-per-ip", "0", "-presence=false")
	clients := []*roomClient{dialRooms(t, a.addr, "a1", "r"), dialRooms(t, b.addr, "b1", "r"), dialRooms(t, b.addr, "b2", "r", "other")}
	other := dialRooms(t, a.addr, "a2", "other")
	const each = 20
	var wg sync.WaitGroup
	for _, c := range []*roomClient{clients[0], clients[1], other} {
		wg.Go(func() {
			for i := range each {
				room := "r"
				if c == other {
					room = "other"
				}
				c.send(&model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Content: fmt.Sprintf("%s %d", c.name, i)})
			}
		})
	}
	wg.Wait()
	var orders [][]string
	for _, c := range clients {
		var got []string
		for len(got) < 2*each {
			if m := c.until(model.TypeTalk); m.Room == "r" {
				got = append(got, fmt.Sprint(m.Seq, " ", m.Content))
			}
		}
		orders = append(orders, got)
	}
	for i, o := range orders[1:] {
		if !slices.Equal(o, orders[0]) {
			t.Fatalf("%s and %s got room r's talks in different orders", clients[0].name, clients[i+1].name)
		}
	}
}

// Joins and leaves are per room across nodes: a user who joins a room
// whose only member is on the other node finds that member listed, and the
// member sees the join, then the part.
func TestTwoNodesJoinAndPartPerRoom(t *testing.T) {
	a, b := twoNodes(t)
	alice := dialRooms(t, a.addr, "alice", "lobby", "茶馆")
	bob := dialRooms(t, b.addr, "bob")
	bob.send(&model.ChatRoomRequest{Type: model.TypeJoin, Room: "茶馆"})
	if m := bob.until(model.TypeUserList); m.Room != "茶馆" || len(m.UserList) != 2 || m.UserList["alice"] == "" {
		t.Fatalf("bob's list of 茶馆 on node b: %v", m)
	}
	for {
		m := alice.until(model.TypeJoin)
		if m.UserName != "bob" {
			continue
		}
		if m.Room == "茶馆" {
			break
		}
		if m.Room != "lobby" {
			t.Fatalf("alice saw bob join %q", m.Room)
		}
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "茶馆"})
	if m := alice.until(model.TypeLeave); m.UserName != "bob" || m.Room != "茶馆" {
		t.Fatalf("alice saw %v", m)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "茶馆"})
	if m := alice.until(model.TypeUserList); len(m.UserList) != 1 {
		t.Fatalf("茶馆 after bob's part: %v", m)
	}
	// bob is still in the lobby, on both nodes.
	alice.send(&model.ChatRoomRequest{Type: model.TypeUserList, Room: "lobby"})
	if m := alice.until(model.TypeUserList); len(m.UserList) != 2 {
		t.Fatalf("the lobby on node a: %v", m)
	}
}
