package view_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
	"chatroom/internal/wsscript"
	"chatroom/model"
)

// script is a server of the test's own (wsscript) that has alice join
// room and sends first; each talk she sends is answered with steps[its
// text], and each userlist request with a page of pages (nil: none).
type script struct {
	room  string
	pages []string // a large room's names, sorted
	count uint32   // its count
	steps map[string][]*model.ChatRoomRequest
	slow  string // a prefix whose pages are refused, as asked for too often

	mu    sync.Mutex
	asked []*model.ChatRoomRequest // the userlist requests
}

func (s *script) serve(t *testing.T, first ...*model.ChatRoomRequest) string {
	join := &model.ChatRoomRequest{Type: model.TypeJoin, UserName: "alice", Room: s.room, Seq: 1}
	return wsscript.Serve(t, nil, append([]*model.ChatRoomRequest{join}, first...), s.answer)
}

func (s *script) answer(m *model.ChatRoomRequest) []*model.ChatRoomRequest {
	switch m.Type {
	case model.TypeTalk:
		return s.steps[m.Content]
	case model.TypeUserList:
		s.mu.Lock()
		s.asked = append(s.asked, m)
		s.mu.Unlock()
		if m.Content == s.slow && s.slow != "" {
			return []*model.ChatRoomRequest{{Type: model.TypeError, Room: s.room, Content: "user list rate limited"}}
		}
		return []*model.ChatRoomRequest{s.page(m.Content, m.Cursor, int(m.Limit))}
	}
	return nil
}

// page is the userlist page of the names starting with prefix (case
// aside) after cursor, at most limit.
func (s *script) page(prefix, cursor string, limit int) *model.ChatRoomRequest {
	var names []string
	for _, n := range s.pages {
		if n > cursor && strings.HasPrefix(n, strings.ToLower(prefix)) {
			names = append(names, n)
		}
	}
	p := &model.ChatRoomRequest{Type: model.TypeUserList, Room: s.room, Count: s.count, Large: true}
	if len(names) > limit {
		names = names[:limit]
		p.Cursor = names[limit-1]
	}
	p.UserList = wsscript.Names(names...)
	return p
}

// requests is the userlist requests the script was sent, as
// "prefix/cursor/limit".
func (s *script) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, m := range s.asked {
		out = append(out, fmt.Sprintf("%s/%s/%d", m.Content, m.Cursor, m.Limit))
	}
	return out
}

func scripted(t *testing.T, url string, pageSize int) *client {
	t.Helper()
	test.NewTempApp(t)
	a := newClient(t, newUILoop(), ctrl.ClientOptions{UserPageSize: pageSize})
	a.w.Win.Resize(fyne.NewSize(1000, 600))
	a.login(url, "alice")
	a.waitStatus("Connected as alice")
	return a
}

func (c *client) waitUsers(what string, count string, names func([]string) bool) {
	c.t.Helper()
	c.ui.until(c.t, what, func() bool { return c.w.UsersTitle.Text == count && names(userNames(c.w)) })
}

