package ctrl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"
	"go.uber.org/goleak"

	"chatroom/config"
	"chatroom/model"
	"chatroom/service"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The spec's own clients sent protobuf in text frames, and its load test
// sent no username at all.
func TestTextFramesAndNoUsername(t *testing.T) {
	ts := startServer(t, testConfig())
	c := ts.dial(dialOpts{noJoin: true})
	j := c.expect(model.TypeJoin)
	if !strings.HasPrefix(j.UserName, "guest-") {
		t.Fatalf("assigned name %q, want guest-…", j.UserName)
	}
	c.name = j.UserName
	ul := c.expect(model.TypeUserList)
	if ul.UserList[c.name] != c.name {
		t.Fatalf("user list %v lacks %s", ul.UserList, c.name)
	}
	before := time.Now().UnixMilli()
	c.sendFrame(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "hello"}))
	m := c.expect(model.TypeTalk) // next() fails on a non-binary frame
	if m.UserName != c.name || m.Content != "hello" || m.Timestamp < before || m.Seq == 0 {
		t.Fatalf("got %v", m)
	}
	c.sendFrame(websocket.TextMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
	if ul := c.expect(model.TypeUserList); len(ul.UserList) != 1 {
		t.Fatalf("user list %v", ul.UserList)
	}
}

func TestGuestNamesAreUnique(t *testing.T) {
	ts := startServer(t, testConfig())
	seen := map[string]bool{}
	for range 20 {
		c := ts.dial(dialOpts{header: "   "}) // blank counts as missing
		if seen[c.name] || !strings.HasPrefix(c.name, "guest-") {
			t.Fatalf("guest name %q repeated or malformed", c.name)
		}
		seen[c.name] = true
	}
}

func TestChinese(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.dial(dialOpts{header: "张三"})
	b := ts.dial(dialOpts{query: "李四"}) // browsers: the query parameter
	if a.name != "张三" || b.name != "李四" {
		t.Fatalf("names %q %q", a.name, b.name)
	}
	a.expect(model.TypeJoin) // b's
	const text = "你好，世界！🌏 多行\n第二行"
	a.talk(text)
	for _, c := range []*client{a, b} {
		m := c.expect(model.TypeTalk)
		if m.Content != text || m.UserName != "张三" {
			t.Fatalf("%s got %q from %q", c.name, m.Content, m.UserName)
		}
	}
	b.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	ul := b.expect(model.TypeUserList)
	if ul.UserList["张三"] != "张三" || ul.UserList["李四"] != "李四" {
		t.Fatalf("user list %v", ul.UserList)
	}
}

func TestHandshakeRefusals(t *testing.T) {
	ts := startServer(t, testConfig())
	ts.join("taken")
	cases := []struct {
		name   string
		opts   dialOpts
		status int
		reason string
	}{
		{"too long", dialOpts{header: strings.Repeat("名", 33)}, 400, "longer than 32 characters"},
		{"control character", dialOpts{query: "bad\x07name"}, 400, "control characters"},
		{"newline", dialOpts{query: "evil\nlevel=error"}, 400, "control characters"},
		{"invalid utf-8", dialOpts{query: "\xff\xfe"}, 400, "not valid UTF-8"},
		{"already online", dialOpts{header: "taken"}, 409, "username already online"},
		{"already online after trimming", dialOpts{query: "  taken "}, 409, "username already online"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ws, resp, err := ts.dialRaw(tc.opts)
			if err == nil {
				ws.Close()
				t.Fatal("upgraded; want a refusal")
			}
			if resp == nil || resp.StatusCode != tc.status {
				t.Fatalf("response %v, want status %d", resp, tc.status)
			}
			body, _ := io.ReadAll(resp.Body)
			if !strings.Contains(string(body), tc.reason) {
				t.Fatalf("body %q, want it to say %q", body, tc.reason)
			}
		})
		// A browser offers model.SubprotocolRefusals, and reads the
		// refusal from the connection instead.
		t.Run(tc.name+" in band", func(t *testing.T) {
			o := tc.opts
			o.inBand, o.batched = true, true
			ws, _, err := ts.dialRaw(o)
			if err != nil {
				t.Fatalf("not upgraded: %v", err)
			}
			defer ws.Close()
			if ws.Subprotocol() != model.SubprotocolRefusals {
				t.Fatalf("subprotocol %q", ws.Subprotocol())
			}
			ws.SetReadDeadline(time.Now().Add(waitTime))
			_, p, err := ws.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			if m, err := model.Decode(p); err != nil || m.Type != model.TypeError || !strings.Contains(m.Content, tc.reason) {
				t.Fatalf("first frame %v %v, want an error saying %q", m, err, tc.reason)
			}
			_, _, err = ws.ReadMessage()
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != model.CloseCodeRefused+tc.status || !strings.Contains(ce.Text, tc.reason) {
				t.Fatalf("then %v, want close %d saying %q", err, model.CloseCodeRefused+tc.status, tc.reason)
			}
		})
	}
	// 32 Chinese characters is within the limit.
	ts.join(strings.Repeat("名", 32))
	if got := ts.room.Stats().Users; got != 2 {
		t.Fatalf("%d users online, want 2", got)
	}

	resp, err := http.Get(ts.http.URL + "/ws")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("plain GET: status %d, want 400", resp.StatusCode)
	}
}

