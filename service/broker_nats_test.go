package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

func TestNatsUnreachableAtStart(t *testing.T) {
	log, _ := logtest.NewNullLogger()
	const url = "nats://127.0.0.1:1" // nothing listens on port 1
	_, err := NewNatsBroker(context.Background(), NatsConfig{URLs: url, Node: "a"}, log)
	if err == nil || !strings.Contains(err.Error(), "cannot connect to NATS at "+url) {
		t.Fatalf("got %v, want a clear error", err)
	}
}

// NATS restarted mid-run: the subscribers are told (Link), publishes fail
// meanwhile (nothing is acknowledged that is then lost), and afterwards both
// nodes carry on in one order with everything acknowledged before.
func TestNatsRestart(t *testing.T) {
	ns := natstest.StartServer(t)
	a, b := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "a"}), newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "b"})
	a.follow(t, "lobby")
	b.follow(t, "lobby")
	a.enter(t, "alice", "lobby")
	b.enter(t, "bob", "lobby")
	a.talk(t, "alice", "lobby", "before")
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.heard("lobby", "before") })

	ns.Stop()
	linked := func(n *natsTestNode, want ...bool) error {
		return poll.Check(slices.Equal(n.linkChanges(), want), "node %s's link changes %v, got %v", n.cfg.Node, want, n.linkChanges())
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(linked(a, false), linked(b, false)) })
	if a.Connected() || b.Connected() {
		t.Fatal("connected while NATS is down")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	err := a.Publish(ctx, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", Room: "lobby", Content: "during"})
	cancel()
	if err == nil {
		t.Fatal("a talk was accepted while NATS was down")
	}

	ns.Restart()
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(linked(a, false, true), linked(b, false, true)) })
	poll.CheckFor(t, eventually, pollEvery, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return b.Publish(ctx, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "bob", Room: "lobby", Content: "after"})
	})
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(a.heard("lobby", "after"), b.heard("lobby", "after")) })
	sa, ca := a.talks("lobby")
	sb, cb := b.talks("lobby")
	if !slices.Equal(sa, sb) || !slices.Equal(ca, cb) || ca[0] != "before" || slices.Contains(ca, "during") {
		t.Fatalf("node a %v %q, node b %v %q", sa, ca, sb, cb)
	}
}

// A node whose claim TTL differs from the bucket's refuses to start, naming
// both: changing the bucket would change every node's TTL under it.
func TestNatsClaimTTLMismatchRefused(t *testing.T) {
	url := natstest.Start(t)
	newNatsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: 3 * time.Second})
	log, _ := logtest.NewNullLogger()
	b, err := NewNatsBroker(context.Background(), NatsConfig{URLs: url, Node: "b", ClaimTTL: 4 * time.Second}, log)
	if err == nil {
		b.Close()
		t.Fatal("a node with another claim TTL started")
	}
	if !strings.Contains(err.Error(), "3s") || !strings.Contains(err.Error(), "4s") {
		t.Fatalf("the error does not name both TTLs: %v", err)
	}
	t.Log(err)
	newNatsNode(t, NatsConfig{URLs: url, Node: "c", ClaimTTL: 3 * time.Second}) // the same TTL starts
}
