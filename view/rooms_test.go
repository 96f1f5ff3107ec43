package view_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/internal/faultnet"
)

// loggedIn opens a window logged in to srv as name, starting in rooms.
func loggedIn(t *testing.T, ui *uiLoop, addr, name string, rooms ...string) *client {
	t.Helper()
	c := newClient(t, ui, ctrl.ClientOptions{Rooms: rooms, Reconnect: true})
	c.w.Win.Resize(fyne.NewSize(1000, 600))
	c.login(addr, name)
	c.waitStatus("Connected as " + name)
	return c
}

func (c *client) waitConvs(want ...string) {
	c.t.Helper()
	c.ui.until(c.t, "the sidebar "+strings.Join(want, ", "), func() bool { return slices.Equal(c.w.Convs(), want) })
}

func (c *client) waitLineIn(conv ctrl.Conv, want string) {
	c.t.Helper()
	c.ui.until(c.t, "a line with "+want+" in "+conv.Room+conv.With, func() bool {
		return slices.ContainsFunc(c.w.LinesOf(conv), func(l string) bool { return strings.Contains(l, want) })
	})
}

func hasLine(lines []string, want string) bool {
	return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, want) })
}

// Two rooms: a talk in the one not shown raises its unread count; each
// room shows its own messages and users; switching keeps the draft.
func TestRoomsUnreadAndSwitching(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice", "Go", "中文")
	a.waitConvs("#go", "#中文")
	if a.w.Current() != ctrl.RoomConv("go") {
		t.Fatalf("shows %+v, want the home room go", a.w.Current())
	}
	b := loggedIn(t, ui, srv.Addr, "bob", "中文")
	a.say("in go")
	a.waitLine("alice: in go")
	b.say("你好，中文房间")
	a.waitConvs("#go", "#中文 1")
	if hasLine(a.w.Lines(), "你好") {
		t.Fatal("go shows 中文's message")
	}
	a.w.Input.SetText("a draft for go")
	a.w.Show(ctrl.RoomConv("中文"))
	a.waitConvs("#go", "#中文")
	if !hasLine(a.w.Lines(), "bob: 你好，中文房间") || hasLine(a.w.Lines(), "in go") {
		t.Fatalf("中文 shows %q", a.w.Lines())
	}
	if a.w.Input.Text != "" || !strings.Contains(a.w.ConvTitle.Text, "中文") {
		t.Fatalf("in 中文: input %q, title %q", a.w.Input.Text, a.w.ConvTitle.Text)
	}
	a.ui.until(t, "中文's users", func() bool { return strings.Join(userNames(a.w), ",") == "alice,bob" })
	a.w.Messages.ScrollToBottom()
	if markup := test.RenderObjectToMarkup(a.w.Messages); !strings.Contains(markup, "bob: 你好，中文房间") {
		t.Fatalf("the message list renders:\n%s", markup)
	}
	if !a.w.Shortcut(fyne.KeyPageUp) || a.w.Current() != ctrl.RoomConv("go") {
		t.Fatalf("Ctrl+Page Up shows %+v", a.w.Current())
	}
	if a.w.Input.Text != "a draft for go" {
		t.Fatalf("go's draft is %q", a.w.Input.Text)
	}
	if got := strings.Join(userNames(a.w), ","); got != "alice" {
		t.Fatalf("go's users: %s", got)
	}
}

// The history a room replays when we join it is not unread; what is said
// after is.
func TestHistoryOnJoinIsNotUnread(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	b := loggedIn(t, ui, srv.Addr, "bob", "rust")
	b.say("said before alice came")
	a := loggedIn(t, ui, srv.Addr, "alice", "go", "rust")
	a.waitLineIn(ctrl.RoomConv("rust"), "bob: said before alice came")
	b.say("said after")
	a.waitLineIn(ctrl.RoomConv("rust"), "bob: said after")
	a.waitConvs("#go", "#rust 1")
}

// Choosing a user in a room's list starts a direct conversation; its
// messages reach the partner, shown as unread, and no one else.
func TestDirectMessageFromUserList(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice")
	b := loggedIn(t, ui, srv.Addr, "bob")
	c := loggedIn(t, ui, srv.Addr, "carol")
	a.ui.until(t, "three users at alice's", func() bool { return len(a.w.Users()) == 3 })
	i := slices.IndexFunc(a.w.Users(), func(u ctrl.User) bool { return u.Name == "bob" })
	a.w.UserList.Select(i)
	a.ui.until(t, "the conversation with bob shown", func() bool { return a.w.Current() == ctrl.DirectConv("bob") })
	a.waitConvs("#lobby", "@bob")
	a.say("just for you")
	a.waitLine("alice: just for you")
	b.waitConvs("#lobby", "@alice 1")
	b.waitLineIn(ctrl.DirectConv("alice"), "alice: just for you")
	c.say("marker")
	c.waitLine("carol: marker")
	a.waitLineIn(ctrl.RoomConv("lobby"), "carol: marker")
	if slices.Contains(c.w.Convs(), "@alice") || hasLine(c.w.Lines(), "just for you") {
		t.Fatalf("carol sees the DM: %q, %q", c.w.Convs(), c.w.Lines())
	}
	test.Tap(b.w.LeaveBtn) // bob goes offline: a DM to him is refused, in his conversation
	a.waitLineIn(ctrl.RoomConv("lobby"), "bob left")
	a.say("still there?")
	a.waitLineIn(ctrl.DirectConv("bob"), "not online")
	if !hasLine(a.w.Lines(), "The server said: ") {
		t.Fatalf("the DM's refusal: %q", a.w.Lines())
	}
	test.Tap(a.w.PartBtn) // closes the conversation
	a.waitConvs("#lobby")
}

