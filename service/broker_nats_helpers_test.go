package service

// The NATS broker's tests drive brokers directly: a natsSink subscribes as
// the hub does, and keeps what each room was told.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"

	"chatroom/internal/poll"
	"chatroom/model"
)

// natsSink is a broker's subscriber: it records every event by room (""
// for the direct messages), keeps each room's members from the joins and
// leaves, and what else the broker told.
type natsSink struct {
	mu      sync.Mutex
	events  map[string][]*model.ChatRoomRequest
	members map[string]map[string]bool
	lost    []string
	links   []bool
	// onEvent, if set, is called with each event, outside the lock.
	onEvent func(*model.ChatRoomRequest)
}

func (s *natsSink) handlers() Handlers {
	return Handlers{
		Event: func(ev *model.ChatRoomRequest) {
			s.mu.Lock()
			s.events[ev.Room] = append(s.events[ev.Room], ev)
			switch m := s.members[ev.Room]; {
			case ev.Room == "":
			case ev.Type == model.TypeJoin:
				if m == nil {
					m = make(map[string]bool)
					s.members[ev.Room] = m
				}
				m[ev.UserName] = true
			case ev.Type == model.TypeLeave:
				delete(m, ev.UserName)
			}
			f := s.onEvent
			s.mu.Unlock()
			if f != nil {
				f(ev)
			}
		},
		ClaimLost: func(name string) {
			s.mu.Lock()
			s.lost = append(s.lost, name)
			s.mu.Unlock()
		},
		Link: func(up bool) {
			s.mu.Lock()
			s.links = append(s.links, up)
			s.mu.Unlock()
		},
	}
}

// natsTestNode is a NatsBroker and its subscriber.
type natsTestNode struct {
	*NatsBroker
	sink *natsSink
}

// newNatsNode starts a node with cfg, closed when the test ends.
func newNatsNode(t *testing.T, cfg NatsConfig) *natsTestNode {
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
	s := &natsSink{events: make(map[string][]*model.ChatRoomRequest), members: make(map[string]map[string]bool)}
	if err := b.Subscribe(s.handlers()); err != nil {
		t.Fatal(err)
	}
	return &natsTestNode{NatsBroker: b, sink: s}
}

// newNatsNodes are nodes named a, b, … on the NATS at url.
func newNatsNodes(t *testing.T, url string, n int) []*natsTestNode {
	var nodes []*natsTestNode
	for i := range n {
		nodes = append(nodes, newNatsNode(t, NatsConfig{URLs: url, Node: string(rune('a' + i))}))
	}
	return nodes
}

// refs are rooms as a claim lists them: public ones.
func refs(rooms ...string) []RoomRef {
	var rs []RoomRef
	for _, r := range rooms {
		rs = append(rs, RoomRef{Name: r})
	}
	return rs
}

// follow makes n follow rooms.
func (n *natsTestNode) follow(t *testing.T, rooms ...string) {
	t.Helper()
	for _, r := range rooms {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := n.Follow(ctx, r)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
}

// enter claims name in rooms and publishes its join to each, as a hub does
// for a connection that starts in them.
func (n *natsTestNode) enter(t *testing.T, name string, rooms ...string) {
	t.Helper()
	ctx := context.Background()
	if err := n.Claim(ctx, name, refs(rooms...)); err != nil {
		t.Fatal(err)
	}
	for _, r := range rooms {
		n.publish(t, &model.ChatRoomRequest{Type: model.TypeJoin, UserName: name, Room: r})
	}
}

// exit publishes name's leave from each of rooms and releases the name, as
// a hub does for a connection that ends.
func (n *natsTestNode) exit(t *testing.T, name string, rooms ...string) {
	t.Helper()
	for _, r := range rooms {
		n.publish(t, &model.ChatRoomRequest{Type: model.TypeLeave, UserName: name, Room: r})
	}
	n.Release(name)
}

func (n *natsTestNode) talk(t *testing.T, name, room, content string) {
	t.Helper()
	n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: name, Room: room, Content: content})
}

func (n *natsTestNode) publish(t *testing.T, ev *model.ChatRoomRequest) {
	t.Helper()
	if err := n.Publish(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
}

// talks returns the seqs and contents of the talks n delivered in room.
func (n *natsTestNode) talks(room string) (seqs []uint64, contents []string) {
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	for _, ev := range n.sink.events[room] {
		if ev.Type == model.TypeTalk {
			seqs = append(seqs, ev.Seq)
			contents = append(contents, ev.Content)
		}
	}
	return seqs, contents
}

// seen lists what n delivered in room as "type:user content".
func (n *natsTestNode) seen(room string) []string {
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	var out []string
	for _, ev := range n.sink.events[room] {
		out = append(out, ev.Type+":"+ev.UserName+ev.Content)
	}
	return out
}

// count is how many of what n delivered in room ("leave:ghost").
func (n *natsTestNode) count(room, what string) int {
	c := 0
	for _, s := range n.seen(room) {
		if s == what {
			c++
		}
	}
	return c
}

// delivered is an error unless n delivered what in room.
func (n *natsTestNode) delivered(room, what string) error {
	if !slices.Contains(n.seen(room), what) {
		return fmt.Errorf("node %s has not delivered %q in room %q", n.cfg.Node, what, room)
	}
	return nil
}

// heard is an error unless n delivered a talk saying content in room.
func (n *natsTestNode) heard(room, content string) error {
	if _, c := n.talks(room); !slices.Contains(c, content) {
		return fmt.Errorf("node %s has not heard %q in room %q", n.cfg.Node, content, room)
	}
	return nil
}

// inRoom returns the members of room as n's events made them.
func (n *natsTestNode) inRoom(room string) []string {
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	var names []string
	for name := range n.sink.members[room] {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// lists is an error unless n's room has exactly the members names.
func (n *natsTestNode) lists(room string, names ...string) error {
	slices.Sort(names)
	if got := n.inRoom(room); !slices.Equal(got, names) {
		return fmt.Errorf("node %s lists %q in room %q, want %q", n.cfg.Node, got, room, names)
	}
	return nil
}

// lostClaims returns the names n's ClaimLost was told of.
func (n *natsTestNode) lostClaims() []string {
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	return slices.Clone(n.sink.lost)
}

// linkChanges returns what n's Link was told, in order.
func (n *natsTestNode) linkChanges() []bool {
	n.sink.mu.Lock()
	defer n.sink.mu.Unlock()
	return slices.Clone(n.sink.links)
}

// roomCount is an error unless n's directory counts members in room
// (0: the room is not listed) and users online.
func (n *natsTestNode) roomCount(room string, members, users int) error {
	rooms, online := n.Rooms()
	got := 0
	for _, r := range rooms {
		if r.Name == room {
			got = r.Members
		}
	}
	return errors.Join(
		poll.Check(got == members, "node %s: %d in room %q, got %d", n.cfg.Node, members, room, got),
		poll.Check(online == users, "node %s: %d users online, got %d", n.cfg.Node, users, online))
}
