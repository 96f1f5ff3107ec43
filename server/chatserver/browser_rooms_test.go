package chatserver

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"chatroom/internal/faultnet"
	"chatroom/model"
	"chatroom/service"
)

// The browser client's rooms and direct messages, in headless Chromium
// against a real server: each room its own view, unread counts, the rooms
// list, joining and leaving, DMs started from a room's user list, errors in
// the conversation they concern, and every room rejoined on a reconnect.

// brDial connects a Go client as name, in rooms (none: the default room).
func brDial(t *testing.T, addr, name string, rooms ...string) *websocket.Conn {
	t.Helper()
	q := url.Values{"room": rooms}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws?"+q.Encode(), http.Header{"Username": {name}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws
}

// brSend sends m from a Go client.
func brSend(t *testing.T, ws *websocket.Conn, m *model.ChatRoomRequest) {
	t.Helper()
	if err := ws.WriteMessage(websocket.BinaryMessage, model.Encode(m)); err != nil {
		t.Fatal(err)
	}
}

// brUntil reads until a message of type typ whose content is content.
func brUntil(t *testing.T, ws *websocket.Conn, typ, content string) *model.ChatRoomRequest {
	t.Helper()
	for range 10000 {
		m := until(t, ws, typ)
		if m.Content == content {
			return m
		}
	}
	t.Fatalf("no %s %q in 10000 messages", typ, content)
	return nil
}

// conversation is the CSS selector of the sidebar's button for a room or DM.
func conversation(kind, name string) string {
	return "#sidebar button[data-key=" + strconv.Quote(kind+":"+name) + "]"
}

func listed(kind, name string) string {
	return `document.querySelector(` + js(conversation(kind, name)) + `) !== null`
}

// unread is the unread count shown on a conversation's button ("" if none).
func unread(kind, name string) string {
	return `(document.querySelector(` + js(conversation(kind, name)+" .unread") + `)?.textContent ?? "")`
}

func titled(text string) string {
	return `document.getElementById("messages-title").textContent === ` + js(text)
}

func click(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(sel)); err != nil {
		t.Fatalf("clicking %s: %v", sel, err)
	}
}

// altArrow presses Alt+ArrowDown (or Alt+ArrowUp): the next (previous)
// conversation.
func altArrow(down bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		key := input.DispatchKeyEventParams{Key: "ArrowUp", Code: "ArrowUp", WindowsVirtualKeyCode: 38, NativeVirtualKeyCode: 38, Modifiers: int64(chromedp.ModifierAlt)}
		if down {
			key.Key, key.Code, key.WindowsVirtualKeyCode, key.NativeVirtualKeyCode = "ArrowDown", "ArrowDown", 40, 40
		}
		down, up := key, key
		down.Type, up.Type = input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp
		for _, k := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// Three pages and a Go client in rooms a and b: a room's talk shows only in
// its own view, and counts as unread in a room not shown until it is shown;
// a DM started from a room's user list reaches its two users only; Chinese
// both ways; drafts and scroll places kept across switches. Run with
// CHATROOM_SCREENSHOT_DIR set, it remakes the README's picture.
func TestBrowserChatRooms(t *testing.T) {
	b := browser(t)
	r := start(t, "-msg-rate", "0", "-msg-rate-per-ip", "0") // 40 lines at once
	base := "http://" + r.addr + "/?"
	alice := page(t, b, base+"username=alice&lang=en&room=a&room=b", "")
	bob := page(t, b, base+"username=bob&lang=en&room=b", "")
	zhang := page(t, b, base+"username=%E5%BC%A0%E4%B8%89&room=a", "zh-CN,zh")
	for _, p := range []context.Context{alice, bob, zhang} {
		waitJS(t, p, "the page to connect", `document.body.dataset.state === "connected"`)
	}
	waitJS(t, alice, "alice's rooms", listed("room", "a")+" && "+listed("room", "b")+" && "+titled("# a"))
	gopher := brDial(t, r.addr, "gopher", "a")
	until(t, gopher, model.TypeUserList)
	waitJS(t, alice, "gopher in a's users", userShown("gopher"))

	// Room a's talk: in a's view; not in b's.
	brSend(t, gopher, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "a", Content: "hello a"})
	waitJS(t, alice, "a's talk in a", messageShown("hello a"))
	waitJS(t, zhang, "a's talk at 张三", messageShown("hello a"))
	typeAndEnter(t, bob, "hello b")
	waitJS(t, bob, "b's talk at bob", messageShown("hello b"))
	waitJS(t, alice, "b unread at alice", unread("room", "b")+` === "1"`)
	if eval[bool](t, alice, messageShown("hello b")) || eval[bool](t, bob, messageShown("hello a")) {
		t.Fatal("a room's talk shows in another room's view")
	}
	click(t, alice, conversation("room", "b"))
	waitJS(t, alice, "b shown, its count cleared", titled("# b")+" && "+messageShown("hello b")+" && "+unread("room", "b")+` === ""`)
	if eval[bool](t, alice, messageShown("hello a")) {
		t.Fatal("a's talk in b's view")
	}

	// Chinese in room a while alice is in b: unread there, at the Go client, not at bob.
	typeAndEnter(t, zhang, "大家好，这里是 a")
	waitJS(t, alice, "a unread at alice", unread("room", "a")+` === "1"`)
	if m := brUntil(t, gopher, model.TypeTalk, "大家好，这里是 a"); m.UserName != "张三" || m.Room != "a" {
		t.Fatalf("gopher got %+v", m)
	}
	typeAndEnter(t, bob, "b again")
	waitJS(t, alice, "bob's second talk", messageShown("b again"))
	if eval[bool](t, bob, messageShown("大家好，这里是 a")) {
		t.Fatal("bob, in b only, sees a's talk")
	}

	roomsDM(t, alice, bob, zhang, gopher)
	if dir := os.Getenv("CHATROOM_SCREENSHOT_DIR"); dir != "" {
		click(t, alice, conversation("room", "a"))
		waitJS(t, alice, "a shown, b unread", titled("# a")+" && "+unread("room", "b")+` === "1"`)
		screenshot(t, filepath.Join(dir, "browser-chat.png"), shot{zhang, 400, 600, true}, shot{alice, 900, 600, false})
		for _, p := range []context.Context{alice, zhang} { // back to the browser's size
			if err := chromedp.Do(p, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
				return err
			})); err != nil {
				t.Fatal(err)
			}
		}
	}
	roomsKeepPlace(t, alice, gopher)
}

