package chatserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"chatroom/model"
)

// Presence at scale in the browser (model/chat_message.proto), in headless
// Chromium against a real server with a small -presence-limit: the users
// panel shows the room's count; joins within a window come as one presence
// frame and are all listed; past the limit the panel shows the count and
// the list a page at a time, with "more" and a find box; below it again,
// the whole list.

// usersTitled is true when the users panel's title is text.
func usersTitled(text string) string {
	return `document.getElementById("users-title").textContent === ` + js(text)
}

// usersListed is how many names the users panel lists.
const usersListed = `document.querySelectorAll("#users li").length`

// usersMoreShown is true when the users panel offers the next page.
const usersMoreShown = `!document.getElementById("users-more").hidden`

// eventLine is true when the message list says line for a per-user join
// or leave: a system line with the event's seq.
func eventLine(line string) string {
	return `[...document.querySelectorAll("#messages li.system")].some(e => e.dataset.seq !== undefined && e.textContent.endsWith(` + js(line) + `))`
}

// presenceLine is true when the message list says line as the page's own
// words for a presence frame: a system line without a seq (per-user joins
// and leaves carry theirs).
func presenceLine(line string) string {
	return `[...document.querySelectorAll("#messages li.system")].some(e => e.dataset.seq === undefined && e.textContent.endsWith(` + js(line) + `))`
}

