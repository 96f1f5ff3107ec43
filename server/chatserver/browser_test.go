package chatserver

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"chatroom/internal/faultnet"
	"chatroom/model"
	"chatroom/service"
	"chatroom/web"
)

// The browser client in a real headless Chromium (Debian's chromium; the
// test command installs it). Without a browser these tests skip, unless
// CHATROOM_BROWSER_TESTS=required (the test command sets it), when they fail.

// browser starts a headless Chromium for the test and returns its context;
// each page is a new tab of it (see page).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CHATROOM_BROWSER_TESTS") == "required" {
			t.Fatal("no Chromium found (apt-get install chromium), and CHATROOM_BROWSER_TESTS=required")
		}
		t.Skip("no Chromium found: apt-get install chromium to run the browser tests")
	}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in a container
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 640),
		// This machine has no network beyond loopback: no background
		// traffic, no QUIC, no updates.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	return ctx
}

// page opens url in a new tab; acceptLanguage, if set, is the browser's
// language for it (navigator.languages).
func page(t *testing.T, browser context.Context, url, acceptLanguage string) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	var steps []chromedp.Action[chromedp.Void]
	if acceptLanguage != "" {
		steps = append(steps, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: "Mozilla/5.0 chatroom-test", AcceptLanguage: acceptLanguage})
			return err
		}))
	}
	steps = append(steps, chromedp.Navigate(url))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	return ctx
}

// waitJS polls the page until the JavaScript expression is true.
func waitJS(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	waitJSWithin(t, ctx, waitTime, what, expr)
}

// waitJSWithin is waitJS for what comes late by design.
func waitJSWithin(t *testing.T, ctx context.Context, d time.Duration, what, expr string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("status").textContent`))
		t.Fatalf("waiting for %s (%s): %v; the page's status: %q", what, expr, err, status)
	}
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// js quotes s as a JavaScript string literal.
func js(s string) string {
	return fmt.Sprintf("%q", s) // Go's quoting is valid JavaScript for these strings
}

func messageShown(content string) string {
	return `[...document.querySelectorAll("#messages li .content")].some(e => e.textContent === ` + js(content) + `)`
}

func userShown(name string) string {
	return `[...document.querySelectorAll("#users li")].some(e => e.dataset.name === ` + js(name) + `)`
}

// enter presses Enter (with Shift, if shift) as a keyboard does: one
// keydown that carries the text, so that a handler that prevents the
// keydown's default prevents the new line. (chromedp's Enter sends the
// text in a separate char event, which no handler can prevent.)
func enter(shift bool) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		key := input.DispatchKeyEventParams{Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
		if shift {
			key.Modifiers = int64(chromedp.ModifierShift)
		}
		down, up := key, key
		down.Type, down.Text, down.UnmodifiedText = input.DispatchKeyEventTypeKeyDown, "\r", "\r"
		up.Type = input.DispatchKeyEventTypeKeyUp
		for _, k := range []input.DispatchKeyEventParams{down, up} {
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// typeAndEnter types text in the message box and presses Enter.
func typeAndEnter(t *testing.T, ctx context.Context, text string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys("#message", text), enter(false)); err != nil {
		t.Fatal(err)
	}
}

// Two browser users and a Go client in one room: messages both ways,
// Chinese included, the user list on join and leave, the page's language
// from the browser's. (The README's picture is TestBrowserChatRooms'.)
func TestBrowserChat(t *testing.T) {
	b := browser(t)
	r := start(t)
	base := "http://" + r.addr + "/"

	alice := page(t, b, base+"?username=alice", "en-US,en")
	waitJS(t, alice, "alice to connect", `document.body.dataset.state === "connected"`)
	if got := eval[string](t, alice, `document.getElementById("status").textContent`); got != "Connected as alice" {
		t.Fatalf("alice's status %q", got)
	}
	zhang := page(t, b, base+"?username="+"%E5%BC%A0%E4%B8%89", "zh-CN,zh")
	waitJS(t, zhang, "张三 to connect", `document.body.dataset.state === "connected"`)
	if got := eval[string](t, zhang, `document.getElementById("status").textContent`); got != "已连接：张三" {
		t.Fatalf("张三's status %q: the page should follow the browser's language", got)
	}
	waitJS(t, alice, "张三 in alice's list", userShown("张三"))

	goUser := dial(t, r.addr, "gopher")
	until(t, goUser, model.TypeUserList)
	for _, p := range []context.Context{alice, zhang} {
		waitJS(t, p, "gopher in the list", userShown("gopher"))
	}
	if got := eval[string](t, zhang, `document.getElementById("users-title").textContent`); got != "3 人在线" {
		t.Fatalf("张三's user list title %q", got)
	}

	// Browser to browser and to Go, in Chinese; Shift+Enter is a new line.
	if err := chromedp.Do(zhang,
		chromedp.SendKeys("#message", "你好，alice！"),
		enter(true),
		chromedp.SendKeys("#message", "第二行"),
		enter(false),
	); err != nil {
		t.Fatal(err)
	}
	const fromZhang = "你好，alice！\n第二行"
	waitJS(t, alice, "张三's talk at alice", messageShown(fromZhang))
	if m := until(t, goUser, model.TypeTalk); m.UserName != "张三" || m.Content != fromZhang {
		t.Fatalf("the Go client got %+v", m)
	}
	if got := eval[string](t, zhang, `document.getElementById("message").value`); got != "" {
		t.Fatalf("the message box kept %q after sending", got)
	}
	typeAndEnter(t, alice, "hi 张三 😀")
	waitJS(t, zhang, "alice's talk at 张三", messageShown("hi 张三 😀"))
	// Go to both browsers.
	send(t, goUser, model.TypeTalk, "来自 Go 的问候")
	for _, p := range []context.Context{alice, zhang} {
		waitJS(t, p, "the Go client's talk", messageShown("来自 Go 的问候"))
	}

	// A late joiner sees the history; a leave reaches the pages.
	late := page(t, b, base+"?username=late&lang=en", "")
	waitJS(t, late, "the history", messageShown(fromZhang)+" && "+messageShown("来自 Go 的问候"))
	send(t, goUser, model.TypeExit, "")
	for _, p := range []context.Context{alice, zhang, late} {
		waitJS(t, p, "gopher's leave", "!"+userShown("gopher"))
	}
	waitJS(t, alice, "the leave line", `[...document.querySelectorAll("#messages li.system")].some(e => e.textContent.endsWith("gopher left"))`)
}

// What users type is text, never markup: a message and a name that look
// like HTML show as themselves and run nothing.
func TestBrowserShowsMarkupAsText(t *testing.T) {
	b := browser(t)
	r := start(t)
	p := page(t, b, "http://"+r.addr+"/?username=reader&lang=en", "")
	waitJS(t, p, "the page to connect", `document.body.dataset.state === "connected"`)
	const name = `<b onmouseover=alert(1)>bold</b>`
	const attack = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`
	evil := dial(t, r.addr, name)
	until(t, evil, model.TypeUserList)
	send(t, evil, model.TypeTalk, attack)
	waitJS(t, p, "the talk", messageShown(attack))
	waitJS(t, p, "the name", userShown(name))
	checks := map[string]string{
		"no img, script or b element was made": `document.querySelectorAll("#messages img, #messages script, #users b, #messages b").length === 0`,
		"nothing ran":                          `window.pwned === undefined`,
		"the sender shows as typed":            `[...document.querySelectorAll("#messages .sender")].some(e => e.textContent === ` + js(name) + `)`,
	}
	for what, expr := range checks {
		if !eval[bool](t, p, expr) {
			t.Errorf("%s: %s is false", what, expr)
		}
	}
	resp, err := http.Get("http://" + r.addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Content-Security-Policy"); got != web.ContentSecurityPolicy {
		t.Fatalf("Content-Security-Policy %q", got)
	}
}

