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
	nodes := natsNodes(t, natstest.Start(t), 2)
	a, b := nodes[0], nodes[1]
	alice, bob := join(t, a, "alice"), join(t, b, "张三")
	// alice was online before 张三 joined: he learns of her from the user
	// list; she sees his join. Both nodes know both users.
	poll.CheckFor(t, eventually, pollEvery, func() error {
		return errors.Join(received(alice, "join:张三"), listsUsers("a", a, 2), listsUsers("b", b, 2))
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
	poll.CheckFor(t, eventually, pollEvery, func() error {
		sa, _ := alice.talks()
		sb, _ := bob.talks()
		return poll.Check(len(sa) == total && len(sb) == total, "%d talks for alice and bob, got %d and %d", total, len(sa), len(sb))
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
	poll.CheckFor(t, eventually, pollEvery, func() error {
		_, c := alice.talks()
		return poll.Check(len(c) == 3, "alice's 3 talks on node a, got %d", len(c))
	})

	b, _ := natsNode(t, NatsConfig{URLs: url, Node: "b"})
	bob := join(t, b, "bob")
	poll.CheckFor(t, eventually, pollEvery, func() error {
		_, c := bob.talks()
		return poll.Check(len(c) == 3, "3 talks in bob's history, got %d", len(c))
	})
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
	poll.CheckFor(t, eventually, pollEvery, func() error {
		for _, e := range hook.AllEntries() {
			if e.Message == "NATS consumer error" && e.Level == logrus.WarnLevel && e.Data["error"] != nil {
				return nil
			}
		}
		return errors.New("no consumer error, with its error, in the log")
	})
}
