package view_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/service"
	"chatroom/view"
)

// modSecret is the test server's -auth-secret: roles need proven names.
const modSecret = "a test secret of at least 32 bytes, for roles"

// modServer starts a chat server whose names are proven by tokens. It
// keeps history (in SQLite): a refusal of a talk is then never taken for
// the refusal of an older page asked for at the same time (a server that
// keeps none refuses every page).
func modServer(t *testing.T) *chattest.Server {
	t.Helper()
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.AuthSecret = modSecret
	return chattest.StartStored(t, cfg, "", t.TempDir())
}

// member logs name in to srv with a token, in rooms (home first).
func member(t *testing.T, ui *uiLoop, srv *chattest.Server, name string, rooms ...string) *client {
	t.Helper()
	token, err := service.MintRoomToken([]byte(modSecret), name, nil, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ui, ctrl.ClientOptions{Token: token, Rooms: rooms, Reconnect: true})
	c.w.Win.Resize(fyne.NewSize(1000, 600))
	c.login(srv.Addr, name)
	c.waitStatus("Connected as " + name)
	return c
}

// readBack reads conv back to its beginning, so that no page is asked for
// later: a refusal of a talk that comes while a page is on its way is
// taken for the page's (ctrl.Client.readFailed), and shows in the note
// above the list instead of among the lines.
func (c *client) readBack(conv ctrl.Conv) {
	c.t.Helper()
	if err := c.ctrl.LoadOlder(conv); err != nil {
		c.t.Fatal(err.Text.Key)
	}
	c.ui.until(c.t, "the beginning of "+conv.Room, func() bool { return c.w.HistoryNoteText() == "Beginning of the room" })
}

func (c *client) waitTopic(want string) {
	c.t.Helper()
	c.ui.until(c.t, "the room note "+want, func() bool { return c.w.Topic.Visible() && c.w.Topic.Text == want })
}

// Against the chat server: the room's creator owns it and moderates it
// from the window: sets its topic (both headers show it), deletes a
// member's message by selecting it (the member sees the tombstone), and
// kicks by command (the member's room closes, saying why); the member is
// offered none of it.
func TestModeratorOnTheServer(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	alice.waitTopic("You are the owner here")
	bob := member(t, ui, srv, "bob", "lobby", "mods")
	mods := ctrl.RoomConv("mods")
	ui.until(t, "bob in lobby and mods", func() bool { return slices.Equal(bob.w.Convs(), []string{"#lobby", "#mods"}) })
	bob.w.Show(mods)

	bob.say("/kick alice")
	ui.until(t, "bob's kick refused here", func() bool { return bob.w.InputErr.Text == "You are not a moderator of this room" })
	alice.say("/topic Gophers welcome")
	alice.waitTopic("Topic: Gophers welcome · You are the owner here")
	bob.waitTopic("Topic: Gophers welcome")
	bob.waitLine("alice set the topic: Gophers welcome")

	bob.say("buy cheap watches")
	alice.waitLine("bob: buy cheap watches")
	bob.w.Messages.Select(bob.lineIndex("buy cheap watches"))
	if ui.run(); bob.w.DeleteBtn.Visible() {
		t.Fatal("a member is offered Delete message")
	}
	alice.w.Messages.Select(alice.lineIndex("buy cheap watches"))
	if ui.run(); !alice.w.DeleteBtn.Visible() {
		t.Fatal("the owner is not offered Delete message")
	}
	test.Tap(alice.w.DeleteBtn)
	bob.waitLineOf(mods, "bob: message deleted by alice")
	alice.waitLineOf(mods, "bob: message deleted by alice")
	if bob.lineIndex("buy cheap watches") >= 0 {
		t.Fatalf("the deleted message is still shown: %q", bob.w.Lines())
	}

	alice.say("/kick bob flooding")
	alice.waitLine("bob was kicked by alice: flooding")
	ui.until(t, "mods closed for bob", func() bool { return slices.Equal(bob.w.Convs(), []string{"#lobby"}) })
	bob.waitLineOf(ctrl.RoomConv("lobby"), "You were kicked from #mods by alice: flooding")
}

// The room note in Chinese: the topic set by command, and the role.
func TestTopicInChinese(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { view.LoadTranslations("en") })
	t.Setenv("LC_ALL", "zh_CN.UTF-8")
	if err := view.LoadTranslations(""); err != nil {
		t.Fatal(err)
	}
	srv := modServer(t)
	ui := newUILoop()
	token, err := service.MintRoomToken([]byte(modSecret), "张三", nil, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := newClient(t, ui, ctrl.ClientOptions{Token: token, Rooms: []string{"中文"}})
	a.login(srv.Addr, "张三")
	a.waitStatus("已连接：张三")
	a.waitTopic("你是这里的房主")
	a.say("/topic 欢迎来到中文房间")
	a.waitTopic("话题：欢迎来到中文房间 · 你是这里的房主")
	a.waitLine("张三 设置了话题：欢迎来到中文房间")
	a.say("/踢")
	ui.until(t, "an unknown command, in Chinese", func() bool {
		return strings.HasPrefix(a.w.InputErr.Text, "未知命令：/踢")
	})
}

