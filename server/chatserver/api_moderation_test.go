package chatserver

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"chatroom/model"
)

// The server API's moderation over a real server, seen by connected
// clients and read back through the API: mute, topic, slow mode,
// moderators, bans, the audit trail, and the hub's refusals.

// apiRefused fails the test unless the answer is a refusal in words (4xx).
func apiRefused(t *testing.T, api *apiClient, method, path string, body any) string {
	t.Helper()
	reply := api.do(method, path, body)
	words := reply.errorText(t)
	if reply.status < 400 || reply.status >= 500 || words == "" {
		t.Errorf("%s %s: %d %s, want a refusal in words", method, path, reply.status, reply.body)
	}
	return words
}

// TestAPIMute: a muted user's talk is refused in words naming the room;
// the mute is listed; once lifted the user talks again.
func TestAPIMute(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	bob := apiRoomClients(t, r, "bob")["bob"]
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/mute", map[string]any{"user": "bob", "duration_seconds": 600, "reason": "calm down"})
	mutes := api.want(http.StatusOK, "GET", "/api/rooms/lobby/mutes", nil)["mutes"].([]any)
	if len(mutes) != 1 || mutes[0].(map[string]any)["user"] != "bob" || mutes[0].(map[string]any)["until"] == "" {
		t.Errorf("mutes: %v", mutes)
	}
	bob.say("lobby", "can I talk?")
	if e := bob.refused(); !strings.Contains(e.Content, "lobby") {
		t.Errorf("bob's muted talk: %v", e)
	}
	api.want(http.StatusOK, "DELETE", "/api/rooms/lobby/mute/bob", nil)
	bob.say("lobby", "back")
	bob.untilTalk("back")
	apiRefused(t, api, "DELETE", "/api/rooms/lobby/mute/bob", nil) // not muted now
}

// TestAPIRoomSettings: the topic, slow mode and moderators set through the
// API show in the room's details, and the topic reaches the room.
func TestAPIRoomSettings(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	alice := apiRoomClients(t, r, "alice", "bob")["alice"]
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/topic", map[string]any{"topic": "release day"})
	if ev := alice.until(model.TypeTopic); ev.Topic != "release day" || ev.Room != "lobby" {
		t.Errorf("alice's topic event: %v", ev)
	}
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/slow", map[string]any{"seconds": 5})
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/moderators/bob", nil)
	room := api.want(http.StatusOK, "GET", "/api/rooms/lobby", nil)
	if room["topic"] != "release day" || room["slow_seconds"] != 5.0 || fmt.Sprint(room["moderators"]) != "[bob]" || room["members"] != 2.0 {
		t.Errorf("the room's details: %v", room)
	}
	rooms := api.want(http.StatusOK, "GET", "/api/rooms", nil)["rooms"].([]any)
	if len(rooms) != 1 || rooms[0].(map[string]any)["topic"] != "release day" {
		t.Errorf("the rooms: %v", rooms)
	}
	api.want(http.StatusOK, "DELETE", "/api/rooms/lobby/moderators/bob", nil)
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/slow", map[string]any{"seconds": 0})
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/topic", map[string]any{"topic": ""})
	room = api.want(http.StatusOK, "GET", "/api/rooms/lobby", nil)
	if room["topic"] != "" || room["slow_seconds"] != 0.0 || fmt.Sprint(room["moderators"]) != "[]" {
		t.Errorf("the room's details after clearing: %v", room)
	}
	users := api.want(http.StatusOK, "GET", "/api/rooms/lobby/users?limit=1", nil)
	if fmt.Sprint(users["users"]) != "[alice]" || users["cursor"] != "alice" || users["count"] != 2.0 {
		t.Errorf("the first page of users: %v", users)
	}
	users = api.want(http.StatusOK, "GET", "/api/rooms/lobby/users?limit=1&cursor=alice", nil)
	if fmt.Sprint(users["users"]) != "[bob]" {
		t.Errorf("the second page of users: %v", users)
	}
}

