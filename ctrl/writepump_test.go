package ctrl

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

// A client that stops reading is closed as a slow consumer; everyone else
// still gets every message.
func TestSlowConsumer(t *testing.T) {
	cfg := testConfig()
	cfg.SendQueue = 64
	cfg.History = 0
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0 // fast floods the room on purpose
	cfg.WriteTimeout = waitTime          // slow resumes reading well within it
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
	for ; sent < 20000 && ts.hub.Stats().SlowConsumers == 0; sent++ {
		sender.talk(fmt.Sprintf("%08d", sent) + payload)
		sender.expect(model.TypeTalk)
	}
	if ts.hub.Stats().SlowConsumers != 1 {
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
	poll.CheckFor(t, waitTime, pollEvery, ts.connectionsAre(2)) // slow's ended
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
	cfg.MaxConnsPerIP, cfg.JoinRatePerIP = 0, 0 // every client is on 127.0.0.1
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0        // each sends its talks in one burst
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
	if s := ts.hub.Stats(); s.SlowConsumers != 0 {
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
	cfg.MsgRate, cfg.MsgRatePerIP = 0, 0 // alice sends a burst on purpose
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
	poll.CheckFor(t, waitTime, pollEvery, func() error { return poll.Check(!pumping("alice"), "alice's write pump to end") })
	bob.talk("你好")
	if m := alice.expect(model.TypeTalk); m.Content != "你好" || m.UserName != "bob" {
		t.Fatalf("got %v", m)
	}
}
