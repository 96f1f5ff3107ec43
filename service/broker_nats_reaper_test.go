package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// A node that dies without a goodbye: its users leave everyone's list, with
// leave events, once their claims expire.
func TestNatsDeadNodesUsersLeave(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	node := func(name string) (*Room, *NatsBroker) {
		return natsNode(t, NatsConfig{URLs: url, Node: name, ClaimTTL: ttl})
	}
	a, ab := node("a")
	b, _ := node("b")
	c, _ := node("c") // two survivors both see the expiry: one leave reaches the room
	join(t, a, "ghost")
	bob, carol := join(t, b, "bob"), join(t, c, "carol")
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(listsUsers("b", b, 3), listsUsers("c", c, 3)) })
	ab.Close() // node a dies: no leave, no release, no refresh
	died := time.Now()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(received(bob, "leave:ghost"), received(carol, "leave:ghost"))
	})
	t.Logf("the dead node's user left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if nb, nc := b.Stats().Users, c.Stats().Users; nb != 2 || nc != 2 {
		t.Fatalf("%d users on node b and %d on c, want 2", nb, nc)
	}
	// Let a second leave, if there were one, arrive: one more talk after it.
	if err := b.Talk(context.Background(), bob, "still here"); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		_, cs := carol.talks()
		return poll.Check(len(cs) == 1, "1 talk for carol, got %d", len(cs))
	})
	for _, m := range []*recorder{bob, carol} {
		leaves := 0
		for _, ty := range m.types() {
			if ty == "leave:ghost" {
				leaves++
			}
		}
		if leaves != 1 {
			t.Fatalf("%s got %d leave events for the ghost, want 1", m.name, leaves)
		}
	}
	if err := b.Claim(context.Background(), "ghost"); err != nil {
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
	a, ab := natsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	b, _ := natsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	alice := join(t, a, "alice")
	bob := join(t, b, "bob")
	poll.CheckFor(t, eventually, pollEvery, func() error { return listsUsers("b", b, 2) })
	a.Leave(context.Background(), alice)
	poll.CheckFor(t, eventually, pollEvery, func() error { return received(bob, "leave:alice") })
	// Every trace of the claim ages out (a delete becomes an expiry marker
	// after ClaimTTL, which ages out after ClaimTTL more): then whatever the
	// nodes made of it has been published.
	poll.CheckFor(t, 4*ttl, pollEvery, func() error {
		return poll.Check(!claimEntries(t, ab, "alice"), "no entry left in the bucket for alice's claim")
	})
	if err := b.Talk(context.Background(), bob, "after"); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return heard(bob, "after") })
	if n := leavesInStream(t, ab, "alice"); n != 1 {
		t.Fatalf("%d leave events for alice, want 1", n)
	}
	if b.Stats().Users != 1 {
		t.Fatalf("node b lists %d users", b.Stats().Users)
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
	a, ab := natsNode(t, NatsConfig{URLs: ns.URL(), Node: "a", ClaimTTL: ttl})
	b, bb := natsNode(t, NatsConfig{URLs: ns.URL(), Node: "b", ClaimTTL: ttl})
	ghost := join(t, a, "ghost")
	bob := join(t, b, "bob")
	poll.CheckFor(t, eventually, pollEvery, func() error { return listsUsers("b", b, 2) })

	ns.Stop()
	ns.Restart()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		for _, n := range []struct {
			r *Room
			m *recorder
		}{{a, ghost}, {b, bob}} {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := n.r.Talk(ctx, n.m, "back")
			cancel()
			if err != nil {
				return fmt.Errorf("%s cannot talk: %w", n.m.name, err)
			}
		}
		return poll.Check(ab.Connected() && bb.Connected(), "both nodes connected")
	})
	if b.Stats().Users != 2 || slices.Contains(bob.types(), "leave:ghost") {
		t.Fatal("the restart alone made the ghost leave: the outage was longer than the claim TTL")
	}
	ab.Close() // node a dies: no leave, no release, no refresh
	died := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return received(bob, "leave:ghost") })
	t.Logf("after a NATS restart, the dead node's user left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if b.Stats().Users != 1 {
		t.Fatalf("node b lists %d users", b.Stats().Users)
	}
}

// A join in the stream whose name has no claim (its publish timed out but
// was stored, and the connection released the name): the user is not
// listed for ever. No key goes away here, so only the reconciliation sees it.
func TestNatsJoinWithoutClaimLeaves(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a, ab := natsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	b, _ := natsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	bob := join(t, b, "bob")
	if err := ab.Publish(context.Background(), &model.ChatRoomRequest{Type: model.TypeJoin, UserName: "zombie"}); err != nil {
		t.Fatal(err)
	}
	stored := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return received(bob, "leave:zombie") })
	t.Logf("a join without a claim was undone in %v (-claim-ttl %v)", time.Since(stored).Round(10*time.Millisecond), ttl)
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(listsUsers("a", a, 1), listsUsers("b", b, 1)) })
}

// A node started while a handshake on another held a name it never joined
// with lists that name (claimed names arrive as joins); once the name is
// released, the name leaves that node's list too, at once.
func TestNatsUnjoinedClaimLeavesLateNode(t *testing.T) {
	url := natstest.Start(t)
	const ttl = 3 * time.Second
	a, _ := natsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: ttl})
	if err := a.Claim(context.Background(), "handshake"); err != nil {
		t.Fatal(err)
	}
	b, _ := natsNode(t, NatsConfig{URLs: url, Node: "b", ClaimTTL: ttl})
	if b.Stats().Users != 1 {
		t.Fatalf("node b lists %d users, want the claimed name", b.Stats().Users)
	}
	a.Release("handshake")
	released := time.Now()
	poll.CheckFor(t, ttl, pollEvery, func() error { return listsUsers("b", b, 0) })
	t.Logf("the released name left node b's list in %v", time.Since(released).Round(10*time.Millisecond))
}
