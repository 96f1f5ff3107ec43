package ctrl

import (
	"errors"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// FuzzFrame sends one arbitrary data frame to a real server on a fresh
// connection, then a userlist request. The server must answer it (an error
// reply first is fine), or close with a code that fits: 1000 after an exit,
// 1009 for a frame over the read limit. An internal error, a dropped
// connection or no answer fails.
//
//	go test -run '^$' -fuzz FuzzFrame -fuzztime 5m ./ctrl
func FuzzFrame(f *testing.F) {
	cfg := testConfig()
	cfg.History, cfg.Presence = 0, false
	cfg.ReadLimit, cfg.MaxContent = 4096, 1024
	cfg.MsgRate, cfg.MaxConnsPerIP = 0, 0 // the fuzzer is one fast client
	cfg.JoinRatePerIP, cfg.MsgRatePerIP, cfg.UserListRatePerIP = 0, 0, 0
	cfg.WriteWindow = 0 // answer at once: the fuzzer waits for every reply
	ts := startServer(f, cfg)
	for _, m := range []*model.ChatRoomRequest{
		{Type: model.TypeTalk, Content: "你好"},
		{Type: model.TypeTalk, Content: " "},
		{Type: model.TypeUserList},
		{Type: model.TypeExit},
		{Type: "join", UserName: "mallory"},
		{Type: model.TypeTalk, UserName: "someone else", Content: "spoof", Seq: 1, Timestamp: -1},
	} {
		f.Add(true, model.Encode(m))
		f.Add(false, model.Encode(m))
	}
	f.Add(true, []byte{0x0a, 0x80})
	f.Add(false, []byte("talk hello"))
	f.Add(true, make([]byte, 5000))
	f.Fuzz(func(t *testing.T, binary bool, payload []byte) {
		ws, _, err := ts.dialRaw(dialOpts{})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(waitTime))
		ws.SetWriteDeadline(time.Now().Add(waitTime))
		for range 2 { // the guest's join and the user list
			if _, _, err := ws.ReadMessage(); err != nil {
				t.Fatalf("preamble: %v", err)
			}
		}
		kind := websocket.TextMessage
		if binary {
			kind = websocket.BinaryMessage
		}
		if err := ws.WriteMessage(kind, payload); err != nil {
			t.Fatalf("write: %v", err)
		}
		ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
		for range 10 {
			_, b, err := ws.ReadMessage()
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				if ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseMessageTooBig {
					return
				}
				t.Fatalf("closed with %d %q after %x", ce.Code, ce.Text, payload)
			case err != nil:
				t.Fatalf("after %x: %v", payload, err)
			}
			m, err := model.Decode(b)
			if err != nil {
				t.Fatalf("the server sent an undecodable frame %x: %v", b, err)
			}
			if m.Type == model.TypeUserList {
				return
			}
		}
		t.Fatalf("no user list after %x", payload)
	})
}
