package chatserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// The server API's endpoints over a real server: what each does, seen by
// a connected WebSocket client where there is something to see, and each
// refusal of a request that is wrong.

// TestAPIRefusesBadRequests: a body that is not JSON, has an unknown field,
// is too big, is not sent as JSON or is missing; a bad seq, limit or before;
// values out of range. Each gets its status and words, and changes nothing.
func TestAPIRefusesBadRequests(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	dialRooms(t, r.addr, "alice")
	big := `{"content": "` + strings.Repeat("x", 70<<10) + `"}`
	for _, c := range []struct {
		method, path string
		body         any
		header       []string
		status       int
		words        string
	}{
		{"POST", "/api/rooms/lobby/messages", `{"content": `, nil, 400, "not the JSON"},
		{"POST", "/api/rooms/lobby/messages", `{"content": "hi", "colour": "red"}`, nil, 400, `unknown field "colour"`},
		{"POST", "/api/rooms/lobby/messages", `{"content": 7}`, nil, 400, "content must be a string, not a number"},
		{"POST", "/api/rooms/lobby/messages", `["hi"]`, nil, 400, "the body must be a JSON object, not an array"},
		{"POST", "/api/rooms/lobby/messages", `{"content": "a"} {"content": "b"}`, nil, 400, "nothing after it"},
		{"POST", "/api/rooms/lobby/messages", big, nil, 413, "over 65536 bytes"},
		{"POST", "/api/rooms/lobby/messages", `{"content": "hi"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type: application/json"},
		{"POST", "/api/rooms/lobby/messages", `{"content": "hi"}`, []string{"Content-Type", ""}, 415, "Content-Type: application/json"},
		{"POST", "/api/rooms/lobby/messages", nil, nil, 400, "a JSON body is needed"},
		{"POST", "/api/rooms/lobby/messages", `{"content": " "}`, nil, 422, "content: "},
		{"POST", "/api/rooms/lobby/messages", `{"content": "` + strings.Repeat("x", 5000) + `"}`, nil, 422, "longer than 4096 bytes"},
		{"DELETE", "/api/rooms/lobby/messages/abc", nil, nil, 400, `"abc" is not a message's seq`},
		{"DELETE", "/api/rooms/lobby/messages/0", nil, nil, 400, "is not a message's seq"},
		{"DELETE", "/api/rooms/lobby/messages/-1", nil, nil, 400, "is not a message's seq"},
		{"DELETE", "/api/rooms/lobby/messages/99999999999999999999", nil, nil, 400, "is not a message's seq"},
		{"DELETE", "/api/rooms/lobby/messages/1", `{"reason": "` + strings.Repeat("r", 301) + `"}`, nil, 422, "at most 300 bytes"},
		{"POST", "/api/rooms/lobby/kick", `{"reason": "no user"}`, nil, 422, "user is missing"},
		{"POST", "/api/rooms/lobby/kick", `{"user": "alice", "why": "x"}`, nil, 400, `unknown field "why"`},
		{"POST", "/api/rooms/lobby/mute", `{"user": "alice", "duration_seconds": -1}`, nil, 422, "duration_seconds must be from 0"},
		{"POST", "/api/rooms/lobby/mute", `{"user": "alice", "duration_seconds": 1.5}`, nil, 400, "duration_seconds must be a whole number, not 1.5"},
		{"POST", "/api/rooms/lobby/mute", fmt.Sprintf(`{"user": "alice", "duration_seconds": %d}`, model.MaxModerationDuration+1), nil, 422, "duration_seconds must be from 0"},
		{"PUT", "/api/rooms/lobby/topic", `{"topic": "` + strings.Repeat("t", model.MaxTopicBytes+1) + `"}`, nil, 422, "at most 300 bytes"},
		{"PUT", "/api/rooms/lobby/slow", `{"seconds": -5}`, nil, 422, "seconds must be from 0"},
		{"PUT", "/api/rooms/lobby/slow", `{}`, nil, 422, "seconds is missing"},
		{"PUT", "/api/rooms/lobby/topic", `{}`, nil, 422, "topic is missing"},
		{"POST", "/api/bans", `{"room": "lobby"}`, nil, 422, "user is missing"},
		{"DELETE", "/api/bans?room=lobby", nil, nil, 400, "user is missing"},
		{"GET", "/api/rooms/lobby/users?limit=0", nil, nil, 400, "limit must be"},
		{"GET", "/api/rooms/lobby/users?limit=1001", nil, nil, 400, "limit must be"},
		{"GET", "/api/audit?limit=x", nil, nil, 400, "limit must be"},
		{"GET", "/api/audit?before=-3", nil, nil, 400, "before must be"},
		{"GET", "/api/rooms/nosuchroom", nil, nil, 404, "no such room: nosuchroom"},
		{"GET", "/api/rooms/nosuchroom/users", nil, nil, 404, "no such room: nosuchroom"},
		{"POST", "/api/rooms/nosuchroom/messages", `{"content": "hi"}`, nil, 404, "no such room: nosuchroom"},
		{"POST", "/api/rooms", `{}`, nil, 405, "this endpoint takes GET"},
		{"GET", "/api/rooms/lobby/nothing", nil, nil, 404, "no such endpoint"},
	} {
		reply := api.do(c.method, c.path, c.body, c.header...)
		if reply.status != c.status || !strings.Contains(reply.errorText(t), c.words) {
			t.Errorf("%s %s %.60v: %d %.200s, want %d %q", c.method, c.path, c.body, reply.status, reply.body, c.status, c.words)
		}
	}
}

// apiRoomClients are users in the default room for an API test.
func apiRoomClients(t *testing.T, r *running, names ...string) map[string]*roomClient {
	t.Helper()
	cs := map[string]*roomClient{}
	for _, n := range names {
		cs[n] = dialRooms(t, r.addr, n)
	}
	return cs
}

// TestAPISystemMessageAndDelete: a system message reaches a connected
// client as a talk from "server" with the seq the API answered; deleting
// it through the API tells the client to drop it, and the history keeps
// a tombstone.
func TestAPISystemMessageAndDelete(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	alice := apiRoomClients(t, r, "alice")["alice"]
	m := api.want(http.StatusOK, "POST", "/api/rooms/lobby/messages", map[string]any{"content": "maintenance at noon"})
	seq, _ := m["seq"].(float64)
	talk, _ := alice.untilTalk("maintenance at noon")
	if talk.UserName != model.SystemName || talk.Room != "lobby" || float64(talk.Seq) != seq || seq == 0 {
		t.Fatalf("alice got %v, the API said seq %v", talk, seq)
	}
	api.want(http.StatusOK, "DELETE", fmt.Sprintf("/api/rooms/lobby/messages/%d", talk.Seq), map[string]any{"reason": "sent by mistake"})
	del := alice.until(model.TypeDelete)
	if del.TargetSeq != talk.Seq || del.Room != "lobby" || del.By != "api" || del.UserName != model.SystemName {
		t.Errorf("alice's delete event: %v", del)
	}
	reply := api.do("DELETE", fmt.Sprintf("/api/rooms/lobby/messages/%d", talk.Seq), nil)
	if reply.status != http.StatusNotFound {
		t.Errorf("deleting it again: %d %s, want 404", reply.status, reply.body)
	}
	alice.send(&model.ChatRoomRequest{Type: model.TypeHistory, Room: "lobby", Limit: 10})
	h := alice.until(model.TypeHistory)
	for _, old := range h.Messages {
		if old.Seq == talk.Seq && (old.Type != model.TypeDelete || old.Content != "") {
			t.Errorf("the history keeps %v, want its tombstone", old)
		}
	}
}

// TestAPIKick: a kick through the API reaches the room as a kick event
// with its reason, and the target's connection (the room is its home) is
// closed with 4001.
func TestAPIKick(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	cs := apiRoomClients(t, r, "alice", "bob")
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/kick", map[string]any{"user": "bob", "reason": "flooding"})
	for _, c := range []*roomClient{cs["alice"], cs["bob"]} {
		k := c.until(model.TypeKick)
		if k.UserName != "bob" || k.By != "api" || k.Content != "flooding" || k.Room != "lobby" {
			t.Errorf("%s's kick event: %v", c.name, k)
		}
	}
	var err error
	for range 100 {
		if _, err = read(t, cs["bob"].ws); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, 4001) {
		t.Errorf("bob's connection ended with %v, want close 4001", err)
	}
	reply := api.do("POST", "/api/rooms/lobby/kick", map[string]any{"user": "nobody"})
	if reply.status < 400 || reply.status >= 500 {
		t.Errorf("kicking nobody: %d %s, want a refusal", reply.status, reply.body)
	}
}
