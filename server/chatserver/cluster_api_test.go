package chatserver

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"chatroom/internal/natstest"
	"chatroom/internal/poll"
	"chatroom/model"
)

// TestAPIAcrossNodes: the server API of one node acts on a user connected
// to another (one NATS): the rooms list counts it, and a system message,
// its delete, a mute and a kick reach it.
func TestAPIAcrossNodes(t *testing.T) {
	url := natstest.Start(t)
	a := start(t, "-nats", url, "-node", "a", "-api-key", testAPIKey)
	b := start(t, "-nats", url, "-node", "b", "-api-key", testAPIKey)
	api := newAPIClient(t, b)
	alice := dialRooms(t, a.addr, "alice")
	err := poll.Until(context.Background(), waitTime, 20*time.Millisecond, func() error {
		room := api.want(http.StatusOK, "GET", "/api/rooms/lobby", nil)
		return poll.Check(room["members"] == 1.0, "node b counts %v members in the lobby", room["members"])
	})
	if err != nil {
		t.Fatal(err)
	}
	m := api.want(http.StatusOK, "POST", "/api/rooms/lobby/messages", map[string]any{"content": "from node b"})
	talk, _ := alice.untilTalk("from node b")
	if talk.UserName != model.SystemName || jsonInt(m["seq"]) != fmt.Sprint(talk.Seq) {
		t.Fatalf("alice got %v; node b said seq %v", talk, m["seq"])
	}
	api.want(http.StatusOK, "DELETE", fmt.Sprintf("/api/rooms/lobby/messages/%d", talk.Seq), nil)
	if del := alice.until(model.TypeDelete); del.TargetSeq != talk.Seq || del.By != "api" {
		t.Errorf("alice's delete event: %v", del)
	}
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/mute", map[string]any{"user": "alice", "duration_seconds": 60})
	if ev := alice.until(model.TypeMute); ev.UserName != "alice" {
		t.Errorf("alice's mute event: %v", ev)
	}
	alice.say("lobby", "am I muted?")
	if e := alice.refused(); e.Room != "lobby" {
		t.Errorf("alice's talk while muted: %v", e)
	}
	api.want(http.StatusOK, "POST", "/api/rooms/lobby/kick", map[string]any{"user": "alice", "reason": "bye"})
	wantClosed(t, alice.ws, 4001)
}
