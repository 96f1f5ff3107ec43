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
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/config"
	"chatroom/internal/faultnet"
	"chatroom/internal/natstest"
	"chatroom/model"
)

// natsNode is one chat node's room on a NatsBroker with cfg, closed when
// the test ends.
func natsNode(t *testing.T, cfg NatsConfig) (*Room, *NatsBroker) {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	// A set-up context that ends, as the server's does: what the broker
	// runs afterwards (the watch of the claims) must outlive it.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := NewNatsBroker(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	r, err := NewRoom(b, payloadFramer{}, RoomConfig{History: 10, Presence: true}, log)
	if err != nil {
		t.Fatal(err)
	}
	return r, b
}

// natsNodes are rooms of nodes named a, b, … on the NATS at url.
func natsNodes(t *testing.T, url string, n int) []*Room {
	var rooms []*Room
	for i := range n {
		r, _ := natsNode(t, NatsConfig{URLs: url, Node: string(rune('a' + i))})
		rooms = append(rooms, r)
	}
	return rooms
}

// waitFor polls cond until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitWithin(t, 10*time.Second, what, cond)
}

// waitWithin polls cond until it holds or d passes.
func waitWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}

// talks returns the seqs and contents of the talks m received.
func (r *recorder) talks() (seqs []uint64, contents []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range r.got {
		if m.Type == model.TypeTalk {
			seqs = append(seqs, m.Seq)
			contents = append(contents, m.Content)
		}
	}
	return seqs, contents
}

