package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"chatroom/model"
)

// A talk in a room reaches that room's members only, with the room's name.
func TestHubFansOutToTheRoomOnly(t *testing.T) {
	h := newHub(t, HubConfig{Presence: true})
	a := join(t, h, "a", "x")
	b := join(t, h, "b", "y")
	ab := join(t, h, "ab", "x", "y")
	ctx := context.Background()
	if err := h.Talk(ctx, a, "x", "to x"); err != nil {
		t.Fatal(err)
	}
	if err := h.Talk(ctx, b, "", "to y"); err != nil { // b's home room
		t.Fatal(err)
	}
	if err := heard(a, "to x"); err != nil {
		t.Fatal(err)
	}
	if heard(a, "to y") == nil || heard(b, "to x") == nil {
		t.Fatal("a talk reached another room's member")
	}
	if _, c := ab.talks(); fmt.Sprint(c) != "[to x to y]" {
		t.Fatalf("ab heard %v", c)
	}
}

// Leaving the last member of a room forgets it; the default room stays.
func TestHubDropsEmptyRooms(t *testing.T) {
	h := newHub(t, HubConfig{Presence: true})
	a := join(t, h, "a", "x")
	if s := h.Stats(); s.Rooms != 1 || h.room("x") == nil {
		t.Fatalf("stats %+v", s)
	}
	h.Leave(context.Background(), a)
	if h.room("x") != nil || h.room("lobby") == nil {
		t.Fatal("the empty room x is kept, or the default room gone")
	}
	if s := h.Stats(); s.Rooms != 0 || s.Users != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// A room created private stays private for those who join it later, and
// is not listed.
func TestHubPrivateRoomsAreUnlisted(t *testing.T) {
	h := newHub(t, HubConfig{})
	a := join(t, h, "a")
	ctx := context.Background()
	if err := h.Join(ctx, a, "Secret", true); err != nil {
		t.Fatal(err)
	}
	b := join(t, h, "b")
	if err := h.Join(ctx, b, "secret", false); err != nil {
		t.Fatal(err)
	}
	if m := decode(t, h.ListRooms("", 0)); len(m.Rooms) != 1 || m.Rooms[0].Name != "lobby" || m.Rooms[0].Members != 2 {
		t.Fatalf("listed %v", m.Rooms)
	}
	if dir, _ := h.broker.Rooms(); len(dir) != 2 {
		t.Fatalf("directory %v", dir)
	}
}

// Refusals are typed, say what was refused, and name the room.
func TestHubRefusals(t *testing.T) {
	h := newHub(t, HubConfig{MaxRoomsPerConn: 2, MaxRooms: 3})
	a := join(t, h, "a")
	ctx := context.Background()
	check := func(err error, reason RefusalReason, room string) {
		t.Helper()
		var ref *Refusal
		if !errors.As(err, &ref) || ref.Reason != reason || ref.Room != room {
			t.Fatalf("got %v, want a %s refusal about %q", err, reason, room)
		}
	}
	check(h.Join(ctx, a, "lobby", false), RefuseAlreadyIn, "lobby")
	check(h.Join(ctx, a, "", false), RefuseRoomName, "")
	check(h.Join(ctx, a, "\xff", false), RefuseRoomName, "\uFFFD")
	check(h.Part(ctx, a, "x"), RefuseNotIn, "x")
	check(h.Talk(ctx, a, "x", "hi"), RefuseNotIn, "x")
	check(h.UserList(a, "x"), RefuseNotIn, "x")
	check(h.History(a, "x", ""), RefuseNotIn, "x")
	if err := h.Join(ctx, a, "x", false); err != nil {
		t.Fatal(err)
	}
	check(h.Join(ctx, a, "y", false), RefuseRoomsPerConn, "y")
	b := join(t, h, "b", "y")
	check(h.Join(ctx, b, "z", false), RefuseRoomsTotal, "z")
	if _, err := h.CheckRooms([]string{"z"}, nil); err == nil {
		t.Fatal("a handshake into a fourth room passed")
	}
	if _, err := h.CheckRooms([]string{"x"}, []string{"y"}); err == nil {
		t.Fatal("a room the token does not name passed")
	}
	var ref *Refusal
	if err := h.Direct(ctx, a, "nobody", "hi"); !errors.As(err, &ref) || ref.Reason != RefuseNotOnline {
		t.Fatalf("a message to nobody: %v", err)
	}
	if s := h.Stats(); s.Refused[RefuseNotIn] != 0 {
		t.Fatal("refusals are counted when answered (Refuse), not when made")
	}
}

// Members join, part, talk and leave in many rooms at once: every member
// of a room sees its events in one order (run with -race).
func TestHubConcurrentRooms(t *testing.T) {
	h := newHub(t, HubConfig{Presence: true, History: 5})
	ctx := context.Background()
	const users, rooms, rounds = 8, 4, 20
	var wg sync.WaitGroup
	members := make([]*recorder, users)
	for i := range users {
		members[i] = join(t, h, fmt.Sprintf("u%d", i), fmt.Sprintf("r%d", i%rooms))
	}
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := fmt.Sprintf("r%d", (i+1)%rooms)
			for k := range rounds {
				if err := h.Join(ctx, m, other, false); err != nil {
					t.Error(err)
					return
				}
				h.Talk(ctx, m, other, fmt.Sprint(k))
				h.Direct(ctx, m, fmt.Sprintf("u%d", (i+1)%users), "dm")
				if err := h.Part(ctx, m, other); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, m := range members {
		h.Leave(ctx, m)
	}
	if s := h.Stats(); s.LocalMembers != 0 || s.Users != 0 || s.Rooms != 0 {
		t.Fatalf("after everyone left: %+v", s)
	}
	// Seqs increase per room for every member.
	for _, m := range members {
		last := map[string]uint64{}
		m.mu.Lock()
		for _, ev := range m.got {
			if ev.Seq == 0 || ev.Type == model.TypeUserList || ev.To != "" {
				continue
			}
			if ev.Seq <= last[ev.Room] && ev.Type != model.TypeTalk {
				t.Errorf("%s: seq %d after %d in %s", m.name, ev.Seq, last[ev.Room], ev.Room)
			}
			last[ev.Room] = max(last[ev.Room], ev.Seq)
		}
		m.mu.Unlock()
	}
}

// A new room whose name looks like an existing one is refused, and so is a
// private join of a listed room.
func TestHubRefusesLookAlikeAndFalselyPrivateRooms(t *testing.T) {
	h := newHub(t, HubConfig{})
	a := join(t, h, "a", "lobby", "dev")
	ctx := context.Background()
	var ref *Refusal
	for _, name := range []string{"lоbby", "dеv", "ｄｅｖ"} { // Cyrillic о and е; fullwidth is the same room
		err := h.Join(ctx, a, name, false)
		if name == "ｄｅｖ" {
			if !errors.As(err, &ref) || ref.Reason != RefuseAlreadyIn {
				t.Errorf("%q: %v, want already in dev", name, err)
			}
			continue
		}
		if !errors.As(err, &ref) || ref.Reason != RefuseRoomSimilar {
			t.Errorf("%q: %v, want a look-alike refusal", name, err)
		}
	}
	b := join(t, h, "b")
	if err := h.Join(ctx, b, "dev", true); !errors.As(err, &ref) || ref.Reason != RefuseRoomPublic {
		t.Fatalf("a private join of the listed dev: %v", err)
	}
	if err := h.Join(ctx, b, "devs", false); err != nil {
		t.Fatalf("a name merely close: %v", err)
	}
	// A private room's name is not told by the refusal.
	if err := h.Join(ctx, b, "hideout", true); err != nil {
		t.Fatal(err)
	}
	c := join(t, h, "c")
	if err := h.Join(ctx, c, "hideоut", false); !errors.As(err, &ref) || ref.Reason != RefuseRoomSimilar || strings.Contains(ref.Text, "hideout") {
		t.Fatalf("a look-alike of a private room: %v", err)
	}
}

// A private room's user list says it is unlisted, so that a client coming
// back to it knows to join it private.
func TestHubUserListSaysPrivate(t *testing.T) {
	h := newHub(t, HubConfig{})
	a := join(t, h, "a")
	if err := h.Join(context.Background(), a, "hideout", true); err != nil {
		t.Fatal(err)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	var lists []string
	for _, m := range a.got {
		if m.Type == model.TypeUserList {
			lists = append(lists, fmt.Sprintf("%s:%v", m.Room, m.Private))
		}
	}
	if fmt.Sprint(lists) != "[lobby:false hideout:true]" {
		t.Fatalf("user lists %v", lists)
	}
}
