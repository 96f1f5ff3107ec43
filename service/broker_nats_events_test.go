package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

func TestNatsNodesShareOneOrder(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	a.follow(t, "lobby")
	b.follow(t, "lobby")
	a.enter(t, "alice", "lobby")
	b.enter(t, "张三", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(a.lists("lobby", "alice", "张三"), b.lists("lobby", "alice", "张三"))
	})
	// Both users talk at once, from several goroutines on each node.
	const each, senders = 50, 4
	var wg sync.WaitGroup
	errs := make(chan error, 2*senders)
	for _, n := range []struct {
		node *natsTestNode
		name string
	}{{a, "alice"}, {b, "张三"}} {
		for s := range senders {
			wg.Go(func() {
				for i := range each {
					ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: n.name, Room: "lobby", Content: fmt.Sprintf("%s %d-%d 你好", n.name, s, i)}
					if err := n.node.Publish(context.Background(), ev); err != nil {
						errs <- err
						return
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	const total = 2 * senders * each
	poll.CheckFor(t, eventually, pollEvery, func() error {
		sa, _ := a.talks("lobby")
		sb, _ := b.talks("lobby")
		return poll.Check(len(sa) == total && len(sb) == total, "%d talks on both nodes, got %d and %d", total, len(sa), len(sb))
	})
	sa, ca := a.talks("lobby")
	sb, cb := b.talks("lobby")
	if !slices.Equal(sa, sb) || !slices.Equal(ca, cb) {
		t.Fatal("the two nodes delivered the talks in different orders")
	}
	if !slices.IsSorted(sa) || len(slices.Compact(slices.Clone(sa))) != total {
		t.Fatalf("seqs not strictly increasing: %v", sa)
	}
}

// A node that starts later, following a room, learns who is in it and what
// was said there.
func TestNatsLateNodeSeesUsersAndHistory(t *testing.T) {
	url := natstest.Start(t)
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a"})
	a.follow(t, "lobby")
	a.enter(t, "alice", "lobby")
	for _, c := range []string{"一", "二", "三"} {
		a.talk(t, "alice", "lobby", c)
	}
	a.enter(t, "gone", "lobby")
	a.exit(t, "gone", "lobby")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		_, c := a.talks("lobby")
		return poll.Check(len(c) == 3, "alice's 3 talks on node a, got %d", len(c))
	})

	b := newNatsNode(t, NatsConfig{URLs: url, Node: "b"})
	b.follow(t, "lobby") // returns once the past is in
	b.enter(t, "bob", "lobby")
	if _, contents := b.talks("lobby"); !slices.Equal(contents, []string{"一", "二", "三"}) {
		t.Fatalf("history %q", contents)
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return b.lists("lobby", "alice", "bob") })
}

// The stream's last event, read at Follow, may age out (or be purged)
// before the node reads it back: the Follow must return anyway, not wait for
// an event that no longer exists until it times out.
func TestNatsFollowsWhenTheLastEventIsGone(t *testing.T) {
	url := natstest.Start(t)
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a"})
	a.enter(t, "alice", "lobby")
	a.talk(t, "alice", "lobby", "soon gone")
	cfg := NatsConfig{URLs: url, Node: "b"}
	purge := false
	cfg.hooks.afterInfo = func() {
		if purge {
			if err := a.st.Purge(context.Background()); err != nil {
				t.Error(err)
			}
		}
	}
	b := newNatsNode(t, cfg)
	purge = true
	start := time.Now()
	b.follow(t, "lobby")
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("the follow took %v", took)
	}
}

// What goes wrong with a feed's consumer is logged, with the error, not
// dropped.
func TestNatsConsumerErrorsAreLogged(t *testing.T) {
	log, hook := logtest.NewNullLogger()
	b, err := NewNatsBroker(context.Background(), NatsConfig{URLs: natstest.Start(t), Node: "a"}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Subscribe(Handlers{Event: func(*model.ChatRoomRequest) {}}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := b.Follow(ctx, "lobby"); err != nil {
		t.Fatal(err)
	}
	// The consumers deleted under the node, as a NATS restart does
	// (ordered consumers live in memory): the client is told, and says so.
	for name := range b.st.ConsumerNames(ctx).Name() {
		if err := b.st.DeleteConsumer(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	poll.CheckFor(t, eventually, pollEvery, func() error {
		for _, e := range hook.AllEntries() {
			if e.Message == "NATS consumer error" && e.Level == logrus.WarnLevel && e.Data["error"] != nil {
				return nil
			}
		}
		return errors.New("no consumer error, with its error, in the log")
	})
}