func TestNatsNodesShareOneOrder(t *testing.T) {
	nodes := natsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	alice, bob := join(t, a, "alice"), join(t, b, "张三")
	// alice was online before 张三 joined: he learns of her from the user
	// list; she sees his join. Both nodes know both users.
	waitFor(t, "both nodes to know both users", func() bool {
		return slices.Contains(alice.types(), "join:张三") && a.Stats().Users == 2 && b.Stats().Users == 2
	})
	// Both users talk at once, from several goroutines on each node.
	const each, senders = 50, 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*senders)
	for _, n := range []struct {
		r *Room
		m *recorder
	}{{a, alice}, {b, bob}} {
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := n.r.Talk(context.Background(), n.m, fmt.Sprintf("%s %d-%d 你好", n.m.name, s, i)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = 2 * senders * each
	waitFor(t, "every talk on both nodes", func() bool {
		sa, _ := alice.talks()
		sb, _ := bob.talks()
		return len(sa) == total && len(sb) == total
	})
	sa, ca := alice.talks()
	sb, cb := bob.talks()
	if !slices.Equal(sa, sb) || !slices.Equal(ca, cb) {
		t.Fatal("the two nodes delivered the talks in different orders")
	}
	if !slices.IsSorted(sa) || len(slices.Compact(slices.Clone(sa))) != total {
		t.Fatalf("seqs not strictly increasing: %v", sa)
	}
}

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

func TestNatsUnreachableAtStart(t *testing.T) {
	log, _ := logtest.NewNullLogger()
	const url = "nats://127.0.0.1:1" // nothing listens on port 1
	_, err := NewNatsBroker(context.Background(), NatsConfig{URLs: url, Node: "a"}, log)
	if err == nil || !strings.Contains(err.Error(), "cannot connect to NATS at "+url) {
		t.Fatalf("got %v, want a clear error", err)
	}
}

// A node that starts later learns who is online and what was said.
func TestNatsLateNodeSeesUsersAndHistory(t *testing.T) {
	url := natstest.Start(t)
	a := natsNodes(t, url, 1)[0]
	alice := join(t, a, "alice")
	for _, c := range []string{"一", "二", "三"} {
		if err := a.Talk(context.Background(), alice, c); err != nil {
			t.Fatal(err)
		}
	}
	gone := join(t, a, "gone")
	a.Leave(context.Background(), gone)
	waitFor(t, "alice's talks on node a", func() bool { _, c := alice.talks(); return len(c) == 3 })

	b, _ := natsNode(t, NatsConfig{URLs: url, Node: "b"})
	bob := join(t, b, "bob")
	waitFor(t, "bob's user list and history", func() bool { _, c := bob.talks(); return len(c) == 3 })
	_, contents := bob.talks()
	if !slices.Equal(contents, []string{"一", "二", "三"}) {
		t.Fatalf("history %q", contents)
	}
	bob.mu.Lock()
	var list map[string]string
	for _, m := range bob.got {
		if m.Type == model.TypeUserList {
			list = m.UserList
		}
	}
	bob.mu.Unlock()
	if len(list) != 2 || list["alice"] == "" || list["bob"] == "" {
		t.Fatalf("bob's user list %v, want alice and bob", list)
	}
}

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
	waitFor(t, "nodes b and c to know everyone", func() bool { return b.Stats().Users == 3 && c.Stats().Users == 3 })
	ab.Close() // node a dies: no leave, no release, no refresh
	died := time.Now()
	waitFor(t, "the ghost's leave on nodes b and c", func() bool {
		return slices.Contains(bob.types(), "leave:ghost") && slices.Contains(carol.types(), "leave:ghost")
	})
	t.Logf("the dead node's user left %v after it died (-claim-ttl %v)", time.Since(died).Round(10*time.Millisecond), ttl)
	if nb, nc := b.Stats().Users, c.Stats().Users; nb != 2 || nc != 2 {
		t.Fatalf("%d users on node b and %d on c, want 2", nb, nc)
	}
	// Let a second leave, if there were one, arrive: one more talk after it.
	if err := b.Talk(context.Background(), bob, "still here"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the talk after", func() bool { _, cs := carol.talks(); return len(cs) == 1 })
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

// NATS restarted mid-run: users are told, sends fail meanwhile (nothing is
// acknowledged that is then lost), and afterwards both nodes carry on in one
// order with everything acknowledged before.
func TestNatsRestart(t *testing.T) {
	ns := natstest.StartServer(t)
	url := ns.URL()
	node := func(name string) *Room {
		r, b := natsNode(t, NatsConfig{URLs: url, Node: name})
		b.OnConnectionChange(func(up bool) {
			if up {
				r.Notice("up")
			} else {
				r.Notice("down")
			}
		})
		return r
	}
	a, b := node("a"), node("b")
	alice, bob := join(t, a, "alice"), join(t, b, "bob")
	if err := a.Talk(context.Background(), alice, "before"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first talk", func() bool { _, c := bob.talks(); return len(c) == 1 })

	ns.Stop()
	waitFor(t, "the users to be told", func() bool {
		return slices.Contains(alice.types(), "error:down") && slices.Contains(bob.types(), "error:down")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	err := a.Talk(ctx, alice, "during")
	cancel()
	if err == nil {
		t.Fatal("a talk was accepted while NATS was down")
	}

	ns.Restart()
	waitFor(t, "the users to be told it is back", func() bool {
		return slices.Contains(alice.types(), "error:up") && slices.Contains(bob.types(), "error:up")
	})
	waitFor(t, "a talk to go through again", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return b.Talk(ctx, bob, "after") == nil
	})
	waitFor(t, "the talk after on both nodes", func() bool {
		_, ca := alice.talks()
		_, cb := bob.talks()
		return slices.Contains(ca, "after") && slices.Contains(cb, "after")
	})
	sa, ca := alice.talks()
	sb, cb := bob.talks()
	if !slices.Equal(sa, sb) || !slices.Equal(ca, cb) || ca[0] != "before" || slices.Contains(ca, "during") {
		t.Fatalf("alice %v %q, bob %v %q", sa, ca, sb, cb)
	}
}

// The stream's last event, read at start, may age out (or be purged) before
// the new node reads it back: the node must start anyway, not wait for an
// event that no longer exists until its start times out.
func TestNatsStartsWhenTheLastEventIsGone(t *testing.T) {
	url := natstest.Start(t)
	a, ab := natsNode(t, NatsConfig{URLs: url, Node: "a"})
	alice := join(t, a, "alice")
	if err := a.Talk(context.Background(), alice, "soon gone"); err != nil {
		t.Fatal(err)
	}
	cfg := NatsConfig{URLs: url, Node: "b"}
	cfg.hooks.afterInfo = func() {
		if err := ab.st.Purge(context.Background()); err != nil {
			t.Error(err)
		}
	}
	start := time.Now()
	natsNode(t, cfg)
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the node took %v to start", took)
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
	waitFor(t, "node b to know alice", func() bool { return b.Stats().Users == 2 })
	a.Leave(context.Background(), alice)
	waitFor(t, "alice's leave on node b", func() bool { return slices.Contains(bob.types(), "leave:alice") })
	// Every trace of the claim ages out (a delete becomes an expiry marker
	// after ClaimTTL, which ages out after ClaimTTL more): then whatever the
	// nodes made of it has been published.
	waitWithin(t, 4*ttl, "the claim's entries to age out", func() bool { return !claimEntries(t, ab, "alice") })
	if err := b.Talk(context.Background(), bob, "after"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the talk after", func() bool { _, c := bob.talks(); return slices.Contains(c, "after") })
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
	// since the last refresh: 3 s left a slow machine too little.
	const ttl = 6 * time.Second
	a, ab := natsNode(t, NatsConfig{URLs: ns.URL(), Node: "a", ClaimTTL: ttl})
	b, bb := natsNode(t, NatsConfig{URLs: ns.URL(), Node: "b", ClaimTTL: ttl})
	ghost := join(t, a, "ghost")
	bob := join(t, b, "bob")
	waitFor(t, "node b to know the ghost", func() bool { return b.Stats().Users == 2 })

	ns.Stop()
	ns.Restart()
	waitFor(t, "both nodes to talk again", func() bool {
		for _, n := range []struct {
			r *Room
			m *recorder
		}{{a, ghost}, {b, bob}} {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := n.r.Talk(ctx, n.m, "back")
			cancel()
			if err != nil {
				return false
			}
		}
		return ab.Connected() && bb.Connected()
	})
	if b.Stats().Users != 2 || slices.Contains(bob.types(), "leave:ghost") {
		t.Fatal("the restart alone made the ghost leave: the outage was longer than the claim TTL")
	}
	ab.Close() // node a dies: no leave, no release, no refresh
	died := time.Now()
	waitWithin(t, 3*ttl, "the ghost's leave on node b", func() bool { return slices.Contains(bob.types(), "leave:ghost") })
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
	waitWithin(t, 3*ttl, "the zombie's leave", func() bool { return slices.Contains(bob.types(), "leave:zombie") })
	t.Logf("a join without a claim was undone in %v (-claim-ttl %v)", time.Since(stored).Round(10*time.Millisecond), ttl)
	waitFor(t, "both lists without the zombie", func() bool { return a.Stats().Users == 1 && b.Stats().Users == 1 })
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
	waitWithin(t, ttl, "node b to drop the released name", func() bool { return b.Stats().Users == 0 })
	t.Logf("the released name left node b's list in %v", time.Since(released).Round(10*time.Millisecond))
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
	waitFor(t, "both nodes to know both users", func() bool { return a.Stats().Users == 2 && b.Stats().Users == 2 })

	link.Partition()
	cut := time.Now()
	waitWithin(t, 3*ttl, "node b to announce alice's leave", func() bool { return slices.Contains(bob.types(), "leave:alice") })
	t.Logf("node b announced alice's leave %v after node a was cut off (-claim-ttl %v)", time.Since(cut).Round(10*time.Millisecond), ttl)
	if b.Stats().Users != 1 {
		t.Fatalf("node b lists %d users, want bob alone", b.Stats().Users)
	}

	link.Heal()
	restored := time.Now()
	waitWithin(t, 3*ttl, "alice's session to end", func() bool { return alice.closedWith() != 0 })
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
		waitFor(t, "the talk after on node b", func() bool { _, c := m.talks(); return slices.Contains(c, "after") })
	}
	waitFor(t, "both nodes to list alice, bob and carol", func() bool { return a.Stats().Users == 3 && b.Stats().Users == 3 })
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

// What goes wrong with the consumer of the room's events is logged, with the
// error, not dropped.
func TestNatsConsumerErrorsAreLogged(t *testing.T) {
	log, hook := logtest.NewNullLogger()
	b, err := NewNatsBroker(context.Background(), NatsConfig{URLs: natstest.Start(t), Node: "a"}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := NewRoom(b, payloadFramer{}, RoomConfig{}, log); err != nil {
		t.Fatal(err)
	}
	// The consumer deleted under the node, as a NATS restart does (ordered
	// consumers live in memory): the client is told, and says so.
	ctx := context.Background()
	for name := range b.st.ConsumerNames(ctx).Name() {
		if err := b.st.DeleteConsumer(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a consumer error in the log", func() bool {
		for _, e := range hook.AllEntries() {
			if e.Message == "NATS consumer error" && e.Level == logrus.WarnLevel && e.Data["error"] != nil {
				return true
			}
		}
		return false
	})
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
