package session_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"chatroom/config"
	"chatroom/internal/chattest"
	"chatroom/service/session"
)

// presenceServer is a chat server whose rooms are large past limit
// members, coalescing presence in windows of window, and that lets one
// address open and ask as much as a test does.
func presenceServer(t *testing.T, limit int, window time.Duration) *chattest.Server {
	cfg := config.DefaultServer()
	cfg.PresenceLimit, cfg.PresenceWindow = limit, window
	cfg.MaxConnsPerIP, cfg.JoinRatePerIP = 0, 0
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.UserListInterval, cfg.UserListRatePerIP = 0, 0
	return chattest.Start(t, cfg, "")
}

// inRoom runs a session of name in room and waits until it is in it.
func inRoom(t *testing.T, srv *chattest.Server, name, room string) (*session.Session, *recorder) {
	t.Helper()
	s, rec, _ := run(t, session.Config{URL: srv.URL, Username: name, Rooms: []string{room}})
	rec.wait(t, name+"'s join", ownJoin(name, room))
	return s, rec
}

// together runs sessions of names in room at once, and waits until all
// are in it.
func together(t *testing.T, srv *chattest.Server, room string, names ...string) []*session.Session {
	t.Helper()
	out := make([]*session.Session, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		s, rec, _ := run(t, session.Config{URL: srv.URL, Username: n, Rooms: []string{room}})
		out[i] = s
		wg.Go(func() { rec.wait(t, n+"'s join", ownJoin(n, room)) })
	}
	wg.Wait()
	return out
}

func isPresence(e session.Event) bool { _, ok := e.(session.Presence); return ok }

// joinedIn and leftFrom match the presence event of name's join, or
// leave, which the session asks the server to coalesce.
func joinedIn(name string) func(session.Event) bool {
	return func(e session.Event) bool {
		p, ok := e.(session.Presence)
		return ok && slices.Contains(p.Joined, name)
	}
}

func leftFrom(name string) func(session.Event) bool {
	return func(e session.Event) bool { p, ok := e.(session.Presence); return ok && slices.Contains(p.Left, name) }
}