// An accepted client that offered refusals in band gets that subprotocol
// back (a browser fails the connection otherwise) and unbatched frames;
// offering batched framing too, it gets batched framing.
func TestRefusalsInBandDoNotChangeAcceptance(t *testing.T) {
	ts := startServer(t, testConfig())
	for _, tc := range []struct {
		name    string
		batched bool
		want    string
	}{{"browser", false, model.SubprotocolRefusals}, {"both", true, model.SubprotocolBatch}} {
		ws, _, err := ts.dialRaw(dialOpts{header: tc.name, inBand: true, batched: tc.batched})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		if ws.Subprotocol() != tc.want {
			t.Fatalf("%s: subprotocol %q, want %q", tc.name, ws.Subprotocol(), tc.want)
		}
		ws.SetReadDeadline(time.Now().Add(waitTime))
		_, p, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		batch, _ := model.DecodeBatch(p)
		if m, err := model.Decode(p); tc.batched == (err == nil && m.Type == model.TypeJoin) || tc.batched != (len(batch) > 0 && batch[0].Type == model.TypeJoin) {
			t.Fatalf("%s: first frame % x, want it batched: %v", tc.name, p, tc.batched)
		}
	}
}

// With maxRefusalsInBand refusals under way, the next one is a plain HTTP
// refusal: a flood cannot hold more sockets than that.
func TestRefusalsInBandAreBounded(t *testing.T) {
	ts := startServer(t, testConfig())
	ts.join("taken")
	for range maxRefusalsInBand {
		ts.chat.inBand <- struct{}{}
	}
	_, resp, err := ts.dialRaw(dialOpts{header: "taken", inBand: true})
	if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("with every slot taken: %v %v, want HTTP 409", resp, err)
	}
	for range maxRefusalsInBand {
		<-ts.chat.inBand
	}
	ws, _, err := ts.dialRaw(dialOpts{header: "taken", inBand: true})
	if err != nil {
		t.Fatalf("with slots free: %v, want the upgrade", err)
	}
	ws.Close()
}

// A close reason is cut to 123 bytes, at a character boundary and no
// shorter than that needs. "a"+"名"… puts byte 123 inside a character.
func TestCloseReasonFitsAFrame(t *testing.T) {
	for _, reason := range []string{"short", strings.Repeat("a", 200), strings.Repeat("名", 50), "a" + strings.Repeat("名", 50)} {
		got := closeReason(reason)
		if len(got) > 123 || len(got) < min(len(reason), 123-utf8.UTFMax+1) || !utf8.ValidString(got) || !strings.HasPrefix(reason, got) {
			t.Fatalf("closeReason(%d bytes) = %q", len(reason), got)
		}
	}
}

// Browsers cannot send WebSocket pings: they send ping frames, and only
// the asker gets the pong.
func TestPingPong(t *testing.T) {
	ts := startServer(t, testConfig())
	a, b := ts.join("alice"), ts.join("bob")
	a.expect(model.TypeJoin) // bob's
	a.send(&model.ChatRoomRequest{Type: model.TypePing})
	a.expect(model.TypePong)
	b.talk("after")
	if m := b.next(); m.Type != model.TypeTalk {
		t.Fatalf("bob got %v before his own talk", m)
	}
}