// A large room's users come a page at a time: the first with the join,
// the next ones with More users, until there are no more; its count shows
// with its digits grouped; the filter (Ctrl+U) asks the server once
// typing pauses, and only then.
func TestLargeRoomPagesAndFilter(t *testing.T) {
	s := &script{room: "big", pages: []string{"alice"}, count: 1234, slow: "zz"}
	for i := range 250 {
		s.pages = append(s.pages, fmt.Sprintf("u%03d", i))
	}
	a := scripted(t, s.serve(t, s.page("", "", 100)), 100)
	a.waitUsers("the first page", "1,234 online", func(n []string) bool { return slices.Equal(n, s.pages[:100]) })
	for _, want := range []int{200, 251} {
		if !a.w.MoreUsers.Visible() {
			t.Fatalf("no More users with %d names of 251 shown", len(a.w.Users()))
		}
		test.Tap(a.w.MoreUsers)
		a.waitUsers(fmt.Sprint(want, " names"), "1,234 online", func(n []string) bool { return slices.Equal(n, s.pages[:want]) })
	}
	if a.ui.run(); a.w.MoreUsers.Visible() {
		t.Fatal("More users shown after the last page")
	}
	if !a.w.Shortcut(fyne.KeyU) || a.w.Win.Canvas().Focused() != a.w.UserFilter {
		t.Fatal("Ctrl+U does not focus the users filter")
	}
	test.Type(a.w.UserFilter, "U24")
	a.waitUsers("u240 to u249", "1,234 online", func(n []string) bool { return slices.Equal(n, s.pages[241:251]) })
	want := []string{"/u098/100", "/u198/100", "U24//100"}
	if got := s.requests(); !slices.Equal(got, want) {
		t.Fatalf("the server was asked %q, want %q", got, want)
	}
	a.w.UserFilter.SetText("zz")
	a.ui.until(t, "the refusal under the filter", func() bool {
		return a.w.UsersErr.Visible() && a.w.UsersErr.Text == "The user list cannot be loaded: user list rate limited"
	})
	a.w.UserFilter.SetText(strings.Repeat("长", 22))
	a.ui.until(t, "too long a filter refused here", func() bool { return a.w.UsersErr.Text == "A name filter is at most 64 bytes long" })
	if got := s.requests(); len(got) != 4 {
		t.Fatalf("the server was asked %q; a filter too long is not sent", got)
	}
}

// Per-user joins and leaves (an older server's) and coalesced presence
// change the members held, with a line per name, or one line counting
// many; a room crossing to large is read in
// pages from then on, and crossing back shows all its members again.
func TestPresenceFramesAndCrossing(t *testing.T) {
	s := &script{room: "go", pages: []string{"p1", "p2", "p3"}, count: 1500}
	s.steps = map[string][]*model.ChatRoomRequest{
		"old": {
			{Type: model.TypeJoin, Room: "go", UserName: "zed", Seq: 2},
			{Type: model.TypeLeave, Room: "go", UserName: "zed", Seq: 3},
		},
		"few":   {{Type: model.TypePresence, Room: "go", Joined: []string{"carol", "dave"}, Left: []string{"bob"}, Count: 3}},
		"many":  {{Type: model.TypePresence, Room: "go", Joined: []string{"e1", "e2", "e3", "e4", "e5"}, Left: []string{"carol"}, Count: 7}},
		"large": {{Type: model.TypePresence, Room: "go", Count: 1500, Large: true}},
		"small": {
			{Type: model.TypePresence, Room: "go", Count: 3},
			{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names("alice", "x", "y"), Count: 3},
		},
	}
	a := scripted(t, s.serve(t, &model.ChatRoomRequest{Type: model.TypeUserList, Room: "go", UserList: wsscript.Names("alice", "bob"), Count: 2}), 2)
	a.waitUsers("alice and bob", "2 online", func(n []string) bool { return slices.Equal(n, []string{"alice", "bob"}) })
	a.ctrl.Send(ctrl.RoomConv("go"), "old") // a server without presence frames
	a.waitLine("zed joined")
	a.waitLine("zed left")
	a.waitUsers("zed gone again", "2 online", func(n []string) bool { return slices.Equal(n, []string{"alice", "bob"}) })
	a.ctrl.Send(ctrl.RoomConv("go"), "few")
	a.waitUsers("bob gone, carol and dave in", "3 online", func(n []string) bool { return slices.Equal(n, []string{"alice", "carol", "dave"}) })
	for _, l := range []string{"carol joined", "dave joined", "bob left"} {
		a.waitLine(l)
	}
	a.ctrl.Send(ctrl.RoomConv("go"), "many")
	a.waitLine("5 joined and 1 left")
	a.waitUsers("seven", "7 online", func(n []string) bool { return len(n) == 7 && !slices.Contains(n, "carol") })
	a.ctrl.Send(ctrl.RoomConv("go"), "large")
	a.waitUsers("the first page", "1,500 online", func(n []string) bool { return slices.Equal(n, []string{"p1", "p2"}) })
	if a.ui.run(); !a.w.MoreUsers.Visible() {
		t.Fatal("no More users in a large room with more")
	}
	a.ctrl.Send(ctrl.RoomConv("go"), "small")
	a.waitUsers("everyone again", "3 online", func(n []string) bool { return slices.Equal(n, []string{"alice", "x", "y"}) })
	if a.ui.run(); a.w.MoreUsers.Visible() {
		t.Fatal("More users in a room that is not large")
	}
	test.Type(a.w.UserFilter, "X")
	a.waitUsers("x alone, filtered here", "3 online", func(n []string) bool { return slices.Equal(n, []string{"x"}) })
	if got := s.requests(); !slices.Equal(got, []string{"//2"}) {
		t.Fatalf("the server was asked %q; a small room's filter asks nothing", got)
	}
}

