package chatserver

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service"
)

// Moderation in the browser client, in headless Chromium against a real
// server run with -auth-secret (names proven by tokens minted here): an
// admin names a moderator, who kicks by command, deletes a talk by its
// button (another page and a Go client see the tombstone), sets a topic in
// Chinese (shown as typed to a joiner), turns on slow mode and mutes (the
// muted page's refused talk says so); a plain user sees no moderation
// controls and is told locally what it may not do; a ban stops the page's
// reconnecting; the admin reads the audit trail; tombstones in history
// pages and search results.

const brModSecret = "a-secret-for-moderation-tests-32b"

// brModToken mints a token for name (role: "admin" or none).
func brModToken(t *testing.T, name, role string) string {
	t.Helper()
	tok, err := service.MintRoleToken([]byte(brModSecret), name, nil, role, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// brModPage opens the page as name, with a token, in room den.
func brModPage(t *testing.T, b context.Context, addr, name, role, lang string) context.Context {
	t.Helper()
	p := page(t, b, "http://"+addr+"/?room=den&lang="+lang+"&username="+url.QueryEscape(name)+"&token="+brModToken(t, name, role), "")
	waitJS(t, p, name+"'s page to connect", `document.body.dataset.state === "connected" && `+titled("# den"))
	return p
}

// brSendError is the message box's error.
const brSendError = `document.getElementById("send-error").textContent`

// brSystemShown is true when a system line of the list ends with text.
func brSystemShown(text string) string {
	return `[...document.querySelectorAll("#messages li.system, #messages li.notice")].some(e => e.textContent.endsWith(` + js(text) + `))`
}

// brModTools is how many moderation buttons the users panel shows.
const brModTools = `document.querySelectorAll("#users .tool").length`

// brDeleteButtons is how many delete buttons the message list shows.
const brDeleteButtons = `document.querySelectorAll("#messages .delete-talk").length`

func TestBrowserModeration(t *testing.T) {
	b := browser(t)
	r := start(t, "-auth-secret", brModSecret, "-msg-rate", "0", "-msg-rate-per-ip", "0")
	alice := brModPage(t, b, r.addr, "alice", model.RoleAdmin, "en")
	carol := brModPage(t, b, r.addr, "carol", "", "en")
	bob := brModPage(t, b, r.addr, "bob", "", "en")
	gopher := brModDial(t, r.addr, "gopher", "")

	// A plain user: no controls, and commands refused here in words.
	brSend(t, gopher, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "den", Content: "spam here"})
	spam := brUntil(t, gopher, model.TypeTalk, "spam here")
	waitJS(t, bob, "the talk at bob", messageShown("spam here"))
	if n := eval[int](t, bob, brModTools+" + "+brDeleteButtons); n != 0 {
		t.Fatalf("a plain user sees %d moderation controls", n)
	}
	typeAndEnter(t, bob, "/kick carol")
	waitJS(t, bob, "the local refusal", brSendError+` === "Only a moderator may use /kick here" && document.getElementById("message").value === "/kick carol"`)
	eval[string](t, bob, `document.getElementById("message").value = ""`)

	// The admin sees controls, and names carol a moderator.
	waitJS(t, alice, "the admin's controls", `document.querySelector('#users li[data-name="bob"] .tool.kick') !== null && `+brDeleteButtons+" > 0")
	typeAndEnter(t, alice, "/mod carol")
	for who, p := range map[string]context.Context{"alice": alice, "bob": bob} {
		waitJS(t, p, "the role line at "+who, brSystemShown("alice made carol a moderator"))
	}
	waitJS(t, carol, "carol's controls", `document.querySelector('#users li[data-name="bob"] .tool.mute') !== null && `+
		`document.querySelector('#users li[data-name="alice"] .tool') === null && `+brDeleteButtons+" > 0")

	brModLocalRefusals(t, carol)

	// bob finds the talk by searching; it will be deleted under his eyes.
	click(t, bob, "#search-toggle")
	if err := chromedp.Do(bob, chromedp.SendKeys("#search-query", "spam"), chromedp.Click("#search-go")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, bob, "the search result", `[...document.querySelectorAll("#search-results .result .content")].map(e => e.textContent).join() === "spam here"`)

	// Delete by the button (keyboard reachable, labelled): a tombstone everywhere.
	del := `#messages li[data-seq="` + strconv.FormatUint(spam.Seq, 10) + `"] button.delete-talk`
	if got := eval[string](t, carol, `document.querySelector(`+js(del)+`).getAttribute("aria-label")`); got != "Delete this message of gopher" {
		t.Fatalf("the delete button's label %q", got)
	}
	if err := chromedp.Do(carol, chromedp.Focus(del), enter(false)); err != nil {
		t.Fatal(err)
	}
	for who, p := range map[string]context.Context{"carol": carol, "bob": bob} {
		waitJS(t, p, "the tombstone at "+who, messageShown("message deleted by carol")+" && !"+messageShown("spam here"))
	}
	waitJS(t, bob, "the tombstone in the search results", `[...document.querySelectorAll("#search-results .result.deleted .content")].map(e => e.textContent).join() === "message deleted by carol"`)
	click(t, bob, "#search-close")
	if m := until(t, gopher, model.TypeDelete); m.TargetSeq != spam.Seq || m.By != "carol" || m.UserName != "gopher" {
		t.Fatalf("the Go client's delete event: %+v", m)
	}

	brModTopicAndMute(t, b, r.addr, carol, bob)
	brModKickAndBan(t, alice, carol, bob)
}

// brModLocalRefusals: a moderator's commands that the page refuses
// before sending anything, each in words.
func brModLocalRefusals(t *testing.T, p context.Context) {
	t.Helper()
	for line, want := range map[string]string{
		"/kick":                              "Usage: /kick NAME [reason]",
		"/ban bob 10 spam":                   "Not a duration: 10 (write e.g. 30s, 10m, 2h or 7d)",
		"/mute bob 400d":                     "A duration is at most 366 days",
		"/slow often":                        "Usage: /slow SECONDS",
		"/unmute bob please":                 "Usage: /unmute NAME",
		"/mod bob":                           "Only the room's owner or an admin may use /mod here",
		"/topic " + strings.Repeat("长", 101): "A topic has at most 300 bytes",
	} {
		eval[string](t, p, `document.getElementById("message").value = ""`)
		typeAndEnter(t, p, line)
		waitJS(t, p, "the refusal of "+line, brSendError+" === "+js(want))
	}
	eval[string](t, p, `document.getElementById("message").value = ""`)
}

// brModDial connects a Go client with a token, in den.
func brModDial(t *testing.T, addr, name, role string) *websocket.Conn {
	t.Helper()
	h := http.Header{"Username": {name}, "Authorization": {"Bearer " + brModToken(t, name, role)}}
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws?room=den", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	until(t, ws, model.TypeUserList)
	return ws
}

// brModTopicAndMute: a topic in Chinese, shown as typed to a joiner; slow
// mode in the room's header; a muted user's refused talk in words.
func brModTopicAndMute(t *testing.T, b context.Context, addr string, carol, bob context.Context) {
	t.Helper()
	const topic = "今天的话题：发布计划 🚀"
	typeAndEnter(t, carol, "/topic "+topic)
	waitJS(t, bob, "the topic line and header", brSystemShown("carol set the topic: "+topic)+
		` && document.getElementById("room-topic-text").textContent === `+js(topic))
	zhang := brModPage(t, b, addr, "张三", "", "zh")
	waitJS(t, zhang, "the topic shown to a joiner", `document.getElementById("room-topic-text").textContent === `+js(topic)+
		` && !document.getElementById("room-about").hidden`)
	waitJS(t, zhang, "the tombstone in a joiner's history", messageShown("消息已被 carol 删除")+" && !"+messageShown("spam here"))

	typeAndEnter(t, carol, "/slow 10")
	waitJS(t, bob, "slow mode in the header", `document.getElementById("room-slow").textContent === "slow mode: one message every 10 s"`)
	waitJS(t, zhang, "slow mode in Chinese", `document.getElementById("room-slow").textContent === "慢速模式：每人每 10 秒一条消息"`)
	typeAndEnter(t, carol, "/slow 0")
	waitJS(t, bob, "slow mode off", `document.getElementById("room-slow").hidden && `+brSystemShown("carol turned off slow mode"))

	typeAndEnter(t, carol, "/mute bob 10m flooding")
	waitJS(t, bob, "the mute line", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.includes("bob was muted by carol until") && e.textContent.endsWith(": flooding"))`)
	typeAndEnter(t, bob, "can I talk?")
	waitJS(t, bob, "the refusal of a muted talk", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.includes("The server said: you are muted in room den"))`)
	if eval[bool](t, carol, messageShown("can I talk?")) {
		t.Fatal("a muted user's talk reached the room")
	}
	typeAndEnter(t, carol, "/unmute bob")
	waitJS(t, bob, "the unmute line", brSystemShown("bob was unmuted by carol"))
}

