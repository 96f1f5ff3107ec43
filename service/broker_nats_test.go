package service

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/config"
	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

func TestNatsUnreachableAtStart(t *testing.T) {
	log, _ := logtest.NewNullLogger()
	const url = "nats://127.0.0.1:1" // nothing listens on port 1
	_, err := NewNatsBroker(context.Background(), NatsConfig{URLs: url, Node: "a"}, log)
	if err == nil || !strings.Contains(err.Error(), "cannot connect to NATS at "+url) {
		t.Fatalf("got %v, want a clear error", err)
	}
}

// NATS restarted mid-run: users are told (the room's Link handler), sends
// fail meanwhile (nothing is acknowledged that is then lost), and afterwards
// both nodes carry on in one order with everything acknowledged before.
func TestNatsRestart(t *testing.T) {
	ns := natstest.StartServer(t)
	url := ns.URL()
	node := func(name string) *Room {
		r, _ := natsNode(t, NatsConfig{URLs: url, Node: name})
		return r
	}
	a, b := node("a"), node("b")
	down, up := "error:"+config.NoticeBusDown, "error:"+config.NoticeBusUp
	alice, bob := join(t, a, "alice"), join(t, b, "bob")
	if err := a.Talk(context.Background(), alice, "before"); err != nil {
		t.Fatal(err)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		_, c := bob.talks()
		return poll.Check(len(c) == 1, "1 talk for bob, got %d", len(c))
	})

	ns.Stop()
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(received(alice, down), received(bob, down)) })
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	err := a.Talk(ctx, alice, "during")
	cancel()
	if err == nil {
		t.Fatal("a talk was accepted while NATS was down")
	}

	ns.Restart()
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(received(alice, up), received(bob, up)) })
	poll.CheckFor(t, eventually, pollEvery, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return b.Talk(ctx, bob, "after")
	})
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(heard(alice, "after"), heard(bob, "after")) })
	sa, ca := alice.talks()
	sb, cb := bob.talks()
	if !slices.Equal(sa, sb) || !slices.Equal(ca, cb) || ca[0] != "before" || slices.Contains(ca, "during") {
		t.Fatalf("alice %v %q, bob %v %q", sa, ca, sb, cb)
	}
}

// A node whose claim TTL differs from the bucket's refuses to start, naming
// both: changing the bucket would change every node's TTL under it.
func TestNatsClaimTTLMismatchRefused(t *testing.T) {
	url := natstest.Start(t)
	natsNode(t, NatsConfig{URLs: url, Node: "a", ClaimTTL: 3 * time.Second})
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
	natsNode(t, NatsConfig{URLs: url, Node: "c", ClaimTTL: 3 * time.Second}) // the same TTL starts
}
