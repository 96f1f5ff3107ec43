package session_test

import (
	"net/url"
	"slices"
	"testing"

	"chatroom/internal/wsscript"
	"chatroom/model"
	"chatroom/service/session"
)

// The session asks for coalesced presence, reports a presence frame as one
// event with all its names, and tells a room's whole user list from a page
// of a large room's, matching each page to the request that asked for it.
func TestSessionPresenceFramesAndPages(t *testing.T) {
	asked := make(chan url.Values, 4)
	first := []*model.ChatRoomRequest{
		{Type: model.TypeJoin, UserName: "x", Room: "go", Seq: 1},
		{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names("x", "a"), Count: 2},
		{Type: model.TypePresence, Room: "go", Joined: []string{"b", "c", "d"}, Left: []string{"a"}, Count: 4},
		{Type: model.TypePresence, Room: "go", Count: 1500, Large: true},
	}
	requests := make(chan *model.ChatRoomRequest, 8)
	addr := wsscript.Serve(t, asked, first, func(m *model.ChatRoomRequest) []*model.ChatRoomRequest {
		requests <- m
		if m.Type != model.TypeUserList {
			return nil
		}
		return []*model.ChatRoomRequest{{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names(m.Content+"1", m.Content+"2"), Cursor: m.Content + "2", Count: 1500, Large: true}}
	})
	s, rec, _ := run(t, session.Config{URL: addr, Username: "x"})
	if got := (<-asked).Get(model.PresenceParam); got != model.PresenceCoalesce {
		t.Fatalf("the handshake asks presence=%q", got)
	}
	ul := rec.wait(t, "the user list", func(e session.Event) bool { _, ok := e.(session.UserList); return ok }).(session.UserList)
	if slices.Sort(ul.Users); !slices.Equal(ul.Users, []string{"a", "x"}) || ul.Count != 2 {
		t.Fatalf("user list %v count %d", ul.Users, ul.Count)
	}
	isPresence := func(e session.Event) bool { _, ok := e.(session.Presence); return ok }
	p := rec.wait(t, "a presence", isPresence).(session.Presence)
	if !slices.Equal(p.Joined, []string{"b", "c", "d"}) || !slices.Equal(p.Left, []string{"a"}) || p.Count != 4 || p.Large {
		t.Fatalf("presence %+v", p)
	}
	if p = rec.wait(t, "the large presence", isPresence).(session.Presence); p.Count != 1500 || !p.Large || p.Joined != nil {
		t.Fatalf("presence %+v", p)
	}
	if err := s.UserListPage("go", "bo", "", 50); err != nil {
		t.Fatal(err)
	}
	if err := s.UserListPage("go", "al", "al0", 5000); err != nil {
		t.Fatal(err)
	}
	isPage := func(e session.Event) bool { _, ok := e.(session.UserPage); return ok }
	for _, want := range []session.UserPage{
		{Room: "go", Prefix: "bo", Users: []string{"bo1", "bo2"}, Cursor: "bo2", Count: 1500, Large: true},
		{Room: "go", Prefix: "al", After: "al0", Users: []string{"al1", "al2"}, Cursor: "al2", Count: 1500, Large: true},
	} {
		got := rec.wait(t, "a page", isPage).(session.UserPage)
		if got.Room != want.Room || got.Prefix != want.Prefix || got.After != want.After || !slices.Equal(got.Users, want.Users) ||
			got.Cursor != want.Cursor || got.Count != want.Count || !got.Large {
			t.Fatalf("page %+v, want %+v", got, want)
		}
	}
	if r := <-requests; r.Room != "go" || r.Content != "bo" || r.Cursor != "" || r.Limit != 50 {
		t.Fatalf("first request %v", r)
	}
	if r := <-requests; r.Content != "al" || r.Cursor != "al0" || r.Limit != model.MaxUserListPage {
		t.Fatalf("second request %v", r)
	}
}

// A room that is no longer large answers a page asked with a prefix, or
// after a cursor, that every member fits with what looks like the whole
// list (no cursor, as many names as its count). That is the page's answer:
// the next page is matched to the request that asked for it, not to the
// one before.
func TestSessionWholeListAnswersAPageEveryMemberFits(t *testing.T) {
	first := []*model.ChatRoomRequest{
		{Type: model.TypeJoin, UserName: "bea", Room: "go", Seq: 1},
		{Type: model.TypePresence, Room: "go", Count: 1500, Large: true},
	}
	addr := wsscript.Serve(t, nil, first, func(m *model.ChatRoomRequest) []*model.ChatRoomRequest {
		if m.Type != model.TypeUserList {
			return nil
		}
		if m.Content == "B" || m.Cursor == "adam" { // small again: everyone fits
			return []*model.ChatRoomRequest{{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names("bea", "Bob"), Count: 2}}
		}
		return []*model.ChatRoomRequest{{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names(m.Content + "1"), Count: 1500, Large: true}}
	})
	s, rec, _ := run(t, session.Config{URL: addr, Username: "bea"})
	rec.wait(t, "the large presence", isPresence)
	for _, ask := range [][2]string{{"B", ""}, {"", "adam"}, {"ca", ""}} {
		if err := s.UserListPage("go", ask[0], ask[1], 50); err != nil {
			t.Fatal(err)
		}
	}
	isList := func(e session.Event) bool { _, ok := e.(session.UserList); return ok }
	for range 2 {
		if ul := rec.wait(t, "a whole list", isList).(session.UserList); len(ul.Users) != 2 || ul.Count != 2 {
			t.Fatalf("whole list %+v", ul)
		}
	}
	isPage := func(e session.Event) bool { _, ok := e.(session.UserPage); return ok }
	if p := rec.wait(t, "the page of ca", isPage).(session.UserPage); p.Prefix != "ca" || p.After != "" || !slices.Equal(p.Users, []string{"ca1"}) {
		t.Fatalf("page %+v, want the answer to the prefix ca", p)
	}
}
