package session_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
	"chatroom/internal/poll"
	"chatroom/model"
	"chatroom/service/session"
)

// roomTalk matches the talk in room with this content.
func roomTalk(room, content string) func(session.Event) bool {
	return func(e session.Event) bool {
		tk, ok := e.(session.Talk)
		return ok && tk.Msg.Room == room && tk.Msg.Content == content
	}
}

// ownJoin matches our own join of room.
func ownJoin(name, room string) func(session.Event) bool {
	return func(e session.Event) bool {
		j, ok := e.(session.Joined)
		return ok && j.Msg.UserName == name && j.Msg.Room == room
	}
}

func serverError(match func(session.ServerError) bool) func(session.Event) bool {
	return func(e session.Event) bool { se, ok := e.(session.ServerError); return ok && match(se) }
}

// waitRooms waits until s says it is in rooms, in this order.
func waitRooms(t *testing.T, s *session.Session, rooms ...string) {
	t.Helper()
	poll.CheckFor(t, waitTime, 2*time.Millisecond, func() error {
		got := s.Rooms()
		return poll.Check(slices.Equal(got, rooms), "in rooms %q, want %q", got, rooms)
	})
}

// Two rooms: talk reaches only the room's members; the user list, the
// rooms list and a room's history answer per room; part leaves.
func TestSessionRooms(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice", Rooms: []string{"Go", "中文"}})
	arec.wait(t, "alice in go", ownJoin("alice", "go"))
	arec.wait(t, "alice in 中文", ownJoin("alice", "中文"))
	if got := a.Rooms(); !slices.Equal(got, []string{"go", "中文"}) {
		t.Fatalf("alice is in %q", got)
	}
	b, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob", Rooms: []string{"go"}})
	brec.wait(t, "bob in go", ownJoin("bob", "go"))
	if err := a.Talk("中文", "只在中文"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "alice's talk in 中文", roomTalk("中文", "只在中文"))
	if err := b.Talk("go", "in go"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "bob's talk in go", roomTalk("go", "in go"))
	brec.wait(t, "bob's own talk", roomTalk("go", "in go"))
	for _, c := range brec.talks() {
		if c == "只在中文" {
			t.Fatal("bob, not in 中文, got its talk")
		}
	}
	if err := b.UserList("go"); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "go's users", func(e session.Event) bool {
		ul, ok := e.(session.UserList)
		slices.Sort(ul.Users)
		return ok && ul.Room == "go" && slices.Equal(ul.Users, []string{"alice", "bob"})
	})
	if err := b.ListRooms("", 0); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "the rooms list", func(e session.Event) bool {
		rl, ok := e.(session.RoomList)
		return ok && slices.ContainsFunc(rl.Rooms, func(r *model.RoomInfo) bool { return r.Name == "go" && r.Members == 2 }) &&
			slices.ContainsFunc(rl.Rooms, func(r *model.RoomInfo) bool { return r.Name == "中文" })
	})
	if err := b.History("go", ""); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "go's history, though seen", func(e session.Event) bool {
		tk, ok := e.(session.Talk)
		return ok && tk.History && tk.Msg.Content == "in go"
	})
	brec.wait(t, "the history's end", func(e session.Event) bool { h, ok := e.(session.HistoryEnd); return ok && h.Room == "go" })
	if err := a.Part("中文"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "alice's leave of 中文", func(e session.Event) bool {
		l, ok := e.(session.Left)
		return ok && l.Msg.UserName == "alice" && l.Msg.Room == "中文"
	})
	waitRooms(t, a, "go")
	if err := a.Talk("中文", "after part"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "the refusal, about 中文", serverError(func(se session.ServerError) bool { return se.Room == "中文" && se.Reason != "" }))
}

// A direct message reaches its addressee and comes back to its sender, no
// one else; its history is the two's; one to a user offline is refused.
func TestSessionDirectMessages(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice"})
	arec.wait(t, "alice connected", state(session.Connected))
	_, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob"})
	brec.wait(t, "bob connected", state(session.Connected))
	c, crec, _ := run(t, session.Config{URL: srv.URL, Username: "carol"})
	crec.wait(t, "carol connected", state(session.Connected))
	if err := a.Direct("bob", "psst"); err != nil {
		t.Fatal(err)
	}
	direct := func(e session.Event) bool {
		tk, ok := e.(session.Talk)
		return ok && tk.Msg.Content == "psst" && tk.Msg.Room == "" && tk.Msg.To == "bob" && tk.Msg.UserName == "alice"
	}
	ev := brec.wait(t, "the DM at bob", direct).(session.Talk)
	if p := session.Partner(ev.Msg, "bob"); p != "alice" {
		t.Fatalf("bob's partner %q", p)
	}
	ev = arec.wait(t, "the DM's echo", direct).(session.Talk)
	if p := session.Partner(ev.Msg, "alice"); p != "bob" {
		t.Fatalf("alice's partner %q", p)
	}
	if err := c.Send("marker"); err != nil { // carol's own talk comes after anything alice's DM could have brought
		t.Fatal(err)
	}
	crec.wait(t, "carol's marker", talk("marker"))
	if strings.Contains(strings.Join(crec.talks(), ","), "psst") {
		t.Fatal("carol got alice's DM to bob")
	}
	if err := a.History("", "bob"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "the DM in the history", func(e session.Event) bool { tk, ok := e.(session.Talk); return ok && tk.History && direct(e) })
	arec.wait(t, "the DM history's end", func(e session.Event) bool { h, ok := e.(session.HistoryEnd); return ok && h.To == "bob" })
	if err := a.Direct("nobody", "hello?"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "the refusal, about nobody", serverError(func(se session.ServerError) bool {
		return se.To == "nobody" && strings.Contains(se.Reason, "not online")
	}))
	if err := a.History("", ""); err != session.ErrNoTarget {
		t.Fatalf("history of nothing: %v", err)
	}
}

