package service

// Tests of what the NATS stream keeps of a room (Keep, a stream made by an
// older node), what a Follow replays of it, and that every node reads the
// same history.

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// A room keeps its last Keep events: scroll back ends there, and a catch
// up from before them is not complete; from the first kept one on, it is.
func TestNatsKeepTrimsARoom(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a", Keep: 5})
	var seqs []uint64
	for i := range 12 {
		ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", Room: "r", Content: fmt.Sprint("m", i)}
		n.publish(t, ev)
		seqs = append(seqs, ev.Seq)
		n.talk(t, "bob", "other", "x") // other rooms' seqs between
	}
	all := pageBack(t, n, "r", 2)
	if !slices.Equal(contents(all), numbered("m", 7, 12)) {
		t.Fatalf("kept: %q, want the last 5", contents(all))
	}
	ctx := context.Background()
	for _, c := range []struct {
		after    uint64
		complete bool
	}{
		{seqs[2], false},
		// m6 was trimmed: whether anything of r came between it and m7
		// cannot be known, so not complete (the conservative answer).
		{seqs[6], false},
		{seqs[7] - 1, true},
		{seqs[9], true},
	} {
		msgs, complete, err := n.After(ctx, "r", c.after, 0, 100)
		if err != nil || complete != c.complete {
			t.Fatalf("after %d (seqs %v): complete=%v, %v", c.after, seqs, complete, err)
		}
		var want []string // what is kept after c.after
		for i := 7; i < 12; i++ {
			if seqs[i] > c.after {
				want = append(want, fmt.Sprint("m", i))
			}
		}
		if !slices.Equal(contents(msgs), want) {
			t.Fatalf("after %d: %q, want %q", c.after, contents(msgs), want)
		}
	}
	// A room that never lost anything is complete from anywhere.
	if _, complete, err := n.After(ctx, "other2", 0, 0, 10); err != nil || !complete {
		t.Fatalf("a room with nothing trimmed: complete=%v, %v", complete, err)
	}
}

// A node that follows a room holding more events than HistoryScan replays
// only the last HistoryScan of them, then every live one, each once.
func TestNatsFollowReplaysOnlyTheLastEvents(t *testing.T) {
	url := natstest.Start(t)
	a := newNatsNode(t, NatsConfig{URLs: url, Node: "a", HistoryScan: 6})
	for i := range 30 {
		a.talk(t, "alice", "r", fmt.Sprint("m", i))
		if i%5 == 0 {
			a.talk(t, "bob", "other", "x")
		}
	}
	c := newNatsNode(t, NatsConfig{URLs: url, Node: "c", HistoryScan: 6})
	c.follow(t, "r")
	if _, got := c.talks("r"); !slices.Equal(got, numbered("m", 24, 30)) {
		t.Fatalf("replayed %q, want the last 6", got)
	}
	for i := 30; i < 35; i++ {
		a.talk(t, "alice", "r", fmt.Sprint("m", i))
	}
	poll.CheckFor(t, eventually, pollEvery, func() error { return c.heard("r", "m34") })
	seqs, got := c.talks("r")
	if !slices.Equal(got, numbered("m", 24, 35)) {
		t.Fatalf("replayed then live: %q", got)
	}
	kept, _, err := c.Before(context.Background(), "r", 0, 11)
	if err != nil {
		t.Fatal(err)
	}
	c.sink.mu.Lock()
	live := slices.Clone(c.sink.events["r"])
	c.sink.mu.Unlock()
	for i, m := range kept {
		if m.Seq != seqs[i] || m.Timestamp != live[i].Timestamp || m.Content != live[i].Content {
			t.Fatalf("delivered %v, the stream's %v", live[i], m)
		}
	}
}

