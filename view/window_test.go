package view_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"github.com/gorilla/websocket"

	"chatroom/config"
	"chatroom/ctrl"
	"chatroom/internal/chattest"
	"chatroom/internal/poll"
	"chatroom/view"
)

const waitTime = 10 * time.Second

// uiLoop stands in for fyne's main goroutine: the window's updates from
// the session's goroutine queue here and run on the test's goroutine.
type uiLoop struct{ q chan func() }

func newUILoop() *uiLoop { return &uiLoop{q: make(chan func(), 100000)} }

func (u *uiLoop) do(f func()) { u.q <- f }

// uiPoll is how often until runs the UI work queued meanwhile and looks
// again. The queue is the test's to run, so a wait's answer can come this
// much later than the work that brings it: a few ms, against a test's
// tens of ms of network round trips.
const uiPoll = 5 * time.Millisecond

// until runs queued UI work until cond holds, or fails the test.
func (u *uiLoop) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	poll.CheckFor(t, waitTime, uiPoll, func() error {
		u.run()
		return poll.Check(cond(), "%s", what)
	})
}

// run runs the UI work queued so far.
func (u *uiLoop) run() {
	for {
		select {
		case f := <-u.q:
			f()
		default:
			return
		}
	}
}

func startServer(t *testing.T) *chattest.Server {
	cfg := config.DefaultServer()
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0 // a test types faster than people do
	return chattest.Start(t, cfg, "")
}

// client is one desktop client window, driven like a person would.
type client struct {
	t      *testing.T
	ui     *uiLoop
	w      *view.Window
	ctrl   *ctrl.Client
	closed bool // the window was closed by the test
}

func newClient(t *testing.T, ui *uiLoop, opts ctrl.ClientOptions) *client {
	t.Helper()
	w := view.New(fyne.CurrentApp(), ui.do)
	c := ctrl.NewClient(w, opts)
	w.Bind(c)
	w.Win.Show()
	cl := &client{t: t, ui: ui, w: w, ctrl: c}
	t.Cleanup(func() {
		if !cl.closed {
			c.Disconnect()
			w.Win.Close()
		}
	})
	return cl
}

// connected starts a server and one window logged in as name.
func connected(t *testing.T, name string, opts ctrl.ClientOptions) (*client, *uiLoop, *chattest.Server) {
	t.Helper()
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, opts)
	a.w.Win.Resize(fyne.NewSize(820, 560))
	a.login(srv.Addr, name)
	a.waitStatus("Connected as " + name)
	return a, ui, srv
}

func (c *client) login(addr, name string) {
	c.w.Address.SetText("")
	test.Type(c.w.Address, addr)
	c.w.Username.SetText("")
	test.Type(c.w.Username, name)
	test.Tap(c.w.ConnectBtn)
}

func (c *client) waitStatus(want string) {
	c.t.Helper()
	c.ui.until(c.t, "status "+want, func() bool { return strings.Contains(c.w.Status.Text, want) })
}

func (c *client) waitLine(want string) {
	c.t.Helper()
	c.ui.until(c.t, "a line with "+want, func() bool {
		for _, l := range c.w.Lines() {
			if strings.Contains(l, want) {
				return true
			}
		}
		return false
	})
}

// say types text and presses Enter, then waits, as a person would, until
// the send is over (the Send button is back).
func (c *client) say(text string) {
	c.t.Helper()
	c.ui.until(c.t, "the previous send to finish", func() bool { return !c.w.SendBtn.Disabled() })
	c.w.Input.SetText(text)
	c.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	c.ui.until(c.t, "the send to finish", func() bool { return !c.w.SendBtn.Disabled() })
}

func userNames(w *view.Window) []string {
	var names []string
	for _, u := range w.Users() {
		names = append(names, u.Name)
	}
	return names
}

func TestMain(m *testing.M) {
	view.LoadTranslations("en")
	os.Exit(m.Run())
}

func TestConnectSendAndSeeIt(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{})
	if !a.w.Input.Disabled() {
		t.Fatal("the input is enabled while disconnected")
	}
	a.login(srv.Addr, "alice")
	a.waitStatus("Connected as alice")
	ui.until(t, "alice in her user list", func() bool {
		u := a.w.Users()
		return len(u) == 1 && u[0].Name == "alice" && u[0].Self
	})
	if a.w.Input.Disabled() {
		t.Fatal("the input is disabled while connected")
	}
	test.Type(a.w.Input, "hello")
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.waitLine("alice: hello")
	ui.until(t, "the input to clear", func() bool { return a.w.Input.Text == "" })
	if a.w.UsersTitle.Text != "1 online" {
		t.Fatalf("users title %q", a.w.UsersTitle.Text)
	}
}

