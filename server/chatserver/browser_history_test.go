package chatserver

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service"
)

// The browser client's durable history, in headless Chromium against a
// real server keeping it on disk: scrolling back to a room's and a DM's
// beginning, searching (Chinese) and jumping to a result, catching up
// after the server restarts, and a gap notice.

// shownTalks is the text of every talk of the conversation shown, top to bottom.
func shownTalks(t *testing.T, p context.Context) []string {
	t.Helper()
	return eval[[]string](t, p, `[...document.querySelectorAll("#messages li .content")].map(e => e.textContent)`)
}

// numbered is n texts: prefix and 0, 1, … n-1, padded to sort.
func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %03d", prefix, i)
	}
	return out
}

// sayAll sends each text in turn to room (or, with to, as direct messages)
// from ws, and waits for the last one's echo.
func sayAll(t *testing.T, ws *websocket.Conn, room, to string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		brSend(t, ws, &model.ChatRoomRequest{Type: model.TypeTalk, Room: room, To: to, Content: text})
	}
	brUntil(t, ws, model.TypeTalk, texts[len(texts)-1])
}

// recordMarkers keeps every text the top line of a conversation's list
// shows (loading, the beginning) in window.markers.
func recordMarkers(t *testing.T, p context.Context) {
	t.Helper()
	eval[bool](t, p, `(() => { window.markers = []; new MutationObserver(() => {
		for (const m of document.querySelectorAll("#messages .marker")) { if (window.markers.at(-1) !== m.textContent) window.markers.push(m.textContent) }
	}).observe(document.getElementById("chat"), { subtree: true, childList: true, characterData: true }); return true })()`)
}

// wheelUp turns the mouse wheel up over the message list. (As an event
// the page dispatches: DevTools' mouseWheel wants a non-zero deltaX, which
// its client leaves out when zero.)
func wheelUp(t *testing.T, p context.Context) {
	t.Helper()
	eval[bool](t, p, `document.getElementById("messages").dispatchEvent(new WheelEvent("wheel", { deltaY: -400, bubbles: true }))`)
}

// scrollToBeginning scrolls the conversation shown to its top (a list too
// short to scroll: turns the wheel up on it) until the page says it shows
// the beginning (at most pages times). Each page read keeps in view the
// line that was at the top.
func scrollToBeginning(t *testing.T, p context.Context, pages int) {
	t.Helper()
	const count = `document.querySelectorAll("#messages li[data-seq]").length`
	for range pages {
		if eval[bool](t, p, `document.querySelector("#messages .marker.beginning") !== null`) {
			return
		}
		held := eval[int](t, p, count)
		scrollable := eval[bool](t, p, `(() => { const l = document.getElementById("messages"); window.topLine = l.querySelector("li[data-seq]");
			const can = l.scrollHeight - l.clientHeight > 80; l.scrollTop = 0; return can })()`)
		if !scrollable {
			wheelUp(t, p)
		}
		waitJS(t, p, "an older page", fmt.Sprintf(`%s > %d || document.querySelector("#messages .marker.beginning") !== null`, count, held))
		// Where the old top line is from the list's top: about where it was
		// (a list too short to scroll has nothing to keep).
		if !scrollable {
			continue
		}
		if at := eval[float64](t, p, `window.topLine.getBoundingClientRect().top - document.getElementById("messages").getBoundingClientRect().top`); at < -5 || at > 80 {
			t.Errorf("the line at the top before the page came is %v px from the list's top after: the place was not kept", at)
		}
	}
	waitJS(t, p, "the beginning", `document.querySelector("#messages .marker.beginning") !== null`)
}

// A room with three pages of talks: the page shows the last ones at
// joining, and scrolling up reads the rest, each talk once, in order,
// "loading" while it waits, to "Beginning of the room".
func TestBrowserScrollsBack(t *testing.T) {
	b := browser(t)
	r := start(t, "-data-dir", t.TempDir(), "-msg-rate", "0", "-msg-rate-per-ip", "0", "-history", "50")
	base := "http://" + r.addr + "/?"
	gopher := brDial(t, r.addr, "gopher", "old")
	until(t, gopher, model.TypeUserList)
	said := numbered("old talk", 130)
	sayAll(t, gopher, "old", "", said...)

	alice := page(t, b, base+"username=alice&lang=en&room=old", "")
	waitJS(t, alice, "the last talks", messageShown(said[129]))
	if got := shownTalks(t, alice); !slices.Equal(got, said[80:]) {
		t.Fatalf("at joining the page shows %d talks %q…, want the last 50", len(got), got[:min(3, len(got))])
	}
	recordMarkers(t, alice)
	scrollToBeginning(t, alice, 5)
	if got := shownTalks(t, alice); !slices.Equal(got, said) {
		t.Fatalf("after scrolling back the page shows %d talks, want the 130 said, each once, in order: %q", len(got), got)
	}
	markers := eval[[]string](t, alice, `window.markers`)
	if !slices.Contains(markers, "Loading older messages…") || markers[len(markers)-1] != "Beginning of the room" {
		t.Fatalf("the list's top line said %q: want loading, and last the beginning", markers)
	}
}

