package service

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// A node that dies without a goodbye: once their claims expire, its users leave
// every list, with one leave event in every room that a live node follows;
// a room that nobody followed, followed later, does not list them either.
func TestNatsDeadNodesUsersLeave(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	node := func(name string) *natsTestNode {
		return newNatsNode(t, NatsConfig{URLs: url, Node: name, ClaimTTL: ttl})
	}
	a, b, c := node("a"), node("b"), node("c") // two survivors both see the expiry: one leave per room
	for _, n := range []*natsTestNode{b, c} {
		n.follow(t, "lobby", "x")
	}
	a.enter(t, "ghost", "lobby", "x", "y")
	b.enter(t, "bob", "lobby")
	c.enter(t, "carol", "lobby", "x")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(b.lists("lobby", "bob", "carol", "ghost"), c.lists("x", "carol", "ghost"))
	})
	// Node a dies: its connection closes with no leave, no release, no
	// refresh. (Close, not a bare close of the connection, which would
	// leave nats.go's watch goroutine behind for goleak to find.)
	a.Close()
	died := time.Now()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(b.delivered("lobby", "leave:ghost"), c.delivered("lobby", "leave:ghost"),
			b.delivered("x", "leave:ghost"), c.delivered("x", "leave:ghost"))
	})
	t.Logf("the dead node's user left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	// Let a second leave, if there were one, arrive: one more talk after it
	// in each room.
	b.talk(t, "bob", "lobby", "still here")
	c.talk(t, "carol", "x", "still here")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(b.heard("lobby", "still here"), c.heard("lobby", "still here"), b.heard("x", "still here"), c.heard("x", "still here"))
	})
	for _, n := range []*natsTestNode{b, c} {
		for _, room := range []string{"lobby", "x"} {
			if got := n.count(room, "leave:ghost"); got != 1 {
				t.Fatalf("node %s delivered %d leaves of the ghost in %s, want 1", n.cfg.Node, got, room)
			}
		}
	}
	if err := errors.Join(b.lists("lobby", "bob", "carol"), c.lists("x", "carol"), b.roomCount("x", 1, 2)); err != nil {
		t.Fatal(err)
	}
	if n := leavesInStream(t, b.NatsBroker, "ghost"); n != 2 {
		t.Fatalf("%d leaves of the ghost in the stream, want one in lobby and one in x", n)
	}
	b.follow(t, "y")
	if err := errors.Join(b.lists("y"), b.delivered("y", "leave:ghost")); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(context.Background(), "ghost", nil); err != nil {
		t.Fatalf("the ghost's name is still taken: %v", err)
	}
}

// leavesInStream counts the leave events for name that the room's stream
// holds: what every node delivered, whatever the room showed.
func leavesInStream(t *testing.T, b *NatsBroker, name string) int {
	t.Helper()
	ctx := context.Background()
	info, err := b.st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		m, err := b.st.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		if ev, err := model.Decode(m.Data); err == nil && ev.Type == model.TypeLeave && ev.UserName == name {
			n++
		}
	}
	return n
}

// claimEntries tells whether the bucket still holds any entry (a value, a
// delete, a purge or an expiry marker) for name's key.
func claimEntries(t *testing.T, b *NatsBroker, name string) bool {
	t.Helper()
	_, err := b.kvs.GetLastMsgForSubject(context.Background(), b.keySubject(nameKey(name)))
	if err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// A user who says goodbye leaves once: the release of the name is not
// taken for an expiry when its trace in the bucket ages out.
func TestNatsCleanLeaveIsAnnouncedOnce(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	b.follow(t, "lobby")
	a.enter(t, "alice", "lobby")
	b.enter(t, "bob", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.lists("lobby", "alice", "bob") })
	a.exit(t, "alice", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.delivered("lobby", "leave:alice") })
	// Every trace of the claim ages out (a delete becomes an expiry marker
	// after ClaimTTL, which ages out after ClaimTTL more): then whatever the
	// nodes made of it has been published.
	poll.CheckFor(t, 4*ttl, pollEvery, func() error {
		return poll.Check(!claimEntries(t, a.NatsBroker, "alice"), "no entry left in the bucket for alice's claim")
	})
	b.talk(t, "bob", "lobby", "after")
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.heard("lobby", "after") })
	if n := leavesInStream(t, a.NatsBroker, "alice"); n != 1 {
		t.Fatalf("%d leave events for alice, want 1", n)
	}
	if err := b.lists("lobby", "bob"); err != nil {
		t.Fatal(err)
	}
}

// NATS restarted, and then a node dies without a goodbye: its users still
// leave the survivors' lists (the watch of the claims does not die with the
// first connection).
func TestNatsRestartThenDeadNodesUsersLeave(t *testing.T) {
	ns := natstest.StartServer(t)
	// The restart and the reconnect must fit in what is left of the TTL
	// since the last refresh.
	const ttl = 6 * time.Second
	a := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "a", ClaimTTL: ttl})
	b := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "b", ClaimTTL: ttl})
	b.follow(t, "lobby")
	a.enter(t, "ghost", "lobby")
	b.enter(t, "bob", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.lists("lobby", "bob", "ghost") })

	ns.Stop()
	ns.Restart()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		for _, n := range []*natsTestNode{a, b} {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := n.Publish(ctx, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "x", Room: "lobby", Content: "back"})
			cancel()
			if err != nil {
				return fmt.Errorf("node %s cannot publish: %w", n.cfg.Node, err)
			}
		}
		return poll.Check(a.Connected() && b.Connected(), "both nodes connected")
	})
	if err := b.lists("lobby", "bob", "ghost"); err != nil {
		t.Fatalf("the restart alone made the ghost leave (the outage was longer than the claim TTL): %v", err)
	}
	a.Close() // node a dies: no leave, no release, no refresh
	died := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return b.delivered("lobby", "leave:ghost") })
	t.Logf("after a NATS restart, the dead node's user left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if err := b.lists("lobby", "bob"); err != nil {
		t.Fatal(err)
	}
}

// A join in the stream whose name has no claim (its publish timed out but
// was stored, and the connection released the name): the user is not
// listed for ever. No key goes away here, so only the reconciliation sees it.
func TestNatsJoinWithoutClaimLeaves(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	a.follow(t, "x")
	b.follow(t, "x")
	b.enter(t, "bob", "x")
	a.publish(t, &model.ChatRoomRequest{Type: model.TypeJoin, UserName: "zombie", Room: "x"})
	stored := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return b.delivered("x", "leave:zombie") })
	t.Logf("a join without a claim was undone in %v (-claim-ttl %v)", time.Since(stored).Round(10*time.Millisecond), ttl)
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(a.lists("x", "bob"), b.lists("x", "bob")) })
}

// A node that follows a room while a handshake on another holds a name in
// it that never joined lists that name (the directory's members arrive as
// joins); once the name is released, the name leaves that node's list too,
// at once.
func TestNatsUnjoinedClaimLeavesLateNode(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	if err := a.Claim(context.Background(), "handshake", refs("lobby")); err != nil {
		t.Fatal(err)
	}
	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	b.follow(t, "lobby")
	if err := b.lists("lobby", "handshake"); err != nil {
		t.Fatal(err)
	}
	a.Release("handshake")
	released := time.Now()
	poll.CheckFor(t, ttl, pollEvery, func() error { return b.lists("lobby") })
	t.Logf("the released name left node b's list in %v", time.Since(released).Round(10*time.Millisecond))
}