// waitRefused waits for a refusal from the server among the lines of conv
// holding word.
func (c *client) waitRefused(conv ctrl.Conv, word string) {
	c.t.Helper()
	c.ui.until(c.t, "a refusal with "+word, func() bool {
		return slices.ContainsFunc(c.w.LinesOf(conv), func(l string) bool {
			return strings.Contains(l, "The server said:") && strings.Contains(l, word)
		})
	})
}

// Against the chat server: a mute refuses the member's talks in words
// until it is lifted; slow mode shows in both headers and refuses a talk
// too soon; /delete deletes the message selected.
func TestMuteSlowAndDeleteByCommand(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	bob := member(t, ui, srv, "bob", "lobby", "mods")
	mods := ctrl.RoomConv("mods")
	ui.until(t, "bob in mods", func() bool { return slices.Contains(bob.w.Convs(), "#mods") })
	bob.w.Show(mods)
	bob.readBack(mods)

	alice.say("/mute bob 10m shouting")
	bob.waitLine("bob was muted by alice until ")
	bob.say("LOUD")
	bob.waitRefused(mods, "mute")
	alice.say("/unmute bob")
	bob.waitLine("bob was unmuted by alice")
	bob.say("sorry")
	alice.waitLine("bob: sorry")

	alice.w.Messages.Select(alice.lineIndex("bob: sorry"))
	alice.say("/delete no need")
	bob.waitLine("bob: message deleted by alice")

	alice.say("/slow 30")
	alice.waitTopic("Slow mode: one message per 30 s · You are the owner here")
	bob.waitTopic("Slow mode: one message per 30 s")
	bob.waitLine("alice turned slow mode on: one message per 30 s")
	bob.say("one")
	alice.waitLine("bob: one")
	bob.say("two")
	bob.waitRefused(mods, "")
	alice.say("/slow 0")
	bob.waitLine("alice turned slow mode off")
	if ui.run(); bob.w.Topic.Visible() {
		t.Fatalf("the room note still says %q", bob.w.Topic.Text)
	}
}

