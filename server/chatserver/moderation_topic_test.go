package chatserver

import (
	"strings"
	"testing"

	"chatroom/model"
)

// Topics over real sockets: set by the owner, told to the room, to a
// joiner after its own join, and shown in the rooms list.

func TestModerationTopic(t *testing.T) {
	srv := startMod(t)
	alice := dialMod(t, srv.addr, "alice", "", "den")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "tea 茶"})
	if e := alice.until(model.TypeTopic); e.Topic != "tea 茶" || e.By != "alice" || e.Room != "den" || e.Seq == 0 {
		t.Errorf("topic event %v", e)
	}
	bob := dialMod(t, srv.addr, "bob", "", "den")
	if e := bob.until(model.TypeTopic); e.Topic != "tea 茶" || e.Seq != 0 {
		t.Errorf("joiner's topic %v", e)
	}
	bob.send(&model.ChatRoomRequest{Type: model.TypeRooms})
	list := bob.until(model.TypeRooms)
	found := false
	for _, r := range list.Rooms {
		found = found || r.Name == "den" && r.Topic == "tea 茶"
	}
	if !found {
		t.Errorf("rooms list %v has no den with its topic", list.Rooms)
	}
	// A plain user may not; a topic too long is refused.
	bob.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: "mine"})
	bob.refusedWith("den", "may set the topic there")
	alice.send(&model.ChatRoomRequest{Type: model.TypeTopic, Room: "den", Topic: strings.Repeat("x", model.MaxTopicBytes+1)})
	alice.refusedWith("den", "longer than 300 bytes")
	// The owner is told its role when it joins again.
	alice.send(&model.ChatRoomRequest{Type: model.TypePart, Room: "den"})
	alice.untilEvent(model.TypeLeave, "alice")
	alice.join("den")
	if r := alice.until(model.TypeRole); r.Role != model.RoleOwner || r.Room != "den" {
		t.Errorf("owner's role frame %v", r)
	}
}
