package service

import (
	"context"
	"errors"
	"testing"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

// lookAlikes of "alice", normalized as the server gets them: each is
// refused while alice is online.
var lookAlikes = []string{"Alice", "ALICE", "\u0430lice", "aIice", "a1ice"}

func TestMemoryBrokerRefusesLookAlikes(t *testing.T) {
	b := NewMemoryBroker()
	ctx := context.Background()
	if err := b.Claim(ctx, "alice", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "alice", nil); !errors.Is(err, ErrNameTaken) || errors.Is(err, ErrNameSimilar) {
		t.Fatalf("the same name again: %v, want ErrNameTaken", err)
	}
	for _, name := range lookAlikes {
		if err := b.Claim(ctx, name, nil); !errors.Is(err, ErrNameSimilar) {
			t.Errorf("%q: %v, want ErrNameSimilar", name, err)
		}
	}
	b.Release("Alice") // not claimed: releases nothing
	if err := b.Claim(ctx, "alice", nil); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("alice after a release of Alice: %v", err)
	}
	if err := b.Claim(ctx, "alicia", nil); err != nil {
		t.Fatalf("a different name: %v", err)
	}
	b.Release("alice")
	if err := b.Claim(ctx, "Alice", nil); err != nil {
		t.Fatalf("Alice once alice is gone: %v", err)
	}
}

// Across nodes: the key of a claim is the name's comparison key, so a case
// variant or a confusable is refused on another node; the name's skeleton
// is checked against the names claimed. A node started later lists the
// names as they are shown, read from the claims.
func TestNatsRefusesLookAlikesAcrossNodes(t *testing.T) {
	url := natstest.Start(t)
	nodes := newNatsNodes(t, url, 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	a.enter(t, "alice", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error { return poll.Check(online(b, "alice"), "alice online on node b") })
	for _, name := range lookAlikes {
		if err := b.Claim(ctx, name, nil); !errors.Is(err, ErrNameSimilar) {
			t.Errorf("%q on node b: %v, want ErrNameSimilar", name, err)
		}
	}
	if err := b.Claim(ctx, "alice", nil); !errors.Is(err, ErrNameTaken) || errors.Is(err, ErrNameSimilar) {
		t.Errorf("alice on node b: %v, want ErrNameTaken", err)
	}
	c := newNatsNode(t, NatsConfig{URLs: url, Node: "c"})
	c.follow(t, "lobby")
	if err := c.lists("lobby", "alice"); err != nil {
		t.Error(err)
	}
	b.enter(t, "Bob Smith", "lobby")
	if err := a.Claim(ctx, "bob smith", nil); !errors.Is(err, ErrNameSimilar) {
		t.Errorf("bob smith on node a: %v, want ErrNameSimilar", err)
	}
}
