package service

// Review probes (branch review-cluster): rooms across two NATS nodes.

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
)

func reviewHubOn(t *testing.T, b Broker) *Hub {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	h, err := NewHub(b, payloadFramer{}, HubConfig{Presence: true, History: 50}, log)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// reviewNatsHub is a hub on its own NatsBroker with cfg.
func reviewNatsHub(t *testing.T, cfg NatsConfig) (*Hub, *NatsBroker) {
	t.Helper()
	log, _ := logtest.NewNullLogger()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nb, err := NewNatsBroker(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nb.Close() })
	return reviewHubOn(t, nb), nb
}

// countOf is how many of what m received.
func countOf(m *recorder, what string) int {
	n := 0
	for _, s := range m.types() {
		if s == what {
			n++
		}
	}
	return n
}

// bob, on node b, parts room r while node a's Follow of r, for alice's
// join, is between reading r's last seq and reading the directory: alice
// must end with r listing her alone, and at most one leave of bob.
func TestReviewPartRacingFollow(t *testing.T) {
	for _, tc := range []struct {
		name string
		do   func(h *Hub, bob *recorder) error
	}{
		{"part", func(h *Hub, bob *recorder) error { return h.Part(context.Background(), bob, "r") }},
		{"leave", func(h *Hub, bob *recorder) error { h.Leave(context.Background(), bob); return nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := natstest.Start(t)
			hB, _ := reviewNatsHub(t, NatsConfig{URLs: url, Node: "b"})
			bob := join(t, hB, "bob", "lobby", "r")
			poll.CheckFor(t, eventually, pollEvery, func() error { return received(bob, "join:bob") })
			var once sync.Once
			cfg := NatsConfig{URLs: url, Node: "a"}
			cfg.hooks.afterInfo = func() {
				once.Do(func() {
					if err := tc.do(hB, bob); err != nil {
						t.Error(err)
					}
				})
			}
			hA, _ := reviewNatsHub(t, cfg)
			alice := join(t, hA, "alice")
			if err := hA.Join(context.Background(), alice, "r", false); err != nil {
				t.Fatal(err)
			}
			poll.CheckFor(t, eventually, pollEvery, func() error {
				r := hA.room("r")
				if r == nil {
					return errors.New("no room r on node a")
				}
				r.mu.Lock()
				f := r.userListLocked()
				r.mu.Unlock()
				m := decode(t, f)
				return poll.Check(len(m.UserList) == 1 && m.UserList["alice"] != "", "r listing alice alone on node a, got %v", m.UserList)
			})
			// Something later in r, to be sure the leaves are all in.
			if err := hB.Join(context.Background(), bob, "r", false); err != nil && tc.name == "part" {
				t.Fatal(err)
			}
			if tc.name == "part" {
				poll.CheckFor(t, eventually, pollEvery, func() error {
					return poll.Check(countOf(alice, "join:bob") >= 1 && slices.Contains(alice.types(), "join:bob"), "bob's join again")
				})
				if n := countOf(alice, "leave:bob"); n > 1 {
					t.Fatalf("alice got %d leaves of bob: %q", n, alice.types())
				}
			}
			t.Logf("alice got %q", alice.types())
		})
	}
}

// Following and unfollowing a room many times leaves no consumer on the
// stream and no goroutine behind, once consumerInactive has passed. Found
// by a review: ConsumeContext.Stop does not delete an ordered consumer, and
// nats.go's default InactiveThreshold kept each on the server for 5
// minutes, with 3 goroutines of the (here embedded) server each.
func TestReviewFollowUnfollowLeaksNothing(t *testing.T) {
	url := natstest.Start(t)
	n := newNatsNode(t, NatsConfig{URLs: url, Node: "a"})
	ctx := context.Background()
	consumers := func() int {
		info, err := n.st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Consumers
	}
	before := consumers() // the direct messages' feed
	base := runtime.NumGoroutine()
	for i := range 200 {
		room := fmt.Sprint("r", i%5)
		n.follow(t, room)
		if i%3 == 0 {
			n.talk(t, "x", room, "hi")
		}
		n.Unfollow(room)
	}
	err := poll.Until(ctx, 30*time.Second, 50*time.Millisecond, func() error {
		return errors.Join(
			poll.Check(consumers() == before, "%d consumers on the stream, got %d", before, consumers()),
			poll.Check(runtime.NumGoroutine() <= base+2, "goroutines back to %d, got %d", base, runtime.NumGoroutine()))
	})
	if err != nil {
		buf := make([]byte, 8<<20)
		buf = buf[:runtime.Stack(buf, true)]
		byFrame := map[string]int{}
		for _, g := range strings.Split(string(buf), "\n\n") {
			lines := strings.Split(g, "\n")
			key := "" // the first frame outside the runtime
			for _, l := range lines[1:] {
				if !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "runtime.") && !strings.HasPrefix(l, "sync.") && !strings.HasPrefix(l, "internal/") {
					key = l
					break
				}
			}
			if i := strings.LastIndex(key, "("); i > 0 {
				key = key[:i]
			}
			byFrame[key]++
		}
		for f, c := range byFrame {
			if c > 5 {
				t.Logf("%4d goroutines in %s", c, f)
			}
		}
		t.Fatal(err)
	}
}