// Against the chat server: a room of 250 past a -presence-limit of 10 is
// shown a page at a time, filtered by the server, and when most leave and
// it is small again the window shows everyone, with no More users.
func TestLargeRoomOnTheServer(t *testing.T) {
	test.NewTempApp(t)
	cfg := config.DefaultServer()
	cfg.PresenceLimit, cfg.PresenceWindow = 10, 20*time.Millisecond
	cfg.MaxConnsPerIP, cfg.JoinRatePerIP, cfg.MsgRate, cfg.MsgRatePerIP = 0, 0, 0, 0
	cfg.UserListInterval, cfg.UserListRatePerIP = 0, 0
	srv := chattest.Start(t, cfg, "")
	var lurkers []*chattest.Lurker
	names := []string{"alice"}
	for i := range 250 {
		names = append(names, fmt.Sprintf("u%03d", i))
		lurkers = append(lurkers, srv.Lurk(t, names[i+1], "big"))
	}
	a := newClient(t, newUILoop(), ctrl.ClientOptions{Rooms: []string{"big"}})
	a.w.Win.Resize(fyne.NewSize(1000, 600))
	a.login(srv.Addr, "alice")
	a.waitUsers("the first page", "251 online", func(n []string) bool { return slices.Equal(n, names[:100]) })
	for _, want := range []int{200, 251} {
		test.Tap(a.w.MoreUsers)
		a.waitUsers(fmt.Sprint(want, " names"), "251 online", func(n []string) bool { return slices.Equal(n, names[:want]) })
	}
	test.Type(a.w.UserFilter, "U24")
	a.waitUsers("u240 to u249", "251 online", func(n []string) bool { return slices.Equal(n, names[241:]) })
	a.w.UserFilter.SetText("")
	a.waitUsers("the first page again", "251 online", func(n []string) bool { return slices.Equal(n, names[:100]) })
	for _, l := range lurkers[3:] {
		l.Close()
	}
	a.waitUsers("the four left, all shown", "4 online", func(n []string) bool { return slices.Equal(n, names[:4]) })
	if a.ui.run(); a.w.MoreUsers.Visible() {
		t.Fatal("More users in a room that is not large")
	}
}

// A large room's filter outlives a reconnect: the first page the room
// sends on the rejoin is not the filter's, so the window asks for that.
func TestLargeRoomFilterAfterReconnect(t *testing.T) {
	s := &script{room: "big", count: 300}
	for i := range 300 {
		s.pages = append(s.pages, fmt.Sprintf("u%03d", i))
	}
	url := s.serve(t, s.page("", "", 100))
	link := faultnet.New(t, strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/ws"))
	test.NewTempApp(t)
	a := newClient(t, newUILoop(), ctrl.ClientOptions{Reconnect: true, MinBackoff: 20 * time.Millisecond})
	a.login(link.Addr(), "alice")
	a.waitUsers("the first page", "300 online", func(n []string) bool { return len(n) == 100 })
	a.w.UserFilter.SetText("u12")
	a.waitUsers("u12x", "300 online", func(n []string) bool { return slices.Equal(n, s.pages[120:130]) })
	link.Cut()
	a.waitStatus("Reconnecting")
	a.waitStatus("Connected as alice")
	a.ui.until(t, "u12 asked for again", func() bool { return slices.Equal(s.requests(), []string{"u12//100", "u12//100"}) })
	a.waitUsers("u12x again", "300 online", func(n []string) bool { return slices.Equal(n, s.pages[120:130]) })
}