func TestNameIsFreeAgainAfterLeaving(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	a.send(&model.ChatRoomRequest{Type: model.TypeExit})
	a.expectClose()
	eventually(t, "alice's name to be released", func() bool {
		ws, _, err := ts.dialRaw(dialOpts{header: "alice"})
		if err == nil {
			ws.Close()
		}
		return err == nil
	})
}

func TestRejectedFramesKeepTheConnection(t *testing.T) {
	cfg := testConfig()
	cfg.MaxContent = 10
	ts := startServer(t, cfg)
	c := ts.join("alice")
	cases := []struct {
		name   string
		frame  []byte
		reason string
	}{
		{"garbage", []byte{0xff, 0xff, 0xff, 0x01, 0x02}, "undecodable frame"},
		{"invalid utf-8 string", []byte{0x0a, 0x02, 0xc3, 0x28}, "undecodable frame"},
		{"unknown type", model.Encode(&model.ChatRoomRequest{Type: "dance"}), `unknown message type "dance"`},
		{"no type", model.Encode(&model.ChatRoomRequest{Content: "x"}), `unknown message type ""`},
		{"server-only type", model.Encode(&model.ChatRoomRequest{Type: model.TypeJoin}), "unknown message type"},
		{"empty talk", model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk}), "empty"},
		{"blank talk", model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: " \n\t　"}), "empty"},
		{"content too long", model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "12345678901"}), "longer than 10 bytes"},
		{"chinese too long", model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "一二三四"}), "longer than 10 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.sendFrame(websocket.BinaryMessage, tc.frame)
			m := c.expect(model.TypeError)
			if !strings.Contains(m.Content, tc.reason) {
				t.Fatalf("reason %q, want %q", m.Content, tc.reason)
			}
		})
	}
	// Still connected, and a spoofed sender name is ignored.
	c.send(&model.ChatRoomRequest{Type: model.TypeTalk, UserName: "mallory", Content: "一二三"})
	if m := c.expect(model.TypeTalk); m.UserName != "alice" || m.Content != "一二三" {
		t.Fatalf("got %v", m)
	}
	if got := ts.chat.Stats().RejectedFrames; got != uint64(len(cases)) {
		t.Fatalf("rejected frames counted %d, want %d", got, len(cases))
	}
}

func TestOversizedFrameCloses1009(t *testing.T) {
	cfg := testConfig()
	cfg.ReadLimit = 4096
	ts := startServer(t, cfg)
	big := ts.join("big")
	other := ts.join("other")
	big.expect(model.TypeJoin)

	big.sendFrame(websocket.BinaryMessage, bytes.Repeat([]byte{'x'}, 4097))
	ce := big.expectClose()
	if ce.Code != websocket.CloseMessageTooBig || !strings.Contains(ce.Text, "4096") {
		t.Fatalf("close %d %q, want 1009 with the limit", ce.Code, ce.Text)
	}
	if m := other.expect(model.TypeLeave); m.UserName != "big" {
		t.Fatalf("leave of %q", m.UserName)
	}
	// A frame exactly at the limit is fine (and here undecodable).
	other.sendFrame(websocket.BinaryMessage, bytes.Repeat([]byte{0xff}, 4096))
	other.expect(model.TypeError)
}

func TestExit(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	b := ts.join("bob")
	a.expect(model.TypeJoin)
	b.send(&model.ChatRoomRequest{Type: model.TypeExit})
	if ce := b.expectClose(); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("close %d %q, want 1000", ce.Code, ce.Text)
	}
	if m := a.expect(model.TypeLeave); m.UserName != "bob" || m.Seq == 0 {
		t.Fatalf("got %v", m)
	}
	a.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	if ul := a.expect(model.TypeUserList); len(ul.UserList) != 1 || ul.UserList["alice"] != "alice" {
		t.Fatalf("user list %v", ul.UserList)
	}
	eventually(t, "bob's connection to end", func() bool { return ts.chat.Stats().Connections == 1 })
}

// A client that just drops the connection is removed and announced too.
func TestDroppedConnectionLeaves(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	b := ts.join("bob")
	a.expect(model.TypeJoin)
	b.ws.NetConn().Close()
	if m := a.expect(model.TypeLeave); m.UserName != "bob" {
		t.Fatalf("got %v", m)
	}
}

