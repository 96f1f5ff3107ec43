package service

// Tests of the NATS broker's Delete on a real embedded NATS server: a
// deleted talk is gone from the stream and from search, and reads back on
// every node as its tombstone, in its place, paging back and catching up;
// a second delete, of the same talk from another node at the same moment
// too, gets ErrNoSuchTalk; a tombstone leaves with what retention takes.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// shown lists msgs as their contents, a tombstone as "deleted(author by
// who)".
func shown(msgs []*model.ChatRoomRequest) []string {
	var out []string
	for _, m := range msgs {
		if m.Type == model.TypeDelete {
			out = append(out, fmt.Sprintf("deleted(%s by %s)", m.UserName, m.By))
		} else {
			out = append(out, m.Content)
		}
	}
	return out
}

// roomOfTalks publishes talks m0…m<n-1> to room on n, each after a join,
// and returns them (their seqs stamped).
func roomOfTalks(t *testing.T, node *natsTestNode, room string, n int) []*model.ChatRoomRequest {
	t.Helper()
	var talks []*model.ChatRoomRequest
	for i := range n {
		node.publish(t, &model.ChatRoomRequest{Type: model.TypeJoin, UserName: fmt.Sprint("u", i), Room: room})
		ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: fmt.Sprint("u", i), Room: room, Content: fmt.Sprint("m", i)}
		node.publish(t, ev)
		talks = append(talks, ev)
	}
	return talks
}

// A talk deleted on one node: its event is gone from the stream, search
// finds it no more, and the other node reads it back as a tombstone in its
// place (seq, author, by, the talk's time, the room), a page at a time and
// catching up.
func TestNatsDeleteLeavesATombstone(t *testing.T) {
	url := natstest.Start(t)
	a, b := newNatsNode(t, NatsConfig{URLs: url, Node: "a"}), newNatsNode(t, NatsConfig{URLs: url, Node: "b"})
	ctx := t.Context()
	talks := roomOfTalks(t, a, "r", 10)
	before, _, err := b.Before(ctx, "r", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{0, 3, 4, 9} {
		if author, err := a.Delete(ctx, "r", talks[i].Seq, "mod"); err != nil || author != talks[i].UserName {
			t.Fatalf("delete m%d: %q, %v", i, author, err)
		}
	}
	if _, err := a.st.GetMsg(ctx, talks[3].Seq); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Fatalf("the deleted talk's event is still in the stream: %v", err)
	}
	want := []string{"deleted(u0 by mod)", "m1", "m2", "deleted(u3 by mod)", "deleted(u4 by mod)", "m5", "m6", "m7", "m8", "deleted(u9 by mod)"}
	for _, limit := range []int{1, 3, 10, 50} {
		if got := shown(pageBack(t, b, "r", limit)); !slices.Equal(got, want) {
			t.Fatalf("paged back %d at a time: %q", limit, got)
		}
	}
	after, complete, err := b.After(ctx, "r", talks[2].Seq, talks[8].Seq, 3)
	if err != nil || !complete || !slices.Equal(shown(after), want[3:6]) {
		t.Fatalf("after m2 up to m8, 3: %q, %v, %v", shown(after), complete, err)
	}
	after, _, err = b.After(ctx, "r", talks[5].Seq, 0, 10)
	if err != nil || !slices.Equal(shown(after), want[6:]) {
		t.Fatalf("after m5: %q, %v", shown(after), err)
	}
	tomb := after[len(after)-1]
	if tomb.Seq != talks[9].Seq || tomb.Room != "r" || tomb.Content != "" || tomb.Timestamp != before[9].Timestamp {
		t.Fatalf("tombstone %v, the talk was %v", tomb, before[9])
	}
	for q, want := range map[string][]string{"m3": nil, "m9": nil, "m8": {"m8"}} {
		found, _, err := b.Search(ctx, "r", q, 0, 10)
		if err != nil || !slices.Equal(contents(found), want) {
			t.Fatalf("search %s: %q, %v", q, contents(found), err)
		}
	}
}