// TestAPIBan: a room ban kicks the user online (closed with 4001: the
// room is its home) and keeps it out; it is listed, then lifted. A
// server-wide ban closes the connection with 4003.
func TestAPIBan(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	cs := apiRoomClients(t, r, "alice", "carol", "dave")
	api.want(http.StatusOK, "POST", "/api/bans", map[string]any{"user": "carol", "room": "lobby", "duration_seconds": 3600, "reason": "spam"})
	if k := cs["alice"].until(model.TypeBan); k.UserName != "carol" || k.By != "api" || k.Content != "spam" || k.Until == 0 {
		t.Errorf("alice's ban event: %v", k)
	}
	wantClosed(t, cs["carol"].ws, 4001)
	bans := api.want(http.StatusOK, "GET", "/api/bans?room=lobby", nil)["bans"].([]any)
	if len(bans) != 1 {
		t.Fatalf("bans: %v", bans)
	}
	if b := bans[0].(map[string]any); b["user"] != "carol" || b["room"] != "lobby" || b["by"] != "api" || b["reason"] != "spam" || b["until"] == "" {
		t.Errorf("the ban: %v", b)
	}
	if status, _, _ := handshake(t, websocket.DefaultDialer, "ws://"+r.addr+"/ws?room=lobby", http.Header{"Username": {"carol"}}); status == http.StatusSwitchingProtocols {
		t.Error("carol joined the room she is banned from")
	}
	api.want(http.StatusOK, "DELETE", "/api/bans?user=carol&room=lobby", nil)
	if bans := api.want(http.StatusOK, "GET", "/api/bans", nil)["bans"].([]any); len(bans) != 0 {
		t.Errorf("bans after the unban: %v", bans)
	}
	apiRefused(t, api, "DELETE", "/api/bans?user=carol&room=lobby", nil) // not banned now
	api.want(http.StatusOK, "POST", "/api/bans", map[string]any{"user": "dave", "reason": "abuse"})
	wantClosed(t, cs["dave"].ws, 4003)
	if bans := api.want(http.StatusOK, "GET", "/api/bans", nil)["bans"].([]any); len(bans) != 1 || bans[0].(map[string]any)["room"] != "" {
		t.Errorf("the server-wide ban: %v", bans)
	}
}

// wantClosed reads ws until it ends, which must be a close with code.
func wantClosed(t *testing.T, ws *websocket.Conn, code int) {
	t.Helper()
	var err error
	for range 1000 {
		if _, err = read(t, ws); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, code) {
		t.Errorf("the connection ended with %v, want close %d", err, code)
	}
}

// TestAPIAudit: every action through the API is in the audit trail, newest
// first, with actor api, in pages.
func TestAPIAudit(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	apiRoomClients(t, r, "alice", "bob")
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/mute", map[string]any{"user": "bob", "duration_seconds": 60, "reason": "one"})
	api.want(http.StatusOK, "PUT", "/api/rooms/lobby/topic", map[string]any{"topic": "two"})
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/kick", map[string]any{"user": "alice", "reason": "three"})
	page := api.want(http.StatusOK, "GET", "/api/audit?limit=2", nil)
	entries := page["entries"].([]any)
	if len(entries) != 2 || page["more"] != true {
		t.Fatalf("the first page: %v", page)
	}
	first, second := entries[0].(map[string]any), entries[1].(map[string]any)
	if first["action"] != model.TypeKick || first["target"] != "alice" || first["actor"] != "api" || first["reason"] != "three" || second["action"] != model.TypeTopic {
		t.Errorf("the newest entries: %v", entries)
	}
	page = api.want(http.StatusOK, "GET", "/api/audit?limit=2&before="+jsonInt(second["id"]), nil)
	entries = page["entries"].([]any)
	if len(entries) != 1 || page["more"] != false || entries[0].(map[string]any)["action"] != model.TypeMute || entries[0].(map[string]any)["duration_seconds"] != 60.0 {
		t.Errorf("the last page: %v", page)
	}
	if n := len(api.want(http.StatusOK, "GET", "/api/audit?room=elsewhere", nil)["entries"].([]any)); n != 0 {
		t.Errorf("another room's audit has %d entries", n)
	}
}

// TestAPIHubRefusals: what the hub refuses is answered 4xx in its words.
func TestAPIHubRefusals(t *testing.T) {
	r := start(t, "-api-key", testAPIKey)
	api := newAPIClient(t, r)
	apiRoomClients(t, r, "alice")
	apiRefused(t, api, "POST", "/api/rooms/lobby/kick", map[string]any{"user": "nobody"})
	apiRefused(t, api, "POST", "/api/rooms/nosuchroom/kick", map[string]any{"user": "alice"})
	apiRefused(t, api, "DELETE", "/api/rooms/lobby/messages/999999", nil)
	apiRefused(t, api, "POST", "/api/rooms/lobby/messages/", map[string]any{"content": "x"})
	apiRefused(t, api, "PUT", "/api/rooms/"+strings.Repeat("r", 200)+"/topic", map[string]any{"topic": "x"})
	apiRefused(t, api, "DELETE", "/api/bans?user=nobody", nil)
}