func TestJoinPreambleAndPresence(t *testing.T) {
	cfg := testConfig()
	cfg.History = 3
	ts := startServer(t, cfg)
	a := ts.join("alice")
	for i := range 5 {
		a.talk(fmt.Sprint("m", i))
		a.expect(model.TypeTalk)
	}
	// bob receives: his own join, the full list, the last 3 talks, then live.
	b := ts.dial(dialOpts{header: "bob", noJoin: true})
	j := b.expect(model.TypeJoin)
	if j.UserName != "bob" {
		t.Fatalf("first frame is the join of %q", j.UserName)
	}
	ul := b.expect(model.TypeUserList)
	if len(ul.UserList) != 2 || ul.UserList["alice"] != "alice" || ul.UserList["bob"] != "bob" {
		t.Fatalf("user list %v", ul.UserList)
	}
	var last uint64
	for i := 2; i < 5; i++ {
		m := b.expect(model.TypeTalk)
		if m.Content != fmt.Sprint("m", i) || m.UserName != "alice" || m.Seq <= last {
			t.Fatalf("history %d: %v", i, m)
		}
		last = m.Seq
	}
	if m := a.expect(model.TypeJoin); m.UserName != "bob" || m.Seq != j.Seq {
		t.Fatalf("alice got %v", m)
	}
	a.talk("live")
	if m := b.expect(model.TypeTalk); m.Content != "live" || m.Seq <= j.Seq {
		t.Fatalf("bob got %v", m)
	}
}

func TestPresenceOff(t *testing.T) {
	cfg := testConfig()
	cfg.Presence = false
	ts := startServer(t, cfg)
	a := ts.join("alice")
	b := ts.join("bob") // still gets its own join (its name) and the list
	b.send(&model.ChatRoomRequest{Type: model.TypeExit})
	b.expectClose()
	a.talk("only me")
	// alice hears of neither bob's join nor his leave.
	if m := a.next(); m.Type != model.TypeTalk || m.Content != "only me" {
		t.Fatalf("alice got %v", m)
	}
}

func TestUserListGoesToTheAskerOnly(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	b := ts.join("bob")
	a.expect(model.TypeJoin)
	b.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	b.expect(model.TypeUserList)
	a.talk("marker")
	if m := a.next(); m.Type != model.TypeTalk {
		t.Fatalf("alice got %v before the marker", m)
	}
}

func TestTalkIsLoggedWithFields(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("张三")
	a.talk("line one\nlevel=error msg=forged")
	a.expect(model.TypeTalk)
	for _, e := range ts.logs.AllEntries() {
		if e.Message == "talk" {
			if e.Data["user"] != "张三" || e.Data["content"] != "line one\nlevel=error msg=forged" || e.Level != logrus.InfoLevel {
				t.Fatalf("talk logged as %v", e.Data)
			}
			return
		}
	}
	t.Fatal("no talk log entry")
}