// roomsDM: 张三 picks alice in room a's user list and sends her a DM: it
// reaches alice (listed with an unread count) and no one else; alice opens
// it with the keyboard (Alt+ArrowDown from b) and answers.
func roomsDM(t *testing.T, alice, bob, zhang context.Context, gopher *websocket.Conn) {
	t.Helper()
	click(t, zhang, `#users li[data-name="alice"] button`)
	waitJS(t, zhang, "the DM conversation", titled("@ alice")+" && "+listed("dm", "alice"))
	typeAndEnter(t, zhang, "悄悄话")
	waitJS(t, zhang, "the DM's echo", messageShown("悄悄话"))
	waitJS(t, alice, "the DM listed at alice", listed("dm", "张三")+" && "+unread("dm", "张三")+` === "1"`)
	// The Go client in room a gets the next talk in a, and never the DM.
	click(t, zhang, conversation("room", "a"))
	waitJS(t, zhang, "a shown at 张三", titled("# a"))
	typeAndEnter(t, zhang, "a marker")
	for range 100 {
		m := until(t, gopher, model.TypeTalk)
		if m.Content == "悄悄话" {
			t.Fatalf("the Go client in a got the DM: %+v", m)
		}
		if m.Content == "a marker" {
			break
		}
	}
	if eval[int](t, bob, `document.querySelectorAll("#dms-list li").length`) != 0 || eval[bool](t, bob, messageShown("悄悄话")) {
		t.Fatal("bob sees the DM")
	}
	if err := chromedp.Do(alice, chromedp.Focus("#message"), altArrow(true)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, alice, "the DM shown once", titled("@ 张三")+" && "+unread("dm", "张三")+` === ""`+
		` && [...document.querySelectorAll("#messages li .content")].filter(e => e.textContent === "悄悄话").length === 1`)
	// The keyboard's place in the sidebar survives its redraw for a talk in b.
	const focused = `document.activeElement?.dataset.key === "dm:张三"`
	waitJS(t, alice, "the focus on the DM's button", focused)
	typeAndEnter(t, bob, "while alice reads")
	waitJS(t, alice, "b unread, the focus kept", unread("room", "b")+` === "1" && `+focused)
	if err := chromedp.Do(alice, chromedp.Focus("#message")); err != nil {
		t.Fatal(err)
	}
	typeAndEnter(t, alice, "收到")
	waitJS(t, zhang, "alice's answer, unread (张三 shows a)", unread("dm", "alice")+` === "1"`)
	click(t, zhang, conversation("dm", "alice"))
	waitJS(t, zhang, "alice's answer", messageShown("收到"))
}