// brModKickAndBan: a kick by command, said to the one kicked, who connects
// again; a ban, after which the page stops; the admin's audit trail.
func brModKickAndBan(t *testing.T, alice, carol, bob context.Context) {
	t.Helper()
	// The status says why it reconnects for a moment only: every text it
	// shows is kept.
	eval[any](t, bob, `window.statuses = []; new MutationObserver(() => window.statuses.push(document.getElementById("status").textContent)).observe(document.getElementById("status"), {childList: true, characterData: true, subtree: true}); true`)
	// The users panel's Kick writes the command; the reason is typed after it.
	click(t, carol, `#users li[data-name="bob"] .tool.kick`)
	waitJS(t, carol, "the kick command written", `document.getElementById("message").value === "/kick bob " && document.activeElement?.id === "message"`)
	typeAndEnter(t, carol, "spam")
	waitJS(t, alice, "the kick line", brSystemShown("bob was kicked by carol: spam"))
	waitJS(t, bob, "the kick said", brSystemShown("You were kicked from den by carol: spam"))
	waitJS(t, bob, "bob back after the kick", `document.body.dataset.state === "connected" && `+titled("# den"))
	if !eval[bool](t, bob, `window.statuses.some(s => s.startsWith("Reconnecting in ") && s.endsWith("You were kicked from den by carol: spam"))`) {
		t.Fatalf("the status never said why the page reconnects: %v", eval[[]string](t, bob, `window.statuses`))
	}

	typeAndEnter(t, carol, "/ban bob 2h trolling")
	waitJS(t, alice, "the ban line", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.includes("bob was banned by carol until") && e.textContent.endsWith(": trolling"))`)
	waitJS(t, bob, "the ban stops the page", `document.body.dataset.state === "disconnected" && document.getElementById("status").textContent.includes("den")`)
	t.Logf("bob after the ban: %s", eval[string](t, bob, `document.getElementById("status").textContent`))

	typeAndEnter(t, alice, "/audit")
	waitJS(t, alice, "the audit trail", `!document.getElementById("audit").hidden && [...document.querySelectorAll("#audit-entries tr")].some(tr => tr.textContent.includes("kick") && tr.textContent.includes("spam"))`)
	typeAndEnter(t, carol, "/audit")
	waitJS(t, carol, "a moderator may not read the audit trail", brSendError+` === "Only a server admin may use /audit here"`)
}

// Without -auth-secret nobody has a role: every moderation command is
// refused by the page in words, and nothing is sent; an unknown command
// says so; /help lists what the user may use; "//" sends a leading slash.
func TestBrowserModerationCommandsWithoutAuth(t *testing.T) {
	b := browser(t)
	r := start(t)
	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	waitJS(t, p, "the page to connect", `document.body.dataset.state === "connected"`)
	watcher := brDial(t, r.addr, "watcher")
	until(t, watcher, model.TypeUserList)
	for line, want := range map[string]string{
		"/kick watcher spam": "Only a moderator may use /kick here",
		"/TOPIC hello":       "Only a moderator may use /topic here",
		"/mod watcher":       "Only the room's owner or an admin may use /mod here",
		"/shrug":             "Unknown command /shrug: /help lists the commands (type // to send a message starting with /)",
	} {
		eval[string](t, p, `document.getElementById("message").value = ""`)
		typeAndEnter(t, p, line)
		waitJS(t, p, "the refusal of "+line, brSendError+" === "+js(want))
	}
	eval[string](t, p, `document.getElementById("message").value = ""`)
	typeAndEnter(t, p, "/help")
	waitJS(t, p, "the help", `[...document.querySelectorAll("#messages li.notice li")].map(e => e.textContent.split(" — ")[0]).join() === "/help"`)
	typeAndEnter(t, p, "//shrug")
	if m := brUntil(t, watcher, model.TypeTalk, "/shrug"); m.UserName != "alice" {
		t.Fatalf("the watcher got %+v", m)
	}
	if strings.Contains(eval[string](t, p, `document.getElementById("messages").textContent`), "kick") {
		t.Fatal("a refused command reached the room")
	}
	if n := eval[int](t, p, brModTools+" + "+brDeleteButtons); n != 0 {
		t.Fatalf("a user without a role sees %d moderation controls", n)
	}
}

// A ban from the whole server (an admin's, here a Go client's): the page
// says the server's reason and does not connect again.
func TestBrowserModerationServerBan(t *testing.T) {
	b := browser(t)
	r := start(t, "-auth-secret", brModSecret)
	bob := brModPage(t, b, r.addr, "bob", "", "en")
	admin := brModDial(t, r.addr, "root", model.RoleAdmin)
	brSend(t, admin, &model.ChatRoomRequest{Type: model.TypeBan, To: "bob", Server: true, Content: "abuse"})
	waitJS(t, bob, "the ban said, and no reconnect", `document.body.dataset.state === "disconnected" && document.getElementById("status").textContent === "Disconnected — The server closed the connection: you are banned from this server: abuse"`)
	if got := eval[string](t, bob, `document.getElementById("connect").textContent`); got != "Connect" {
		t.Fatalf("the page's button says %q: a retry is due", got)
	}
}

// A deleted talk older than what the room replays to a joiner comes back
// as its tombstone when the page scrolls back (from the store).
func TestBrowserModerationTombstoneInScrollBack(t *testing.T) {
	b := browser(t)
	r := start(t, "-auth-secret", brModSecret, "-history", "1")
	gopher := brModDial(t, r.addr, "gopher", "")
	root := brModDial(t, r.addr, "root", model.RoleAdmin)
	brSend(t, gopher, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "den", Content: "to be deleted"})
	doomed := brUntil(t, root, model.TypeTalk, "to be deleted")
	brSend(t, root, &model.ChatRoomRequest{Type: model.TypeDelete, Room: "den", TargetSeq: doomed.Seq})
	until(t, root, model.TypeDelete)
	brSend(t, gopher, &model.ChatRoomRequest{Type: model.TypeTalk, Room: "den", Content: "after"})
	brUntil(t, root, model.TypeTalk, "after")

	bob := brModPage(t, b, r.addr, "bob", "", "en")
	waitJS(t, bob, "the one talk replayed", messageShown("after")+" && !"+messageShown("message deleted by root"))
	if err := chromedp.Do(bob, chromedp.Focus("#messages"), chromedp.KeyEvent(kb.PageUp)); err != nil {
		t.Fatal(err)
	}
	line := `#messages li[data-seq="` + strconv.FormatUint(doomed.Seq, 10) + `"]`
	waitJS(t, bob, "the tombstone read back", `document.querySelector(`+js(line)+`)?.classList.contains("deleted") && `+messageShown("message deleted by root")+" && !"+messageShown("to be deleted"))
}