// Refusals in words: a taken name, a name the server's rules refuse (the
// page checks it before asking), and a name refused by the server itself.
func TestBrowserRefusals(t *testing.T) {
	b := browser(t)
	r := start(t)
	base := "http://" + r.addr + "/?lang=en&username="
	taken := dial(t, r.addr, "alice")
	until(t, taken, model.TypeUserList)

	p := page(t, b, base+"alice", "")
	waitJS(t, p, "the refusal", `document.getElementById("username-error").textContent === "The name alice is taken: someone with it is online"`)
	if state := eval[string](t, p, `document.body.dataset.state`); state != "disconnected" {
		t.Fatalf("state %q after a taken name; a taken name is not retried", state)
	}
	// Inline check, no round trip: 33 characters.
	long := strings.Repeat("名", 33)
	clear := chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[chromedp.Void](`document.getElementById("username").value = ""`)(ctx, t)
		return err
	})
	if err := chromedp.Do(p, clear, chromedp.SendKeys("#username", long), chromedp.Click("#connect")); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "the inline error", `document.getElementById("username-error").textContent === "A username has at most 32 characters"`)
	// Free again: the same page joins with Enter in the name field.
	if err := chromedp.Do(p, clear, chromedp.SendKeys("#username", "bob"), enter(false)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, p, "bob to connect", `document.body.dataset.state === "connected"`)
}

