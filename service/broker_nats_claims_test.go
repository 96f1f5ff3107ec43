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

	"chatroom/config"
	"chatroom/internal/faultnet"
	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

func TestNatsNamesAreUniqueAcrossNodes(t *testing.T) {
	nodes := natsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	ctx := context.Background()
	if err := a.Claim(ctx, "张三"); err != nil {
		t.Fatal(err)
	}
	if err := b.Claim(ctx, "张三"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("claim on the second node: %v, want ErrNameTaken", err)
	}
	a.Release("张三")
	if err := b.Claim(ctx, "张三"); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
}

// A node cut off from NATS for longer than the claim TTL, while NATS and
// the other nodes go on: its claims expire, the others announce its users'
// leave, and when the link is back its sessions end (with a word why)
// instead of living on unlisted and deaf. Their names can be taken again,
// and the old sessions' ends remove nobody.
//
// (Stopping NATS itself would not test this: a NATS server that starts
// again expires the claims that aged while it was down, but a node that
// reconnects first refreshes them, and then nobody has announced a leave
// and the session rightly goes on. Which comes first is NATS's timing.)
func TestNatsCutOffLongerThanTTLEndsSessions(t *testing.T) {
	ns := natstest.StartServer(t)
	link := faultnet.New(t, strings.TrimPrefix(ns.URL(), "nats://")) // node a's link to NATS
	const ttl = 3 * time.Second
	a, _ := natsNode(t, NatsConfig{URLs: "nats://" + link.Addr(), Node: "a", ClaimTTL: ttl})
	b, _ := natsNode(t, NatsConfig{URLs: ns.URL(), Node: "b", ClaimTTL: ttl})
	alice := join(t, a, "alice")
	bob := join(t, b, "bob")
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(listsUsers("a", a, 2), listsUsers("b", b, 2)) })

	link.Partition()
	cut := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return received(bob, "leave:alice") })
	t.Logf("node b announced alice's leave %v after node a was cut off (-claim-ttl %v)", time.Since(cut).Round(10*time.Millisecond), ttl)
	if b.Stats().Users != 1 {
		t.Fatalf("node b lists %d users, want bob alone", b.Stats().Users)
	}

	link.Heal()
	restored := time.Now()
	poll.CheckFor(t, 3*ttl, pollEvery, func() error { return poll.Check(alice.closedWith() != 0, "alice's session ended") })
	t.Logf("alice's session ended %v after the link was back", time.Since(restored).Round(10*time.Millisecond))
	if code := alice.closedWith(); code != 1012 {
		t.Fatalf("alice closed with %d, want 1012", code)
	}
	if !slices.Contains(alice.types(), "error:"+config.NoticeClaimLost) {
		t.Fatalf("alice was not told why: %v", alice.types())
	}
	if bob.closedWith() != 0 {
		t.Fatal("bob's session on node b ended")
	}

	// The name is free; a new session takes it on node b, and node a takes
	// new users again.
	alice2 := join(t, b, "alice")
	// The ended session's connection goes only now, after the new session
	// of its name joined: its end must remove nobody.
	a.Leave(context.Background(), alice)
	carol := join(t, a, "carol")
	if err := a.Talk(context.Background(), carol, "after"); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*recorder{alice2, bob} {
		poll.CheckFor(t, eventually, pollEvery, func() error { return heard(m, "after") })
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return errors.Join(listsUsers("a", a, 3), listsUsers("b", b, 3)) })
	if alice2.closedWith() != 0 || bob.closedWith() != 0 || carol.closedWith() != 0 {
		t.Fatal("a session was ended")
	}
	if a.Stats().LocalMembers != 1 || b.Stats().LocalMembers != 2 {
		t.Fatalf("local members: %d on a, %d on b", a.Stats().LocalMembers, b.Stats().LocalMembers)
	}
}

// Releases racing the refresher: every released name is free at once (not
// once its claim expires), whichever of the release and the refresh of the
// same key NATS takes first.
func TestNatsReleaseRacingRefreshFreesName(t *testing.T) {
	url := natstest.Start(t)
	_, ab := natsNode(t, NatsConfig{URLs: url, Node: "a"}) // the default TTL: no expiry during the test
	_, bb := natsNode(t, NatsConfig{URLs: url, Node: "b"})
	ctx := context.Background()
	const rounds, names, releasers = 5, 200, 8
	stuck := 0
	for round := range rounds {
		var all []string
		for i := range names {
			name := fmt.Sprintf("r%d-%d", round, i)
			if err := ab.Claim(ctx, name); err != nil {
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
			if err := bb.Claim(ctx, name); err != nil {
				stuck++
			}
		}
	}
	if stuck > 0 {
		t.Fatalf("%d of %d released names still taken", stuck, rounds*names)
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
	_, ab := natsNode(t, cfg)
	const claims = 128
	revs := map[string]uint64{}
	for i := range claims {
		name := fmt.Sprint("user-", i)
		if err := ab.Claim(context.Background(), name); err != nil {
			t.Fatal(err)
		}
		ab.mu.Lock()
		revs[name] = ab.claims[name]
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
		if ab.claims[name] <= rev {
			t.Fatalf("%s not refreshed", name)
		}
	}
}