// Kicked from its home room, a member is told why, its connection is
// closed (4001), and it comes back; the room note is the room's as it is
// then (the topic cleared while it was away is gone).
func TestKickFromTheHomeRoom(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	token, err := service.MintRoomToken([]byte(modSecret), "bob", nil, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bob := newClient(t, ui, ctrl.ClientOptions{Token: token, Rooms: []string{"mods"}, Reconnect: true, MinBackoff: time.Second}) // the reconnecting status lasts long enough to see
	bob.login(srv.Addr, "bob")
	bob.waitStatus("Connected as bob")
	alice.say("/topic before the kick")
	bob.waitTopic("Topic: before the kick")
	alice.say("/kick bob calm down")
	bob.waitLine("You were kicked from #mods by alice: calm down")
	bob.waitStatus("You were kicked from your home room")
	alice.say("/topic") // cleared while bob is away, or as he comes back
	bob.waitStatus("Connected as bob")
	ui.until(t, "no topic", func() bool { return !bob.w.Topic.Visible() })
}

// Against the chat server: an admin (-admins) reads the audit trail by
// command and is shown every command in /help; a ban from the whole
// server (here by the server API) shows its reason to the one banned,
// whose client stops reconnecting.
func TestAuditAndServerBan(t *testing.T) {
	test.NewTempApp(t)
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0
	cfg.AuthSecret, cfg.Admins = modSecret, []string{"root"}
	srv := chattest.StartStored(t, cfg, "", t.TempDir())
	ui := newUILoop()
	bob := member(t, ui, srv, "bob", "mods")
	root := member(t, ui, srv, "root", "lobby", "mods")
	root.w.Show(ctrl.RoomConv("mods"))
	root.waitTopic("You are an admin here")
	root.say("/help")
	root.waitLine("Admins: /audit (this room's audit trail)")
	root.say("/mute bob 1h spam")
	root.waitLine("bob was muted by root until ")
	root.say("/audit")
	root.waitLine("Audit #")
	root.waitLine("in #mods: bob was muted by root for 1h: spam")

	if err := srv.Hub.Ban(context.Background(), service.APIActor(), service.BanRequest{Server: true, Name: "bob", Reason: "a spam bot"}); err != nil {
		t.Fatal(err)
	}
	bob.waitStatus("Disconnected — You are banned from this server")
	bob.waitLine("a spam bot")
	if bob.w.ConnectBtn.Disabled() {
		t.Fatal("the banned client is still trying to connect")
	}
}

// Against the chat server: banned from a room, a member is taken out of
// it, told why and until when, and refused when it joins again (the
// refusal names the room) until the ban is lifted.
func TestRoomBan(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	bob := member(t, ui, srv, "bob", "lobby", "mods")
	ui.until(t, "bob in mods", func() bool { return slices.Contains(bob.w.Convs(), "#mods") })
	alice.say("/ban bob 2h spam")
	alice.waitLine("bob was banned by alice until ")
	ui.until(t, "mods closed for bob", func() bool { return slices.Equal(bob.w.Convs(), []string{"#lobby"}) })
	bob.waitLineOf(ctrl.RoomConv("lobby"), "You were banned from #mods by alice until ")
	bob.waitLineOf(ctrl.RoomConv("lobby"), ": spam")

	join := func() {
		bob.w.RoomName.SetText("")
		test.Type(bob.w.RoomName, "mods")
		test.Tap(bob.w.JoinBtn)
	}
	join()
	ui.until(t, "the join refused, naming the room", func() bool {
		return bob.w.JoinErr.Visible() && strings.Contains(bob.w.JoinErr.Text, "mods")
	})
	alice.say("/unban bob")
	alice.waitLine("bob was unbanned by alice")
	join()
	ui.until(t, "bob back in mods", func() bool { return slices.Equal(bob.w.Convs(), []string{"#lobby", "#mods"}) })
}

// Against the chat server: named a moderator by the owner, a member gets
// the role (the room note says it, /help lists moderation, Delete message
// is offered) and loses it when unnamed; the operator's messages show as
// notices.
func TestNamedModerator(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	bob := member(t, ui, srv, "bob", "mods")
	alice.say("/mod bob")
	bob.waitLine("alice made bob a moderator")
	bob.waitTopic("You are a moderator here")
	bob.say("/help")
	bob.waitLine("Moderation: /kick NAME")
	if _, err := srv.Hub.SystemMessage(context.Background(), "mods", "maintenance at ten"); err != nil {
		t.Fatal(err)
	}
	bob.waitLine("Notice from the operator: maintenance at ten")
	bob.w.Messages.Select(bob.lineIndex("maintenance at ten"))
	if ui.run(); !bob.w.DeleteBtn.Visible() {
		t.Fatal("a moderator is not offered Delete message")
	}
	alice.say("/unmod bob")
	bob.waitLine("alice removed bob as a moderator")
	ui.until(t, "bob's role gone", func() bool { return !bob.w.Topic.Visible() && !bob.w.DeleteBtn.Visible() })
	bob.say("/kick alice")
	ui.until(t, "bob's kick refused here", func() bool { return bob.w.InputErr.Text == "You are not a moderator of this room" })
}

// Against the chat server: a talk deleted before someone joins is a
// tombstone in what the join replays, and search no longer finds it. The
// owner is not offered to delete its own talk (the server refuses: nobody
// acts on their own role).
func TestTombstoneForALaterJoiner(t *testing.T) {
	test.NewTempApp(t)
	srv := modServer(t)
	ui := newUILoop()
	alice := member(t, ui, srv, "alice", "mods")
	bob := member(t, ui, srv, "bob", "mods")
	bob.say("a secret plan")
	bob.say("a public plan")
	alice.waitLine("bob: a public plan")
	alice.say("my own plan")
	alice.waitLine("alice: my own plan")
	alice.w.Messages.Select(alice.lineIndex("my own plan"))
	if ui.run(); alice.w.DeleteBtn.Visible() {
		t.Fatal("the owner is offered to delete its own talk")
	}
	alice.w.Messages.Select(alice.lineIndex("a secret plan"))
	if ui.run(); !alice.w.DeleteBtn.Visible() {
		t.Fatal("the owner is not offered Delete message")
	}
	test.Tap(alice.w.DeleteBtn)
	alice.waitLine("bob: message deleted by alice")

	carol := member(t, ui, srv, "carol", "mods")
	carol.waitLine("bob: a public plan")
	carol.waitLine("bob: message deleted by alice")
	if carol.lineIndex("a secret plan") >= 0 {
		t.Fatalf("the deleted talk is replayed: %q", carol.w.Lines())
	}
	carol.w.Shortcut(fyne.KeyF)
	carol.w.SearchField.SetText("plan")
	carol.w.SearchField.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	ui.until(t, "the search's results", func() bool { return len(carol.w.SearchResults()) == 2 })
	for _, r := range carol.w.SearchResults() {
		if strings.Contains(r, "secret") {
			t.Fatalf("search found the deleted talk: %q", carol.w.SearchResults())
		}
	}
}