// A coalescing session is told the count after its own join; joins within
// one window reach it as one presence event with every name, and no
// per-user join; a leave comes the same way.
func TestSessionCoalescedPresenceFromTheServer(t *testing.T) {
	srv := presenceServer(t, 100, time.Second)
	_, rec := inRoom(t, srv, "alice", "go")
	welcome := rec.wait(t, "the count after alice's own join", isPresence).(session.Presence)
	if welcome.Count != 1 || welcome.Joined != nil || welcome.Large {
		t.Fatalf("alice welcomed with %+v", welcome)
	}
	// alice's own join opened a window: once it is over, the next begins
	// with the crowd's first join
	rec.wait(t, "the window of alice's join", joinedIn("alice"))
	others := together(t, srv, "go", "bob", "carol", "dave")
	p := rec.wait(t, "a presence", isPresence).(session.Presence)
	if !slices.Equal(p.Joined, []string{"bob", "carol", "dave"}) || p.Left != nil || p.Count != 4 || p.Large {
		t.Fatalf("presence %+v, want bob, carol and dave joined, 4 in the room", p)
	}
	others[0].Close()
	if p = rec.wait(t, "bob's leave", isPresence).(session.Presence); !slices.Equal(p.Left, []string{"bob"}) || p.Joined != nil || p.Count != 3 {
		t.Fatalf("presence %+v, want bob left, 3 in the room", p)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, e := range rec.events {
		if j, ok := e.(session.Joined); ok && j.Msg.UserName != "alice" {
			t.Errorf("a per-user join of %s reached a coalescing session", j.Msg.UserName)
		}
	}
}

// A room past the limit tells a coalescing member it is large, with the
// count; a joiner then gets the first page; below nine tenths of the limit
// it is small again, and the whole user list comes.
func TestSessionPresenceCrossesToLargeAndBack(t *testing.T) {
	srv := presenceServer(t, 5, 20*time.Millisecond)
	_, rec := inRoom(t, srv, "alice", "go")
	others := together(t, srv, "go", "b1", "b2", "b3", "b4", "b5")
	rec.wait(t, "the room large, 6 in it", func(e session.Event) bool {
		p, ok := e.(session.Presence)
		return ok && p.Large && p.Count == 6 && p.Joined == nil
	})
	_, late, _ := run(t, session.Config{URL: srv.URL, Username: "b6", Rooms: []string{"go"}})
	pg := late.wait(t, "b6's first page", func(e session.Event) bool { _, ok := e.(session.UserPage); return ok }).(session.UserPage)
	if want := []string{"alice", "b1", "b2", "b3", "b4", "b5", "b6"}; !pg.Large || pg.Count != 7 || pg.Cursor != "" || !slices.Equal(pg.Users, want) {
		t.Fatalf("b6's first page %+v, want large, 7, %q", pg, want)
	}
	for _, s := range others[:3] {
		s.Close()
	}
	rec.wait(t, "the room small again", func(e session.Event) bool { p, ok := e.(session.Presence); return ok && !p.Large })
	ul := rec.wait(t, "the whole list", func(e session.Event) bool { _, ok := e.(session.UserList); return ok }).(session.UserList)
	if slices.Sort(ul.Users); !slices.Equal(ul.Users, []string{"alice", "b4", "b5", "b6"}) || ul.Count != 4 {
		t.Fatalf("whole list %q, count %d", ul.Users, ul.Count)
	}
}

// A large room of 250 users is read in pages of 100 from the cursor each
// gives, in the server's order, and by a name prefix, case aside.
func TestSessionPagesARoomOf250(t *testing.T) {
	srv := presenceServer(t, 10, 50*time.Millisecond)
	var want []string
	for i := range 250 {
		want = append(want, fmt.Sprintf("u%03d", i))
		srv.Lurk(t, want[i], "big")
	}
	s, rec := inRoom(t, srv, "alice", "big")
	isPage := func(e session.Event) bool { _, ok := e.(session.UserPage); return ok }
	pg := rec.wait(t, "the first page", isPage).(session.UserPage)
	got := pg.Users
	for range 10 {
		if pg.Cursor == "" {
			break
		}
		if err := s.UserListPage("big", "", pg.Cursor, 100); err != nil {
			t.Fatal(err)
		}
		pg = rec.wait(t, "the next page", isPage).(session.UserPage)
		if len(pg.Users) > 100 || pg.Count != 251 || !pg.Large || pg.After == "" {
			t.Fatalf("page of %d after %q, count %d, large %v", len(pg.Users), pg.After, pg.Count, pg.Large)
		}
		got = append(got, pg.Users...)
	}
	if want := append([]string{"alice"}, want...); !slices.Equal(got, want) {
		t.Fatalf("paged %d names, want %d in order:\n%q", len(got), len(want), got)
	}
	if err := s.UserListPage("big", "U24", "", 100); err != nil {
		t.Fatal(err)
	}
	if pg = rec.wait(t, "U24's page", isPage).(session.UserPage); pg.Prefix != "U24" || !slices.Equal(pg.Users, want[240:]) || pg.Cursor != "" {
		t.Fatalf("U24's page %+v", pg)
	}
}

// Pages asked for faster than the server's -userlist-burst are refused in
// words, each refusal reported for the request it answers, so that the
// pages after it still match theirs.
func TestSessionPageRefusalsMatchTheirRequests(t *testing.T) {
	cfg := config.DefaultServer()
	cfg.PresenceLimit, cfg.MsgRate, cfg.MsgRatePerIP = 2, 0, 0
	cfg.UserListBurst, cfg.UserListInterval = 2, time.Hour
	srv := chattest.Start(t, cfg, "")
	srv.Lurk(t, "bob", "big")
	srv.Lurk(t, "carol", "big")
	s, rec := inRoom(t, srv, "alice", "big")
	for _, prefix := range []string{"a", "b", "c"} {
		if err := s.UserListPage("big", prefix, "", 10); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for len(got) < 3 {
		switch e := rec.wait(t, "an answer", func(e session.Event) bool {
			switch e := e.(type) {
			case session.UserPage:
				return e.Prefix != "" || e.After != "" // not the welcome's first page
			case session.UserPageRefused, session.ServerError:
				return true
			}
			return false
		}).(type) {
		case session.UserPage:
			got = append(got, fmt.Sprintf("%s: %q", e.Prefix, e.Users))
		case session.UserPageRefused:
			got = append(got, e.Prefix+": "+e.Reason)
		case session.ServerError:
			t.Fatalf("a page's refusal reported as a server error: %+v", e)
		}
	}
	want := []string{`a: ["alice"]`, `b: ["bob"]`, "c: " + config.ReplyUserListLimited}
	if !slices.Equal(got, want) {
		t.Fatalf("answers %q, want %q", got, want)
	}
}