func TestSecondClientJoinsAndLeaves(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{})
	a.login(srv.Addr, "bob")
	a.waitStatus("Connected as bob")
	a.say("before you came")
	a.waitLine("bob: before you came")

	b := newClient(t, ui, ctrl.ClientOptions{})
	b.login(srv.Addr, "alice")
	b.waitStatus("Connected as alice")
	b.waitLine("bob: before you came") // history, shown first
	ui.until(t, "both users on both lists, sorted", func() bool {
		return strings.Join(userNames(a.w), ",") == "alice,bob" && strings.Join(userNames(b.w), ",") == "alice,bob"
	})
	a.waitLine("alice joined")
	b.say("hi bob")
	a.waitLine("alice: hi bob")

	test.Tap(b.w.LeaveBtn) // sends exit
	a.waitLine("alice left")
	ui.until(t, "alice off bob's list", func() bool { return strings.Join(userNames(a.w), ",") == "bob" })
	b.waitStatus("Disconnected")

	c := newClient(t, ui, ctrl.ClientOptions{})
	c.login(srv.Addr, "carol")
	a.waitLine("carol joined")
	c.w.CloseRequested() // closing the window says goodbye too
	c.closed = true
	a.waitLine("carol left")
}

func TestInvalidInputIsExplained(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{MaxContent: 10})
	cases := []struct {
		addr, name string
		label      func() string
		want       string
	}{
		{"127.0.0.1:9000", "", func() string { return a.w.NameErr.Text }, "Enter a username"},
		{"127.0.0.1:9000", strings.Repeat("名", 33), func() string { return a.w.NameErr.Text }, "at most 32 characters"},
		{"", "alice", func() string { return a.w.AddressErr.Text }, "Enter the server address"},
		{"localhost", "alice", func() string { return a.w.AddressErr.Text }, "needs a host and a port"},
		{"http://127.0.0.1:9000", "alice", func() string { return a.w.AddressErr.Text }, "ws:// or wss://"},
		{"127.0.0.1:99999", "alice", func() string { return a.w.AddressErr.Text }, "1 to 65535"},
	}
	for _, tc := range cases {
		a.login(tc.addr, tc.name)
		if got := tc.label(); !strings.Contains(got, tc.want) {
			t.Errorf("%q/%q: shows %q, want %q", tc.addr, tc.name, got, tc.want)
		}
	}
	if a.w.Status.Text != "Disconnected" {
		t.Fatalf("status %q after invalid input", a.w.Status.Text)
	}
	a.login("ws://"+srv.Addr+"/ws", "alice") // a full URL is fine too
	a.waitStatus("Connected as alice")
	if a.w.NameErr.Visible() || a.w.AddressErr.Visible() {
		t.Fatal("old field errors still shown")
	}
	a.say("   ")
	ui.until(t, "the empty-message error", func() bool { return strings.Contains(a.w.InputErr.Text, "Type a message first") })
	a.w.Input.SetText("")
	test.Type(a.w.Input, "123456789") // 9 of 10 bytes: the counter shows
	if a.w.Counter.Text != "9/10" {
		t.Fatalf("counter %q", a.w.Counter.Text)
	}
	a.say("12345678901")
	ui.until(t, "the too-long error", func() bool { return strings.Contains(a.w.InputErr.Text, "1 bytes too long") })
	if a.w.Input.Text != "12345678901" {
		t.Fatal("the input was cleared although nothing was sent")
	}
}

func TestShiftEnterIsANewLine(t *testing.T) {
	a, _, _ := connected(t, "alice", ctrl.ClientOptions{})
	test.Type(a.w.Input, "line one")
	a.w.Input.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.w.Input.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	test.Type(a.w.Input, "line two")
	if a.w.Input.Text != "line one\nline two" {
		t.Fatalf("input %q", a.w.Input.Text)
	}
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.waitLine("alice: line one\nline two")
}