// Two nodes read the same history: the same talks, seqs, times and search
// results, whichever node each talk was sent from.
func TestNatsHistoryIsTheSameOnEveryNode(t *testing.T) {
	nodes := newNatsNodes(t, natstest.Start(t), 2)
	for i := range 40 {
		n := nodes[i%2]
		n.talk(t, []string{"alice", "bob"}[i%2], "r", fmt.Sprintf("hello %d 你好", i))
		n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", To: "bob", Content: fmt.Sprint("dm", i)})
	}
	ctx := context.Background()
	read := func(n *natsTestNode) string {
		before, bmore, err1 := n.Before(ctx, "r", 0, 30)
		after, complete, err2 := n.After(ctx, "r", before[3].Seq, 0, 200)
		found, smore, err3 := n.Search(ctx, "r", "你好 hel", before[20].Seq, 7)
		dms, dmore, err4 := n.Before(ctx, model.DirectConversation("bob", "alice"), 0, 200)
		for _, err := range []error{err1, err2, err3, err4} {
			if err != nil {
				t.Fatal(err)
			}
		}
		return fmt.Sprint(before, bmore, after, complete, found, smore, dms, dmore)
	}
	a, b := read(nodes[0]), read(nodes[1])
	if a != b {
		t.Fatalf("node a read\n%s\nnode b read\n%s", a, b)
	}
}

// A stream made by an older node (2000 events per subject, 24 hours, no
// direct get) is updated by a new node, and its events are history.
func TestNatsUpdatesAnOlderStream(t *testing.T) {
	url := natstest.Start(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	old := jetstream.StreamConfig{Name: "CHATROOM", Subjects: []string{"chatroom.events", "chatroom.room.*", "chatroom.dm"},
		Storage: jetstream.FileStorage, MaxMsgs: 100_000, MaxMsgsPerSubject: 2000, MaxAge: 24 * time.Hour}
	if _, err := js.CreateStream(ctx, old); err != nil {
		t.Fatal(err)
	}
	// The subject of room r, as the broker names it.
	subject := (&NatsBroker{cfg: NatsConfig{Prefix: "chatroom"}}).roomSubject("r")
	if _, err := js.Publish(ctx, subject, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "a", Room: "r", Content: "old"})); err != nil {
		t.Fatal(err)
	}
	n := newNatsNode(t, NatsConfig{URLs: url, Node: "a", Keep: 50_000, MaxAge: 8760 * time.Hour})
	st, err := js.Stream(ctx, "CHATROOM")
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	if !cfg.AllowDirect || cfg.MaxMsgsPerSubject != 50_000 || cfg.MaxAge != 8760*time.Hour || cfg.MaxMsgs != -1 {
		t.Fatalf("the stream was not updated: %+v", cfg)
	}
	msgs, _, err := n.Before(ctx, "r", 0, 10)
	if err != nil || !slices.Equal(contents(msgs), []string{"old"}) {
		t.Fatalf("the older node's talk: %q, %v", contents(msgs), err)
	}
}

// Once MaxAge took the stream's oldest events, a catch up from before them
// is complete only from where the stream now begins.
func TestNatsMaxAgeMakesCatchUpIncomplete(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a", MaxAge: time.Second})
	ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", Room: "r", Content: "old"}
	n.publish(t, ev)
	ctx := context.Background()
	poll.CheckFor(t, eventually, pollEvery, func() error {
		msgs, _, err := n.Before(ctx, "r", 0, 10)
		return poll.Check(err == nil && len(msgs) == 0, "not aged out: %q, %v", contents(msgs), err)
	})
	n.talk(t, "alice", "r", "new")
	for _, c := range []struct {
		room     string
		after    uint64
		complete bool
	}{{"r", 0, false}, {"r", ev.Seq, true}, {"q", 0, false}, {"q", ev.Seq, true}} {
		_, complete, err := n.After(ctx, c.room, c.after, 0, 10)
		if err != nil || complete != c.complete {
			t.Fatalf("%s after %d: complete=%v, %v", c.room, c.after, complete, err)
		}
	}
}