// The creator of a room is its owner (the page offers /mod there); kicked
// from a room that is not its home room, the page drops that room, says
// why in the room shown, and stays connected.
func TestBrowserModerationKickFromSecondRoom(t *testing.T) {
	b := browser(t)
	r := start(t, "-auth-secret", brModSecret)
	bob := page(t, b, "http://"+r.addr+"/?room=den&room=side&lang=en&username=bob&token="+brModToken(t, "bob", ""), "")
	waitJS(t, bob, "bob in den and side", `document.body.dataset.state === "connected" && `+listed("room", "den")+" && "+listed("room", "side"))
	click(t, bob, conversation("room", "side"))
	waitJS(t, bob, "side shown", titled("# side"))
	typeAndEnter(t, bob, "/help")
	waitJS(t, bob, "the owner's commands", `[...document.querySelectorAll("#messages li.notice li")].some(e => e.textContent.startsWith("/mod NAME"))`)

	root := brModDial(t, r.addr, "root", model.RoleAdmin)
	brSend(t, root, &model.ChatRoomRequest{Type: model.TypeKick, Room: "side", To: "bob", Content: "off topic"})
	waitJS(t, bob, "side dropped, the kick said in den", "!("+listed("room", "side")+") && "+titled("# den")+" && "+brSystemShown("You were kicked from side by root: off topic"))
	if got := eval[string](t, bob, `document.body.dataset.state`); got != "connected" {
		t.Fatalf("after a kick from a room not its home, the page is %s", got)
	}
}

// The operator's message (the server API's, from "server") is marked as a
// notice from the operator.
func TestBrowserModerationOperatorNotice(t *testing.T) {
	b := browser(t)
	const key = "an-api-key-for-browser-tests"
	r := start(t, "-api-key", key)
	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	waitJS(t, p, "the page to connect", `document.body.dataset.state === "connected" && `+titled("# lobby"))
	req, err := http.NewRequest(http.MethodPost, "http://"+r.addr+"/api/rooms/lobby/messages", strings.NewReader(`{"content":"maintenance at 22:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/rooms/lobby/messages: %s", resp.Status)
	}
	waitJS(t, p, "the operator's notice", `[...document.querySelectorAll("#messages li.operator")].some(e => e.title === "A notice from the server's operator" && e.querySelector(".sender").textContent === "server" && e.querySelector(".content").textContent === "maintenance at 22:00")`)
}
