package ctrl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"chatroom/model"
	"chatroom/service"
)

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
		{"server-only type", model.Encode(&model.ChatRoomRequest{Type: model.TypeLeave}), "unknown message type"},
		{"join without a room", model.Encode(&model.ChatRoomRequest{Type: model.TypeJoin}), "room name is empty"},
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
	if ce.Code != websocket.ClosePolicyViolation || ce.Text != service.DisconnectIdle.Reason() {
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
