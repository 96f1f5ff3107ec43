package service

// Tests of the NATS broker as a History, on a real embedded NATS server:
// scroll back, catch up and search over rooms and direct messages, what
// retention by count does to them, and that every node reads the same.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// contents are msgs' contents, in order.
func contents(msgs []*model.ChatRoomRequest) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Content)
	}
	return out
}

// numbered are "prefix0" … "prefix<n-1>".
func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprint(prefix, i))
	}
	return out
}

// pageBack reads conv back to its beginning, limit talks a page, and
// returns what it read, oldest first.
func pageBack(t *testing.T, h History, conv string, limit int) []*model.ChatRoomRequest {
	t.Helper()
	var all []*model.ChatRoomRequest
	before := uint64(0)
	for range 1000 {
		msgs, more, err := h.Before(context.Background(), conv, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) > limit || (more && len(msgs) == 0) {
			t.Fatalf("a page of %d with more=%v, limit %d", len(msgs), more, limit)
		}
		all = append(slices.Clone(msgs), all...)
		if !more {
			return all
		}
		before = msgs[0].Seq
	}
	t.Fatal("paging back did not end")
	return nil
}

// A room's talks come back as they were delivered (seq, time, room), a
// page at a time back to the beginning, without its joins, its leaves or
// other rooms' talks; After reads forwards from a seq, up to another.
func TestNatsHistoryOfARoom(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	var published []*model.ChatRoomRequest
	for i := range 25 {
		ev := &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "alice", Room: "r", Content: fmt.Sprint("m", i)}
		n.publish(t, ev)
		published = append(published, ev)
		n.publish(t, &model.ChatRoomRequest{Type: model.TypeJoin, UserName: fmt.Sprint("u", i), Room: "r"})
		n.talk(t, "bob", "other", fmt.Sprint("o", i))
	}
	msgs, more, err := n.Before(context.Background(), "r", 0, 10)
	if err != nil || !more || !slices.Equal(contents(msgs), numbered("m", 15, 25)) {
		t.Fatalf("the last 10: %q, more=%v, %v", contents(msgs), more, err)
	}
	all := pageBack(t, n, "r", 7)
	if !slices.Equal(contents(all), numbered("m", 0, 25)) {
		t.Fatalf("paged back: %q", contents(all))
	}
	for i, m := range all {
		if m.Seq != published[i].Seq || m.Room != "r" || m.UserName != "alice" || m.Type != model.TypeTalk || m.Timestamp == 0 {
			t.Fatalf("talk %d came back as %v, published with seq %d", i, m, published[i].Seq)
		}
	}
	after, complete, err := n.After(context.Background(), "r", published[19].Seq, 0, 100)
	if err != nil || !complete || !slices.Equal(contents(after), numbered("m", 20, 25)) {
		t.Fatalf("after m19: %q, complete=%v, %v", contents(after), complete, err)
	}
	after, _, err = n.After(context.Background(), "r", published[9].Seq, published[14].Seq, 100)
	if err != nil || !slices.Equal(contents(after), numbered("m", 10, 15)) {
		t.Fatalf("after m9 up to m14: %q, %v", contents(after), err)
	}
	after, _, err = n.After(context.Background(), "r", 0, 0, 3)
	if err != nil || !slices.Equal(contents(after), numbered("m", 0, 3)) {
		t.Fatalf("the first 3: %q, %v", contents(after), err)
	}
	msgs, more, err = n.Before(context.Background(), "r", published[0].Seq, 10)
	if err != nil || more || len(msgs) != 0 {
		t.Fatalf("before the first: %q, more=%v, %v", contents(msgs), more, err)
	}
	msgs, more, err = n.Before(context.Background(), "empty", 0, 10)
	if err != nil || more || len(msgs) != 0 {
		t.Fatalf("a room never talked in: %q, more=%v, %v", contents(msgs), more, err)
	}
}

// The default room's events of clients of before rooms name no room: its
// history names it.
func TestNatsHistoryOfTheDefaultRoom(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a", DefaultRoom: "lobby"})
	n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: "old", Content: "no room"})
	n.talk(t, "new", "lobby", "in lobby")
	msgs, _, err := n.Before(context.Background(), "lobby", 0, 10)
	if err != nil || !slices.Equal(contents(msgs), []string{"no room", "in lobby"}) || msgs[0].Room != "lobby" {
		t.Fatalf("the lobby: %v, %v", msgs, err)
	}
}