// The connection drops: the session reconnects into every room it was in,
// the ones it started in and the ones it joined (a private one stays
// private), shows what was said meanwhile, and no history twice.
func TestSessionRejoinsRoomsOnReconnect(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	link := faultnet.New(t, srv.Addr)
	a, arec, _ := run(t, session.Config{URL: "ws://" + link.Addr() + "/ws", Username: "alice", Rooms: []string{"go"}, Reconnect: true, MinBackoff: 50 * time.Millisecond})
	arec.wait(t, "alice in go", ownJoin("alice", "go"))
	for _, r := range []struct {
		name    string
		private bool
	}{{"rust", false}, {"secret", true}} {
		if err := a.Join(r.name, r.private); err != nil {
			t.Fatal(err)
		}
		arec.wait(t, "alice in "+r.name, ownJoin("alice", r.name))
	}
	b, brec, _ := run(t, session.Config{URL: srv.URL, Username: "bob", Rooms: []string{"go", "rust", "secret"}})
	brec.wait(t, "bob in secret", ownJoin("bob", "secret"))
	for _, room := range []string{"go", "rust", "secret"} {
		if err := a.Talk(room, "before "+room); err != nil {
			t.Fatal(err)
		}
		arec.wait(t, "before "+room, roomTalk(room, "before "+room))
	}
	link.Cut()
	arec.wait(t, "reconnecting", state(session.Reconnecting))
	if err := b.Talk("rust", "while away"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "connected again", state(session.Connected))
	for _, room := range []string{"go", "rust", "secret"} {
		arec.wait(t, "alice in "+room+" again", ownJoin("alice", room))
	}
	waitRooms(t, a, "go", "rust", "secret")
	if err := b.Talk("secret", "after"); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "bob's talk in secret", roomTalk("secret", "after"))
	want := "before go,before rust,before secret,while away,after"
	if got := strings.Join(arec.talks(), ","); got != want {
		t.Fatalf("talks shown: %s, want %s", got, want)
	}
	if err := b.ListRooms("", 0); err != nil {
		t.Fatal(err)
	}
	rl := brec.wait(t, "the rooms list", func(e session.Event) bool { _, ok := e.(session.RoomList); return ok }).(session.RoomList)
	if slices.ContainsFunc(rl.Rooms, func(r *model.RoomInfo) bool { return r.Name == "secret" }) {
		t.Fatal("the private room is listed")
	}
}

// A member of a private room it did not create learns from the room's user
// list that it is unlisted: alone in it, a reconnect joins it private, and
// it stays out of the rooms list.
func TestSessionRejoinsAnotherOnesPrivateRoomPrivate(t *testing.T) {
	srv := chattest.Start(t, config.DefaultServer(), "")
	a, arec, _ := run(t, session.Config{URL: srv.URL, Username: "alice"})
	arec.wait(t, "alice in the lobby", ownJoin("alice", "lobby"))
	if err := a.Join("hideout", true); err != nil {
		t.Fatal(err)
	}
	arec.wait(t, "alice in hideout", ownJoin("alice", "hideout"))
	link := faultnet.New(t, srv.Addr)
	b, brec, _ := run(t, session.Config{URL: "ws://" + link.Addr() + "/ws", Username: "bob", Rooms: []string{"lobby", "hideout"}, Reconnect: true, MinBackoff: 50 * time.Millisecond})
	brec.wait(t, "bob in hideout", ownJoin("bob", "hideout"))
	if err := a.Part("hideout"); err != nil {
		t.Fatal(err)
	}
	brec.wait(t, "alice's part", leftFrom("alice"))
	link.Cut()
	brec.wait(t, "reconnecting", state(session.Reconnecting))
	brec.wait(t, "connected again", state(session.Connected))
	waitRooms(t, b, "lobby", "hideout")
	if err := a.ListRooms("", 0); err != nil {
		t.Fatal(err)
	}
	rl := arec.wait(t, "the rooms list", func(e session.Event) bool { _, ok := e.(session.RoomList); return ok }).(session.RoomList)
	if slices.ContainsFunc(rl.Rooms, func(r *model.RoomInfo) bool { return r.Name == "hideout" }) {
		t.Fatal("the private room is listed after bob came back to it")
	}
}