// A client that stops reading is closed as a slow consumer; everyone else
// still gets every message.
func TestSlowConsumer(t *testing.T) {
	cfg := testConfig()
	cfg.SendQueue = 64
	cfg.History = 0
	cfg.MsgRate = 0             // fast floods the room on purpose
	cfg.WriteTimeout = waitTime // slow resumes reading well within it
	ts := startServer(t, cfg)
	slow := ts.join("slow") // and then reads nothing until it is closed
	fast := ts.join("fast")
	sender := ts.join("sender")

	var wg sync.WaitGroup
	got := make(chan int, 1)
	wg.Add(1)
	go func() { // fast reads everything, concurrently with the sender
		defer wg.Done()
		n := 0
		for {
			m, err := fast.read()
			if err != nil {
				t.Errorf("fast: %v", err)
				break
			}
			if m.Type == model.TypeTalk {
				if m.Content[:8] != fmt.Sprintf("%08d", n) {
					t.Errorf("fast: message %d is %q", n, m.Content[:8])
					break
				}
				n++
			}
			if m.Type == model.TypeTalk && strings.HasSuffix(m.Content, "done") {
				break
			}
		}
		got <- n
	}()
	payload := strings.Repeat("x", 4000)
	sent := 0
	for ; sent < 20000 && ts.room.Stats().SlowConsumers == 0; sent++ {
		sender.talk(fmt.Sprintf("%08d", sent) + payload)
		sender.expect(model.TypeTalk)
	}
	if ts.room.Stats().SlowConsumers != 1 {
		t.Fatalf("slow consumer not closed after %d messages", sent)
	}
	sender.talk(fmt.Sprintf("%08d", sent) + "done")
	sender.skipUntil(func(m *model.ChatRoomRequest) bool {
		return m.Type == model.TypeTalk && strings.HasSuffix(m.Content, "done")
	})
	wg.Wait()
	if n := <-got; n != sent+1 {
		t.Fatalf("fast got %d talks, want %d", n, sent+1)
	}
	// slow, not knowing yet, says something: the server no longer listens.
	slow.talk("ghost")
	if ce := slow.expectClose(); ce.Code != websocket.ClosePolicyViolation || ce.Text != "slow consumer" {
		t.Fatalf("slow closed with %d %q", ce.Code, ce.Text)
	}
	eventually(t, "slow's connection to end", func() bool { return ts.chat.Stats().Connections == 2 })
	sender.talk("final")
	left := false
	sender.skipUntil(func(m *model.ChatRoomRequest) bool {
		if m.Content == "ghost" {
			t.Fatal("a talk from the closed connection was broadcast")
		}
		left = left || (m.Type == model.TypeLeave && m.UserName == "slow")
		return m.Content == "final"
	})
	if !left {
		t.Fatal("no leave for slow")
	}
}

// A client that answers pings is served across several pong timeouts; one
// that does not is dropped as idle. The timeout leaves a slow CI machine
// under -race time to answer (150 ms did not).
func TestHeartbeat(t *testing.T) {
	cfg := testConfig()
	cfg.PingInterval = 50 * time.Millisecond
	cfg.PongTimeout = time.Second
	ts := startServer(t, cfg)
	watcher := ts.join("watcher")
	mute := ts.join("mute") // reads nothing more, so answers no ping
	mute.ws.SetPingHandler(func(string) error { return nil })
	watcher.expect(model.TypeJoin)

	// watcher reads (gorilla answers pings) and lives on; mute is dropped.
	if m := watcher.expect(model.TypeLeave); m.UserName != "mute" {
		t.Fatalf("got %v", m)
	}
	ce := mute.expectClose()
	if ce.Code != websocket.ClosePolicyViolation || ce.Text != config.ReasonIdle {
		t.Fatalf("mute closed with %d %q", ce.Code, ce.Text)
	}
	// For several timeouts the watcher sends nothing and only reads, so
	// that its answers to the pings alone keep it served.
	got := make(chan *model.ChatRoomRequest, 16)
	readErr := make(chan error, 1)
	go func() { // ends when the connection does, at the test's end
		for {
			m, err := watcher.read()
			if err != nil {
				readErr <- err
				return
			}
			got <- m
		}
	}()
	select {
	case err := <-readErr:
		t.Fatalf("the watcher was dropped: %v", err)
	case m := <-got:
		t.Fatalf("the watcher got %s %q", m.Type, m.Content)
	case <-time.After(3 * cfg.PongTimeout): // the silence it must outlive
	}
	watcher.send(&model.ChatRoomRequest{Type: model.TypeUserList})
	select {
	case err := <-readErr:
		t.Fatalf("the watcher was dropped: %v", err)
	case m := <-got:
		if m.Type != model.TypeUserList {
			t.Fatalf("the watcher got %s %q, want userlist", m.Type, m.Content)
		}
	case <-time.After(waitTime):
		t.Fatal("no userlist reply")
	}
}