// Deleting what is no kept talk of the conversation is ErrNoSuchTalk: a
// deleted talk, a seq never given, a join, another room's talk, another
// conversation's direct message. A direct message's tombstone names its
// addressee.
func TestNatsDeleteNoSuchTalk(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	ctx := t.Context()
	talks := roomOfTalks(t, n, "r", 2)
	other := roomOfTalks(t, n, "other", 1)
	dm := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", To: "bob", Content: "hi"}
	n.publish(t, dm)
	if _, err := n.Delete(ctx, "r", talks[0].Seq, "mod"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		conv string
		seq  uint64
	}{{"r", talks[0].Seq}, {"r", 0}, {"r", 1 << 40}, {"r", talks[1].Seq - 1}, {"r", other[0].Seq},
		{model.DirectConversation("alice", "carol"), dm.Seq}, {"r", dm.Seq}} {
		if _, err := n.Delete(ctx, c.conv, c.seq, "mod"); !errors.Is(err, ErrNoSuchTalk) {
			t.Fatalf("delete %d of %q: %v", c.seq, c.conv, err)
		}
	}
	conv := model.DirectConversation("bob", "alice")
	if author, err := n.Delete(ctx, conv, dm.Seq, "admin"); err != nil || author != "alice" {
		t.Fatalf("delete the direct message: %q, %v", author, err)
	}
	msgs, _, err := n.Before(ctx, conv, 0, 10)
	if err != nil || len(msgs) != 1 || msgs[0].Type != model.TypeDelete || msgs[0].To != "bob" || msgs[0].Room != "" || msgs[0].UserName != "alice" {
		t.Fatalf("the direct messages: %v, %v", msgs, err)
	}
	for _, conv := range []string{"", strings.Repeat("x", maxRoomBytes+1)} {
		if _, err := n.Delete(ctx, conv, talks[1].Seq, "mod"); err == nil || errors.Is(err, ErrNoSuchTalk) {
			t.Fatalf("delete in %q: %v", conv, err)
		}
	}
}

// Two nodes deleting one talk at the same moment: one is told its author,
// the other ErrNoSuchTalk, and one tombstone is read back.
func TestNatsDeleteRace(t *testing.T) {
	url := natstest.Start(t)
	nodes := []*natsTestNode{newNatsNode(t, NatsConfig{URLs: url, Node: "a"}), newNatsNode(t, NatsConfig{URLs: url, Node: "b"})}
	talks := roomOfTalks(t, nodes[0], "r", 10)
	for _, talk := range talks {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, len(nodes))
		for i, n := range nodes {
			wg.Go(func() {
				<-start
				_, errs[i] = n.Delete(context.Background(), "r", talk.Seq, n.cfg.Node)
			})
		}
		close(start)
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), ErrNoSuchTalk) {
			t.Fatalf("deleting %d from both nodes: %v", talk.Seq, errs)
		}
	}
	msgs, _, err := nodes[1].Before(t.Context(), "r", 0, 100)
	if err != nil || len(msgs) != len(talks) {
		t.Fatalf("%d read back, %v", len(msgs), err)
	}
	for _, m := range msgs {
		if m.Type != model.TypeDelete {
			t.Fatalf("not a tombstone: %v", m)
		}
	}
}

// A tombstone is shown while its talk would have been kept: once the room
// holds Keep events, those older than its first are gone, tombstones too,
// and a later delete, which leaves fewer than Keep, does not bring it
// back.
func TestNatsTombstonesLeaveWithRetention(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a", Keep: 6})
	ctx := t.Context()
	talks := roomOfTalks(t, n, "r", 2) // 4 events
	if _, err := n.Delete(ctx, "r", talks[0].Seq, "mod"); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := n.Before(ctx, "r", 0, 10)
	if err != nil || !slices.Equal(shown(msgs), []string{"deleted(u0 by mod)", "m1"}) {
		t.Fatalf("before retention: %q, %v", shown(msgs), err)
	}
	roomOfTalks(t, n, "r", 2) // 7 events, one deleted: the first join goes
	if _, err := n.Delete(ctx, "r", talks[1].Seq, "admin"); err != nil {
		t.Fatal(err)
	}
	msgs, _, err = n.Before(ctx, "r", 0, 10)
	if err != nil || !slices.Equal(shown(msgs), []string{"deleted(u1 by admin)", "m0", "m1"}) {
		t.Fatalf("after retention: %q, %v", shown(msgs), err)
	}
}