func TestRefusalsInWords(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	// bob is online already, from another program.
	ws, _, err := websocket.DefaultDialer.Dial("ws://"+srv.Addr+"/ws", http.Header{"Username": {"bob"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{Reconnect: true})
	a.login(srv.Addr, "bob")
	ui.until(t, "the taken-name message", func() bool {
		return strings.Contains(a.w.NameErr.Text, "The name bob is taken")
	})
	a.waitStatus("Disconnected")

	// Nothing listens on a port that was just closed.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadAddr := strings.TrimPrefix(dead.URL, "http://")
	dead.Close()
	a.login(deadAddr, "carol")
	ui.until(t, "the unreachable message", func() bool {
		return strings.Contains(a.w.AddressErr.Text, "Server unreachable at "+deadAddr)
	})
}

func TestServerStopShowsReconnectingOrDisconnected(t *testing.T) {
	test.NewTempApp(t)
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{Reconnect: true})
	b := newClient(t, ui, ctrl.ClientOptions{Reconnect: false})
	a.login(srv.Addr, "alice")
	b.login(srv.Addr, "bob")
	a.waitStatus("Connected as alice")
	b.waitStatus("Connected as bob")
	srv.Stop()
	a.waitStatus("Reconnecting in")
	b.waitStatus("Disconnected — The server closed the connection: server shutting down")
	if !a.w.Input.Disabled() || !b.w.Input.Disabled() {
		t.Fatal("input enabled while not connected")
	}
	if len(a.w.Users()) != 0 {
		t.Fatal("user list kept while not connected")
	}
}

func TestChinese(t *testing.T) {
	test.NewTempApp(t)
	t.Cleanup(func() { view.LoadTranslations("en") })
	t.Setenv("LC_ALL", "zh_CN.UTF-8") // the system locale decides the UI's language
	if err := view.LoadTranslations(""); err != nil {
		t.Fatal(err)
	}
	srv := startServer(t)
	ui := newUILoop()
	a := newClient(t, ui, ctrl.ClientOptions{})
	if a.w.ConnectBtn.Text != "连接" || a.w.Win.Title() != "聊天室" {
		t.Fatalf("UI not in Chinese: button %q, title %q", a.w.ConnectBtn.Text, a.w.Win.Title())
	}
	a.login(srv.Addr, "张三")
	a.waitStatus("已连接：张三")
	test.Type(a.w.Input, "你好，世界！")
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.waitLine("张三: 你好，世界！")
	// What is drawn, not only what is stored.
	a.w.Messages.ScrollToBottom()
	markup := test.RenderObjectToMarkup(a.w.Messages)
	if !strings.Contains(markup, "张三: 你好，世界！") {
		t.Fatalf("message list renders:\n%s", markup)
	}
	if !strings.Contains(test.RenderObjectToMarkup(a.w.UserList), "张三（我）") {
		t.Fatal("own name not marked in Chinese in the user list")
	}
	if a.w.UsersTitle.Text != "1 人在线" {
		t.Fatalf("users count %q in Chinese", a.w.UsersTitle.Text)
	}
}

// The message list follows the newest line, unless the user scrolled up.
func TestMessagesFollowUnlessScrolledUp(t *testing.T) {
	a, _, _ := connected(t, "alice", ctrl.ClientOptions{})
	for i := range 40 {
		a.say(fmt.Sprint("message ", i))
		a.waitLine(fmt.Sprint("alice: message ", i))
	}
	if a.w.Messages.GetScrollOffset() == 0 {
		t.Fatal("the list did not follow the newest line")
	}
	a.w.Messages.ScrollToTop()
	a.say("one more")
	a.waitLine("alice: one more")
	if off := a.w.Messages.GetScrollOffset(); off != 0 {
		t.Fatalf("scrolled to %v although the user was reading older lines", off)
	}
}

func countLines(w *view.Window, want string) int {
	n := 0
	for _, l := range w.Lines() {
		if strings.Contains(l, want) {
			n++
		}
	}
	return n
}

// Enter pressed again while a message is on its way does not send it twice;
// logging in again does not show the history twice.
func TestNoDuplicates(t *testing.T) {
	a, _, _ := connected(t, "alice", ctrl.ClientOptions{})
	a.w.Input.SetText("only once")
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.w.Input.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	a.waitLine("alice: only once")
	a.say("marker")
	a.waitLine("alice: marker")
	if n := countLines(a.w, "alice: only once"); n != 1 {
		t.Fatalf("sent %d times", n)
	}
	test.Tap(a.w.LeaveBtn)
	a.waitStatus("Disconnected")
	test.Tap(a.w.ConnectBtn)
	a.waitStatus("Connected as alice")
	a.waitLine("alice: marker") // the history again, once
	if n := countLines(a.w, "alice: only once"); n != 1 {
		t.Fatalf("history shown %d times after logging in again", n)
	}
}

// A long message wraps onto several lines instead of being cut off.
func TestLongMessageWraps(t *testing.T) {
	a, _, _ := connected(t, "alice", ctrl.ClientOptions{})
	long := strings.Repeat("word ", 120)
	a.say(long)
	a.waitLine("alice: word word")
	markup := test.RenderObjectToMarkup(a.w.Messages)
	rows := strings.Count(markup, "<text")
	m := regexp.MustCompile(`<widget size="\d+x(\d+)" type="\*widget.listItem">`).FindStringSubmatch(markup)
	if m == nil {
		t.Fatalf("no list item in:\n%s", markup)
	}
	height, _ := strconv.Atoi(m[1])
	if rows < 5 || height < rows*19 {
		t.Fatalf("a 600-character message is drawn on %d rows in a %d-pixel row:\n%s", rows, height, markup)
	}
}
