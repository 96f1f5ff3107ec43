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

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/internal/faultnet"
	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

func TestNatsNamesAreUniqueAcrossNodes(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if err := a.Claim(ctx, "张三", nil); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "张三", nil); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("claim on the second node: %v, want ErrNameTaken", err)
	}
	a.Release("张三")
	if err := b.Claim(ctx, "张三", nil); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}

// A node cut off from NATS for longer than the claim TTL, while NATS and
// the other nodes go on: its claims expire, the others announce its users'
// leave in every room they follow, and when the link is back the node's
// subscriber is told that the claims are lost (its hub ends the sessions)
// instead of their living on unlisted and deaf. Their names can be taken
// again.
//
// (Stopping NATS itself would not test this: a NATS server that starts
// again expires the claims that aged while it was down, but a node that
// reconnects first refreshes them, and then nobody has announced a leave
// and the session rightly goes on. Which comes first is NATS's timing.)
func TestNatsCutOffLongerThanTTLLosesClaims(t *testing.T) {
	ns := natstest.StartServer(t)
	link := faultnet.New(t, strings.TrimPrefix(ns.URL(), "nats://")) // node a's link to NATS
	const ttl = 3 * time.Second
	a := newNatsNode(t, NatsConfig{URLs: "nats://" + link.Addr(), Node: "a", ClaimTTL: ttl})
	b := newNatsNode(t, NatsConfig{URLs: ns.URL(), Node: "b", ClaimTTL: ttl})
	a.follow(t, "lobby", "x")
	b.follow(t, "lobby", "x")
	a.enter(t, "alice", "lobby", "x")
	b.enter(t, "bob", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(b.lists("lobby", "alice", "bob"), b.lists("x", "alice"))
	})

	link.Partition()
	cut := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error {
		return errors.Join(b.delivered("lobby", "leave:alice"), b.delivered("x", "leave:alice"))
	})
	t.Logf("node b announced alice's leaves %v after node a was cut off (-claim-ttl %v)", time.Since(cut).Round(10*time.Millisecond), ttl)
	if err := errors.Join(b.lists("lobby", "bob"), b.lists("x")); err != nil {
		t.Fatal(err)
	}

	link.Heal()
	restored := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error {
		return poll.Check(slices.Equal(a.lostClaims(), []string{"alice"}), "alice's claim lost on node a, got %q", a.lostClaims())
	})
	t.Logf("node a found alice's claim lost %v after the link was back", time.Since(restored).Round(10*time.Millisecond))
	if online(b, "alice") {
		t.Fatal("alice is still online")
	}
	// The name is free; node b takes it, and node a takes new users again,
	// whom both nodes hear.
	b.enter(t, "alice", "lobby")
	a.Release("alice") // the lost session's end: it releases nothing
	a.enter(t, "carol", "lobby")
	a.talk(t, "carol", "lobby", "after")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(a.heard("lobby", "after"), b.heard("lobby", "after"),
			a.lists("lobby", "alice", "bob", "carol"), b.lists("lobby", "alice", "bob", "carol"))
	})
	if !online(b, "alice") || len(b.lostClaims()) != 0 {
		t.Fatalf("node b lost claims %q", b.lostClaims())
	}
}

// Releases racing the refresher: every released name is free at once (not
// once its claim expires), whichever of the release and the refresh of the
// same key NATS takes first.
func TestNatsReleaseRacingRefreshFreesName(t *testing.T) {
	url := natstest.Start(t)
	ab := newNatsNode(t, NatsConfig{URLs: url, Node: "a"}) // the default TTL: no expiry during the test
	bb := newNatsNode(t, NatsConfig{URLs: url, Node: "b"})
	ctx := context.Background()
	const rounds, names, releasers = 5, 200, 8
	stuck := 0
	for round := range rounds {
		var all []string
		for i := range names {
			name := fmt.Sprintf("r%d-%d", round, i)
			if err := ab.Claim(ctx, name, refs("lobby")); err != nil {
				t.Fatal(err)
			}
			all = append(all, name)
		}
		var wg sync.WaitGroup
		wg.Go(func() { ab.refreshRound() })
		for r := range releasers {
			wg.Go(func() {
				for i := r; i < len(all); i += releasers {
					ab.Release(all[i])
				}
			})
		}
		wg.Wait()
		for _, name := range all {
			if err := bb.Claim(ctx, name, nil); err != nil {
				stuck++
			}
		}
	}
	if stuck > 0 {
		t.Fatalf("%d of %d released names still taken", stuck, rounds*names)
	}
}

// Releases racing SetRooms: every released name is free at once, and
// leaves every node's directory, whichever of the release and the update
// of the same key NATS takes first.
func TestNatsReleaseRacingSetRooms(t *testing.T) {
	url := natstest.Start(t)
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a"})
	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b"})
	ctx := context.Background()
	const names = 200
	for i := range names {
		if err := a.Claim(ctx, fmt.Sprint("s", i), refs("r")); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range names {
		name := fmt.Sprint("s", i)
		wg.Go(func() { a.SetRooms(ctx, name, refs("r", "q")) }) // fails if the release was first
		wg.Go(func() { a.Release(name) })
	}
	wg.Wait()
	for _, n := range []*natsTestNode{a, b} {
		poll.CheckFor(t, eventually, pollEvery, func() error {
			return errors.Join(n.roomCount("r", 0, 0), n.roomCount("q", 0, 0))
		})
	}
	for i := range names {
		if err := b.Claim(ctx, fmt.Sprint("s", i), nil); err != nil {
			t.Fatalf("s%d: %v", i, err)
		}
	}
}

// slowKV is a bucket whose updates take a round trip of delay more, as
// across a slow network: the delay is the simulated latency, not a wait.
type slowKV struct {
	jetstream.KeyValue
	delay time.Duration
}

func (s slowKV) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return s.KeyValue.Update(ctx, key, value, rev)
}

// With many users and a slow link, a round of refreshes still takes much
// less than the TTL: the updates run side by side, not one after another
// (128 of 20 ms each would take 2.56 s one by one).
func TestNatsRefreshRoundIsConcurrent(t *testing.T) {
	cfg := NatsConfig{URLs: natstest.Start(t), Node: "a"}
	cfg.hooks.wrapKV = func(kv jetstream.KeyValue) jetstream.KeyValue { return slowKV{kv, 20 * time.Millisecond} }
	ab := newNatsNode(t, cfg)
	const claims = 128
	revs := map[string]uint64{}
	for i := range claims {
		name := fmt.Sprint("user-", i)
		if err := ab.Claim(context.Background(), name, refs("lobby")); err != nil {
			t.Fatal(err)
		}
		ab.mu.Lock()
		revs[name] = ab.claims[name].rev
		ab.mu.Unlock()
	}
	start := time.Now()
	ab.refreshRound()
	took := time.Since(start)
	t.Logf("a round of %d refreshes of 20 ms took %v", claims, took.Round(time.Millisecond))
	if took > time.Second {
		t.Fatalf("a round of %d refreshes took %v", claims, took)
	}
	ab.mu.Lock()
	defer ab.mu.Unlock()
	for name, rev := range revs {
		if ab.claims[name].rev <= rev {
			t.Fatalf("%s not refreshed", name)
		}
	}
}