// roomsKeepPlace: a conversation keeps its draft and scroll place while
// another is shown.
func roomsKeepPlace(t *testing.T, alice context.Context, gopher *websocket.Conn) {
	t.Helper()
	click(t, alice, conversation("room", "a"))
	waitJS(t, alice, "a shown", titled("# a"))
	for i := range 40 {
		brSend(t, gopher, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "a", Content: "line " + strconv.Itoa(i)})
	}
	waitJS(t, alice, "the lines", messageShown("line 39"))
	eval[int](t, alice, `(() => { const l = document.getElementById("messages"); l.scrollTop = 120; document.getElementById("message").value = "half-written"; return l.scrollTop })()`)
	click(t, alice, conversation("room", "b"))
	waitJS(t, alice, "b shown, its own draft", titled("# b")+` && document.getElementById("message").value === ""`)
	click(t, alice, conversation("room", "a"))
	waitJS(t, alice, "a's draft and place back", titled("# a")+` && document.getElementById("message").value === "half-written" && document.getElementById("messages").scrollTop === 120`)
	eval[string](t, alice, `document.getElementById("message").value = ""`)
}

// The rooms list, a page at a time, public rooms only; joining from it,
// and by name (private); a refused name in words by the finder; leaving a
// room; a DM to a user who has gone, refused in that DM's conversation.
func TestBrowserRoomsDirectory(t *testing.T) {
	b := browser(t)
	r := start(t, "-rooms-page", "2")
	for _, room := range []string{"r1", "r2", "r3"} {
		ws := brDial(t, r.addr, "owner-"+room, room)
		until(t, ws, model.TypeUserList)
		brSend(t, ws, &model.ChatRoomRequest{Type: model.TypeTalk, Room: room, Content: "talk in " + room})
		brUntil(t, ws, model.TypeTalk, "talk in "+room)
	}
	watcher := brDial(t, r.addr, "watcher", "r2")
	until(t, watcher, model.TypeUserList)
	secret := brDial(t, r.addr, "keeper")
	brSend(t, secret, &model.ChatRoomRequest{Type: "join", Room: "secret", Private: true})
	until(t, secret, model.TypeUserList)

	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	// No ?room=: the server's default room, the room of the first join; the
	// only room, so not one to leave.
	waitJS(t, p, "the default room", `document.body.dataset.state === "connected" && `+listed("room", "lobby")+" && "+titled("# lobby")+
		` && document.getElementById("leave").hidden && document.querySelectorAll("#sidebar .conversation").length === 1`)
	names := `[...document.querySelectorAll("#directory li")].map(li => li.dataset.name).join(",")`
	click(t, p, "#browse-rooms")
	waitJS(t, p, "the first page", names+` === "lobby,r1" && !document.getElementById("more-rooms").hidden`)
	click(t, p, "#more-rooms")
	waitJS(t, p, "the last page", names+` === "lobby,r1,r2,r3" && document.getElementById("more-rooms").hidden`)

	click(t, p, `#directory li[data-name="r2"] button`)
	waitJS(t, p, "r2 joined and shown, its history", titled("# r2")+" && "+messageShown("talk in r2"))
	if m := until(t, watcher, model.TypeJoin); m.UserName != "alice" || m.Room != "r2" {
		t.Fatalf("watcher got %+v", m)
	}

	// By name, private: joined, and never listed.
	if err := chromedp.Do(p, chromedp.SendKeys("#room-name", "Hidden-One"), chromedp.Click("#room-private"), chromedp.Click("#join-room")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the private room", titled("# hidden-one"))
	click(t, p, "#browse-rooms")
	waitJS(t, p, "the list again", names+` === "lobby,r1"`)
	click(t, p, "#more-rooms")
	waitJS(t, p, "no private rooms listed", names+` === "lobby,r1,r2,r3"`)

	// A name the server refuses, in its words, by the finder.
	if err := chromedp.Do(p, chromedp.SendKeys("#room-name", "no room!"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the refusal", `document.getElementById("room-error").textContent.startsWith("The server said: room name")`)

	// Leaving r2: gone from the sidebar, and the room sees the leave.
	click(t, p, conversation("room", "r2"))
	waitJS(t, p, "r2 shown", titled("# r2"))
	click(t, p, "#leave")
	waitJS(t, p, "r2 gone", "!("+listed("room", "r2")+") && !("+titled("# r2")+")")
	if m := until(t, watcher, model.TypeLeave); m.UserName != "alice" || m.Room != "r2" {
		t.Fatalf("watcher got %+v", m)
	}

	// A DM to a user who has gone: refused in that conversation.
	click(t, p, conversation("room", "lobby"))
	waitJS(t, p, "keeper in the lobby", userShown("keeper"))
	click(t, p, `#users li[data-name="keeper"] button`)
	waitJS(t, p, "the DM with keeper", titled("@ keeper"))
	secret.Close()
	click(t, p, conversation("room", "lobby"))
	waitJS(t, p, "keeper's leave", "!("+userShown("keeper")+")")
	click(t, p, conversation("dm", "keeper"))
	typeAndEnter(t, p, "are you there?")
	waitJS(t, p, "the refusal in the DM", titled("@ keeper")+` && [...document.querySelectorAll("#messages li.system")].some(e => e.textContent.includes("not online"))`)
}

// The connection drops: the page reconnects to every room it was in, the
// one it joined later too, and shows each room's new talks where they
// belong; each room catches up from the last seq the page saw of it, and
// no talk shows twice.
func TestBrowserRoomsReconnect(t *testing.T) {
	b := browser(t)
	r := start(t)
	link := faultnet.New(t, r.addr)
	p := page(t, b, "http://"+link.Addr()+"/?username=alice&lang=en&room=a&room=b", "")
	waitJS(t, p, "alice in a and b", `document.body.dataset.state === "connected" && `+listed("room", "a")+" && "+listed("room", "b"))
	if err := chromedp.Do(p, chromedp.SendKeys("#room-name", "c"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "c joined", titled("# c"))
	typeAndEnter(t, p, "before the drop")
	waitJS(t, p, "the talk", messageShown("before the drop"))
	inA := brDial(t, r.addr, "in-a", "a")
	until(t, inA, model.TypeUserList)

	link.Cut()
	waitJS(t, p, "the page to see the drop", `document.body.dataset.state === "reconnecting"`)
	waitJS(t, p, "the reconnect", `document.body.dataset.state === "connected"`)
	inB := brDial(t, r.addr, "in-b", "b")
	inC := brDial(t, r.addr, "in-c", "c")
	for room, ws := range map[string]*websocket.Conn{"b": inB, "c": inC} {
		if m := until(t, ws, model.TypeUserList); m.Room != room || m.UserList["alice"] == "" {
			t.Fatalf("%s's user list after the reconnect: %+v", room, m)
		}
	}
	brSend(t, inA, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "a", Content: "back in a"})
	brSend(t, inB, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "b", Content: "back in b"})
	brSend(t, inC, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "c", Content: "back in c"})
	waitJS(t, p, "c's talk in c, a and b unread", messageShown("back in c")+" && "+unread("room", "a")+` === "1" && `+unread("room", "b")+` === "1"`)
	if n := eval[int](t, p, `[...document.querySelectorAll("#messages li .content")].filter(e => e.textContent === "before the drop").length`); n != 1 {
		t.Fatalf("%d lines say \"before the drop\" after the reconnect", n)
	}
	if got := eval[string](t, p, `[...document.querySelectorAll("#rooms-list button")].map(b => b.dataset.name).join(",")`); got != "a,b,c" {
		t.Fatalf("rooms after the reconnect %q, want a,b,c in the order joined", got)
	}

	// The server restarts (its rooms start empty): the page joins them again.
	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	waitJS(t, p, "the page to see the restart", `document.body.dataset.state === "reconnecting"`)
	r2 := start(t, "-addr", r.addr)
	waitJS(t, p, "the reconnect to the new server", `document.body.dataset.state === "connected"`)
	for _, room := range []string{"a", "b", "c"} {
		ws := brDial(t, r2.addr, "new-"+room, room)
		if m := until(t, ws, model.TypeUserList); m.Room != room || m.UserList["alice"] == "" {
			t.Fatalf("%s's user list on the new server: %+v", room, m)
		}
	}
}

// Rooms refused at connect, in words, and not tried again: a room name the
// server's rules refuse in the page's ?room=, and a room the token does not
// allow (its rooms claim); a room it allows is joined.
func TestBrowserRoomsRefused(t *testing.T) {
	b := browser(t)
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-auth-secret", secret)
	tok, err := service.MintRoomToken([]byte(secret), "alice", []string{"staff"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + r.addr + "/?lang=en&username=alice&token=" + tok
	p := page(t, b, base+"&room=no%20room", "")
	const refused = `document.body.dataset.state === "disconnected" && document.getElementById("status").textContent.startsWith("Disconnected — The server refused: room name")`
	waitJS(t, p, "the bad name's refusal", refused+` && document.getElementById("username-error").textContent === ""`)
	p = page(t, b, base+"&room=general", "")
	waitJS(t, p, "the token's refusal", `document.body.dataset.state === "disconnected" && document.getElementById("status").textContent.startsWith("Disconnected — The server refused: ")`)
	t.Logf("refused: %s", eval[string](t, p, `document.getElementById("status").textContent`))
	p = page(t, b, base+"&room=Staff", "")
	waitJS(t, p, "the allowed room", `document.body.dataset.state === "connected" && `+titled("# staff"))
}