// 500 clients each send 20 messages at once: every client receives all
// 10,000, in one order that is the same for everyone.
func TestConcurrentClientsSeeOneOrder(t *testing.T) {
	clients, each := 500, 20
	if testing.Short() {
		clients = 50
	}
	cfg := testConfig()
	cfg.History = 0
	cfg.Presence = false
	// Order and completeness are what this test checks; the queue is big
	// enough that a reader slowed by -race is not a slow consumer (that
	// policy has its own test).
	cfg.SendQueue = clients*each + 2
	cfg.MaxConnsPerIP = 0 // every client is on 127.0.0.1
	cfg.MsgRate = 0       // each sends its talks in one burst
	ts := startServer(t, cfg)
	cs := make([]*client, clients)
	for i := range cs {
		cs[i] = ts.join(fmt.Sprint("u", i))
	}
	total := clients * each
	orders := make([][]uint64, clients)
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for k := range each {
				c.ws.SetWriteDeadline(time.Now().Add(waitTime))
				if err := c.ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: fmt.Sprint(i, "/", k)})); err != nil {
					t.Errorf("%s: %v", c.name, err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			seqs := make([]uint64, 0, total)
			next := make(map[string]int, clients) // per sender, the k expected next
			for len(seqs) < total {
				m, err := c.read()
				if err != nil {
					t.Errorf("%s after %d: %v", c.name, len(seqs), err)
					return
				}
				from, ks, _ := strings.Cut(m.Content, "/")
				k, _ := strconv.Atoi(ks)
				if m.UserName != "u"+from || k != next[m.UserName] {
					t.Errorf("%s: got %q from %s, want message %d", c.name, m.Content, m.UserName, next[m.UserName])
					return
				}
				next[m.UserName]++
				seqs = append(seqs, m.Seq)
			}
			orders[i] = seqs
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, o := range orders {
		for k := range o {
			if o[k] != orders[0][k] {
				t.Fatalf("client %d's message %d has seq %d; client 0's has %d", i, k, o[k], orders[0][k])
			}
			if k > 0 && o[k] <= o[k-1] {
				t.Fatalf("client %d: seq not increasing at %d", i, k)
			}
		}
	}
	if s := ts.room.Stats(); s.SlowConsumers != 0 {
		t.Fatalf("%d slow consumers", s.SlowConsumers)
	}
}

// Frames of every length encoding (7-bit, 16-bit, 64-bit) reach a stock
// gorilla client intact.
func TestFrameLengths(t *testing.T) {
	cfg := testConfig()
	cfg.MaxContent = 200000
	cfg.ReadLimit = 256 << 10
	ts := startServer(t, cfg)
	c := ts.join("alice")
	for _, n := range []int{1, 100, 125, 126, 127, 65000, 65535, 65536, 70000, 200000} {
		content := strings.Repeat("字", n/3) + strings.Repeat("x", n%3)
		c.talk(content)
		if m := c.expect(model.TypeTalk); m.Content != content {
			t.Fatalf("content of %d bytes came back as %d bytes", n, len(m.Content))
		}
	}
}

// A client that negotiates chatroom.v2 gets batch frames; others on the
// same server keep one message per frame, in the same order.
func TestBatchedFraming(t *testing.T) {
	cfg := testConfig()
	cfg.History = 5
	cfg.MaxContent = 30000
	cfg.MsgRate = 0 // alice sends a burst on purpose
	ts := startServer(t, cfg)
	alice := ts.join("alice")
	big := strings.Repeat("大", 10000) // 30,000 bytes
	for range 5 {
		alice.talk(big)
		alice.expect(model.TypeTalk)
	}

	// The join preamble is queued at once: join, list and 150 KB of history
	// come in as few batch frames as the 64 KiB bound allows.
	ws, _, err := ts.dialRaw(dialOpts{header: "bob", batched: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	bob := &client{t: t, ws: ws, name: "bob", batched: ws.Subprotocol() == model.SubprotocolBatch}
	if !bob.batched {
		t.Fatalf("subprotocol %q, want %q", ws.Subprotocol(), model.SubprotocolBatch)
	}
	var sizes []int
	for got := 0; got < 7; {
		ws.SetReadDeadline(time.Now().Add(waitTime))
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := model.DecodeBatch(data)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			want := []string{model.TypeJoin, model.TypeUserList}[min(got+i, 1)]
			if got+i >= 2 {
				want = model.TypeTalk
			}
			if m.Type != want || (want == model.TypeTalk && m.Content != big) {
				t.Fatalf("message %d is %s, want %s", got+i, m.Type, want)
			}
		}
		got += len(msgs)
		sizes = append(sizes, len(data))
	}
	alice.expect(model.TypeJoin) // bob's
	if len(sizes) != 3 {
		t.Fatalf("preamble came in %d frames of %v bytes, want 3 (64 KiB each at most)", len(sizes), sizes)
	}
	for _, n := range sizes {
		if n > 64<<10 {
			t.Fatalf("batch frame of %d bytes", n)
		}
	}

	// Live traffic: both see every talk, in one order.
	carol := ts.dial(dialOpts{header: "carol", history: 5}) // v1
	bob.expect(model.TypeJoin)
	alice.expect(model.TypeJoin)
	const n = 300
	for i := range n {
		alice.talk(fmt.Sprint("m", i))
	}
	for _, c := range []*client{alice, bob, carol} {
		var last uint64
		for i := range n {
			m := c.expect(model.TypeTalk)
			if m.Content != fmt.Sprint("m", i) || m.Seq <= last {
				t.Fatalf("%s: message %d is %.10q seq %d (after %d)", c.name, i, m.Content, m.Seq, last)
			}
			last = m.Seq
		}
	}
	if carol.frames != n+2+5 { // join, list, history, talks
		t.Fatalf("the v1 client read %d frames for %d messages", carol.frames, n+7)
	}
	t.Logf("v2 client: %d messages in %d frames", n+7+1, bob.frames+len(sizes))
}

// The write window holds back a busy connection's next write, never a
// close: a client that leaves right after its join gets its close at once.
func TestClosingDoesNotWaitForTheWriteWindow(t *testing.T) {
	cfg := testConfig()
	cfg.WriteWindow = time.Minute // far beyond the test's wait time
	ts := startServer(t, cfg)
	c := ts.join("alice") // the preamble was a write: the window is open
	c.send(&model.ChatRoomRequest{Type: model.TypeExit})
	if ce := c.expectClose(); ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("closed with %d %q", ce.Code, ce.Text)
	}
}

// An idle connection's write pump ends; the next message starts another.
func TestWritePumpEndsWhenIdleAndRestarts(t *testing.T) {
	ts := startServer(t, testConfig())
	alice := ts.join("alice")
	bob := ts.join("bob")
	alice.expect(model.TypeJoin)
	pumping := func(name string) bool {
		ts.chat.mu.Lock()
		defer ts.chat.mu.Unlock()
		for c := range ts.chat.conns {
			if c.name == name {
				c.mu.Lock()
				defer c.mu.Unlock()
				return c.pumping
			}
		}
		t.Fatalf("no connection for %s", name)
		return false
	}
	eventually(t, "alice's write pump ends", func() bool { return !pumping("alice") })
	bob.talk("你好")
	if m := alice.expect(model.TypeTalk); m.Content != "你好" || m.UserName != "bob" {
		t.Fatalf("got %v", m)
	}
}

// A session whose claim the others found gone (its node was cut off from
// NATS too long) is told why, then closed with 1012 so that its client
// comes back; the close is counted as claim_lost, and the name is free.
func TestClaimLostEndsSessionWithReason(t *testing.T) {
	b := service.NewMemoryBroker()
	ts := startServerOn(t, testConfig(), b)
	alice := ts.join("alice")
	bob := ts.join("bob")
	alice.expect(model.TypeJoin) // bob's
	if err := b.Publish(context.Background(), &model.ChatRoomRequest{Type: model.TypeLeave, UserName: "alice"}); err != nil {
		t.Fatal(err)
	}
	if m := alice.expect(model.TypeError); m.Content != config.NoticeClaimLost {
		t.Fatalf("alice was told %q", m.Content)
	}
	if ce := alice.expectClose(); ce.Code != websocket.CloseServiceRestart || ce.Text != config.ReasonClaimLost {
		t.Fatalf("alice's close: %d %q", ce.Code, ce.Text)
	}
	if m := bob.expect(model.TypeLeave); m.UserName != "alice" {
		t.Fatalf("bob saw %q leave", m.UserName)
	}
	eventually(t, "alice's connection to end", func() bool { return ts.chat.Stats().Connections == 1 })
	if got := ts.chat.Stats().Closes["claim_lost"]; got != 1 {
		t.Fatalf("claim_lost closes: %d", got)
	}
	ts.join("alice") // the name is free again
	if m := bob.expect(model.TypeJoin); m.UserName != "alice" {
		t.Fatalf("bob saw %q join", m.UserName)
	}
	bob.talk("still one alice?")
	bob.expect(model.TypeTalk) // no second leave came before it
}