func TestBrowserPresenceAtScale(t *testing.T) {
	b := browser(t)
	r := start(t, "-presence-limit", "5", "-join-rate-per-ip", "0")
	base := "http://" + r.addr + "/?username="
	alice := page(t, b, base+"alice&lang=en", "")
	waitJS(t, alice, "alice to connect", `document.body.dataset.state === "connected"`)
	waitJS(t, alice, "the count", usersTitled("1 online"))

	// Three join at once: the page hears of them in presence frames.
	few := map[string]*websocket.Conn{}
	for _, name := range []string{"bob", "carol", "dave"} {
		few[name] = dial(t, r.addr, name)
	}
	waitJS(t, alice, "the three listed", userShown("bob")+" && "+userShown("carol")+" && "+userShown("dave")+" && "+usersTitled("4 online"))
	waitJS(t, alice, "their joins said", presenceLine("bob joined")+" && "+presenceLine("dave joined"))
	if eval[bool](t, alice, `!document.getElementById("users-find").hidden || `+usersMoreShown) {
		t.Fatal("a small room's panel offers a find box or more pages")
	}

	// Past the limit: the count, and the list a page (100) at a time.
	crowd := make([]*websocket.Conn, 0, 116)
	for i := range 116 {
		crowd = append(crowd, dial(t, r.addr, fmt.Sprintf("u%03d", i)))
	}
	waitJS(t, alice, "the count of a large room", usersTitled("120 online"))
	waitJS(t, alice, "the line saying so", presenceLine("Many are here now: joins and leaves are no longer shown"))
	waitJS(t, alice, "the first page", usersListed+" === 100 && "+usersMoreShown+` && !document.getElementById("users-find").hidden`)
	zhang := page(t, b, base+"%E5%BC%A0%E4%B8%89&lang=zh", "")
	waitJS(t, zhang, "a joiner's count, in Chinese", usersTitled("121 人在线")+" && "+usersListed+" === 100")
	waitJS(t, alice, "the count of the one more", usersTitled("121 online"))

	// The next page, by keyboard.
	if err := chromedp.Do(alice, chromedp.Focus("#users-more"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, alice, "the second page", usersListed+" === 121 && !("+usersMoreShown+")")
	if !eval[bool](t, alice, userShown("u115")+" && "+userShown("张三")) {
		t.Fatal("the last names are not listed after the second page")
	}

	// The find box asks for the names that start with what it holds.
	if err := chromedp.Do(alice, chromedp.SendKeys("#users-filter", "U10")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, alice, "u100 to u109 found", usersListed+` === 10 && [...document.querySelectorAll("#users li")].every(e => e.dataset.name.startsWith("u10"))`)
	if err := chromedp.Do(alice, chromedp.SendKeys("#users-filter", "x"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, alice, "no one found", usersListed+` === 0 && document.getElementById("users-status").textContent === "No one online has a name starting with U10x"`)

	// Below nine tenths of the limit again: the whole list, kept by events.
	for _, ws := range crowd {
		ws.Close()
	}
	few["bob"].Close()
	for what, p := range map[string]context.Context{"alice": alice, "张三": zhang} {
		waitJS(t, p, what+"'s whole list", usersListed+" === 4 && "+userShown("carol")+" && "+userShown("dave")+` && document.getElementById("users-find").hidden && !(`+usersMoreShown+")")
	}
	waitJS(t, zhang, "the count in Chinese", usersTitled("4 人在线")+" && "+presenceLine("重新显示加入和离开"))
	few["carol"].Close()
	waitJS(t, alice, "a leave in a small room again", "!"+userShown("carol")+" && "+usersTitled("3 online")+" && "+presenceLine("carol left"))
}

// A server that does not coalesce (one written before presence at scale;
// here the same server behind a proxy that drops the page's ask): joins
// and leaves come one by one, and the page keeps its list and count by
// them.
func TestBrowserPresenceOneByOne(t *testing.T) {
	b := browser(t)
	r := start(t)
	p := page(t, b, "http://"+olderServer(t, r.addr)+"/?username=alice&lang=en", "")
	waitJS(t, p, "alice to connect", `document.body.dataset.state === "connected" && `+usersTitled("1 online"))
	bob := dial(t, r.addr, "bob")
	waitJS(t, p, "bob's join, one by one", userShown("bob")+" && "+usersTitled("2 online")+" && "+eventLine("bob joined"))
	bob.Close()
	waitJS(t, p, "bob's leave, one by one", "!"+userShown("bob")+" && "+usersTitled("1 online")+" && "+eventLine("bob left"))
}

// olderServer serves the server at addr on an address of its own, as a
// server that knows nothing of coalesced presence would: the handshake's
// presence parameter is dropped on the way.
func olderServer(t *testing.T, addr string) string {
	t.Helper()
	target := &url.URL{Scheme: "http", Host: addr}
	proxy := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.Out.Host = pr.In.Host // the page's origin is the proxy's
		q := pr.Out.URL.Query()
		q.Del(model.PresenceParam)
		pr.Out.URL.RawQuery = q.Encode()
	}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: proxy}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// A page asked for more often than the server's user list limit lets
// through is refused; the page asks again in a moment (the connection's
// next token comes 3 s after the last) and shows it, and the refusal is
// not shown as an error.
func TestBrowserPresencePageAskedTooOften(t *testing.T) {
	b := browser(t)
	r := start(t, "-presence-limit", "2", "-userlist-burst", "1", "-userlist-interval", "3s", "-join-rate-per-ip", "0")
	for i := range 104 { // more than a page: what is typed is asked for
		dial(t, r.addr, fmt.Sprintf("u%03d", i))
	}
	p := page(t, b, "http://"+r.addr+"/?username=alice&lang=en", "")
	waitJS(t, p, "the first page, sent to a joiner", usersTitled("105 online")+" && "+usersListed+" === 100")
	setFilter := func(text string) {
		t.Helper()
		eval[any](t, p, `document.getElementById("users-filter").value = ""`)
		if err := chromedp.Do(p, chromedp.SendKeys("#users-filter", text), enter(false)); err != nil {
			t.Fatal(err)
		}
	}
	setFilter("u10") // the connection's one user list at once
	waitJS(t, p, "u100 to u103", usersListed+" === 4")
	setFilter("u0") // refused, asked again every 2.5 s
	waitJSWithin(t, p, 2*waitTime, "u000 to u099", usersListed+` === 100 && [...document.querySelectorAll("#users li")].every(e => e.dataset.name.startsWith("u0"))`)
	if n := scrape(t, nil, r.metrics, "chatroom_userlist_limited_total"); n < 1 {
		t.Fatalf("%v user lists refused: the page was not limited, the test tests nothing", n)
	}
	if got := eval[string](t, p, `document.getElementById("users-status").textContent + [...document.querySelectorAll("#messages li")].map(e => e.textContent).join()`); got != "" {
		t.Fatalf("the refusal was shown: %q", got)
	}
}