// A DM conversation scrolls back the same, in Chinese. Names are proven
// by tokens (-auth-secret): only then does a new session of a name read
// the direct messages of the one before (a reload, here).
func TestBrowserScrollsBackDirectMessages(t *testing.T) {
	b := browser(t)
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-data-dir", t.TempDir(), "-msg-rate", "0", "-msg-rate-per-ip", "0", "-auth-secret", secret)
	token := func(name string) string {
		tok, err := service.MintToken([]byte(secret), name, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	zhang := page(t, b, "http://"+r.addr+"/?username=%E5%BC%A0%E4%B8%89&token="+token("张三"), "zh-CN,zh")
	waitJS(t, zhang, "张三 to connect", `document.body.dataset.state === "connected"`)
	gopher, _, err := websocket.DefaultDialer.Dial("ws://"+r.addr+"/ws?token="+token("gopher"), http.Header{"Username": {"gopher"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gopher.Close() })
	until(t, gopher, model.TypeUserList)
	dms := numbered("私信", 70)
	sayAll(t, gopher, "", "张三", dms...)
	waitJS(t, zhang, "the DMs listed", listed("dm", "gopher"))
	if err := chromedp.Do(zhang, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitJS(t, zhang, "张三 back, gopher in the room", `document.body.dataset.state === "connected" && `+userShown("gopher")+" && !("+listed("dm", "gopher")+")")
	click(t, zhang, `#users li[data-name="gopher"] button`)
	waitJS(t, zhang, "the DM's latest page", titled("@ gopher")+" && "+messageShown(dms[69]))
	if got := shownTalks(t, zhang); !slices.Equal(got, dms[20:]) {
		t.Fatalf("the DM conversation opens with %d talks, want the last 50", len(got))
	}
	scrollToBeginning(t, zhang, 5)
	if got := shownTalks(t, zhang); !slices.Equal(got, dms) {
		t.Fatalf("after scrolling back the DM shows %d talks, want the 70, each once, in order", len(got))
	}
	if got := eval[string](t, zhang, `document.querySelector("#messages .marker.beginning").textContent`); got != "已到会话的开头" {
		t.Fatalf("the DM's beginning says %q", got)
	}
}

// Search in Chinese: 你好 finds the talks with those two characters
// together, newest first, a page and "more" at a time; a result held is
// scrolled to and highlighted; one not held (older than what the join
// showed) is read in, the conversation staying whole, and highlighted.
// Run with CHATROOM_SCREENSHOT_DIR set, it remakes docs/browser-search.png.
func TestBrowserSearchFindsAndJumps(t *testing.T) {
	b := browser(t)
	r := start(t, "-data-dir", t.TempDir(), "-msg-rate", "0", "-msg-rate-per-ip", "0", "-history", "50")
	gopher := brDial(t, r.addr, "gopher")
	until(t, gopher, model.TypeUserList)
	said := append([]string{"你好，老朋友"}, numbered("filler", 300)...)
	said = append(said, numbered("你好", 24)...)
	said = append(said, "大家你好", "你 好：不相连的两个字")
	sayAll(t, gopher, "", "", said...)

	p := page(t, b, "http://"+r.addr+"/?username=%E5%BC%A0%E4%B8%89", "zh-CN,zh")
	waitJS(t, p, "the last talks", messageShown(said[len(said)-1]))
	click(t, p, "#search-toggle")
	waitJS(t, p, "the search box, focused", `!document.getElementById("search").hidden && document.activeElement?.id === "search-query"`)
	if err := chromedp.Do(p, chromedp.SendKeys("#search-query", "你好"), chromedp.Click("#search-go")); err != nil {
		t.Fatal(err)
	}
	const results = `[...document.querySelectorAll("#search-results .result .content")].map(e => e.textContent)`
	waitJS(t, p, "the first page of results", results+`.length === 20 && !document.getElementById("search-more").hidden`)
	first := eval[[]string](t, p, results)
	if first[0] != "大家你好" || first[1] != "你好 023" {
		t.Fatalf("results %q, want the newest first", first[:2])
	}
	if who := eval[string](t, p, `document.querySelector("#search-results .result .sender").textContent + "|" + document.querySelector("#search-results .result .time").textContent`); who == "" || who[:7] != "gopher|" || len(who) < 12 {
		t.Fatalf("a result shows %q: want its sender and time", who)
	}
	click(t, p, "#search-more")
	waitJS(t, p, "every result", results+`.length === 26 && document.getElementById("search-more").hidden`)
	all := eval[[]string](t, p, results)
	if all[25] != "你好，老朋友" || slices.Contains(all, "你 好：不相连的两个字") {
		t.Fatalf("results %q: want the oldest last, and not the talk with 你 and 好 apart", all)
	}
	if got := eval[string](t, p, `document.getElementById("search-status").textContent`); got != "找到 26 条，最新的在前" {
		t.Fatalf("search status %q", got)
	}

	const highlighted = `(document.querySelector("#messages li.highlight .content")?.textContent ?? "")`
	const inView = `(() => { const l = document.getElementById("messages"), h = l.querySelector("li.highlight"); if (!h) return false;
		const a = h.getBoundingClientRect(), b = l.getBoundingClientRect(); return a.top >= b.top && a.bottom <= b.bottom })()`
	click(t, p, `#search-results li:nth-child(5) .result`)
	waitJS(t, p, "a result held, highlighted", highlighted+` === "你好 020" && `+inView)
	if err := chromedp.Do(p, chromedp.Click(`#search-results li:last-child .result`)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the oldest result read in and highlighted", highlighted+` === "你好，老朋友" && `+inView)
	if got := shownTalks(t, p); !slices.Equal(got, said) {
		t.Fatalf("after the jump the room shows %d talks: want all %d, each once, in order", len(got), len(said))
	}
	if got := eval[string](t, p, `document.querySelector("#messages .marker.beginning")?.textContent ?? ""`); got != "已到房间的开头" {
		t.Fatalf("the room's beginning says %q", got)
	}
	if dir := os.Getenv("CHATROOM_SCREENSHOT_DIR"); dir != "" {
		eval[bool](t, p, `(() => { document.getElementById("search").scrollTop = 0; document.activeElement?.blur(); return true })()`)
		away := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error { // no result looks hovered
			_, err := cdp.Call(ctx, tg, input.DispatchMouseEvent, input.DispatchMouseEventParams{Type: input.DispatchMouseEventTypeMouseMoved, X: 1, Y: 1})
			return err
		})
		if err := chromedp.Do(p, away); err != nil {
			t.Fatal(err)
		}
		screenshot(t, filepath.Join(dir, "browser-search.png"), shot{p, 1000, 640, false})
	}
	// Escape closes the search, and the keyboard is back on its button.
	if err := chromedp.Do(p, chromedp.Focus("#search-query"), chromedp.KeyEvent(kb.Escape)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the search closed", `document.getElementById("search").hidden && document.activeElement?.id === "search-toggle"`)
}

// A result further back than a jump reads page by page (five pages of 200,
// the list limiter's burst spent on the way and waited out) is shown on
// its own: the page ending at it, highlighted, a line saying the later
// messages are not shown, and a button that reads the latest again.
func TestBrowserJumpsFarBack(t *testing.T) {
	b := browser(t)
	r := start(t, "-data-dir", t.TempDir(), "-msg-rate", "0", "-msg-rate-per-ip", "0", "-history", "50")
	gopher := brDial(t, r.addr, "gopher")
	until(t, gopher, model.TypeUserList)
	said := append([]string{"远古的问候"}, numbered("filler", 1300)...)
	sayAll(t, gopher, "", "", said...)

	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	waitJS(t, p, "the last talks", messageShown(said[len(said)-1]))
	click(t, p, "#search-toggle")
	if err := chromedp.Do(p, chromedp.SendKeys("#search-query", "远古"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the one result", `document.querySelectorAll("#search-results .result").length === 1`)
	click(t, p, "#search-results .result")
	const highlighted = `(document.querySelector("#messages li.highlight .content")?.textContent ?? "")`
	waitJSWithin(t, p, 3*waitTime, "the far result shown on its own", highlighted+` === "远古的问候" && document.querySelector("#messages li.notice button.latest") !== null`)
	if got := shownTalks(t, p); !slices.Equal(got, said[:1]) {
		t.Fatalf("the far result's page shows %d talks %q…, want the page ending at it", len(got), got[:min(3, len(got))])
	}
	if got := eval[string](t, p, `document.querySelector("#messages li.notice span").textContent`); got != "Later messages up to the latest are not shown here Show the latest messages" {
		t.Fatalf("the notice says %q", got)
	}
	click(t, p, "#messages li.notice button.latest")
	waitJSWithin(t, p, 2*waitTime, "the latest again", messageShown(said[len(said)-1])+` && !`+messageShown(said[0]))
	if got := shownTalks(t, p); !slices.Equal(got, said[len(said)-50:]) {
		t.Fatalf("the latest page shows %d talks, want the last 50", len(got))
	}
}