// A direct-message conversation's history is the messages between its two
// users, whoever wrote, in whatever case their names were written.
func TestNatsHistoryOfDirectMessages(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	dm := func(from, to, content string) {
		n.publish(t, &model.ChatRoomRequest{Type: model.TypeTalk, UserName: from, To: to, Content: content})
	}
	var want []string
	for i := range 12 {
		if i%2 == 0 {
			dm("alice", "Bob", fmt.Sprint("ab", i))
		} else {
			dm("bob", "alice", fmt.Sprint("ab", i))
		}
		want = append(want, fmt.Sprint("ab", i))
		dm("carol", "bob", fmt.Sprint("cb", i))
		dm("alice", "carol", fmt.Sprint("ac", i))
	}
	conv := model.DirectConversation("ALICE", "bob")
	all := pageBack(t, n, conv, 5)
	if !slices.Equal(contents(all), want) {
		t.Fatalf("alice and bob: %q", contents(all))
	}
	if all[0].UserName != "alice" || all[0].To != "Bob" || all[0].Room != "" || all[1].UserName != "bob" {
		t.Fatalf("stamped %v, %v", all[0], all[1])
	}
	after, complete, err := n.After(context.Background(), conv, all[9].Seq, 0, 100)
	if err != nil || !complete || !slices.Equal(contents(after), want[10:]) {
		t.Fatalf("after ab9: %q, complete=%v, %v", contents(after), complete, err)
	}
	found, more, err := n.Search(context.Background(), conv, "AB1", 0, 10)
	if err != nil || more || !slices.Equal(contents(found), []string{"ab11", "ab10", "ab1"}) {
		t.Fatalf("search ab1: %q, more=%v, %v", contents(found), more, err)
	}
}

// Search finds the talks with every word of the query at the start of a
// word, in any case, and Chinese by its characters, newest first, a page
// at a time.
func TestNatsSearch(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	for _, c := range []string{"Hello world", "大家你好啊", "help me", "你们好", "say HELLO again", "othello"} {
		n.talk(t, "alice", "r", c)
		n.talk(t, "bob", "other", c)
	}
	search := func(query string, before uint64, limit int) ([]*model.ChatRoomRequest, bool) {
		t.Helper()
		found, more, err := n.Search(context.Background(), "r", query, before, limit)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range found {
			if m.Room != "r" || m.Seq == 0 {
				t.Fatalf("found %v", m)
			}
		}
		return found, more
	}
	if found, _ := search("你好", 0, 10); !slices.Equal(contents(found), []string{"大家你好啊"}) {
		t.Fatalf("你好: %q", contents(found))
	}
	if found, _ := search("hello", 0, 10); !slices.Equal(contents(found), []string{"say HELLO again", "Hello world"}) {
		t.Fatalf("hello: %q", contents(found))
	}
	found, more := search("hel", 0, 2)
	if !more || !slices.Equal(contents(found), []string{"say HELLO again", "help me"}) {
		t.Fatalf("hel, the first page: %q, more=%v", contents(found), more)
	}
	found, more = search("hel", found[1].Seq, 2)
	if more || !slices.Equal(contents(found), []string{"Hello world"}) {
		t.Fatalf("hel, the second page: %q, more=%v", contents(found), more)
	}
	if found, _ := search("world hello", 0, 10); !slices.Equal(contents(found), []string{"Hello world"}) {
		t.Fatalf("two words: %q", contents(found))
	}
	for _, q := range []string{"", "  ", "!?"} {
		if _, _, err := n.Search(context.Background(), "r", q, 0, 10); err == nil || !strings.Contains(err.Error(), "empty query") {
			t.Fatalf("query %q: %v", q, err)
		}
	}
}

// Bad requests get errors in words.
func TestNatsHistoryRefusesBadRequests(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	ctx := context.Background()
	long := strings.Repeat("长", model.MaxRoomRunes*2)
	for name, err := range map[string]error{
		"no conversation": func() error { _, _, err := n.Before(ctx, "", 0, 10); return err }(),
		"no limit":        func() error { _, _, err := n.After(ctx, "r", 0, 0, 0); return err }(),
		"negative limit":  func() error { _, _, err := n.Search(ctx, "r", "x", 0, -1); return err }(),
		"long room":       func() error { _, _, err := n.Before(ctx, long, 0, 10); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The leader's read of an event (what After falls back on when a replica
// behind the leader answered) is the direct get's; past the last, none.
func TestNatsLeaderReadIsTheDirectOne(t *testing.T) {
	n := newNatsNode(t, NatsConfig{URLs: natstest.Start(t), Node: "a"})
	n.talk(t, "bob", "other", "x")
	n.talk(t, "alice", "r", "one")
	n.talk(t, "alice", "r", "two")
	ctx := context.Background()
	subject := n.roomSubject("r")
	direct, _, err := n.directGet(ctx, subject, 0, 2)
	if err != nil || len(direct) != 2 {
		t.Fatal(direct, err)
	}
	for i, from := range []uint64{0, direct[0].seq + 1} {
		ev, ok, err := n.leaderNext(ctx, subject, from)
		if err != nil || !ok || ev.seq != direct[i].seq || !ev.at.Equal(direct[i].at) || string(ev.data) != string(direct[i].data) {
			t.Fatalf("from %d the leader read %v, %v, %v; direct get %v", from, ev, ok, err, direct[i])
		}
	}
	if _, ok, err := n.leaderNext(ctx, subject, direct[1].seq+1); ok || err != nil {
		t.Fatalf("past the last: %v, %v", ok, err)
	}
	msgs, _, err := n.After(ctx, "r", 0, direct[1].seq+100, 10)
	if err != nil || !slices.Equal(contents(msgs), []string{"one", "two"}) {
		t.Fatalf("after 0 up to past the last: %q, %v", contents(msgs), err)
	}
}