// The connection drops: the page reconnects saying the last seq it saw,
// and shows every talk once (nothing is sent again, and the page
// de-duplicates nothing). The server stops: the page says so; it comes
// back on the same address (with a data directory of its own, a new room):
// the page reconnects by itself and shows the new room's talks.
func TestBrowserReconnects(t *testing.T) {
	b := browser(t)
	r := start(t)
	addr := r.addr
	link := faultnet.New(t, addr)
	p := page(t, b, "http://"+link.Addr()+"/?username=alice&lang=en", "")
	waitJS(t, p, "alice to connect", `document.body.dataset.state === "connected"`)
	for _, text := range []string{"one", "two", "three"} {
		typeAndEnter(t, p, text)
		waitJS(t, p, "alice's talk", messageShown(text))
	}
	lines := func(text string) int {
		return eval[int](t, p, `[...document.querySelectorAll("#messages li .content")].filter(e => e.textContent === `+js(text)+`).length`)
	}

	link.Cut()
	waitJS(t, p, "the page to see the drop", `document.body.dataset.state === "reconnecting"`)
	waitJS(t, p, "the reconnect", `document.body.dataset.state === "connected"`)
	bob := dial(t, addr, "bob")
	until(t, bob, model.TypeUserList)
	send(t, bob, model.TypeTalk, "marker") // after the replayed history
	waitJS(t, p, "bob's talk", messageShown("marker"))
	if n := lines("one"); n != 1 {
		t.Fatalf("%d lines say \"one\" after a reconnect: history shown again", n)
	}
	bob.Close()

	r.cancel()
	if code := r.wait(t); code != 0 {
		t.Fatalf("exit %d", code)
	}
	waitJS(t, p, "the disconnected state", `document.body.dataset.state === "reconnecting" && document.getElementById("status").textContent.includes("Reconnecting in")`)
	if eval[bool](t, p, `document.getElementById("message").readOnly`) != true {
		t.Fatal("the message box stays writable while disconnected")
	}
	r2 := start(t, "-addr", addr)
	waitJS(t, p, "the reconnect to the new server", `document.body.dataset.state === "connected"`)
	carol := dial(t, r2.addr, "carol")
	until(t, carol, model.TypeUserList)
	// The new room's talks are new talks, whatever their seqs.
	for _, text := range []string{"back again", "还在吗"} {
		typeAndEnter(t, p, text)
		if m := until(t, carol, model.TypeTalk); m.Content != text {
			t.Fatalf("carol got %+v", m)
		}
		waitJS(t, p, "the talk on the page", messageShown(text))
	}
}

type shot struct {
	page          context.Context
	width, height int64
	mobile        bool
}

// screenshot renders each page at its size, side by side, into one PNG
// at path (the README's picture: CHATROOM_SCREENSHOT_DIR=$PWD/docs; a relative
// path would be taken from server/chatserver/, where go test runs).
func screenshot(t *testing.T, path string, shots ...shot) {
	t.Helper()
	const gap = 16
	var images []image.Image
	width, height := gap, 0
	for _, s := range shots {
		metrics := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: s.width, Height: s.height, DeviceScaleFactor: 1, Mobile: s.mobile})
			return err
		})
		if err := chromedp.Do(s.page, metrics); err != nil {
			t.Fatal(err)
		}
		waitJS(t, s.page, "the new size", fmt.Sprintf("window.innerWidth === %d", s.width))
		data, err := chromedp.Run(s.page, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, img)
		width += img.Bounds().Dx() + gap
		height = max(height, img.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, width, height+2*gap))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{0x9c, 0xa3, 0xaf, 0xff}), image.Point{}, draw.Src)
	x := gap
	for _, img := range images {
		draw.Draw(out, img.Bounds().Add(image.Pt(x, gap)), img, img.Bounds().Min, draw.Src)
		x += img.Bounds().Dx() + gap
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", path)
}

// The network goes silent without closing (a proxy that stops forwarding):
// the page's pings go unanswered, and it says so and tries again, instead of
// showing "connected" for ever.
func TestBrowserNoticesASilentServer(t *testing.T) {
	b := browser(t)
	r := start(t)
	link := faultnet.New(t, r.addr)
	p := page(t, b, "http://"+link.Addr()+"/?username=alice&lang=en", "")
	waitJS(t, p, "alice to connect", `document.body.dataset.state === "connected"`)
	link.Freeze()
	froze := time.Now()
	// 15 s without a frame (pings every 5 s when quiet) is dead.
	const noHeartbeat = `document.getElementById("status").textContent.includes("No heartbeat from the server")`
	waitJSWithin(t, p, 30*time.Second, "the page to notice the silence", noHeartbeat)
	t.Logf("the page noticed the silence %v after the network froze", time.Since(froze).Round(100*time.Millisecond))
}

// With -auth-secret, the page passes ?token= on; without one it says why.
func TestBrowserWithToken(t *testing.T) {
	b := browser(t)
	const secret = "a-secret-for-tests-32-bytes-long"
	r := start(t, "-auth-secret", secret)
	tok, err := service.MintToken([]byte(secret), "张三", time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := page(t, b, "http://"+r.addr+"/?lang=zh&username=%E5%BC%A0%E4%B8%89&token="+tok, "")
	waitJS(t, p, "张三 to connect with the token", `document.body.dataset.state === "connected"`)
	anon := page(t, b, "http://"+r.addr+"/?lang=en&username=mallory", "")
	waitJS(t, anon, "the refusal", `document.getElementById("status").textContent.startsWith("Disconnected — The server refused: authentication required")`)
}
