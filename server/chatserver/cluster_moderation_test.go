package chatserver

import (
	"fmt"
	"net/http"
	"testing"

	"chatroom/internal/natstest"
	"chatroom/model"
)

// The moderation of a room across nodes (one NATS): what one node
// changes of a room's settings is not undone by another that does not
// follow the room.

// TestClusterRoomSettingsNotUndone: node a, where den's member is, names a
// moderator of den; node b, where no one is in den, then sets its topic.
// The store keeps both: a node started afterwards reads the moderator and
// the topic.
func TestClusterRoomSettingsNotUndone(t *testing.T) {
	url := natstest.Start(t)
	a := start(t, "-nats", url, "-node", "a", "-api-key", testAPIKey)
	b := start(t, "-nats", url, "-node", "b", "-api-key", testAPIKey)
	alice := dialRooms(t, a.addr, "alice", "den")
	newAPIClient(t, a).want(http.StatusOK, "PUT", "/api/rooms/den/moderators/bob", nil)
	alice.untilEvent(model.TypeRole, "bob")
	newAPIClient(t, b).want(http.StatusOK, "PUT", "/api/rooms/den/topic", map[string]any{"topic": "set on b"})
	if m := alice.until(model.TypeTopic); m.Topic != "set on b" {
		t.Fatalf("alice's topic event: %v", m)
	}
	c := start(t, "-nats", url, "-node", "c", "-api-key", testAPIKey)
	room := newAPIClient(t, c).want(http.StatusOK, "GET", "/api/rooms/den", nil)
	if room["topic"] != "set on b" || fmt.Sprint(room["moderators"]) != "[bob]" {
		t.Errorf("den read by a node started afterwards: topic %v, moderators %v", room["topic"], room["moderators"])
	}
}
