package ctrl

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/internal/poll"
	"chatroom/model"
)

func TestControlFrame(t *testing.T) {
	long := append([]byte{0x8A, 0x80 | 125, 0, 0, 0, 0}, make([]byte, 125)...)
	cases := []struct {
		name  string
		frame []byte
		want  int
	}{
		{"empty pong", []byte{0x8A, 0x80, 1, 2, 3, 4}, 6},
		{"pong with payload, then more", []byte{0x8A, 0x82, 0, 0, 0, 0, 'h', 'i', 0x82}, 8},
		{"longest pong", long, len(long)},
		{"payload not all in", []byte{0x8A, 0x82, 0, 0, 0, 0, 'h'}, 0},
		{"mask key not all in", []byte{0x8A, 0x80, 0, 0}, 0},
		{"nothing", nil, 0},
		{"unmasked", []byte{0x8A, 0x00, 0, 0, 0, 0}, 0},
		{"not final", []byte{0x0A, 0x80, 0, 0, 0, 0}, 0},
		{"extension bit", []byte{0xCA, 0x80, 0, 0, 0, 0}, 0},
		{"ping", []byte{0x89, 0x80, 0, 0, 0, 0}, 6},
		{"ping with payload", []byte{0x89, 0x81, 1, 2, 3, 4, 'x'}, 7},
		{"binary", []byte{0x82, 0x80, 0, 0, 0, 0}, 0},
		{"close", []byte{0x88, 0x80, 0, 0, 0, 0}, 0},
		{"length past a control frame's", []byte{0x8A, 0x80 | 126, 0, 200, 0, 0, 0, 0}, 0},
	}
	for _, tc := range cases {
		if got := controlFrame(tc.frame); got != tc.want {
			t.Errorf("%s: controlFrame = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// maskedFrame is a client's frame of opcode op with payload p, masked
// with a zero key (any key will do; this one leaves p as it is).
func maskedFrame(op byte, p []byte) []byte {
	return append([]byte{0x80 | op, 0x80 | byte(len(p)), 0, 0, 0, 0}, p...)
}

// idleWaiters counts the goroutines waiting for an idle connection's next
// frame, and those blocked in gorilla's reader. Only a goroutine's own
// frames count: a reader's "created by" line names waitThenRead.
func idleWaiters() (waiting, inGorilla int) {
	buf := make([]byte, 1<<20)
	for _, g := range bytes.Split(buf[:runtime.Stack(buf, true)], []byte("\n\n")) {
		frames, _, _ := bytes.Cut(g, []byte("\ncreated by "))
		switch {
		case bytes.Contains(frames, []byte("ctrl.(*conn).readFrame")):
			inGorilla++
		case bytes.Contains(frames, []byte("ctrl.(*conn).waitThenRead")):
			waiting++
		}
	}
	return waiting, inGorilla
}

// An idle connection waits on the small goroutine, not inside gorilla,
// and is back there after pongs (whole, split, or followed by a talk in
// the same write) and the talk; a malformed pong still reaches gorilla,
// which fails the connection. (That pongs are still handled as pongs, the
// read deadline moved, is TestHeartbeat's; a split pong may reach gorilla,
// which holds the read pump until the talk.)
func TestIdleConnectionsWaitOutsideGorilla(t *testing.T) {
	ts := startServer(t, testConfig())
	a, b := ts.join("alice"), ts.join("bob")
	a.expect(model.TypeJoin)
	settled := func() error {
		w, g := idleWaiters()
		return poll.Check(w == 2 && g == 0, "%d idle waiters and %d readers in gorilla, want 2 and 0", w, g)
	}
	poll.CheckFor(t, waitTime, pollEvery, settled)

	raw := a.ws.NetConn()
	pong := maskedFrame(websocket.PongMessage, []byte("hi"))
	for _, w := range [][]byte{pong, pong[:3], pong[3:], append(pong, maskedFrame(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeTalk, Content: "after pongs"}))...)} {
		if _, err := raw.Write(w); err != nil {
			t.Fatal(err)
		}
	}
	if m := b.expect(model.TypeTalk); m.Content != "after pongs" {
		t.Fatalf("bob got %q", m.Content)
	}
	poll.CheckFor(t, waitTime, pollEvery, settled)

	if _, err := raw.Write([]byte{0xCA, 0x80, 0, 0, 0, 0}); err != nil { // a pong with an extension bit
		t.Fatal(err)
	}
	if ce := a.expectClose(); ce.Code != websocket.CloseProtocolError {
		t.Fatalf("alice closed with %d %q, want 1002", ce.Code, ce.Text)
	}
}

// A client's ping (the desktop client's heartbeat) is answered, with its
// payload unmasked, by the small goroutine: the connection goes on waiting
// outside gorilla, not inside its reader until the next data frame.
func TestIdlePingAnsweredOutsideGorilla(t *testing.T) {
	ts := startServer(t, testConfig())
	a := ts.join("alice")
	settled := func() error {
		w, g := idleWaiters()
		return poll.Check(w == 1 && g == 0, "%d idle waiters and %d readers in gorilla, want 1 and 0", w, g)
	}
	poll.CheckFor(t, waitTime, pollEvery, settled)

	pongs := make(chan string, 1)
	a.ws.SetPongHandler(func(data string) error { pongs <- data; return nil })
	ping := []byte{0x80 | websocket.PingMessage, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2} // "hi", masked
	if _, err := a.ws.NetConn().Write(ping); err != nil {
		t.Fatal(err)
	}
	go func() { // reads until the connection ends, at the test's end
		for {
			if _, _, err := a.ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
	select {
	case got := <-pongs:
		if got != "hi" {
			t.Fatalf("pong %q, want hi", got)
		}
	case <-time.After(waitTime):
		t.Fatal("no pong")
	}
	poll.CheckFor(t, waitTime, pollEvery, settled)
}
