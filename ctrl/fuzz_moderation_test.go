package ctrl

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"chatroom/model"
	"chatroom/service"
)

// FuzzModeration sends one arbitrary moderation request, from a server
// admin (so that it reaches the hub's actions, not only the refusal of
// plain users), to a real server with -auth-secret, then a userlist
// request. The server must answer (an error or the action's event first
// is fine) and keep the admin's connection open.
//
//	go test -run '^$' -fuzz FuzzModeration -fuzztime 5m ./ctrl
func FuzzModeration(f *testing.F) {
	cfg := testConfig()
	cfg.History, cfg.Presence = 5, false
	cfg.MsgRate, cfg.MaxConnsPerIP = 0, 0
	cfg.JoinRatePerIP, cfg.MsgRatePerIP, cfg.UserListRatePerIP = 0, 0, 0
	cfg.WriteWindow = 0
	cfg.AuthSecret = strings.Repeat("k", 32)
	ts := startServer(f, cfg)
	for i, typ := range model.ModerationTypes() {
		f.Add(typ, "lobby", "bob", "reason", uint32(i), i%2 == 0, i%3 == 0, uint64(i), "moderator", "topic 话题")
	}
	f.Add(model.TypeBan, "", "root0", "", uint32(model.MaxModerationDuration+1), true, true, uint64(0), "", "")
	f.Add(model.TypeDelete, "no such room!", "", strings.Repeat("x", 400), uint32(0), false, false, ^uint64(0), "owner", "")
	iteration := 0
	f.Fuzz(func(t *testing.T, typ, room, to, content string, duration uint32, address, server bool, seq uint64, role, topic string) {
		iteration++
		name := fmt.Sprintf("root%d", iteration)
		tok, err := service.MintRoleToken([]byte(cfg.AuthSecret), name, nil, model.RoleAdmin, time.Hour, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		d := websocket.Dialer{HandshakeTimeout: waitTime}
		ws, _, err := d.Dial(ts.wsURL, http.Header{"Authorization": {"Bearer " + tok}})
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		defer ws.Close()
		ws.SetReadDeadline(time.Now().Add(waitTime))
		for { // the preamble: its join, then the user list
			_, b, err := ws.ReadMessage()
			if err != nil {
				t.Fatalf("preamble: %v", err)
			}
			if m, _ := model.Decode(b); m != nil && m.Type == model.TypeUserList {
				break
			}
		}
		valid := func(s string) string { return strings.ToValidUTF8(s, "?") }
		req := &model.ChatRoomRequest{Type: valid(typ), Room: valid(room), To: valid(to), Content: valid(content), Duration: duration,
			Address: address, Server: server, TargetSeq: seq, Before: seq, Role: valid(role), Topic: valid(topic), Limit: duration}
		if err := ws.WriteMessage(websocket.BinaryMessage, model.Encode(req)); err != nil {
			t.Fatalf("write: %v", err)
		}
		ws.WriteMessage(websocket.BinaryMessage, model.Encode(&model.ChatRoomRequest{Type: model.TypeUserList}))
		for range 20 {
			_, b, err := ws.ReadMessage()
			var ce *websocket.CloseError
			switch {
			case errors.As(err, &ce):
				t.Fatalf("closed with %d %q after %v", ce.Code, ce.Text, req)
			case err != nil:
				t.Fatalf("after %v: %v", req, err)
			}
			m, err := model.Decode(b)
			if err != nil {
				t.Fatalf("the server sent an undecodable frame %x: %v", b, err)
			}
			if m.Type == model.TypeUserList {
				return
			}
		}
		t.Fatalf("no user list after %v", req)
	})
}