// Switching away from a conversation and back finds it scrolled where it
// was left, not at its newest line.
func TestSwitchingKeepsTheScrollPlace(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice", "go", "rust")
	for i := range 30 {
		a.say(fmt.Sprint("line ", i))
	}
	a.waitLine("alice: line 29")
	a.w.Messages.ScrollToTop()
	a.w.Messages.ScrollToOffset(40)
	a.w.Show(ctrl.RoomConv("rust"))
	a.say("in rust")
	a.waitLine("alice: in rust")
	a.w.Show(ctrl.RoomConv("go"))
	if off := a.w.Messages.GetScrollOffset(); off != 40 {
		t.Fatalf("back in go, the list is at %v, not where it was left (40)", off)
	}
}

// Joining by name (a bad name is explained), joining from the public rooms
// list, and leaving a room.
func TestJoinFindAndLeaveRooms(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice")
	b := loggedIn(t, ui, srv.Addr, "bob")
	test.Type(a.w.RoomName, "a b")
	test.Tap(a.w.JoinBtn)
	a.ui.until(t, "the bad name explained", func() bool { return strings.Contains(a.w.JoinErr.Text, "letters, digits") })
	a.w.RoomName.SetText("")
	test.Type(a.w.RoomName, "Rust")
	a.w.RoomName.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.waitConvs("#lobby", "#rust")
	if a.w.Current() != ctrl.RoomConv("rust") || a.w.JoinErr.Visible() {
		t.Fatalf("after joining rust: shows %+v, join error %q", a.w.Current(), a.w.JoinErr.Text)
	}
	test.Tap(b.w.FindBtn)
	b.ui.until(t, "rust in the public rooms", func() bool {
		return slices.ContainsFunc(b.w.PublicRooms(), func(r ctrl.RoomInfo) bool { return r.Name == "rust" && r.Members == 1 })
	})
	b.w.RoomList.Select(slices.IndexFunc(b.w.PublicRooms(), func(r ctrl.RoomInfo) bool { return r.Name == "rust" }))
	b.waitConvs("#lobby", "#rust")
	a.waitLineIn(ctrl.RoomConv("rust"), "bob joined")
	test.Tap(a.w.PartBtn)
	a.waitConvs("#lobby")
	if a.w.Current() != ctrl.RoomConv("lobby") {
		t.Fatalf("after leaving rust, shows %+v", a.w.Current())
	}
	b.waitLineIn(ctrl.RoomConv("rust"), "alice left")
}

// The connection drops and comes back: the window is in every room again,
// with what was said meanwhile, and no line twice.
func TestReconnectRejoinsEveryRoom(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	link := faultnet.New(t, srv.Addr)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{Reconnect: true, MinBackoff: 50 * time.Millisecond, Rooms: []string{"go"}})
	a.login(link.Addr(), "alice")
	a.waitStatus("Connected as alice")
	a.w.RoomName.SetText("rust")
	test.Tap(a.w.JoinBtn)
	a.waitConvs("#go", "#rust")
	a.say("before")
	b := loggedIn(t, ui, srv.Addr, "bob", "go", "rust")
	link.Cut()
	a.waitStatus("Reconnecting")
	b.w.Show(ctrl.RoomConv("rust"))
	b.say("said meanwhile")
	a.waitStatus("Connected as alice")
	a.waitLineIn(ctrl.RoomConv("rust"), "bob: said meanwhile")
	b.w.Show(ctrl.RoomConv("go"))
	b.say("after, in go")
	a.waitLineIn(ctrl.RoomConv("go"), "bob: after, in go")
	a.waitConvs("#go 1", "#rust")
	if n := countLines(a.w, "alice: before"); n != 1 {
		t.Fatalf("rust shows alice's message %d times", n)
	}
}

// The server's refusal of a join shows under the join field, in words.
func TestJoinRefusedByTheServer(t *testing.T) {
	test.NewTempApp(t)
	cfg := config.DefaultServer()
	cfg.Rooms.MaxRoomsPerConn = 1
	srv := chattest.Start(t, cfg, "")
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice")
	a.w.RoomName.SetText("rust")
	test.Tap(a.w.JoinBtn)
	a.ui.until(t, "the refusal under the join field", func() bool {
		return a.w.JoinErr.Visible() && strings.Contains(a.w.JoinErr.Text, "The server said: ") && strings.Contains(a.w.JoinErr.Text, "rooms")
	})
	if got := a.w.Convs(); !slices.Equal(got, []string{"#lobby"}) {
		t.Fatalf("sidebar %q after a refused join", got)
	}
}

// Tab moves through the window in reading order: the login, then the
// sidebar (conversations, the join field, the rooms list), then the
// conversation (its Leave button, messages, the message box), then its
// users.
func TestFocusOrder(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := loggedIn(t, ui, srv.Addr, "alice")
	c := a.w.Win.Canvas()
	want := []fyne.Focusable{a.w.ConvList, a.w.RoomName, a.w.RoomList, a.w.PartBtn, a.w.Messages, a.w.Input, a.w.UserFilter, a.w.UserList}
	c.Focus(a.w.ConvList)
	var cycle []fyne.Focusable // one round of Tab, from the conversations list
	for range 100 {
		cycle = append(cycle, c.Focused())
		if c.FocusNext(); c.Focused() == a.w.ConvList {
			break
		}
	}
	at := 0
	for _, f := range cycle {
		if at < len(want) && f == want[at] {
			at++
		}
	}
	if at != len(want) {
		t.Fatalf("one round of Tab from the conversations list does not reach %T (number %d) after the ones before it", want[at], at)
	}
}
